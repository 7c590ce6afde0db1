package chaos

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/squall-bench/squall/compose"
)

// Faults on a docker node's network: partition takes it off the run's peer
// network; latency and loss shape its traffic with tc netem in its network
// namespace (latency where the kernel has sch_netem: proxy.go otherwise).

func (in *Injector) partition(ctx context.Context, _ Step, n *compose.Node) (undoFunc, error) {
	tg := in.tg
	if err := tg.Disconnect(ctx, n); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return tg.Reconnect(ctx, n) }, nil
}

// shape injects latency or loss.
func (in *Injector) shape(ctx context.Context, s Step, n *compose.Node) (undoFunc, error) {
	tg := in.tg
	args, err := netemArgs(s)
	if err != nil {
		return nil, err
	}
	if err := netem(ctx, tg, n, args); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return netem(ctx, tg, n, nil) }, nil
}

// needsNetem says why this machine cannot shape a container's network.
func needsNetem(s Step) string {
	if err := netemAvailable(); err != nil {
		return fmt.Sprintf("%s needs tc netem: %v", s.Action, err)
	}
	return ""
}

func checkLoss(s Step, _ Shape) string {
	if _, err := paramPercent(s); err != nil {
		return err.Error()
	}
	return ""
}

// netemArgs are the netem parameters of a latency or loss step.
func netemArgs(s Step) ([]string, error) {
	if s.Action == "loss" {
		p, err := paramPercent(s)
		if err != nil {
			return nil, err
		}
		return []string{"loss", strconv.FormatFloat(p, 'f', -1, 64) + "%"}, nil
	}
	d, err := paramDuration(s, "delay", true)
	if err != nil {
		return nil, err
	}
	j, err := paramDuration(s, "jitter", false)
	if err != nil {
		return nil, err
	}
	args := []string{"delay", d.String()}
	if j > 0 {
		args = append(args, j.String())
	}
	return args, nil
}

func paramDuration(s Step, name string, required bool) (time.Duration, error) {
	v := s.param(name)
	if v == "" {
		if required {
			return 0, fmt.Errorf("%s needs params.%s, e.g. 100ms", s.Action, name)
		}
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s params.%s: expected a duration like 100ms, got %q", s.Action, name, v)
	}
	return d, nil
}

func paramPercent(s Step) (float64, error) {
	v := strings.TrimSuffix(s.param("percent"), "%")
	if v == "" {
		return 0, fmt.Errorf("loss needs params.percent, e.g. 5")
	}
	p, err := strconv.ParseFloat(v, 64)
	if err != nil || p <= 0 || p > 100 {
		return 0, fmt.Errorf("loss params.percent: expected a number in (0, 100], got %q", s.param("percent"))
	}
	return p, nil
}

var netemProbe = sync.OnceValue(func() error {
	if _, err := exec.LookPath("tc"); err != nil {
		return fmt.Errorf("tc is not installed (Debian package iproute2)")
	}
	if _, err := exec.LookPath("nsenter"); err != nil {
		return fmt.Errorf("nsenter is not installed (Debian package util-linux)")
	}
	// Shape the loopback of a throwaway network namespace: fails the same
	// way a container's would when the kernel lacks sch_netem.
	out, err := exec.Command("unshare", "-n", "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms").CombinedOutput()
	if err != nil {
		return fmt.Errorf("this machine cannot run it (%s): the kernel needs the sch_netem module and squall needs root", strings.TrimSpace(string(out)))
	}
	return nil
})

// netemAvailable reports whether tc netem can shape a container's network here.
func netemAvailable() error { return netemProbe() }

// netem applies (args non-nil) or removes (nil) a netem qdisc on every
// interface of a docker node's network namespace.
func netem(ctx context.Context, tg *compose.Target, n *compose.Node, args []string) error {
	pid, err := tg.ContainerPid(n)
	if err != nil {
		return err
	}
	dev, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/dev", pid))
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(dev), "\n")[2:] {
		iface, _, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || iface == "lo" {
			continue
		}
		cmd := []string{"-t", fmt.Sprint(pid), "-n", "tc", "qdisc"}
		if args == nil {
			cmd = append(cmd, "del", "dev", iface, "root")
		} else {
			cmd = append(append(cmd, "replace", "dev", iface, "root", "netem"), args...)
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var out bytes.Buffer
		c := exec.CommandContext(cctx, "nsenter", cmd...)
		c.Stdout, c.Stderr = &out, &out
		err := c.Run()
		cancel()
		if err != nil && args != nil {
			return fmt.Errorf("tc on %s: %v: %s", iface, err, strings.TrimSpace(out.String()))
		}
	}
	return nil
}

package chaos

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/squall-bench/squall/compose"
)

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

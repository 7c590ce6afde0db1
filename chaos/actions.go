package chaos

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/squall-bench/squall/compose"
)

// undoFunc heals a fault; nil means the fault needs no healing.
type undoFunc func(context.Context) error

// act injects one step's fault into one node and returns how to undo it.
func (in *Injector) act(ctx context.Context, s Step, n *compose.Node) (undoFunc, error) {
	tg := in.tg
	switch s.Action {
	case "kill":
		if err := tg.Kill(ctx, n); err != nil {
			return nil, err
		}
		in.down(&in.killed, n, true)
		return in.startAgain(s, n, &in.killed), nil
	case "stop":
		if err := tg.Stop(ctx, n); err != nil {
			return nil, err
		}
		in.down(&in.stopped, n, true)
		return in.startAgain(s, n, &in.stopped), nil
	case "start":
		in.down(&in.killed, n, false)
		in.down(&in.stopped, n, false)
		return nil, tg.Start(ctx, n)
	case "restart":
		if isDown(n, in.snapshot(&in.killed), in.snapshot(&in.stopped)) {
			in.down(&in.killed, n, false)
			in.down(&in.stopped, n, false)
			return nil, tg.Start(ctx, n)
		}
		if err := tg.Stop(ctx, n); err != nil {
			return nil, err
		}
		return nil, tg.Start(ctx, n)
	case "pause":
		if err := tg.Pause(ctx, n); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error { return tg.Resume(ctx, n) }, nil
	case "partition":
		if err := tg.Disconnect(ctx, n); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error { return tg.Reconnect(ctx, n) }, nil
	case "latency", "loss":
		args, err := netemArgs(s)
		if err != nil {
			return nil, err
		}
		if err := netem(ctx, tg, n, args); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error { return netem(ctx, tg, n, nil) }, nil
	case "failover":
		return nil, in.failover(ctx, s, n)
	case "client-pause":
		mode := strings.ToUpper(s.param("mode"))
		if mode == "" {
			mode = "WRITE"
		}
		ms := s.Duration.Milliseconds()
		if err := in.admin(ctx, n, 0, "client", "pause", ms, mode); err != nil {
			return nil, err
		}
		// It expires by itself; the undo only matters when a run is cut short.
		return func(ctx context.Context) error { return in.admin(ctx, n, 0, "client", "unpause") }, nil
	case "debug-sleep":
		// DEBUG SLEEP blocks the server and the connection that sent it, so
		// it runs on its own connection while the run goes on.
		secs := strconv.FormatFloat(s.Duration.Seconds(), 'f', 3, 64)
		in.wg.Add(1)
		go func() {
			defer in.wg.Done()
			_ = in.admin(context.WithoutCancel(ctx), n, s.Duration, "debug", "sleep", secs)
		}()
		return nil, nil
	case "bgsave":
		return nil, in.admin(ctx, n, 0, "bgsave")
	case "bgrewriteaof":
		return nil, in.admin(ctx, n, 0, "bgrewriteaof")
	case "config":
		return in.config(ctx, s, n)
	}
	return nil, fmt.Errorf("unknown action %q", s.Action)
}

// startAgain is the undo of a timed kill or stop: start the node with its
// data. Untimed ones stay down until a later step (or the teardown).
func (in *Injector) startAgain(s Step, n *compose.Node, list *[]*compose.Node) undoFunc {
	if s.Duration == 0 {
		return nil
	}
	return func(ctx context.Context) error {
		if !isDown(n, in.snapshot(list)) {
			return nil // a later step started it
		}
		in.down(list, n, false)
		return in.tg.Start(ctx, n)
	}
}

func (in *Injector) snapshot(list *[]*compose.Node) []*compose.Node {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]*compose.Node(nil), (*list)...)
}

// down adds n to (or removes it from) a list of nodes that are down.
func (in *Injector) down(list *[]*compose.Node, n *compose.Node, add bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := (*list)[:0]
	for _, d := range *list {
		if d != n {
			out = append(out, d)
		}
	}
	if add {
		out = append(out, n)
	}
	*list = out
}

// failover asks for a planned switchover away from primary n.
func (in *Injector) failover(ctx context.Context, s Step, n *compose.Node) error {
	mode := strings.ToUpper(s.param("mode"))
	switch in.tg.Topology {
	case "sentinel":
		ss := in.tg.Sentinels()
		if len(ss) == 0 {
			return fmt.Errorf("no sentinels")
		}
		var err error
		for _, sn := range ss { // the first sentinel that answers runs it
			if err = in.admin(ctx, sn, 0, "sentinel", "failover", in.tg.MasterName()); err == nil {
				return nil
			}
		}
		return err
	case "cluster":
		// CLUSTER FAILOVER runs on a replica of the shard; it replies OK
		// before the failover happens, which Watch then observes.
		for _, r := range in.roles(ctx) {
			if r.Role == "replica" && r.Primary == n {
				args := []any{"cluster", "failover"}
				if mode != "" {
					args = append(args, mode)
				}
				return in.admin(ctx, r.Node, 0, args...)
			}
		}
		return fmt.Errorf("%s has no replica in sync to fail over to", n.Name)
	}
	args := []any{"failover"}
	if mode == "FORCE" {
		for _, r := range in.roles(ctx) {
			if r.Role == "replica" && r.Primary == n {
				host, port, _ := strings.Cut(r.Node.Internal, ":")
				args = append(args, "to", host, port, "force", "timeout", 5000)
				break
			}
		}
	}
	return in.admin(ctx, n, 0, args...)
}

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

package chaos

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/squall-bench/squall/compose"
)

// Faults the server carries out on command, which therefore also run on an
// external target: failover, client-pause, debug-sleep, bgsave and
// bgrewriteaof.

// failover asks for a planned switchover away from primary n.
func (in *Injector) failover(ctx context.Context, s Step, n *compose.Node) (undoFunc, error) {
	mode := strings.ToUpper(s.param("mode"))
	switch in.tg.Topology {
	case "sentinel":
		ss := in.tg.Sentinels()
		if len(ss) == 0 {
			return nil, fmt.Errorf("no sentinels")
		}
		var err error
		for _, sn := range ss { // the first sentinel that answers runs it
			if err = in.admin(ctx, sn, 0, "sentinel", "failover", in.tg.MasterName()); err == nil {
				return nil, nil
			}
		}
		return nil, err
	case "cluster":
		// CLUSTER FAILOVER runs on a replica of the shard; it replies OK
		// before the failover happens, which Watch then observes.
		for _, r := range in.roles(ctx) {
			if r.Role == "replica" && r.Primary == n {
				args := []any{"cluster", "failover"}
				if mode != "" {
					args = append(args, mode)
				}
				return nil, in.admin(ctx, r.Node, 0, args...)
			}
		}
		return nil, fmt.Errorf("%s has no replica in sync to fail over to", n.Name)
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
	return nil, in.admin(ctx, n, 0, args...)
}

func checkFailover(s Step, sh Shape) string {
	switch {
	case sh.Topology == "standalone" && sh.Replicas == 0:
		return "failover needs a replica to promote: set target.replicas, or use topology sentinel or cluster"
	case s.Target != "primary" && s.Target != "random-primary" && !strings.HasPrefix(s.Target, "node:"):
		return "failover acts on a primary: use target primary, random-primary (cluster) or node:NAME"
	}
	mode := strings.ToUpper(s.param("mode"))
	switch {
	case mode == "":
	case sh.Topology == "cluster" && (mode == "FORCE" || mode == "TAKEOVER"):
	case sh.Topology == "standalone" && mode == "FORCE":
	default:
		return fmt.Sprintf("failover params.mode %q: cluster takes FORCE or TAKEOVER, standalone FORCE, sentinel none", s.param("mode"))
	}
	return ""
}

func (in *Injector) clientPause(ctx context.Context, s Step, n *compose.Node) (undoFunc, error) {
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
}

func checkClientPause(s Step, _ Shape) string {
	if m := strings.ToUpper(s.param("mode")); m != "" && m != "WRITE" && m != "ALL" {
		return fmt.Sprintf("client-pause params.mode %q: expected WRITE or ALL", s.param("mode"))
	}
	return ""
}

func (in *Injector) debugSleep(ctx context.Context, s Step, n *compose.Node) (undoFunc, error) {
	// DEBUG SLEEP blocks the server and the connection that sent it, so
	// it runs on its own connection while the run goes on.
	secs := strconv.FormatFloat(s.Duration.Seconds(), 'f', 3, 64)
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		_ = in.admin(context.WithoutCancel(ctx), n, s.Duration, "debug", "sleep", secs)
	}()
	return nil, nil
}

func (in *Injector) bgsave(ctx context.Context, _ Step, n *compose.Node) (undoFunc, error) {
	return nil, in.admin(ctx, n, 0, "bgsave")
}

func (in *Injector) bgrewriteaof(ctx context.Context, _ Step, n *compose.Node) (undoFunc, error) {
	return nil, in.admin(ctx, n, 0, "bgrewriteaof")
}

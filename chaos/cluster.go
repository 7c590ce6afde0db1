package chaos

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/squall-bench/squall/compose"
)

// Cluster operations under load: reshard moves hash slots, keys and all,
// from one primary to another while the load runs (compose.MoveSlots).
// Clients that follow ASK and MOVED lose nothing; the result's errors
// count the redirects by class. squall does not move the slots back: a
// reshard runs only on squall's own nodes.

// reshard moves params.slots of primary n's slots, its lowest first (as
// redis-cli --cluster reshard takes them), to params.to, or to the
// primary serving the fewest slots. It returns once the last slot is
// handed over, which is when the fault counts as healed.
func (in *Injector) reshard(ctx context.Context, s Step, n *compose.Node) (undoFunc, error) {
	want, err := paramSlots(s)
	if err != nil {
		return nil, err
	}
	have, err := in.tg.ClusterSlots(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("reshard: the slots of %s: %w", n.Name, err)
	}
	if len(have) < want {
		return nil, fmt.Errorf("reshard: %s serves %d slots, fewer than the %d to move", n.Name, len(have), want)
	}
	to, err := in.reshardDestination(ctx, s, n)
	if err != nil {
		return nil, err
	}
	mv, err := in.tg.MoveSlots(ctx, n, to, have[:want])
	in.settled(n)
	label := fmt.Sprintf("reshard done: %d slots, %d keys from %s to %s in %.1fs", mv.Slots, mv.Keys, n.Name, to.Name, mv.Took.Seconds())
	if err != nil {
		label = fmt.Sprintf("reshard stopped after %d slots, %d keys from %s to %s: %v", mv.Slots, mv.Keys, n.Name, to.Name, err)
	}
	in.mark(Mark{At: in.since(), Label: label})
	return nil, err
}

// reshardDestination is params.to, or else the primary other than from
// serving the fewest slots (the first in node order on a tie).
func (in *Injector) reshardDestination(ctx context.Context, s Step, from *compose.Node) (*compose.Node, error) {
	if name := s.param("to"); name != "" {
		to := in.tg.Node(name)
		if to == nil {
			return nil, fmt.Errorf("reshard: params.to: the target has no node %s", name)
		}
		if r := in.roleOf(ctx, to); r != "primary" {
			return nil, fmt.Errorf("reshard: params.to: %s is not a primary now (%s)", name, r)
		}
		return to, nil
	}
	var best *compose.Node
	fewest := 0
	for _, p := range in.primaries(ctx) {
		if p == from {
			continue
		}
		slots, err := in.tg.ClusterSlots(ctx, p)
		if err != nil {
			continue
		}
		if best == nil || len(slots) < fewest {
			best, fewest = p, len(slots)
		}
	}
	if best == nil {
		return nil, fmt.Errorf("reshard: no other primary answers to move slots to")
	}
	return best, nil
}

// settled sets when the last fault fired at n was healed: now.
func (in *Injector) settled(n *compose.Node) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for i := len(in.fired) - 1; i >= 0; i-- {
		if f := in.fired[i]; f.Node == n.Name && f.HealedAt == 0 {
			f.HealedAt = in.since()
			return
		}
	}
}

// paramSlots reads params.slots: how many slots to move.
func paramSlots(s Step) (int, error) {
	v := s.param("slots")
	if v == "" {
		return 0, fmt.Errorf("%s needs params.slots, how many hash slots to move, e.g. 2000", s.Action)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 16383 {
		return 0, fmt.Errorf("%s params.slots: expected a whole number of slots from 1 to 16383, got %q", s.Action, v)
	}
	return n, nil
}

func checkReshard(s Step, sh Shape) string {
	if sh.Topology != "cluster" {
		return fmt.Sprintf("%s moves hash slots between a cluster's primaries; the topology is %s", s.Action, sh.Topology)
	}
	if s.Target != "primary" && s.Target != "random-primary" && !strings.HasPrefix(s.Target, "node:") {
		return fmt.Sprintf("%s moves slots away from a primary: use target primary, random-primary or node:NAME", s.Action)
	}
	if _, err := paramSlots(s); err != nil {
		return err.Error()
	}
	if to := s.param("to"); to != "" && sh.Nodes != nil && !slices.Contains(sh.Nodes, to) {
		return fmt.Sprintf("%s params.to: the target has no node %q; its nodes are %s", s.Action, to, strings.Join(sh.Nodes, ", "))
	}
	if to := s.param("to"); to != "" && s.Target == "node:"+to {
		return fmt.Sprintf("%s params.to: %s is also the node the slots move from", s.Action, to)
	}
	for k := range s.Params {
		if k != "slots" && k != "to" {
			return fmt.Sprintf("%s params.%s: unknown; it takes slots and to", s.Action, k)
		}
	}
	return ""
}

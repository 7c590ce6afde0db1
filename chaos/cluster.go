package chaos

import (
	"context"
	"fmt"
	"maps"
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
	if msg := checkClusterPrimary(s, sh, "moves hash slots between a cluster's primaries", "moves slots away from a primary"); msg != "" {
		return msg
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

// removeShard scales in: every slot of primary n moves to the other
// primaries (contiguous shares, the larger ones to those serving the
// fewest), then n and its replicas are forgotten by the rest of the
// cluster and stopped. It returns once they are, which is when the fault
// counts as healed. squall does not bring the shard back.
func (in *Injector) removeShard(ctx context.Context, _ Step, n *compose.Node) (undoFunc, error) {
	have, err := in.tg.ClusterSlots(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("remove-shard: the slots of %s: %w", n.Name, err)
	}
	type dest struct {
		p     *compose.Node
		slots int
	}
	var to []dest
	gone := []*compose.Node{n}
	for _, r := range in.roles(ctx) {
		switch {
		case r.Node == n || r.Node.Kind != "redis":
		case r.Role == "replica" && r.Primary == n:
			gone = append(gone, r.Node)
		case r.Role == "primary":
			s, err := in.tg.ClusterSlots(ctx, r.Node)
			if err == nil {
				to = append(to, dest{r.Node, len(s)})
			}
		}
	}
	if len(to) == 0 {
		return nil, fmt.Errorf("remove-shard: no other primary answers to take %s's slots", n.Name)
	}
	slices.SortStableFunc(to, func(a, b dest) int { return a.slots - b.slots })
	// A primary left without slots would turn itself into a replica of
	// the node that took its last ones and pull a full copy of its data,
	// just before it is stopped.
	_ = in.admin(ctx, n, 0, "config", "set", "cluster-allow-replica-migration", "no")
	var slots, keys int
	var names []string
	start := in.since()
	for i, d := range to {
		share := have[i*len(have)/len(to) : (i+1)*len(have)/len(to)]
		mv, err := in.tg.MoveSlots(ctx, n, d.p, share)
		slots, keys = slots+mv.Slots, keys+mv.Keys
		names = append(names, d.p.Name)
		if err != nil {
			in.mark(Mark{At: in.since(), Label: fmt.Sprintf("remove-shard stopped after %d slots, %d keys: %v", slots, keys, err)})
			return nil, err
		}
	}
	var names2 []string
	for _, g := range gone {
		names2 = append(names2, g.Name)
	}
	err = in.tg.Forget(ctx, gone)
	for _, g := range gone {
		if serr := in.tg.Stop(ctx, g); serr != nil && err == nil {
			err = serr
		}
	}
	in.settled(n)
	label := fmt.Sprintf("remove-shard done: %d slots, %d keys to %s; %s forgotten and stopped in %.1fs",
		slots, keys, strings.Join(names, ", "), strings.Join(names2, ", "), (in.since() - start).Seconds())
	if err != nil {
		label = fmt.Sprintf("remove-shard: %d slots, %d keys to %s; %v", slots, keys, strings.Join(names, ", "), err)
	}
	in.mark(Mark{At: in.since(), Label: label})
	return nil, err
}

func checkRemoveShard(s Step, sh Shape) string {
	if msg := checkClusterPrimary(s, sh, "takes a shard out of a cluster", "removes a primary and its replicas"); msg != "" {
		return msg
	}
	return noParams(s)
}

// checkClusterPrimary says why a cluster operation's step does not fit:
// the topology is not a cluster, or the target is not a primary. does and
// acts say what the action does, for the messages.
func checkClusterPrimary(s Step, sh Shape, does, acts string) string {
	if sh.Topology != "cluster" {
		return fmt.Sprintf("%s %s; the topology is %s", s.Action, does, sh.Topology)
	}
	if s.Target != "primary" && s.Target != "random-primary" && !strings.HasPrefix(s.Target, "node:") {
		return fmt.Sprintf("%s %s: use target primary, random-primary or node:NAME", s.Action, acts)
	}
	return ""
}

// addShard scales out: spare node n (started empty with the target, see
// compose.Spec.Spares) is met by every member of the cluster, and once all
// know it each primary hands it an equal share of its slots, its lowest
// first: with P primaries, len(slots)/(P+1) each, so the new primary ends
// with about 1/(P+1) of the slots. It returns once the last slot is
// handed over, which is when the fault counts as healed.
func (in *Injector) addShard(ctx context.Context, _ Step, n *compose.Node) (undoFunc, error) {
	from := in.primaries(ctx) // before the join: the spare is not one of them
	start := in.since()
	if err := in.tg.Join(ctx, n); err != nil {
		in.mark(Mark{At: in.since(), Label: fmt.Sprintf("add-shard: %s did not join: %v", n.Name, err)})
		return nil, err
	}
	joined := in.since() - start
	var slots, keys int
	var names []string
	for _, p := range from {
		have, err := in.tg.ClusterSlots(ctx, p)
		if err == nil {
			var mv compose.Moved
			mv, err = in.tg.MoveSlots(ctx, p, n, have[:len(have)/(len(from)+1)])
			slots, keys = slots+mv.Slots, keys+mv.Keys
		}
		if err != nil {
			in.settled(n)
			in.mark(Mark{At: in.since(), Label: fmt.Sprintf("add-shard stopped after %d slots, %d keys to %s: %s: %v", slots, keys, n.Name, p.Name, err)})
			return nil, err
		}
		names = append(names, p.Name)
	}
	in.settled(n)
	in.mark(Mark{At: in.since(), Label: fmt.Sprintf("add-shard done: %s joined in %.1fs; %d slots, %d keys from %s in %.1fs",
		n.Name, joined.Seconds(), slots, keys, strings.Join(names, ", "), (in.since() - start).Seconds())})
	return nil, nil
}

func checkAddShard(s Step, sh Shape) string {
	if sh.Topology != "cluster" {
		return fmt.Sprintf("%s adds a primary to a cluster; the topology is %s", s.Action, sh.Topology)
	}
	if s.Target != "spare" {
		return fmt.Sprintf("%s joins one of the empty nodes squall starts for it: use target spare", s.Action)
	}
	if s.Every > 0 {
		return fmt.Sprintf("%s fires once (squall starts one spare node per add-shard step): write a step for each shard to add", s.Action)
	}
	return noParams(s)
}

// noParams says why a step of an action that takes no parameters does not
// fit: its first parameter.
func noParams(s Step) string {
	if len(s.Params) > 0 {
		keys := slices.Sorted(maps.Keys(s.Params))
		return fmt.Sprintf("%s params.%s: unknown; it takes no parameters", s.Action, keys[0])
	}
	return ""
}

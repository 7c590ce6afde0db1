package compose

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Resharding moves hash slots between the primaries of a cluster the way
// redis-cli --cluster reshard does, slot by slot (in steps of slotsAtOnce
// slots, each stage pipelined), while clients keep
// writing: the destination marks the slot IMPORTING, the source MIGRATING
// (from then on the source answers ASK for the slot's keys it no longer
// holds), the keys move in batches with MIGRATE (each key atomically: it is
// on one node or the other, never both, never neither), and SETSLOT NODE on
// both ends and on every other primary hands the slot over (the source then
// answers MOVED). Clients that follow ASK and MOVED lose nothing.

// migrateBatch is how many keys one MIGRATE carries (redis-cli's default
// pipeline is 10; larger batches mean fewer round trips for a slot of many
// small keys).
const migrateBatch = 100

// migrateTimeout is MIGRATE's own timeout, in milliseconds, for one batch.
const migrateTimeout = 10000

// Moved is what MoveSlots did.
type Moved struct {
	Slots int           // slots handed over
	Keys  int           // keys migrated with them
	Took  time.Duration // from the first SETSLOT to the last
}

// ClusterSlots returns the slots primary n serves now, ascending, from its
// own CLUSTER SLOTS.
func (t *Target) ClusterSlots(ctx context.Context, n *Node) ([]int, error) {
	c := t.admin(n)
	defer c.Close()
	id, err := c.ClusterMyID(ctx).Result()
	if err != nil {
		return nil, err
	}
	ranges, err := c.ClusterSlots(ctx).Result()
	if err != nil {
		return nil, err
	}
	var slots []int
	seen := make([]bool, clusterSlots)
	for _, r := range ranges {
		if len(r.Nodes) == 0 || r.Nodes[0].ID != id || r.Start < 0 || r.End >= clusterSlots {
			continue
		}
		for s := r.Start; s <= r.End; s++ {
			seen[s] = true
		}
	}
	for s, ok := range seen {
		if ok {
			slots = append(slots, s)
		}
	}
	return slots, nil
}

// MoveSlots hands slots over from primary from to primary to, keys and all,
// on a cluster of squall's own nodes or an external one. It stops at the
// first error (the slot being moved stays MIGRATING/IMPORTING, which
// clients still follow with ASK) or when ctx ends, and reports what it
// moved up to there.
func (t *Target) MoveSlots(ctx context.Context, from, to *Node, slots []int) (mv Moved, err error) {
	if t.Topology != "cluster" {
		return mv, fmt.Errorf("move slots: the topology is %s, not cluster", t.Topology)
	}
	if from == to {
		return mv, fmt.Errorf("move slots: %s to itself", from.Name)
	}
	src, dst := t.admin(from), t.admin(to)
	defer src.Close()
	defer dst.Close()
	srcID, err := src.ClusterMyID(ctx).Result()
	if err != nil {
		return mv, fmt.Errorf("move slots: %s: %w", from.Name, err)
	}
	dstID, err := dst.ClusterMyID(ctx).Result()
	if err != nil {
		return mv, fmt.Errorf("move slots: %s: %w", to.Name, err)
	}
	var others []*redis.Client
	for _, p := range t.Primaries(ctx) {
		if p != from && p != to {
			c := t.admin(p)
			defer c.Close()
			others = append(others, c)
		}
	}
	host, port := splitHostPort(to.Internal)
	start := time.Now()
	defer func() { mv.Took = time.Since(start) }()
	for len(slots) > 0 {
		if err := ctx.Err(); err != nil {
			return mv, err
		}
		step := slots[:min(slotsAtOnce, len(slots))]
		keys, err := t.moveStep(ctx, src, dst, others, srcID, dstID, host, port, step)
		mv.Keys += keys
		if err != nil {
			return mv, fmt.Errorf("move slots %d-%d from %s to %s: %w", step[0], step[len(step)-1], from.Name, to.Name, err)
		}
		mv.Slots += len(step)
		slots = slots[len(step):]
	}
	return mv, nil
}

// slotsAtOnce is how many slots one step of MoveSlots migrates together:
// each stage of the step (IMPORTING, MIGRATING, listing keys, NODE) is one
// pipeline per node, so that thousands of mostly empty slots take tens of
// round trips, not thousands, while every slot goes through redis-cli's
// sequence.
const slotsAtOnce = 200

// moveStep moves slots and returns how many keys went with them.
func (t *Target) moveStep(ctx context.Context, src, dst *redis.Client, others []*redis.Client, srcID, dstID, host, port string, slots []int) (int, error) {
	if err := setSlots(ctx, dst, slots, "IMPORTING", srcID); err != nil {
		return 0, err
	}
	if err := setSlots(ctx, src, slots, "MIGRATING", dstID); err != nil {
		return 0, err
	}
	lists := make([]*redis.StringSliceCmd, len(slots))
	if _, err := src.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, s := range slots {
			lists[i] = p.ClusterGetKeysInSlot(ctx, s, migrateBatch)
		}
		return nil
	}); err != nil {
		return 0, fmt.Errorf("GETKEYSINSLOT: %w", err)
	}
	moved := 0
	for i, s := range slots {
		keys := lists[i].Val()
		for len(keys) > 0 {
			if err := t.migrate(ctx, src, host, port, keys); err != nil {
				return moved, err
			}
			moved += len(keys)
			var err error
			if keys, err = src.ClusterGetKeysInSlot(ctx, s, migrateBatch).Result(); err != nil {
				return moved, fmt.Errorf("GETKEYSINSLOT %d: %w", s, err)
			}
		}
	}
	// The destination first: once the source answers MOVED, the
	// destination must serve the slots without ASKING (redis-cli's order).
	// The other primaries would learn it from the bus; telling them
	// shortens the time they still send clients to the source.
	if err := setSlots(ctx, dst, slots, "NODE", dstID); err != nil {
		return moved, err
	}
	if err := setSlots(ctx, src, slots, "NODE", dstID); err != nil && !lostLastSlot(err) {
		return moved, err
	}
	for _, c := range others {
		_ = setSlots(ctx, c, slots, "NODE", dstID)
	}
	return moved, nil
}

// lostLastSlot reports the error of a SETSLOT on a source that has
// already become a replica: the destination's claim reached it over the
// bus first, took its last slots, and with cluster-allow-replica-migration
// (the default) a primary left without slots replicates the node that
// took them. The handover is then complete.
func lostLastSlot(err error) bool {
	return strings.Contains(err.Error(), "SETSLOT only with masters")
}

// setSlots sends CLUSTER SETSLOT slot args... for every slot, in one
// pipeline.
func setSlots(ctx context.Context, c *redis.Client, slots []int, args ...any) error {
	cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, s := range slots {
			p.Do(ctx, append([]any{"CLUSTER", "SETSLOT", s}, args...)...)
		}
		return nil
	})
	if err != nil {
		for i, cmd := range cmds {
			if cmd.Err() != nil {
				return fmt.Errorf("CLUSTER SETSLOT %d %s: %w", slots[i], args[0], cmd.Err())
			}
		}
		return fmt.Errorf("CLUSTER SETSLOT %s: %w", args[0], err)
	}
	return nil
}

// migrate moves keys from the source to host:port in one MIGRATE.
func (t *Target) migrate(ctx context.Context, src *redis.Client, host, port string, keys []string) error {
	args := []any{"MIGRATE", host, port, "", 0, migrateTimeout}
	switch {
	case t.Spec.Password != "" && t.Spec.Username != "":
		args = append(args, "AUTH2", t.Spec.Username, t.Spec.Password)
	case t.Spec.Password != "":
		args = append(args, "AUTH", t.Spec.Password)
	}
	args = append(args, "KEYS")
	for _, k := range keys {
		args = append(args, k)
	}
	mctx, cancel := context.WithTimeout(ctx, (migrateTimeout+5000)*time.Millisecond)
	defer cancel()
	err := src.Do(mctx, args...).Err()
	if err != nil && !strings.HasPrefix(err.Error(), "NOKEY") { // NOKEY: gone meanwhile (a consumer deleted them)
		return fmt.Errorf("MIGRATE %d keys to %s: %w", len(keys), host+":"+port, err)
	}
	return nil
}

// Forget removes nodes from the cluster: every other running data node
// is told CLUSTER FORGET for each of them (which bans it for 60 s, so
// gossip does not bring it back meanwhile). The nodes must serve no slots
// any more; stopping them is the caller's.
func (t *Target) Forget(ctx context.Context, gone []*Node) error {
	ids := make([]string, len(gone))
	for i, n := range gone {
		c := t.admin(n)
		id, err := c.ClusterMyID(ctx).Result()
		c.Close()
		if err != nil {
			return fmt.Errorf("forget %s: %w", n.Name, err)
		}
		ids[i] = id
	}
	var errs []error
	for _, r := range t.Roles(ctx) {
		if r.Node.Kind != "redis" || r.Role == "" || slices.Contains(gone, r.Node) {
			continue
		}
		c := t.admin(r.Node)
		for i, id := range ids {
			if err := c.Do(ctx, "CLUSTER", "FORGET", id).Err(); err != nil {
				errs = append(errs, fmt.Errorf("%s: CLUSTER FORGET %s: %w", r.Node.Name, gone[i].Name, err))
			}
		}
		c.Close()
	}
	return errors.Join(errs...)
}

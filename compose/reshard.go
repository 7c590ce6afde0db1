package compose

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Resharding moves hash slots between the primaries of a cluster the way
// redis-cli --cluster reshard does, one slot at a time, while clients keep
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
func (t *Target) MoveSlots(ctx context.Context, from, to *Node, slots []int) (Moved, error) {
	var mv Moved
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
	for _, s := range slots {
		if err := ctx.Err(); err != nil {
			return mv, err
		}
		keys, err := t.moveSlot(ctx, src, dst, others, srcID, dstID, host, port, s)
		mv.Keys += keys
		if err != nil {
			return mv, fmt.Errorf("move slot %d from %s to %s: %w", s, from.Name, to.Name, err)
		}
		mv.Slots++
	}
	return mv, nil
}

// moveSlot moves one slot and returns how many keys went with it.
func (t *Target) moveSlot(ctx context.Context, src, dst *redis.Client, others []*redis.Client, srcID, dstID, host, port string, slot int) (int, error) {
	if err := dst.Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", srcID).Err(); err != nil {
		return 0, fmt.Errorf("SETSLOT IMPORTING: %w", err)
	}
	if err := src.Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", dstID).Err(); err != nil {
		return 0, fmt.Errorf("SETSLOT MIGRATING: %w", err)
	}
	moved := 0
	for {
		keys, err := src.ClusterGetKeysInSlot(ctx, slot, migrateBatch).Result()
		if err != nil {
			return moved, fmt.Errorf("GETKEYSINSLOT: %w", err)
		}
		if len(keys) == 0 {
			break
		}
		if err := t.migrate(ctx, src, host, port, keys); err != nil {
			return moved, err
		}
		moved += len(keys)
	}
	// The destination first: once the source says MOVED, the destination
	// must already serve the slot without ASKING (redis-cli's order).
	for _, c := range append([]*redis.Client{dst, src}, others...) {
		if err := c.Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", dstID).Err(); err != nil && c != src && c != dst {
			continue // another primary learns it from the bus anyway
		} else if err != nil {
			return moved, fmt.Errorf("SETSLOT NODE: %w", err)
		}
	}
	return moved, nil
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

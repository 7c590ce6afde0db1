package compose

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestMoveSlots: on a real cluster (processes, and containers where an
// engine answers: MIGRATE then crosses the run's own network), MoveSlots
// hands the source's lowest slots to the destination with exactly the keys
// they held, every key keeps its value and is counted once, and every
// node comes to agree on the new owner.
func TestMoveSlots(t *testing.T) {
	eachProvider(t, func(t *testing.T, v variant) {
		if v.path == PathPublished {
			t.Skip("the data path does not change what MIGRATE crosses")
		}
		ctx := context.Background()
		tg := up(t, v.spec(Spec{Topology: "cluster", Shards: 3, Persistence: "none"}))
		rdb := tg.Client(ClientOptions{DialTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second})
		defer rdb.Close()
		cc := rdb.(*redis.ClusterClient)
		from, to := tg.Node("redis-0"), tg.Node("redis-1")
		have, err := tg.ClusterSlots(ctx, from)
		if err != nil || len(have) != clusterSlots/3 {
			t.Fatalf("redis-0 serves %d slots (%v), want %d", len(have), err, clusterSlots/3)
		}
		const n = 300
		const move = 1000
		wantKeys := 0
		for i := 0; i < n; i++ {
			k := fmt.Sprintf("mv:%d", i)
			if err := cc.Set(ctx, k, k, 0).Err(); err != nil {
				t.Fatal(err)
			}
			if s := int(cc.ClusterKeySlot(ctx, k).Val()); s >= have[0] && s <= have[move-1] {
				wantKeys++
			}
		}
		mv, err := tg.MoveSlots(ctx, from, to, have[:move])
		if err != nil {
			t.Fatal(err)
		}
		if mv.Slots != move || mv.Keys != wantKeys {
			t.Errorf("moved %d slots with %d keys, want %d with %d", mv.Slots, mv.Keys, move, wantKeys)
		}
		left, _ := tg.ClusterSlots(ctx, from)
		if len(left) != len(have)-move || left[0] != have[move] {
			t.Errorf("redis-0 serves %d slots from %d after the move, want %d from %d", len(left), left[0], len(have)-move, have[move])
		}
		deadline := time.Now().Add(10 * time.Second)
		for _, node := range tg.DataNodes() {
			for {
				c := tg.NodeClient(node)
				slots, err := c.ClusterSlots(ctx).Result()
				c.Close()
				owner := ""
				for _, r := range slots {
					if r.Start <= have[0] && have[0] <= r.End && len(r.Nodes) > 0 {
						owner = r.Nodes[0].Addr
					}
				}
				if err == nil && tg.byInternal(owner) == to {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s says slot %d is served by %q (%v), want %s", node.Name, have[0], owner, err, to.Name)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		total := int64(0)
		for _, p := range tg.DataNodes() {
			c := tg.NodeClient(p)
			total += c.DBSize(ctx).Val()
			c.Close()
		}
		if total != n {
			t.Errorf("the nodes hold %d keys in all, want %d: none lost or copied", total, n)
		}
		for i := 0; i < n; i++ {
			k := fmt.Sprintf("mv:%d", i)
			if got, err := cc.Get(ctx, k).Result(); err != nil || got != k {
				t.Fatalf("%s = %q (%v) after the move", k, got, err)
			}
		}
		if _, err := tg.MoveSlots(ctx, from, from, have[move:move+1]); err == nil {
			t.Error("moving slots from a node to itself was accepted")
		}
	})
}

// TestJoinSpare: a cluster with a spare (processes, and containers where
// an engine answers: the spare then meets the others on the run's own
// network) starts it empty and out of the cluster: Roles calls it spare,
// not primary, and the client's seeds leave it out. Join makes it a
// primary every node knows, MoveSlots hands it slots with their keys, and
// the client finds the keys there; joining it twice is refused.
func TestJoinSpare(t *testing.T) {
	eachProvider(t, func(t *testing.T, v variant) {
		if v.path == PathPublished {
			t.Skip("the data path does not change what the cluster bus crosses")
		}
		ctx := context.Background()
		tg := up(t, v.spec(Spec{Topology: "cluster", Shards: 3, Spares: 1, Persistence: "none"}))
		spare := tg.Node("redis-3")
		if spare == nil || spare.Role != "spare" || spare.Shard != 3 {
			t.Fatalf("nodes %v: want redis-3, a spare of shard 3", tg.Nodes)
		}
		if ps := tg.Primaries(ctx); len(ps) != 3 || slices.Contains(ps, spare) {
			t.Fatalf("primaries %v before the join: want the 3 members, not the spare", ps)
		}
		rdb := tg.Client(ClientOptions{DialTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second})
		defer rdb.Close()
		cc := rdb.(*redis.ClusterClient)
		const n = 200
		for i := 0; i < n; i++ {
			if err := cc.Set(ctx, fmt.Sprintf("join:%d", i), i, 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if err := tg.Join(ctx, spare); err != nil {
			t.Fatal(err)
		}
		if ps := tg.Primaries(ctx); len(ps) != 4 || !slices.Contains(ps, spare) {
			t.Fatalf("primaries %v after the join: want 4 with redis-3", ps)
		}
		from := tg.Node("redis-0")
		have, err := tg.ClusterSlots(ctx, from)
		if err != nil {
			t.Fatal(err)
		}
		mv, err := tg.MoveSlots(ctx, from, spare, have[:len(have)/4])
		if err != nil || mv.Slots != len(have)/4 || mv.Keys == 0 {
			t.Fatalf("moved %+v (%v): want %d slots with some of the %d keys", mv, err, len(have)/4, n)
		}
		got, err := tg.ClusterSlots(ctx, spare)
		if err != nil || len(got) != len(have)/4 {
			t.Errorf("redis-3 serves %d slots (%v), want %d", len(got), err, len(have)/4)
		}
		c := tg.NodeClient(spare)
		keys := c.DBSize(ctx).Val()
		c.Close()
		if keys != int64(mv.Keys) {
			t.Errorf("redis-3 holds %d keys, MoveSlots counted %d", keys, mv.Keys)
		}
		for i := 0; i < n; i++ {
			if v, err := cc.Get(ctx, fmt.Sprintf("join:%d", i)).Int(); err != nil || v != i {
				t.Fatalf("join:%d = %d (%v) after the move", i, v, err)
			}
		}
		if err := tg.Join(ctx, spare); err == nil {
			t.Error("joining redis-3 a second time was accepted")
		}
	})
}

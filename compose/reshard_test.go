package compose

import (
	"context"
	"fmt"
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

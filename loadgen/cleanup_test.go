package loadgen

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/testenv"
)

// DeleteKeys removes the base keys and the keys under them on every
// primary (a cluster spreads them over shards), and nothing else: not
// another pattern's keys, nor keys that only look like squall's.
func TestDeleteKeys(t *testing.T) {
	testenv.RequireRedis(t)
	ctx := context.Background()
	for _, topo := range []string{"standalone", "cluster"} {
		t.Run(topo, func(t *testing.T) {
			tg, err := compose.Up(ctx, compose.Spec{Provider: "process", Topology: topo, Shards: 3, Persistence: "none", RunID: "delete-keys-" + topo})
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close(ctx)
			rdb := tg.Client(compose.ClientOptions{DialTimeout: time.Second, ReadTimeout: 3 * time.Second, WriteTimeout: 3 * time.Second})
			defer rdb.Close()
			g, err := New(Config{Pattern: "list-reliable", Producers: 1, Keys: 8, Pipeline: 1, PayloadMin: HeaderSize, PayloadMax: HeaderSize,
				KeyPrefix: "squall:"}, rdb)
			if err != nil {
				t.Fatal(err)
			}
			var ours []string
			for _, k := range g.Keys() {
				ours = append(ours, k, k+":processing:c1", k+":alive:c1", k+":consumers")
			}
			others := []string{"squall:{list:0}", "squall:{list-reliablex:0}", "squall:other", "user:{list-reliable:0}", "squall"}
			for _, k := range append(slices.Clone(ours), others...) {
				if err := rdb.Set(ctx, k, "v", 0).Err(); err != nil {
					t.Fatal(err)
				}
			}
			n, err := g.DeleteKeys(ctx)
			if err != nil || n != int64(len(ours)) {
				t.Errorf("DeleteKeys = %d, %v; want %d", n, err, len(ours))
			}
			for _, k := range ours {
				if rdb.Exists(ctx, k).Val() != 0 {
					t.Errorf("%s survived", k)
				}
			}
			for _, k := range others {
				if rdb.Exists(ctx, k).Val() != 1 {
					t.Errorf("%s (not squall's %s) was deleted", k, g.KeyGlob())
				}
			}
			if cc, ok := rdb.(*redis.ClusterClient); ok {
				shards := map[string]bool{}
				for _, k := range g.Keys() {
					c, _ := cc.MasterForKey(ctx, k)
					shards[fmt.Sprint(c)] = true
				}
				if len(shards) < 2 {
					t.Errorf("the keys sit on %d shard(s): the test does not cover several", len(shards))
				}
			}
		})
	}
}

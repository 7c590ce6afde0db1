package resp

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/testenv"
)

// TestClusterSenderRoutes: on a real 3-primary cluster, a producer's round
// trip lands each command on the primary of its key's slot; with a slot map
// that sends everything to one node, the others' commands come back MOVED,
// are sent once to the node named (each key then holds exactly one
// element: nothing was written twice) and the map is reloaded.
func TestClusterSenderRoutes(t *testing.T) {
	testenv.RequireRedis(t)
	ctx := context.Background()
	tg, err := compose.Up(ctx, compose.Spec{Provider: "process", Topology: "cluster", Shards: 3, Persistence: "none", RunID: "cluster-sender-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close(ctx)
	cc, ok := tg.Client(compose.ClientOptions{DialTimeout: time.Second, ReadTimeout: 3 * time.Second, WriteTimeout: 3 * time.Second}).(*redis.ClusterClient)
	if !ok {
		t.Fatal("want a cluster client")
	}
	defer cc.Close()
	routes := NewRoutes(cc)
	right := *routes.current(ctx)
	s := newClusterSender(cc, routes)
	defer s.Close()

	var b Batch
	keys := make([]string, 30)
	for i := range keys {
		keys[i] = fmt.Sprintf("cs:{k%d}", i)
		b.Cmd(3, "lpush").Str(keys[i]).Str("v")
	}
	res := make([]Reply, b.Len())
	for round, m := range []string{"right map", "every slot on one node"} {
		if round == 1 {
			wrong := new(slotMap)
			for i := range wrong {
				wrong[i] = right[0]
			}
			routes.m.Store(wrong)
			routes.last = time.Time{}
		}
		s.Exec(&b, res)
		for i, r := range res {
			if r.Err != nil || r.N != int64(round+1) {
				t.Fatalf("%s: %s: reply %+v, want length %d", m, keys[i], r, round+1)
			}
		}
	}
	for _, k := range keys {
		if n := cc.LLen(ctx, k).Val(); n != 2 {
			t.Errorf("%s holds %d elements after two round trips, want 2", k, n)
		}
	}
	if now := routes.m.Load(); *now != right {
		t.Error("after MOVED replies the slot map was not reloaded")
	}
}

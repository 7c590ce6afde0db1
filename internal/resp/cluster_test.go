package resp

import (
	"context"
	"fmt"
	"strings"
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
	ctx := context.Background()
	_, cc := upCluster(t, "cluster-sender-test")
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

// TestClusterSenderFollowsAsk: on a real cluster with one slot half
// migrated by hand (IMPORTING on the destination, MIGRATING on the source,
// one of its two keys already MIGRATEd), a round trip writes the moved key
// on the destination through ASK and ASKING and the other on the source,
// each exactly once; once the slot is handed over, both come back MOVED
// and are followed. The sender counts each redirect it followed.
func TestClusterSenderFollowsAsk(t *testing.T) {
	ctx := context.Background()
	tg, cc := upCluster(t, "cluster-ask-test")
	routes := NewRoutes(cc)
	s := newClusterSender(cc, routes)
	defer s.Close()

	moved, stays := "ask:{t}moved", "ask:{t}stays" // one slot
	slot := keySlot([]byte(moved))
	var src, dst *compose.Node
	for _, p := range tg.Primaries(ctx) {
		if routes.current(ctx)[slot] == p.Addr {
			src = p
		} else if dst == nil {
			dst = p
		}
	}
	if src == nil || dst == nil {
		t.Fatalf("no source or destination for slot %d", slot)
	}
	a, b := tg.NodeClient(src), tg.NodeClient(dst)
	defer a.Close()
	defer b.Close()
	srcID, dstID := a.ClusterMyID(ctx).Val(), b.ClusterMyID(ctx).Val()
	for _, k := range []string{moved, stays} {
		if err := cc.LPush(ctx, k, "v0").Err(); err != nil {
			t.Fatal(err)
		}
	}
	must := func(c *redis.Client, args ...any) {
		t.Helper()
		if err := c.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	host, port, _ := strings.Cut(dst.Internal, ":")
	must(b, "cluster", "setslot", slot, "importing", srcID)
	must(a, "cluster", "setslot", slot, "migrating", dstID)
	must(a, "migrate", host, port, moved, 0, 5000)

	var batch Batch
	for _, k := range []string{moved, stays} {
		batch.Cmd(3, "lpush").Str(k).Str("v")
	}
	res := make([]Reply, batch.Len())
	exec := func(round int, want Redirects) {
		t.Helper()
		s.Exec(&batch, res)
		for i, r := range res {
			if r.Err != nil || r.N != int64(round+1) {
				t.Fatalf("round %d: command %d: reply %+v, want length %d", round, i, r, round+1)
			}
		}
		if got := s.TakeRedirects(); got != want {
			t.Errorf("round %d: redirects followed %+v, want %+v", round, got, want)
		}
	}
	exec(1, Redirects{Ask: 1})

	must(a, "migrate", host, port, stays, 0, 5000)
	must(b, "cluster", "setslot", slot, "node", dstID)
	must(a, "cluster", "setslot", slot, "node", dstID)
	routes.last = time.Time{} // let the MOVED replies reload the map at once
	exec(2, Redirects{Moved: 2})
	exec(3, Redirects{}) // the map was reloaded
	for _, k := range []string{moved, stays} {
		if n, err := b.LLen(ctx, k).Result(); err != nil || n != 4 {
			t.Errorf("%s holds %d elements on %s (%v), want 4: each write exactly once", k, n, dst.Name, err)
		}
	}
}

// upCluster stands up a 3-primary process cluster for the test and returns
// it with a cluster client; both are closed when the test ends.
func upCluster(t *testing.T, runID string) (*compose.Target, *redis.ClusterClient) {
	t.Helper()
	testenv.RequireRedis(t)
	ctx := context.Background()
	tg, err := compose.Up(ctx, compose.Spec{Provider: "process", Topology: "cluster", Shards: 3, Persistence: "none", RunID: runID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close(ctx) })
	cc, ok := tg.Client(compose.ClientOptions{DialTimeout: time.Second, ReadTimeout: 3 * time.Second, WriteTimeout: 3 * time.Second}).(*redis.ClusterClient)
	if !ok {
		t.Fatal("want a cluster client")
	}
	t.Cleanup(func() { cc.Close() })
	return tg, cc
}

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
	src, dst := slotEnds(t, tg, routes.current(ctx), slot)
	a, b := src.c, dst.c
	for _, k := range []string{moved, stays} {
		if err := cc.LPush(ctx, k, "v0").Err(); err != nil {
			t.Fatal(err)
		}
	}
	host, port, _ := strings.Cut(dst.node.Internal, ":")
	mustDo(t, b, "cluster", "setslot", slot, "importing", src.id)
	mustDo(t, a, "cluster", "setslot", slot, "migrating", dst.id)
	mustDo(t, a, "migrate", host, port, moved, 0, 5000)

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

	mustDo(t, a, "migrate", host, port, stays, 0, 5000)
	mustDo(t, b, "cluster", "setslot", slot, "node", dst.id)
	mustDo(t, a, "cluster", "setslot", slot, "node", dst.id)
	routes.last = time.Time{} // let the MOVED replies reload the map at once
	exec(2, Redirects{Moved: 2})
	exec(3, Redirects{}) // the map was reloaded
	for _, k := range []string{moved, stays} {
		if n, err := b.LLen(ctx, k).Result(); err != nil || n != 4 {
			t.Errorf("%s holds %d elements on %s (%v), want 4: each write exactly once", k, n, dst.node.Name, err)
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

// TestClientLinkSendsOnce: a consumer's round trip on a cluster goes
// through go-redis, which re-sends a node's whole pipeline when its first
// reply is TRYAGAIN. On a real cluster with one slot MIGRATING, an LMOVE
// whose source list is still there and whose destination list does not
// exist answers TRYAGAIN; the LMOVE after it, on a stable slot of the same
// node, must run once: its event is in its reply and its destination
// holds that event alone (sent again, it moved the next event and its
// first reply was overwritten: an event taken and never seen, issue 21).
// Once the slot is handed over, MOVED is still followed.
func TestClientLinkSendsOnce(t *testing.T) {
	ctx := context.Background()
	tg, cc := upCluster(t, "client-link-once-test")
	m := *NewRoutes(cc).current(ctx)
	// Two hash tags of different slots on one primary: a's slot migrates.
	var a, b string
	for i := 0; b == ""; i++ {
		tag := fmt.Sprintf("{o%d}", i)
		switch {
		case a == "":
			a = tag
		case keySlot([]byte(tag)) != keySlot([]byte(a)) && m[keySlot([]byte(tag))] == m[keySlot([]byte(a))]:
			b = tag
		}
	}
	slot := keySlot([]byte(a))
	src, dst := slotEnds(t, tg, &m, slot)
	migL, migP, stL, stP := "once:"+a+"list", "once:"+a+"proc", "once:"+b+"list", "once:"+b+"proc"
	mustDo(t, cc, "rpush", migL, "m")
	mustDo(t, cc, "rpush", stL, "e2", "e1", "e0") // LMOVE … RIGHT takes e0 first
	mustDo(t, dst.c, "cluster", "setslot", slot, "importing", src.id)
	mustDo(t, src.c, "cluster", "setslot", slot, "migrating", dst.id)

	var batch Batch
	batch.Cmd(5, "lmove").Str(migL).Str(migP).Str("right").Str("left")
	batch.Cmd(5, "lmove").Str(stL).Str(stP).Str("right").Str("left")
	link := NewLink(cc)
	defer link.Close()
	var rep Replies
	do := func(round int, want0, want1 string) {
		t.Helper()
		if err := link.Do(ctx, &batch, 0, &rep); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for i, want := range []string{want0, want1} {
			got := ""
			if err := rep.Err(i); err != nil {
				got = strings.Fields(err.Error())[0]
			} else {
				c := rep.Cursor(i)
				got = rep.Str(c.Next())
			}
			if got != want {
				t.Errorf("round %d: LMOVE %d answered %q, want %q", round, i, got, want)
			}
		}
	}
	do(1, "TRYAGAIN", "e0")
	if got := cc.LRange(ctx, stP, 0, -1).Val(); len(got) != 1 || got[0] != "e0" {
		t.Errorf("%s holds %q after one LMOVE, want [e0]: the LMOVE ran more than once", stP, got)
	}

	host, port, _ := strings.Cut(dst.node.Internal, ":")
	mustDo(t, src.c, "migrate", host, port, migL, 0, 5000)
	mustDo(t, dst.c, "cluster", "setslot", slot, "node", dst.id)
	mustDo(t, src.c, "cluster", "setslot", slot, "node", dst.id)
	do(2, "m", "e1") // the first LMOVE MOVED to the destination and followed
	if got := cc.LRange(ctx, stL, 0, -1).Val(); len(got) != 1 || got[0] != "e2" {
		t.Errorf("%s holds %q after two LMOVEs, want [e2]", stL, got)
	}
}

// slotEnd is a primary of a test's cluster, with an admin client (closed
// when the test ends) and its node ID.
type slotEnd struct {
	node *compose.Node
	c    *redis.Client
	id   string
}

// slotEnds returns the primary serving slot in m and another one, to
// migrate the slot between.
func slotEnds(t *testing.T, tg *compose.Target, m *slotMap, slot int) (src, dst slotEnd) {
	t.Helper()
	ctx := context.Background()
	for _, p := range tg.Primaries(ctx) {
		switch {
		case m[slot] == p.Addr:
			src.node = p
		case dst.node == nil:
			dst.node = p
		}
	}
	if src.node == nil || dst.node == nil {
		t.Fatalf("no source or destination for slot %d", slot)
	}
	for _, e := range []*slotEnd{&src, &dst} {
		e.c = tg.NodeClient(e.node)
		t.Cleanup(func() { e.c.Close() })
		e.id = e.c.ClusterMyID(ctx).Val()
	}
	return src, dst
}

// mustDo runs a command, failing the test on an error.
func mustDo(t *testing.T, c interface {
	Do(context.Context, ...any) *redis.Cmd
}, args ...any) {
	t.Helper()
	if err := c.Do(context.Background(), args...).Err(); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
}

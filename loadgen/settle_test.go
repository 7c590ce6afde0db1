package loadgen_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/loadgen"
)

// ownEvents counts the entries that are events of run: what a test client
// took out of the pipeline's keys.
func ownEvents(t *testing.T, run uint32, raws []string) int64 {
	t.Helper()
	var n int64
	for _, r := range raws {
		if _, err := loadgen.DecodeString(r, run); err == nil {
			n++
		}
	}
	return n
}

// TestRemovedEventsAreLost: another client takes N acknowledged events out
// of the queue while the consumers are down; once they are back and the
// queue drained, exactly those N are lost and nothing is stranded.
func TestRemovedEventsAreLost(t *testing.T) {
	const removeN = 50
	for _, tc := range []struct {
		pattern string
		opts    map[string]any
		// remove takes up to n of the newest events out of key and
		// returns them.
		remove func(ctx context.Context, rdb redis.UniversalClient, key string, n int64) ([]string, error)
	}{
		{"list", map[string]any{"batch": 1}, func(ctx context.Context, rdb redis.UniversalClient, key string, n int64) ([]string, error) {
			return rdb.LPopCount(ctx, key, int(n)).Result() // producers LPUSH: the newest end
		}},
		{"zset", map[string]any{"batch": 1}, func(ctx context.Context, rdb redis.UniversalClient, key string, n int64) ([]string, error) {
			zs, err := rdb.ZPopMax(ctx, key, n).Result()
			out := make([]string, len(zs))
			for i, z := range zs {
				out[i], _ = z.Member.(string)
			}
			return out, err
		}},
		{"stream", map[string]any{"claim_idle": "200ms"}, func(ctx context.Context, rdb redis.UniversalClient, key string, n int64) ([]string, error) {
			msgs, err := rdb.XRevRangeN(ctx, key, "+", "-", n).Result()
			if err != nil {
				return nil, err
			}
			var out, ids []string
			for _, m := range msgs {
				v, _ := m.Values["e"].(string)
				out, ids = append(out, v), append(ids, m.ID)
			}
			return out, rdb.XDel(ctx, key, ids...).Err()
		}},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			t.Parallel()
			_, rdb := startRedis(t)
			const run = 31
			cfg := loadgen.Config{Pattern: tc.pattern, Producers: 2, Consumers: 2, Keys: 2, Pipeline: 2, Rate: 2000,
				PayloadMin: 64, PayloadMax: 64, Options: tc.opts, KeyPrefix: "rm:", Duration: 1500 * time.Millisecond,
				Drain: 4 * time.Second, Run: run}
			var removed int64
			out, _ := runGen(t, rdb, cfg, func(g *loadgen.Generator) {
				time.Sleep(300 * time.Millisecond)
				for i := range cfg.Consumers { // down for 700ms: events pile up
					if err := loadgen.KillConsumer(g, i, 700*time.Millisecond); err != nil {
						t.Error(err)
					}
				}
				time.Sleep(350 * time.Millisecond)
				raws, err := tc.remove(context.Background(), rdb, g.Keys()[0], removeN)
				if err != nil {
					t.Error(err)
				}
				removed = ownEvents(t, run, raws)
			})
			ev := out.Events
			t.Logf("%+v removed %d reclaimed %d errors %v", ev, removed, out.Reclaimed, out.Errors)
			if removed != removeN {
				t.Fatalf("the test client removed %d events, want %d: the consumers were not down long enough", removed, removeN)
			}
			if ev.Lost != removed || ev.Stranded != 0 || ev.Acked != ev.Sent || ev.Received+ev.Lost != ev.Acked {
				t.Errorf("events %+v: want lost = the %d removed, nothing stranded, the rest received", ev, removed)
			}
		})
	}
}

// TestStoppedConsumersLeaveStranded: when every consumer stops for good
// mid-run, what the queue still holds at the end is counted exactly as
// stranded, not lost, for every queue pattern: stranded + received =
// acked. At-most-once patterns take one event per read (batch 1) so that
// the stop itself loses nothing. For list-reliable and stream a ghost
// consumer then takes events and never handles them, which leaves them in
// its processing list or pending in the group: still in the pipeline,
// outside what Queued counts.
func TestStoppedConsumersLeaveStranded(t *testing.T) {
	defer loadgen.SmallRemainChunks()() // many chunks per key: every pagination is exercised
	_, rdb := startRedis(t)
	for _, tc := range strandedCases {
		t.Run(tc.name, func(t *testing.T) { checkStranded(t, rdb, tc, 2) })
	}
}

// TestStrandedOnCluster: on a 3-primary cluster every key is read on its
// own node, processing lists included.
func TestStrandedOnCluster(t *testing.T) {
	testenv.RequireRedis(t)
	ctx := context.Background()
	tg, err := compose.Up(ctx, compose.Spec{Provider: "process", Topology: "cluster", Shards: 3, Persistence: "none", RunID: "stranded-cluster-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close(ctx)
	rdb := tg.Client(compose.ClientOptions{DialTimeout: time.Second, ReadTimeout: 3 * time.Second, WriteTimeout: 3 * time.Second})
	defer rdb.Close()
	if _, ok := rdb.(*redis.ClusterClient); !ok {
		t.Fatal("want a cluster client")
	}
	for _, tc := range strandedCases {
		if tc.cluster {
			t.Run(tc.name, func(t *testing.T) { checkStranded(t, rdb, tc, 6) })
		}
	}
}

// strandedCase is a queue whose consumers stop (or whose events are not
// due) before the end.
type strandedCase struct {
	name, pattern string
	opts          map[string]any
	stop          bool // kill the consumers; else events are not due before the end
	// ghost takes events out of the queue as a consumer that then died.
	ghost   func(ctx context.Context, rdb redis.UniversalClient, key string) (int64, error)
	cluster bool // also run on a cluster
}

const ghostN = 40

var strandedCases = func() []strandedCase {
	one := map[string]any{"batch": 1}
	reliableGhost := func(ctx context.Context, rdb redis.UniversalClient, key string) (n int64, err error) {
		for ; n < ghostN && err == nil; n++ {
			err = rdb.LMove(ctx, key, key+":processing:ghost", "RIGHT", "LEFT").Err()
		}
		return n, err
	}
	streamGhost := func(ctx context.Context, rdb redis.UniversalClient, key string) (int64, error) {
		res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "squall", Consumer: "ghost",
			Streams: []string{key, ">"}, Count: ghostN, Block: -1}).Result()
		if err != nil {
			return 0, err
		}
		return int64(len(res[0].Messages)), nil
	}
	return []strandedCase{
		{"list", "list", one, true, nil, false},
		{"list-reliable", "list-reliable", nil, true, reliableGhost, true},
		{"stream", "stream", nil, true, streamGhost, true},
		{"zset", "zset", one, true, nil, false},
		{"zset-not-due", "zset", map[string]any{"delay": "5s"}, false, nil, true},
		{"set", "set", one, true, nil, true},
		{"string", "string", one, true, nil, true},
		{"hash", "hash", one, true, nil, false},
	}
}()

// checkStranded runs tc with one consumer per key: a consumer of several
// keys that stops loses what it took from the others at once
// (at-most-once), which is loss, not what this checks.
func checkStranded(t *testing.T, rdb redis.UniversalClient, tc strandedCase, keys int) {
	cfg := loadgen.Config{Pattern: tc.pattern, Producers: 2, Consumers: keys, Keys: keys, Pipeline: 4, Rate: 2000,
		PayloadMin: 64, PayloadMax: 64, Options: tc.opts, KeyPrefix: "st:", Warmup: 100 * time.Millisecond,
		Duration: time.Second, Drain: 300 * time.Millisecond, Run: 32}
	var ghosted int64
	out, _, g := runGenSettled(t, rdb, cfg, func(g *loadgen.Generator) {
		if !tc.stop {
			return
		}
		time.Sleep(500 * time.Millisecond)
		for i := range cfg.Consumers {
			if err := loadgen.KillConsumer(g, i, -1); err != nil {
				t.Error(err)
			}
		}
		if tc.ghost != nil {
			time.Sleep(200 * time.Millisecond) // events pile up
			n, err := tc.ghost(context.Background(), rdb, g.Keys()[0])
			if err != nil {
				t.Error(err)
			}
			ghosted = n
		}
	})
	ev := out.Events
	queued, _ := g.Queued(context.Background())
	t.Logf("%+v queued %d ghosted %d errors %v", ev, queued, ghosted, out.Errors)
	if ev.Lost != 0 || ev.Stranded < 400 || ev.Acked != ev.Sent || ev.Stranded+ev.Received != ev.Acked {
		t.Errorf("events %+v: want the ~%d events left in Redis stranded, none lost", ev, ev.Acked-ev.Received)
	}
	if tc.ghost != nil && (ghosted != ghostN || ev.Stranded < queued+ghosted) {
		t.Errorf("stranded %d, queued %d, ghosted %d of %d: the events a ghost consumer took were not all found", ev.Stranded, queued, ghosted, ghostN)
	}
}

// TestDuplicatesCountedTwoWays: an event delivered three times is one
// duplicated event and two duplicate deliveries.
func TestDuplicatesCountedTwoWays(t *testing.T) {
	t.Parallel()
	_, rdb := startRedis(t)
	const run = 33
	cfg := loadgen.Config{Pattern: "list", Producers: 2, Consumers: 2, Keys: 2, Pipeline: 1, Rate: 2000,
		PayloadMin: 64, PayloadMax: 64, KeyPrefix: "dup:", Duration: time.Second, Drain: 3 * time.Second, Run: run}
	out, _ := runGen(t, rdb, cfg, func(g *loadgen.Generator) {
		time.Sleep(300 * time.Millisecond) // both events below were sent by now
		copyOf := func(producer uint32, seq uint64) []byte {
			b := make([]byte, 64)
			(&loadgen.Envelope{Run: run, Producer: producer, Seq: seq, Intended: int64(time.Millisecond),
				Partition: uint32((uint64(producer) + seq) % 2)}).Encode(b)
			return b
		}
		ctx := context.Background()
		for _, c := range []struct {
			producer uint32
			seq      uint64
			copies   int
		}{{0, 10, 2}, {1, 20, 1}} {
			for range c.copies {
				if err := rdb.LPush(ctx, g.Keys()[0], copyOf(c.producer, c.seq)).Err(); err != nil {
					t.Error(err)
				}
			}
		}
	})
	ev := out.Events
	t.Logf("%+v", ev)
	if ev.Duplicated != 2 || ev.DuplicateDeliveries != 3 {
		t.Errorf("duplicated %d, duplicate deliveries %d: want 2 events (one arrived three times, one twice), 3 extra deliveries",
			ev.Duplicated, ev.DuplicateDeliveries)
	}
	if ev.Lost != 0 || ev.Stranded != 0 || ev.Received != ev.Sent {
		t.Errorf("events %+v: want every event received once at least", ev)
	}
}

// TestLostByFault: loss is put down to the first fault that struck after
// the event was acknowledged, in open and closed loop. Two "faults" here
// are another client taking events out of a delayed queue, each followed
// by the snapshot the runner takes as a fault strikes: the first takes the
// oldest events (acknowledged long before it), the second the newest
// (acknowledged after the first), so each accounts for exactly its own.
func TestLostByFault(t *testing.T) {
	for _, tc := range []struct {
		name string
		rate float64
	}{{"open-loop", 2000}, {"closed-loop", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, rdb := startRedis(t)
			const run = 34
			cfg := loadgen.Config{Pattern: "zset", Producers: 2, Consumers: 2, Keys: 2, Pipeline: 4, Rate: tc.rate,
				PayloadMin: 64, PayloadMax: 64, Options: map[string]any{"delay": "1s"}, KeyPrefix: "lbf:",
				Duration: time.Second, Drain: 5 * time.Second, Run: run}
			var marks []loadgen.Watermark
			var removed []int64
			take := func(g *loadgen.Generator, key string, n int64, oldest bool) {
				ctx := context.Background()
				var zs []redis.Z
				var err error
				if oldest {
					zs, err = rdb.ZPopMin(ctx, key, n).Result()
				} else {
					zs, err = rdb.ZPopMax(ctx, key, n).Result()
				}
				if err != nil {
					t.Error(err)
				}
				marks = append(marks, g.Replied())
				raws := make([]string, len(zs))
				for i, z := range zs {
					raws[i], _ = z.Member.(string)
				}
				removed = append(removed, ownEvents(t, run, raws))
			}
			out, _, g := runGenSettled(t, rdb, cfg, func(g *loadgen.Generator) {
				time.Sleep(300 * time.Millisecond)
				take(g, g.Keys()[0], 40, true)
				time.Sleep(400 * time.Millisecond)
				take(g, g.Keys()[1], 70, false)
			})
			ev := out.Events
			byFault := g.LostByFault(marks)
			t.Logf("%+v removed %v by fault %v", ev, removed, byFault)
			if len(removed) != 2 || removed[0] != 40 || removed[1] != 70 {
				t.Fatalf("removed %v, want [40 70]", removed)
			}
			if ev.Lost != 110 || ev.Stranded != 0 {
				t.Errorf("lost %d stranded %d, want the 110 removed lost", ev.Lost, ev.Stranded)
			}
			if len(byFault) != 2 || byFault[0] != 40 || byFault[1] != 70 {
				t.Errorf("lost by fault %v, want [40 70]", byFault)
			}
		})
	}
}

// TestExpiredRecordsAreLost: the string pattern's ids outlive records
// that expired (options.ttl): an id whose record is gone is a lost event,
// not a stranded one, though Queued still counts the id.
func TestExpiredRecordsAreLost(t *testing.T) {
	t.Parallel()
	_, rdb := startRedis(t)
	cfg := loadgen.Config{Pattern: "string", Producers: 2, Consumers: 2, Keys: 2, Pipeline: 4, Rate: 2000,
		PayloadMin: 64, PayloadMax: 64, Options: map[string]any{"ttl": "100ms", "batch": 1}, KeyPrefix: "ttl:",
		Duration: time.Second, Drain: 400 * time.Millisecond, Run: 35}
	out, _, g := runGenSettled(t, rdb, cfg, func(g *loadgen.Generator) {
		time.Sleep(400 * time.Millisecond)
		for i := range cfg.Consumers {
			if err := loadgen.KillConsumer(g, i, -1); err != nil {
				t.Error(err)
			}
		}
	})
	ev := out.Events
	queued, _ := g.Queued(context.Background())
	t.Logf("%+v queued ids %d", ev, queued)
	if ev.Lost < 500 || ev.Stranded != 0 || ev.Lost+ev.Received != ev.Acked {
		t.Errorf("events %+v: want every event left behind lost (its record expired), none stranded", ev)
	}
	// Every id still listed names an expired record, so each is a lost
	// event; on a loaded machine the live consumers also popped ids whose
	// records had expired before the kill, so lost may be more.
	if queued > ev.Lost {
		t.Errorf("queued %d ids, but only %d lost: an id whose record expired was counted stranded", queued, ev.Lost)
	}
}

package loadgen

import (
	"context"
	"testing"
	"time"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/record"
)

// runInternal runs one load against rdb and returns the outcome and the
// generator (whose ledger the tests below read).
func runInternal(t *testing.T, g *Generator, during func()) *Outcome {
	t.Helper()
	if err := g.Setup(context.Background()); err != nil {
		t.Fatal(err)
	}
	epoch := time.Now()
	col := record.NewCollector(epoch.Add(g.cfg.Warmup))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if during != nil {
			during()
		}
	}()
	out, err := g.Run(context.Background(), col, epoch)
	<-done // what during found is read by the test: wait for it
	if err != nil {
		t.Fatal(err)
	}
	col.Tick(time.Now())
	if h := col.Totals()[record.EndToEnd]; h.TotalCount() != out.Events.Received {
		t.Errorf("e2e samples %d, received %d", h.TotalCount(), out.Events.Received)
	}
	return out
}

// TestFanOutOnTheWire: subscribers on their own connections (the wire
// path) each get every event: received = subscribers × sent, for
// SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE.
func TestFanOutOnTheWire(t *testing.T) {
	_, rdb := startRedis(t)
	for _, tc := range []struct {
		name, pattern string
		opts          map[string]any
	}{{"subscribe", "pubsub", nil}, {"psubscribe", "pubsub", map[string]any{"psubscribe": true}}, {"ssubscribe", "spubsub", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			const subscribers = 20
			cfg := Config{Pattern: tc.pattern, Options: tc.opts, Producers: 2, Consumers: subscribers, Keys: 4, Pipeline: 1, Rate: 1000,
				PayloadMin: 64, PayloadMax: 256, KeyPrefix: "fan:", Duration: time.Second, Drain: 2 * time.Second, Run: 51}
			g, err := New(cfg, rdb)
			if err != nil {
				t.Fatal(err)
			}
			r, _ := g.newReader(0, "c0")
			if _, ok := r.(*wireSubscriber); !ok {
				t.Fatalf("reader %T, want a wireSubscriber", r)
			}
			out := runInternal(t, g, nil)
			ev := out.Events
			t.Logf("%+v errors %v", ev, out.Errors)
			if ev.Sent < 900 || ev.Acked != ev.Sent || ev.Received != subscribers*ev.Sent || ev.Lost != 0 || ev.Duplicated != 0 {
				t.Errorf("events %+v: want every one of ~1000 events received by each of %d subscribers", ev, subscribers)
			}
			if len(out.Errors) != 0 || out.Foreign != 0 {
				t.Errorf("errors %v, foreign %d", out.Errors, out.Foreign)
			}
		})
	}
}

// TestSubscribersFollowAFailover: behind Sentinel, a primary frozen long
// enough to be failed over keeps its subscribers' connections open, so a
// subscriber that did not notice the failover would hear nothing the new
// primary publishes until the old one came back as a replica. Each
// subscriber must resubscribe on the new primary: every event sent from
// shortly after the failover until the old primary wakes is received by
// every subscriber.
func TestSubscribersFollowAFailover(t *testing.T) {
	testenv.RequireRedis(t)
	testenv.QuietRedisLogs()
	ctx := context.Background()
	tg, err := compose.Up(ctx, compose.Spec{Provider: "process", Topology: "sentinel", Replicas: 1, Sentinels: 3, Persistence: "none",
		RunID: "fanout-failover", Sentinel: compose.SentinelSpec{DownAfter: time.Second, FailoverTimeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close(ctx)
	rdb := tg.Client(compose.ClientOptions{DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second, PoolSize: 16, MaxRetries: -1})
	defer rdb.Close()
	const subscribers = 3
	cfg := Config{Pattern: "pubsub", Producers: 2, Consumers: subscribers, Keys: 2, Pipeline: 1, Rate: 200,
		PayloadMin: 64, PayloadMax: 64, KeyPrefix: "ff:", Duration: 10 * time.Second, Drain: 2 * time.Second, Run: 52}
	g, err := New(cfg, rdb)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := g.newReader(0, "c0"); r.(*wireSubscriber) == nil || !r.(*wireSubscriber).failover {
		t.Fatalf("reader %T, want a wireSubscriber behind Sentinel", r)
	}
	old := tg.Primary()
	var failedOver, woke time.Duration // since the epoch
	out := runInternal(t, g, func() {
		time.Sleep(1500 * time.Millisecond)
		if err := tg.Pause(ctx, old); err != nil {
			t.Error(err)
			return
		}
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if p, err := tg.SentinelPrimary(ctx); err == nil && p != old {
				failedOver = time.Duration(g.now())
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(max(0, 8500*time.Millisecond-time.Duration(g.now())))
		woke = time.Duration(g.now())
		if err := tg.Resume(ctx, old); err != nil {
			t.Error(err)
		}
	})
	t.Logf("%+v errors %v; failed over at %s, old primary woke at %s", out.Events, out.Errors, failedOver, woke)
	if failedOver == 0 || woke-failedOver < 2*time.Second {
		t.Skipf("the failover came too late to test (at %s, the primary woke at %s)", failedOver, woke)
	}
	// Events meant from a second after the failover until the old primary
	// woke: each subscriber must have every one that was acknowledged.
	from, to := int64(failedOver+time.Second), int64(woke)
	checked := 0
	for p := range cfg.Producers {
		sched := newSchedule(cfg.Rate, cfg.Producers, p)
		s := g.ledger.sends[p]
		for seq := sched.firstAt(from); sched.at(seq) < to && seq < s.next; seq++ {
			if seq < s.first || s.failed.has(seq) || s.indet.has(seq) {
				continue
			}
			checked++
			for sub := range subscribers {
				if !g.ledger.books[sub][p].got.has(seq) {
					t.Fatalf("subscriber %d missed producer %d's event %d (meant at %s, after the failover at %s): it did not resubscribe on the new primary",
						sub, p, seq, time.Duration(sched.at(seq)), failedOver)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d acknowledged events between the failover and the wake-up: the producers did not follow the failover", checked)
	}
}

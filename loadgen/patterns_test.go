package loadgen_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/record"
)

// runGen runs one load like run, handing the generator to during (started
// in its own goroutine when the load starts), and settles the accounting
// with what Redis still holds at the end, as the runner does.
func runGen(t *testing.T, rdb redis.UniversalClient, cfg loadgen.Config, during func(*loadgen.Generator)) (*loadgen.Outcome, *record.Collector) {
	t.Helper()
	out, col, _ := runGenSettled(t, rdb, cfg, during)
	return out, col
}

// runGenSettled is runGen that also returns the generator.
func runGenSettled(t *testing.T, rdb redis.UniversalClient, cfg loadgen.Config, during func(*loadgen.Generator)) (*loadgen.Outcome, *record.Collector, *loadgen.Generator) {
	t.Helper()
	g, err := loadgen.New(cfg, rdb)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Setup(context.Background()); err != nil {
		t.Fatal(err)
	}
	epoch := time.Now()
	col := record.NewCollector(epoch.Add(cfg.Warmup))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if during != nil {
			during(g)
		}
	}()
	out, err := g.Run(context.Background(), col, epoch)
	<-done // what during found is read by the test: wait for it
	if err != nil {
		t.Fatal(err)
	}
	col.Tick(time.Now())
	ev, err := g.Settle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ev.Lost+ev.Stranded != out.Events.Lost {
		t.Errorf("settled lost %d + stranded %d != %d acknowledged events never received", ev.Lost, ev.Stranded, out.Events.Lost)
	}
	out.Events = ev
	return out, col, g
}

// patternCase is one pattern configuration and what it promises.
type patternCase struct {
	name, pattern string
	opts          map[string]any
	writes        []string // commands Redis runs once per event sent
	receivers     func(consumers int) int
}

func queue(int) int       { return 1 }
func fanOut(c int) int    { return c }
func observeOnly(int) int { return 0 }

var patternCases = []patternCase{
	{"pubsub", "pubsub", nil, []string{"publish"}, fanOut},
	{"pubsub-psubscribe", "pubsub", map[string]any{"psubscribe": true}, []string{"publish"}, fanOut},
	{"spubsub", "spubsub", nil, []string{"spublish"}, fanOut},
	{"list", "list", nil, []string{"lpush"}, queue},
	{"list-reliable", "list-reliable", nil, []string{"lpush"}, queue},
	{"stream", "stream", nil, []string{"xadd"}, queue},
	{"zset", "zset", nil, []string{"zadd"}, queue},
	{"zset-delay-range", "zset", map[string]any{"delay": map[string]any{"min": "20ms", "max": "80ms"}}, []string{"zadd"}, queue},
	{"set", "set", nil, []string{"sadd"}, queue},
	{"string", "string", map[string]any{"ttl": "1m"}, []string{"set", "rpush"}, queue},
	{"string-register", "string", map[string]any{"mode": "register", "entities": 8}, []string{"set"}, observeOnly},
	{"hash", "hash", nil, []string{"hset", "rpush"}, queue},
	{"list-wait-0", "list", map[string]any{"wait": map[string]any{"replicas": 0, "timeout": "100ms"}}, []string{"lpush"}, queue},
	{"list-batch-1", "list", map[string]any{"batch": 1}, []string{"lpush"}, queue},
	{"list-reliable-batch-1", "list-reliable", map[string]any{"batch": 1}, []string{"lpush"}, queue},
	{"zset-batch-1", "zset", map[string]any{"batch": 1}, []string{"zadd"}, queue},
	{"string-batch-1", "string", map[string]any{"batch": 1}, []string{"set", "rpush"}, queue},
	{"hash-batch-1", "hash", map[string]any{"batch": 1}, []string{"hset", "rpush"}, queue},
}

// consumerPops are the pop commands the consumers of these cases must use
// on Redis ≥ 7.0: a multi-pop by default, a single pop with batch 1.
var consumerPops = map[string]string{
	"list": "blmpop", "list-batch-1": "brpop",
	"zset": "bzmpop", "zset-batch-1": "bzpopmin",
	"string": "blmpop", "string-batch-1": "blpop",
	"hash": "blmpop", "hash-batch-1": "blpop",
}

// TestPatternsNoFault: for every pattern, a run without faults loses
// nothing, leaves nothing indeterminate, receives what the pattern promises
// (every event once, or once per subscriber for fan-out), and Redis's own
// command counts agree with what squall says it sent.
func TestPatternsNoFault(t *testing.T) {
	_, rdb := startRedis(t)
	for _, tc := range patternCases {
		t.Run(tc.name, func(t *testing.T) {
			before := map[string]int64{}
			pop := consumerPops[tc.name]
			for _, c := range append(tc.writes, pop) {
				before[c] = calls(t, rdb, c)
			}
			const consumers = 2
			cfg := loadgen.Config{Pattern: tc.pattern, Producers: 2, Consumers: consumers, Keys: 3, Pipeline: 2, Rate: 2000,
				PayloadMin: 40, PayloadMax: 300, Options: tc.opts, KeyPrefix: "nf:", Duration: time.Second, Drain: 3 * time.Second, Run: 11}
			out, col := runGen(t, rdb, cfg, nil)
			ev := out.Events
			t.Logf("%+v errors %v reads %d", ev, out.Errors, out.Reads)
			if ev.Lost != 0 || ev.Indeterminate != 0 || ev.Failed != 0 || ev.Duplicated != 0 || ev.Acked != ev.Sent {
				t.Errorf("events %+v: want everything acked, nothing lost, duplicated or indeterminate", ev)
			}
			if want := int64(tc.receivers(consumers)) * ev.Sent; ev.Received != want {
				t.Errorf("received %d, want %d", ev.Received, want)
			}
			if ev.Sent < 1900 || ev.Sent > 2000 {
				t.Errorf("sent %d, want about 2000 (2000/s for 1s)", ev.Sent)
			}
			for _, c := range tc.writes {
				if n := calls(t, rdb, c) - before[c]; n != ev.Sent {
					t.Errorf("Redis counted %d %s calls, squall sent %d events", n, c, ev.Sent)
				}
			}
			if pop != "" {
				if n := calls(t, rdb, pop) - before[pop]; n == 0 {
					t.Errorf("Redis counted no %s: the consumers should pop with it", pop)
				}
			}
			if h := col.Totals()[record.EndToEnd]; h.TotalCount() != ev.Received {
				t.Errorf("e2e samples %d, received %d", h.TotalCount(), ev.Received)
			}
			if !out.Drained || len(out.Errors) != 0 || out.Foreign != 0 {
				t.Errorf("drained %v, errors %v, foreign %d", out.Drained, out.Errors, out.Foreign)
			}
			if tc.receivers(1) == 0 && (out.Reads == 0 || out.StaleReads != 0 || out.BackwardsReads != 0) {
				t.Errorf("register reads %d stale %d backwards %d: want reads and no anomalies", out.Reads, out.StaleReads, out.BackwardsReads)
			}
		})
	}
}

// TestPatternsProducerOnly: with no consumers every pattern still writes at
// the requested rate and accounts its writes.
func TestPatternsProducerOnly(t *testing.T) {
	_, rdb := startRedis(t)
	for _, tc := range patternCases {
		t.Run(tc.name, func(t *testing.T) {
			before := calls(t, rdb, tc.writes[0])
			cfg := loadgen.Config{Pattern: tc.pattern, Producers: 2, Consumers: 0, Keys: 3, Pipeline: 1, Rate: 2000,
				PayloadMin: 64, PayloadMax: 64, Options: tc.opts, KeyPrefix: "po:", Duration: 300 * time.Millisecond, Run: 12}
			out, _ := runGen(t, rdb, cfg, nil)
			ev := out.Events
			server := calls(t, rdb, tc.writes[0]) - before
			if ev.Sent < 550 || ev.Acked != ev.Sent || ev.Received != 0 || ev.Lost != 0 || server != ev.Sent {
				t.Errorf("events %+v, Redis counted %d %s: want ~600 sent, all acked, none received or lost", ev, server, tc.writes[0])
			}
		})
	}
}

// TestConsumerKilledRedelivers: a consumer of an at-least-once pattern
// killed between processing and acknowledging has its events redelivered to
// another consumer: nothing is lost, and the event it had processed arrives
// again, reported as duplicated.
func TestConsumerKilledRedelivers(t *testing.T) {
	for _, pattern := range []string{"list-reliable", "stream"} {
		t.Run(pattern, func(t *testing.T) {
			t.Parallel()
			_, rdb := startRedis(t)
			// Keys 3 over 2 consumers: consumer 0 reads two partitions,
			// consumer 1 one, so both read paths are exercised.
			cfg := loadgen.Config{Pattern: pattern, Producers: 2, Consumers: 2, Keys: 3, Pipeline: 1, Rate: 1000,
				PayloadMin: 64, PayloadMax: 64, Options: map[string]any{"claim_idle": "400ms"},
				KeyPrefix: "kill:", Duration: 2500 * time.Millisecond, Drain: 4 * time.Second, Run: 13}
			out, _ := runGen(t, rdb, cfg, func(g *loadgen.Generator) {
				time.Sleep(400 * time.Millisecond)
				if err := loadgen.KillConsumer(g, 0, 100*time.Millisecond); err != nil {
					t.Error(err)
				}
				time.Sleep(400 * time.Millisecond)
				_ = loadgen.KillConsumer(g, 1, 0) // replaced at once: only its pending work is reclaimed
			})
			ev := out.Events
			t.Logf("%+v reclaimed %d errors %v", ev, out.Reclaimed, out.Errors)
			if ev.Lost != 0 || ev.Received != ev.Sent || ev.Sent < 2400 {
				t.Errorf("events %+v: want every one of ~2500 events received, none lost", ev)
			}
			if ev.Duplicated < 2 {
				t.Errorf("duplicated %d: want the events the killed consumers processed but did not ack redelivered", ev.Duplicated)
			}
			if out.Reclaimed < ev.DuplicateDeliveries || ev.DuplicateDeliveries < ev.Duplicated {
				t.Errorf("reclaimed %d, duplicate deliveries %d, duplicated %d: want reclaimed ≥ deliveries ≥ events",
					out.Reclaimed, ev.DuplicateDeliveries, ev.Duplicated)
			}
		})
	}
}

// TestZSetLatencyFromDueTime: delayed events are claimed when due, and
// end-to-end latency is measured from the due time, not the send time.
func TestZSetLatencyFromDueTime(t *testing.T) {
	t.Parallel()
	_, rdb := startRedis(t)
	cfg := loadgen.Config{Pattern: "zset", Producers: 2, Consumers: 2, Keys: 2, Pipeline: 1, Rate: 1000,
		PayloadMin: 64, PayloadMax: 64, Options: map[string]any{"delay": "200ms"},
		KeyPrefix: "z:", Duration: 1500 * time.Millisecond, Drain: 2 * time.Second, Run: 14}
	var sizeMidRun int64
	out, col := runGen(t, rdb, cfg, func(g *loadgen.Generator) {
		time.Sleep(time.Second)
		for _, k := range g.Keys() {
			sizeMidRun += rdb.ZCard(context.Background(), k).Val()
		}
	})
	e2e := record.Summarize(col.Totals()[record.EndToEnd])
	t.Logf("%+v e2e %+v; due-but-unclaimed mid-run %d", out.Events, e2e, sizeMidRun)
	if out.Events.Lost != 0 || out.Events.Received != out.Events.Sent {
		t.Errorf("events %+v", out.Events)
	}
	// Measured from the send time, every sample would be at least the
	// 200 ms delay; from the due time a claim takes milliseconds, tens on a
	// loaded machine.
	if e2e.P50 > 50_000 || e2e.Min >= 200_000 {
		t.Errorf("e2e p50 %dµs min %dµs: want latency from the due time (well under the 200ms delay)", e2e.P50, e2e.Min)
	}
	// 1000/s delayed 200ms: about 200 events wait in the sets at any time,
	// so they were not consumed early.
	if sizeMidRun < 120 || sizeMidRun > 300 {
		t.Errorf("%d events waiting mid-run, want about 200 (rate × delay)", sizeMidRun)
	}
}

// TestRegisterFlagsBackwardsRead: restoring an old value of an entity mid-run
// shows up as stale and backwards reads.
func TestRegisterFlagsBackwardsRead(t *testing.T) {
	t.Parallel()
	_, rdb := startRedis(t)
	const run = 15
	// Each entity is written every 100ms; readers poll every ~1ms, so a
	// restored value stays visible long enough to be read.
	cfg := loadgen.Config{Pattern: "string", Producers: 1, Consumers: 2, Keys: 1, Pipeline: 1, Rate: 20,
		PayloadMin: 64, PayloadMax: 64, Options: map[string]any{"mode": "register", "entities": 2},
		KeyPrefix: "reg:", Duration: 1500 * time.Millisecond, Drain: time.Second, Run: run}
	out, _ := runGen(t, rdb, cfg, func(g *loadgen.Generator) {
		old := make([]byte, 64) // entity 0's first value (producer 0, seq 0)
		(&loadgen.Envelope{Run: run, Producer: 0, Seq: 0}).Encode(old)
		for range 3 {
			time.Sleep(300 * time.Millisecond)
			if err := rdb.Set(context.Background(), g.Keys()[0]+":entity:0", old, 0).Err(); err != nil {
				t.Error(err)
			}
		}
	})
	t.Logf("%+v reads %d stale %d backwards %d", out.Events, out.Reads, out.StaleReads, out.BackwardsReads)
	if out.BackwardsReads < 1 || out.StaleReads < out.BackwardsReads {
		t.Errorf("backwards %d stale %d: want the restored old value flagged", out.BackwardsReads, out.StaleReads)
	}
	if out.Reads < 1000 {
		t.Errorf("reads %d: want the readers polling", out.Reads)
	}
}

// TestWaitWithoutReplicas: options.wait asking for a replica a standalone
// does not have leaves every write under-replicated: written, received, but
// not acknowledged.
func TestWaitWithoutReplicas(t *testing.T) {
	t.Parallel()
	_, rdb := startRedis(t)
	before := calls(t, rdb, "wait")
	cfg := loadgen.Config{Pattern: "list", Producers: 2, Consumers: 1, Keys: 1, Pipeline: 4, Rate: 400,
		PayloadMin: 64, PayloadMax: 64, Options: map[string]any{"wait": map[string]any{"replicas": 1, "timeout": "5ms"}},
		KeyPrefix: "w:", Duration: time.Second, Drain: time.Second, Run: 16}
	out, _ := runGen(t, rdb, cfg, nil)
	ev := out.Events
	waits := calls(t, rdb, "wait") - before
	t.Logf("%+v under-replicated %d errors %v; WAIT calls %d", ev, out.UnderReplicated, out.Errors, waits)
	// A WAIT that times out returns at Redis's next cron tick (hz 10:
	// ~100 ms), so the producers carry far less than the 400 events due;
	// they stop on time all the same, and the rest count as dropped.
	if ev.Sent < 20 || ev.Sent+ev.Dropped != 400 || ev.Acked != 0 || ev.Indeterminate != ev.Sent || out.UnderReplicated != ev.Sent {
		t.Errorf("events %+v, under-replicated %d: want every write under-replicated, none acked", ev, out.UnderReplicated)
	}
	if out.Errors["under_replicated"] != ev.Sent {
		t.Errorf("errors %v: want under_replicated = %d", out.Errors, ev.Sent)
	}
	if ev.Received != ev.Sent || ev.Recovered != ev.Sent || ev.Lost != 0 {
		t.Errorf("events %+v: the writes are on the primary, so all are received (recovered)", ev)
	}
	if waits < 1 || waits > ev.Sent {
		t.Errorf("WAIT calls %d for %d events", waits, ev.Sent)
	}
}

func TestValidateOptions(t *testing.T) {
	good := []struct {
		pattern string
		opts    map[string]any
	}{
		{"zset", map[string]any{"delay": "200ms"}},
		{"zset", map[string]any{"delay": map[string]any{"min": "10ms", "max": "1s"}, "batch": 10}},
		{"stream", map[string]any{"claim_idle": "2s", "group": "g", "wait": map[string]any{"replicas": 1, "timeout": "50ms"}}},
		{"list-reliable", map[string]any{"claim_idle": "1s"}},
		{"string", map[string]any{"mode": "register", "entities": 10}},
		{"pubsub", map[string]any{"psubscribe": true}},
		{"list", map[string]any{"assign": "all"}},
		{"stream", map[string]any{"assign": "split"}},
		{"pubsub", map[string]any{"assign": "all"}},
	}
	for _, tc := range good {
		if err := loadgen.ValidateOptions(tc.pattern, tc.opts); err != nil {
			t.Errorf("%s %v: %v", tc.pattern, tc.opts, err)
		}
	}
	bad := []struct {
		pattern string
		opts    map[string]any
		want    string
	}{
		{"zset", map[string]any{"delay": map[string]any{"min": "1s", "max": "10ms"}}, "delay"},
		{"list-reliable", map[string]any{"claim_idle": "100ms"}, "claim_idle"},
		{"string", map[string]any{"mode": "register", "ttl": "1s"}, "ttl: unknown option"},
		{"pubsub", map[string]any{"wait": map[string]any{"replicas": 1, "timeout": "0s"}}, "timeout"},
		{"spubsub", map[string]any{"psubscribe": true}, "psubscribe: unknown option"},
		{"hash", map[string]any{"wait": map[string]any{"replica": 1}}, "replica: unknown option"},
		{"nope", nil, "not implemented"},
		// Bounds: nothing an option says may hang a run or exhaust memory.
		{"list", map[string]any{"block": "0s"}, "block: must be between 1ms and 1m0s, got 0s"}, // BLPOP 0 blocks forever
		{"stream", map[string]any{"block": "500us"}, "block: must be between 1ms"},             // XREADGROUP BLOCK 0
		{"stream", map[string]any{"batch": 1000000000}, "batch: must be between 1 and 10000"},
		{"set", map[string]any{"batch": 0}, "batch: must be between 1 and 10000, got 0"},
		{"string", map[string]any{"mode": "register", "entities": 1000000000}, "entities: must be between 1 and 100000"},
		{"string", map[string]any{"mode": "register", "entities": 0}, "entities: must be between 1 and 100000, got 0"},
		{"zset", map[string]any{"delay": "1000h"}, "delay: must be at most 1h0m0s"},
		{"zset", map[string]any{"poll": "0s"}, "poll: must be between 100µs"},
		{"stream", map[string]any{"claim_idle": "1000h"}, "claim_idle: must be between 1ms and 1h0m0s"},
		{"stream", map[string]any{"group": strings.Repeat("g", 300)}, "group: expected a non-empty string of at most 256 bytes"},
		{"hash", map[string]any{"wait": map[string]any{"replicas": 1000}}, "wait.replicas: must be between 0 and 64"},
		{"hash", map[string]any{"wait": map[string]any{"timeout": "2h"}}, "wait.timeout: must be between 0s and 1m0s"},
		{"pubsub", map[string]any{"assign": "split"}, "assign: split is not supported"},
		{"string", map[string]any{"mode": "register", "assign": "split"}, "assign: split is not supported"},
		{"hash", map[string]any{"assign": "half"}, "assign: expected one of split, all"},
	}
	for _, tc := range bad {
		err := loadgen.ValidateOptions(tc.pattern, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: got %v, want an error mentioning %q", tc.pattern, tc.opts, err, tc.want)
		}
	}
}

// TestOptionErrorsNameTheirKey: each problem names its option's path under
// workload.options, so the CLI can point at the line that holds it.
func TestOptionErrorsNameTheirKey(t *testing.T) {
	err := loadgen.ValidateOptions("stream", map[string]any{
		"bogus": 1, "batch": 0, "wait": map[string]any{"replicas": 1, "timeout": "0s", "extra": true},
	})
	var oe loadgen.OptionErrors
	if !errors.As(err, &oe) {
		t.Fatalf("error %v (%T) holds no OptionErrors", err, err)
	}
	got := map[string]string{}
	for _, e := range oe {
		got[e.Key] = e.Msg
	}
	for key, want := range map[string]string{
		"batch":        "must be between 1 and 10000, got 0",
		"bogus":        "unknown option (known here: assign, batch, block, claim_idle, group, groups, maxlen, wait)",
		"wait.timeout": "must be > 0 (WAIT 0 blocks forever)",
		"wait.extra":   "unknown option (known here: replicas, timeout)",
	} {
		if got[key] != want {
			t.Errorf("%s: %q, want %q", key, got[key], want)
		}
	}
	if len(oe) != 4 {
		t.Errorf("%d errors, want 4: %v", len(oe), oe)
	}
}

// TestConsumersPopInBatches: under a backlog (rate max), consumers of the
// queue patterns take many events per pop, as a production consumer would,
// so that the consumer is not what limits an end-to-end figure.
func TestConsumersPopInBatches(t *testing.T) {
	_, rdb := startRedis(t)
	for _, tc := range []struct{ pattern, pop string }{
		{"list", "blmpop"}, {"zset", "bzmpop"}, {"string", "blmpop"}, {"hash", "blmpop"},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			before := calls(t, rdb, tc.pop)
			cfg := loadgen.Config{Pattern: tc.pattern, Producers: 4, Consumers: 1, Keys: 1, Pipeline: 16,
				PayloadMin: 64, PayloadMax: 64, KeyPrefix: "pb:", Duration: 300 * time.Millisecond, Drain: 5 * time.Second, Run: 13}
			out, _ := runGen(t, rdb, cfg, nil)
			pops := calls(t, rdb, tc.pop) - before
			if out.Events.Lost != 0 || out.Events.Received == 0 {
				t.Fatalf("events %+v: want everything received", out.Events)
			}
			if per := float64(out.Events.Received) / float64(pops); per < 4 {
				t.Errorf("%d %s calls for %d events: %.1f events per pop, want many under a backlog", pops, tc.pop, out.Events.Received, per)
			}
		})
	}
}

// TestQueuedCountsWhatWaits: with nobody consuming, every event a queue
// pattern acknowledged is still in Redis, and Queued counts exactly those;
// patterns that keep no events say so.
func TestQueuedCountsWhatWaits(t *testing.T) {
	_, rdb := startRedis(t)
	for _, tc := range patternCases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadgen.Config{Pattern: tc.pattern, Producers: 2, Consumers: 0, Keys: 3, Pipeline: 4, Rate: 2000,
				PayloadMin: 64, PayloadMax: 64, Options: tc.opts, KeyPrefix: "qd:", Duration: 200 * time.Millisecond, Run: 14}
			g, err := loadgen.New(cfg, rdb)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := g.Setup(ctx); err != nil {
				t.Fatal(err)
			}
			epoch := time.Now()
			out, err := g.Run(ctx, record.NewCollector(epoch), epoch)
			if err != nil {
				t.Fatal(err)
			}
			n, ok := g.Queued(ctx)
			keeps := tc.receivers(2) == 1 // queues; fan-out and the register keep nothing to count
			if ok != keeps {
				t.Fatalf("Queued ok = %v, want %v", ok, keeps)
			}
			if ok && n != out.Events.Acked {
				t.Errorf("Queued = %d, want the %d acked events nobody consumed", n, out.Events.Acked)
			}
		})
	}
}

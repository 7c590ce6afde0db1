package loadgen_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/loadgen"
)

// TestForeignEntriesCounted: entries in the pipeline's keys that are not
// this run's events (truncated envelopes, another run's events, an
// unknown producer, another tool's data, garbage) are counted as foreign,
// never crash a consumer, and leave the accounting of the real events exact.
func TestForeignEntriesCounted(t *testing.T) {
	const run = 21
	other := make([]byte, 64)
	(&loadgen.Envelope{Run: run + 1, Producer: 0, Seq: 1}).Encode(other)
	stranger := make([]byte, 64)
	(&loadgen.Envelope{Run: run, Producer: 99, Seq: 1}).Encode(stranger)
	foreign := [][]byte{other[:20], other, stranger, []byte(`{"id": 17, "type": "order.created"}`), {0, 1, 2, 0xff}, {}}
	for _, pattern := range []string{"list", "stream"} {
		t.Run(pattern, func(t *testing.T) {
			t.Parallel()
			_, rdb := startRedis(t)
			cfg := loadgen.Config{Pattern: pattern, Producers: 2, Consumers: 2, Keys: 2, Pipeline: 4, Rate: 2000,
				PayloadMin: 64, PayloadMax: 64, KeyPrefix: "foreign:", Duration: time.Second, Drain: 3 * time.Second, Run: run}
			injected := cfg.Keys * len(foreign) // set before the run: during runs in its own goroutine
			if pattern == "stream" {
				injected += cfg.Keys // plus one entry without the "e" field per stream
			}
			out, _ := runGen(t, rdb, cfg, func(g *loadgen.Generator) {
				time.Sleep(300 * time.Millisecond)
				ctx := context.Background()
				for _, key := range g.Keys() {
					for _, f := range foreign {
						var err error
						if pattern == "list" {
							err = rdb.LPush(ctx, key, f).Err()
						} else {
							err = rdb.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{"e", f}}).Err()
						}
						if err != nil {
							t.Error(err)
						}
					}
					if pattern == "stream" { // another tool's entry: no "e" field at all
						if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{"myfield", "xxx", "other", "y"}}).Err(); err != nil {
							t.Error(err)
						}
					}
				}
			})
			ev := out.Events
			t.Logf("%+v foreign %d of %d injected, errors %v", ev, out.Foreign, injected, out.Errors)
			if out.Foreign != int64(injected) {
				t.Errorf("foreign %d, want the %d entries injected", out.Foreign, injected)
			}
			if ev.Lost != 0 || ev.Received != ev.Sent || ev.Duplicated != 0 || len(out.Errors) != 0 {
				t.Errorf("events %+v errors %v: the real events must still be accounted exactly", ev, out.Errors)
			}
		})
	}
}

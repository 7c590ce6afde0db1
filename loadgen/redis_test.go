package loadgen_test

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/record"
)

// startRedis stands up a real standalone redis-server for one test.
var startRedis = loadgen.StartRedis

func calls(t *testing.T, rdb redis.UniversalClient, cmd string) int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_"+cmd+":"); ok {
			var n int64
			fmt.Sscanf(rest, "calls=%d", &n)
			return n
		}
	}
	return 0
}

// run is runGen with a during that does not need the generator.
func run(t *testing.T, rdb redis.UniversalClient, cfg loadgen.Config, during func()) (*loadgen.Outcome, *record.Collector) {
	t.Helper()
	var f func(*loadgen.Generator)
	if during != nil {
		f = func(*loadgen.Generator) { during() }
	}
	return runGen(t, rdb, cfg, f)
}

// TestNoFaultAccountingMatchesServer: without faults nothing is lost,
// duplicated or indeterminate, and what squall says it sent is what Redis
// counted.
func TestNoFaultAccountingMatchesServer(t *testing.T) {
	for _, tc := range []struct{ pattern, writeCmd string }{{"list", "lpush"}, {"stream", "xadd"}} {
		t.Run(tc.pattern, func(t *testing.T) {
			_, rdb := startRedis(t)
			before := calls(t, rdb, tc.writeCmd)
			cfg := loadgen.Config{Pattern: tc.pattern, Producers: 2, Consumers: 2, Keys: 3, Pipeline: 1, Rate: 3000,
				PayloadMin: 64, PayloadMax: 256, KeyPrefix: "t:", Duration: 2 * time.Second, Drain: 3 * time.Second, Run: 42}
			out, col := run(t, rdb, cfg, nil)
			ev := out.Events
			server := calls(t, rdb, tc.writeCmd) - before
			t.Logf("%+v server %s calls %d", ev, tc.writeCmd, server)
			if ev.Lost != 0 || ev.Duplicated != 0 || ev.Indeterminate != 0 || ev.Failed != 0 {
				t.Errorf("events %+v: want no loss, duplicates or failures", ev)
			}
			if ev.Sent != server || ev.Acked != server {
				t.Errorf("sent %d acked %d, Redis counted %d %s calls", ev.Sent, ev.Acked, server, tc.writeCmd)
			}
			if ev.Received != ev.Sent {
				t.Errorf("received %d of %d", ev.Received, ev.Sent)
			}
			if want := int64(6000); ev.Sent < want*99/100 || ev.Sent > want {
				t.Errorf("sent %d, want about %d (open loop at 3000/s for 2s)", ev.Sent, want)
			}
			if h := col.Totals()[record.EndToEnd]; h.TotalCount() != ev.Received {
				t.Errorf("e2e samples %d, received %d", h.TotalCount(), ev.Received)
			}
			if !out.Drained {
				t.Error("drain did not complete")
			}
		})
	}
}

// TestStallShowsInPublishLatency: a server frozen for a second during an
// open-loop run must show up as hundreds of milliseconds at p99, not as one
// slow request per connection (no coordinated omission).
func TestStallShowsInPublishLatency(t *testing.T) {
	tg, rdb := startRedis(t)
	pid := tg.Primary().Pid
	cfg := loadgen.Config{Pattern: "list", Producers: 2, Consumers: 1, Keys: 1, Pipeline: 1, Rate: 2000,
		PayloadMin: 64, PayloadMax: 64, KeyPrefix: "t:", Duration: 3 * time.Second, Drain: 3 * time.Second, Run: 7}
	out, col := run(t, rdb, cfg, func() {
		time.Sleep(time.Second)
		syscall.Kill(pid, syscall.SIGSTOP)
		time.Sleep(time.Second)
		syscall.Kill(pid, syscall.SIGCONT)
	})
	pub := record.Summarize(col.Totals()[record.Publish])
	slow := col.Totals()[record.Publish].TotalCount() - countBelow(col, record.Publish, 100_000)
	t.Logf("publish %+v; samples over 100ms: %d; events %+v", pub, slow, out.Events)
	if pub.P99 < 500_000 {
		t.Errorf("publish p99 = %dµs, want the 1s stall to show (≥ 500ms)", pub.P99)
	}
	// About rate × 0.9 s of events were due during the stall; a closed-loop
	// tool would show ~one slow sample per connection.
	if slow < 1000 {
		t.Errorf("%d samples over 100ms, want ≥ 1000 (every event due during the stall)", slow)
	}
	if out.Events.Lost != 0 {
		t.Errorf("lost %d", out.Events.Lost)
	}
}

func countBelow(col *record.Collector, k record.Kind, us int64) int64 {
	var n int64
	for _, b := range col.Totals()[k].Distribution() {
		if b.To <= us {
			n += b.Count
		}
	}
	return n
}

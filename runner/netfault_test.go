package runner

import (
	"runtime"
	"testing"
	"time"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/scenarios"
)

// The shipped network-latency scenario on local processes, where only the
// fault proxy can slow the network: 100 ms for 3 s of 20 lifts publish p99
// to the delay and leaves p50 alone, nothing is lost, and the result says
// the clients went through the proxy.
func TestLatencyThroughProxy(t *testing.T) {
	testenv.RequireRedis(t)
	data, ok := scenarios.LibraryFile("network-latency")
	if !ok {
		t.Fatal("no shipped network-latency scenario")
	}
	c := run(t, string(data), "target.provider=process").Cells[0]
	if c.Error != "" {
		t.Fatalf("run failed: %s", c.Error)
	}
	pub := c.Latency.Publish
	t.Logf("publish p50 %dµs p99 %dµs max %dµs; data path %s", pub.P50, pub.P99, pub.Max, c.Target.DataPath)
	if pub.P99 < 90_000 || pub.P50 >= 20_000 {
		t.Errorf("publish p99 %dµs p50 %dµs: want p99 >= 90ms and p50 < 20ms under 100ms for 3s of 20s", pub.P99, pub.P50)
	}
	if e := c.Events; e.Lost != 0 || e.Received != e.Acked {
		t.Errorf("lost %d, received %d of %d acked: a slow network loses nothing", e.Lost, e.Received, e.Acked)
	}
	if c.Target.DataPath != compose.PathProxy {
		t.Errorf("data path %q, want %q", c.Target.DataPath, compose.PathProxy)
	}
	if f := c.Faults[0]; f.Action != "latency" || f.Error != "" || f.HealedAtS-f.AtS < 2.9 {
		t.Errorf("latency fault %+v: want it fired and healed 3s later", f)
	}
}

// A blackhole whose held connections are given up, then a reset, on local
// processes: the writes caught in them are indeterminate, not lost, the
// clients reconnect, and the run leaves none of the proxy's goroutines
// behind.
func TestTimeoutAndResetThroughProxy(t *testing.T) {
	testenv.RequireRedis(t)
	before := runtime.NumGoroutine()
	c := run(t, `
warmup: 1s
duration: 10s
drain: 3s
target: {provider: process, topology: standalone, persistence: none}
workload: {pattern: stream, producers: 2, consumers: 2, rate: 500, payload: 64, keys: 2, pipeline: 16}
client: {read_timeout: 1s, write_timeout: 1s}
chaos:
  - {at: 2s, action: timeout, target: primary, duration: 2s, params: {after: 500ms}}
  - {at: 7s, action: reset, target: primary}
`).Cells[0]
	if c.Error != "" || c.Target.DataPath != compose.PathProxy {
		t.Fatalf("run: error %q, data path %q", c.Error, c.Target.DataPath)
	}
	if e := c.Events; e.Lost != 0 || e.Indeterminate == 0 {
		t.Errorf("lost %d, indeterminate %d: want nothing lost and the writes cut off in flight indeterminate", e.Lost, e.Indeterminate)
	}
	timeout, reset := c.Faults[0], c.Faults[1]
	if timeout.Error != "" || timeout.ProducersUnavailableS < 1.5 {
		t.Errorf("timeout %+v: want producers stalled for most of its 2s", timeout)
	}
	if reset.Error != "" || reset.HealedAtS != 0 {
		t.Errorf("reset %+v: want a one-shot reset that needs no healing", reset)
	}
	if c.Errors["connection"] == 0 {
		t.Errorf("errors %v: want connection errors from the reset", c.Errors)
	}
	for i := 0; runtime.NumGoroutine() > before; i++ {
		if i == 300 {
			t.Fatalf("goroutines: %d before the run, %d after it", before, runtime.NumGoroutine())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Latency on every node of a process cluster: the clients reach each
// node, at the addresses CLUSTER SLOTS and MOVED announce, through its
// proxy, so every shard's writes slow down; the schedule's one shot
// counts once however many nodes it hit.
func TestClusterLatencyThroughProxy(t *testing.T) {
	testenv.RequireRedis(t)
	c := run(t, `
warmup: 1s
duration: 8s
drain: 3s
target: {provider: process, topology: cluster, shards: 3, replicas: 0, persistence: none}
workload: {pattern: stream, producers: 3, consumers: 3, rate: 300, payload: 64, keys: 6, pipeline: 32}
chaos:
  - {at: 3s, action: latency, target: all, duration: 2s, params: {delay: 100ms}}
`).Cells[0]
	if c.Error != "" || c.Target.DataPath != compose.PathProxy {
		t.Fatalf("run: error %q, data path %q", c.Error, c.Target.DataPath)
	}
	if len(c.Faults) != 3 {
		t.Fatalf("faults %+v: want the latency on each of the 3 primaries", c.Faults)
	}
	if p := c.Latency.Publish; p.P99 < 90_000 {
		t.Errorf("publish p99 %dµs under 100ms of latency on every node", p.P99)
	}
	if e := c.Events; e.Lost != 0 || e.Received != e.Acked {
		t.Errorf("lost %d, received %d of %d acked", e.Lost, e.Received, e.Acked)
	}
	for _, o := range c.SLO {
		if o.Name == result.FaultsFired && !o.Pass {
			t.Errorf("faults_fired %s of %s: one shot on every node is one shot", o.Observed, o.Limit)
		}
	}
}

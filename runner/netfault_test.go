package runner

import (
	"testing"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/testenv"
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

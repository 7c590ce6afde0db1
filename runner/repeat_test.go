package runner

import (
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/scenarios"
)

// TestPoolCells: repetitions pool as one longer run, and each one's
// figures become a sample.
func TestPoolCells(t *testing.T) {
	rep := func(secs, acked float64, p99 int64, lost int64, note string) (result.Cell, [record.NumKinds]*hdrhistogram.Histogram) {
		var h [record.NumKinds]*hdrhistogram.Histogram
		h[record.Publish] = hdrhistogram.New(1, 60_000_000, 3)
		for range 99 {
			_ = h[record.Publish].RecordValue(100)
		}
		_ = h[record.Publish].RecordValue(p99)
		c := result.Cell{Name: "c", DurationS: secs, Throughput: result.Throughput{AckedPerS: acked},
			Events: result.Events{Acked: int64(acked * secs), Lost: lost}, Errors: map[string]int64{"timeout": 1},
			Latency: result.Latencies{Publish: record.Summarize(h[record.Publish])}, Notes: []string{"always", note}}
		return c, h
	}
	a, ha := rep(2, 1000, 5000, 0, "first")
	b, hb := rep(6, 2000, 9000, 3, "second")
	c := poolCells(&scenarios.Scenario{}, []result.Cell{a, b}, [][record.NumKinds]*hdrhistogram.Histogram{ha, hb})
	if c.Repeat != 2 || c.DurationS != 8 || c.Throughput.AckedPerS != 1750 || c.Events.Acked != 14000 || c.Events.Lost != 3 || c.Errors["timeout"] != 2 {
		t.Errorf("pooled: repeat %d duration %g acked/s %g acked %d lost %d errors %v", c.Repeat, c.DurationS, c.Throughput.AckedPerS, c.Events.Acked, c.Events.Lost, c.Errors)
	}
	if c.Latency.Publish.Count != 200 || c.Latency.Publish.Max < 8990 {
		t.Errorf("pooled histogram: %+v", c.Latency.Publish)
	}
	if got := c.Samples["throughput"]; len(got) != 2 || got[0] != 1000 || got[1] != 2000 {
		t.Errorf("throughput samples %v", got)
	}
	if _, ok := c.Samples["lost"]; ok {
		t.Error("counts are not sampled")
	}
	want := []string{"always", "repetition 1: first", "repetition 2: second"}
	if len(c.Notes) != 3 || c.Notes[0] != want[0] || c.Notes[1] != want[1] || c.Notes[2] != want[2] {
		t.Errorf("notes %q, want %q", c.Notes, want)
	}
}

package result

import "testing"

// TestPoolRuns: runs of one scenario pool as one side, each run's
// repetitions its samples in order; anything else is refused.
func TestPoolRuns(t *testing.T) {
	run := func(p99s ...float64) *Result {
		c := Cell{Name: "c", DurationS: 10, Throughput: Throughput{AckedPerS: 100},
			Events: Events{Acked: 1000, Lost: 1}, Errors: map[string]int64{"timeout": 2},
			SLO: []SLOResult{{Name: "publish_p99", Pass: false}, {Name: "lost_max", Pass: true}}}
		if len(p99s) == 1 {
			c.Latency.Publish = Summary{Count: 1, P99: int64(p99s[0])}
		} else {
			c.Repeat, c.DurationS = len(p99s), 10*float64(len(p99s))
			c.Samples = map[string][]float64{"publish_p99": p99s}
		}
		return &Result{Scenario: "s", Pass: true, Cells: []Cell{c}}
	}
	p, err := PoolRuns([]*Result{run(1), run(2, 3), run(4)})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Cells[0]
	if got := c.Samples["publish_p99"]; len(got) != 4 || got[0] != 1 || got[1] != 2 || got[2] != 3 || got[3] != 4 {
		t.Errorf("samples %v, want 1 2 3 4", got)
	}
	if c.Repeat != 4 || c.DurationS != 40 || c.Events.Lost != 3 || c.Errors["timeout"] != 6 || c.Throughput.AckedPerS != 100 {
		t.Errorf("repeat %d duration %g lost %d errors %v acked/s %g", c.Repeat, c.DurationS, c.Events.Lost, c.Errors, c.Throughput.AckedPerS)
	}
	if len(c.SLO) != 1 || c.SLO[0].Name != "publish_p99" {
		t.Errorf("objectives %+v, want each failed one once", c.SLO)
	}
	other := run(1)
	other.Scenario = "t"
	capacity := run(1)
	capacity.Capacity = &Capacity{}
	renamed := run(1)
	renamed.Cells[0].Name = "d"
	for _, bad := range [][]*Result{nil, {run(1), other}, {run(1), capacity}, {run(1), renamed}} {
		if _, err := PoolRuns(bad); err == nil {
			t.Errorf("%d runs pooled, want refused", len(bad))
		}
	}
}

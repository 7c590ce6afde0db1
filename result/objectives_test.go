package result

import "testing"

func sloCell() *Cell {
	return &Cell{
		Workload:   WorkloadInfo{Consumers: 2},
		Throughput: Throughput{SentPerS: 5100, AckedPerS: 5000, ReceivedPerS: 4987.3},
		Latency: Latencies{
			Publish:  Summary{Count: 100, P50: 200, P90: 400, P99: 812, P999: 1500, Max: 3000},
			EndToEnd: Summary{Count: 100, P50: 300, P90: 600, P99: 1240, P999: 2500, Max: 2_500_000},
		},
		Events: Events{Lost: 3, Duplicated: 0, Indeterminate: 12, Failed: 1, Reordered: 2},
		Faults: []FaultResult{
			{Action: "kill", UnavailableS: 6.2, RecoveredS: 7},
			{Action: "pause", UnavailableS: 9.5, RecoveredS: 1},
		},
	}
}

func TestCheckSLO(t *testing.T) {
	producerOnly := sloCell()
	producerOnly.Workload.Consumers = 0
	producerOnly.Latency.EndToEnd = Summary{}
	noFaults := sloCell()
	noFaults.Faults = nil

	for _, tc := range []struct {
		name     string
		c        *Cell
		obj      Objective
		pass     bool
		observed string
		limit    string
	}{
		{"publish p50", sloCell(), Objective{"publish_p50", "1ms", 1000}, true, "200µs", "1ms"},
		{"publish p90 at the limit", sloCell(), Objective{"publish_p90", "400us", 400}, true, "400µs", "400us"},
		{"publish p99 over", sloCell(), Objective{"publish_p99", "800us", 800}, false, "812µs", "800us"},
		{"publish p999", sloCell(), Objective{"publish_p999", "2ms", 2000}, true, "1.5ms", "2ms"},
		{"publish max", sloCell(), Objective{"publish_max", "2ms", 2000}, false, "3ms", "2ms"},
		{"e2e p50", sloCell(), Objective{"e2e_p50", "1ms", 1000}, true, "300µs", "1ms"},
		{"e2e p90", sloCell(), Objective{"e2e_p90", "500us", 500}, false, "600µs", "500us"},
		{"e2e p99", sloCell(), Objective{"e2e_p99", "50ms", 50_000}, true, "1.24ms", "50ms"},
		{"e2e p999", sloCell(), Objective{"e2e_p999", "2ms", 2000}, false, "2.5ms", "2ms"},
		{"e2e max", sloCell(), Objective{"e2e_max", "3s", 3_000_000}, true, "2.5s", "3s"},
		{"no samples fails", producerOnly, Objective{"e2e_p99", "50ms", 50_000}, false, "no samples", "50ms"},
		{"limit rendered when not written", sloCell(), Objective{"e2e_p99", "", 50_000}, true, "1.24ms", "50ms"},
		{"throughput uses received", sloCell(), Objective{"throughput_min", "4990", 4990}, false, "4,987/s", "4990"},
		{"throughput producer-only uses acked", producerOnly, Objective{"throughput_min", "4990", 4990}, true, "5,000/s", "4990"},
		{"throughput at the limit", sloCell(), Objective{"throughput_min", "", 4987.3}, true, "4,987/s", "4,987/s"},
		{"lost", sloCell(), Objective{"lost_max", "0", 0}, false, "3", "0"},
		{"lost within", sloCell(), Objective{"lost_max", "3", 3}, true, "3", "3"},
		{"duplicated", sloCell(), Objective{"duplicated_max", "0", 0}, true, "0", "0"},
		{"indeterminate", sloCell(), Objective{"indeterminate_max", "10", 10}, false, "12", "10"},
		{"failed", sloCell(), Objective{"failed_max", "1", 1}, true, "1", "1"},
		{"reordered", sloCell(), Objective{"reordered_max", "", 1}, false, "2", "1"},
		{"unavailable worst fault", sloCell(), Objective{"unavailable_max", "10s", 10_000_000}, true, "9.5s", "10s"},
		{"unavailable over", sloCell(), Objective{"unavailable_max", "5s", 5_000_000}, false, "9.5s", "5s"},
		{"recovery worst fault", sloCell(), Objective{"recovery_max", "5s", 5_000_000}, false, "7s", "5s"},
		{"no faults", noFaults, Objective{"unavailable_max", "1s", 1_000_000}, true, "0s", "1s"},
		{"unknown", sloCell(), Objective{"p99_e2e", "5ms", 5000}, false, "unknown objective", "5ms"},
		{"unknown stat", sloCell(), Objective{"publish_p75", "5ms", 5000}, false, "unknown objective", "5ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckSLO(tc.c, []Objective{tc.obj})
			if len(got) != 1 {
				t.Fatalf("%d results", len(got))
			}
			want := SLOResult{Name: tc.obj.Name, Limit: tc.limit, Observed: tc.observed, Pass: tc.pass}
			if got[0] != want {
				t.Errorf("got %+v, want %+v", got[0], want)
			}
		})
	}
}

func TestCheckSLOKeepsOrder(t *testing.T) {
	got := CheckSLO(sloCell(), []Objective{{Name: "lost_max"}, {Name: "e2e_p99", Value: 1}, {Name: "throughput_min"}})
	if len(got) != 3 || got[0].Name != "lost_max" || got[1].Name != "e2e_p99" || got[2].Name != "throughput_min" {
		t.Errorf("got %+v", got)
	}
	if got := CheckSLO(sloCell(), nil); got == nil || len(got) != 0 {
		t.Errorf("no objectives: got %#v, want an empty, non-nil slice", got)
	}
}

func TestVerdict(t *testing.T) {
	ok := Cell{Pass: true, SLO: []SLOResult{{Pass: true}}}
	failed := Cell{Pass: false, SLO: []SLOResult{{Pass: false}}}
	errored := Cell{Pass: true, Error: "Redis unreachable"}
	inconsistent := Cell{Pass: true, SLO: []SLOResult{{Pass: false}}}
	for _, tc := range []struct {
		name  string
		cells []Cell
		want  bool
	}{
		{"all pass", []Cell{ok, ok}, true},
		{"no objectives", []Cell{{Pass: true}}, true},
		{"one fails", []Cell{ok, failed}, false},
		{"error", []Cell{ok, errored}, false},
		{"failed objective wins over Pass", []Cell{inconsistent}, false},
		{"no cells", nil, false},
	} {
		if got := Verdict(tc.cells); got != tc.want {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
}

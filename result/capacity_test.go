package result

import "testing"

func TestCapacityKnee(t *testing.T) {
	pts := func(p99s ...int64) []CapacityPoint {
		var out []CapacityPoint
		for i, v := range p99s {
			out = append(out, CapacityPoint{Rate: float64(int(1000) << i), P99us: v})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		pts  []CapacityPoint
		want float64
	}{
		{"climbs", pts(400, 600, 900, 1800, 2500, 40000), 8000},     // 2.5ms > 4 x 500µs (the floor)
		{"slow baseline", pts(3000, 2800, 5000, 9000, 12000), 8000}, // 12ms > 4 x 2.8ms
		{"dips first", pts(1500, 900, 1200, 1900, 30000), 8000},     // the lowest so far is 0.9ms
		{"gradual", pts(1000, 1500, 2200, 3300, 5000), 8000},        // small steps add up: 5ms > 4 x 1ms
		{"never", pts(800, 900, 1100, 1500), 0},                     // the knee is beyond the rates tried
		{"jitter", pts(200, 150, 400, 900, 1900), 0},                // under 4 x 500µs
		{"first step", pts(1000, 50000), 1000},                      // the lowest rate is the knee
		{"no samples skipped", pts(500, 0, 700, 9000), 4000},        // the empty point is left out
		{"single point", pts(1000), 0},                              // nothing to climb from
		{"out of order", []CapacityPoint{{Rate: 4000, P99us: 9000}, {Rate: 1000, P99us: 500}, {Rate: 2000, P99us: 600}}, 2000},
	} {
		if got := KneeRate(tc.pts); got != tc.want {
			t.Errorf("%s: KneeRate = %v, want %v", tc.name, got, tc.want)
		}
	}
}

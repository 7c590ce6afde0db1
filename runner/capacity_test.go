package runner

import (
	"errors"
	"reflect"
	"strconv"
	"testing"

	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/result"

	"github.com/squall-bench/squall/scenarios"
)

func TestCapacitySearchRates(t *testing.T) {
	for _, tc := range []struct {
		from, to float64
		steps    int
		want     []float64
	}{
		{2000, 64000, 6, []float64{2000, 4000, 8000, 16000, 32000, 64000}},
		{500, 200000, 5, []float64{500, 2240, 10000, 44700, 200000}},
		{1000, 1001, 5, []float64{1000, 1001}}, // rounding merges what cannot be told apart
		{10, 20, 2, []float64{10, 20}},
	} {
		got := searchRates(&scenarios.RateSearch{From: tc.from, To: tc.to, Steps: tc.steps})
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("searchRates(%v, %v, %d) = %v, want %v", tc.from, tc.to, tc.steps, got, tc.want)
		}
	}
}

func TestCapacityWalk(t *testing.T) {
	walk := func(mode string, limit float64, failAt float64) ([]float64, error) {
		var tried []float64
		err := walkSearch(&scenarios.RateSearch{From: 2000, To: 64000, Steps: 6, Mode: mode}, func(r float64) (bool, error) {
			tried = append(tried, r)
			if r == failAt {
				return false, errors.New("boom")
			}
			return r <= limit, nil
		})
		return tried, err
	}
	for _, tc := range []struct {
		name          string
		mode          string
		limit, failAt float64
		want          []float64
		err           bool
	}{
		{"step", "step", 30000, 0, []float64{2000, 4000, 8000, 16000, 32000}, false},
		{"all pass", "step", 1e9, 0, []float64{2000, 4000, 8000, 16000, 32000, 64000}, false},
		{"first misses", "bisect", 1000, 0, []float64{2000}, false},
		{"bisect", "bisect", 30000, 0, []float64{2000, 4000, 8000, 16000, 32000, 22600, 26900, 29300}, false},
		{"bisect down", "bisect", 20000, 0, []float64{2000, 4000, 8000, 16000, 32000, 22600, 19000, 20700}, false},
		{"all pass: nothing to bisect", "bisect", 1e9, 0, []float64{2000, 4000, 8000, 16000, 32000, 64000}, false},
		{"error stops", "bisect", 30000, 8000, []float64{2000, 4000, 8000}, true},
		{"error while bisecting", "bisect", 30000, 22600, []float64{2000, 4000, 8000, 16000, 32000, 22600}, true},
	} {
		got, err := walk(tc.mode, tc.limit, tc.failAt)
		if !reflect.DeepEqual(got, tc.want) || (err != nil) != tc.err {
			t.Errorf("%s: tried %v, err %v; want %v, err %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

// A small search against a local Redis: the rates go up until one misses
// e2e_p99 5ms (or the last is reached), and the curve, the highest passing
// rate and the knee come out of it.
func TestCapacitySearch(t *testing.T) {
	testenv.RequireRedis(t)
	const yaml = `
warmup: 500ms
duration: 2s
drain: 1s
target: {topology: standalone}
workload:
  pattern: stream
  producers: 4
  consumers: 4
  payload: 128
  rate: {search: {from: 500, to: 200000, steps: 5, objective: e2e_p99}}
slo:
  e2e_p99: 20ms
`
	res := run(t, yaml, "target.provider=process")
	cp := res.Capacity
	if cp == nil {
		t.Fatal("no capacity in the result")
	}
	for _, p := range cp.Points {
		t.Logf("%-12s offered %8.0f carried %9.1f p50 %6dµs p99 %8dµs pass %v", p.Cell, p.Rate, p.AckedPerS, p.P50us, p.P99us, p.Pass)
	}
	t.Logf("objective %q max %v knee %v pass %v", cp.Objective, cp.MaxRate, cp.KneeRate, res.Pass)
	if cp.Objective != "e2e_p99 <= 20ms" {
		t.Errorf("objective %q", cp.Objective)
	}
	if len(cp.Points) == 0 || len(cp.Points) != len(res.Cells) {
		t.Fatalf("%d points for %d cells", len(cp.Points), len(res.Cells))
	}
	if cp.Points[0].Rate != 500 {
		t.Errorf("first rate %v, want from (500)", cp.Points[0].Rate)
	}
	for i, p := range cp.Points {
		c := res.Cells[i]
		text := strconv.FormatFloat(p.Rate, 'f', -1, 64)
		if p.Cell != c.Name || c.Name != "rate="+text || c.Params["workload.rate"] != text || c.Workload.Rate != p.Rate {
			t.Errorf("point %d %+v does not match cell %q %v (workload rate %v)", i, p, c.Name, c.Params, c.Workload.Rate)
		}
		if i > 0 && p.Rate <= cp.Points[i-1].Rate {
			t.Errorf("point %d: rate %v after %v, want increasing", i, p.Rate, cp.Points[i-1].Rate)
		}
		if i < len(cp.Points)-1 && !p.Pass {
			t.Errorf("point %d (%v) missed the objective but the search went on", i, p.Rate)
		}
		if p.P99us <= 0 || p.AckedPerS <= 0 {
			t.Errorf("point %d: no figures: %+v", i, p)
		}
		// Carried is what was acknowledged in the window, so it never
		// exceeds the offer by more than the window's edges, and a rate
		// whose queue grew for the whole cell carried clearly less.
		if p.AckedPerS > 1.02*p.Rate {
			t.Errorf("point %d: carried %.0f/s of %.0f/s offered", i, p.AckedPerS, p.Rate)
		}
		if sat := c.Saturation; p.P99us >= 500_000 && (sat == nil || p.AckedPerS > 0.9*p.Rate) {
			t.Errorf("point %d: p99 %dµs, carried %.0f/s of %.0f/s, saturation %+v: a saturated rate must show it", i, p.P99us, p.AckedPerS, p.Rate, sat)
		}
	}
	last := cp.Points[len(cp.Points)-1]
	if last.Pass && last.Rate != 200000 {
		t.Errorf("the search stopped at %v, which passed, before reaching to", last.Rate)
	}
	passing := map[float64]bool{}
	for _, p := range cp.Points {
		if p.Pass {
			passing[p.Rate] = true
		}
	}
	if cp.Points[0].Pass && !passing[cp.MaxRate] {
		t.Errorf("max rate %v is not a passing point", cp.MaxRate)
	}
	// A saturated rate (the queue grows for the whole cell: p99 in the
	// 100ms at least) is far past 4x any low-rate p99, so the knee must be
	// found; a search that stopped on a marginal miss may have none.
	if cp.KneeRate != result.KneeRate(cp.Points) {
		t.Errorf("knee %v, but the points give %v", cp.KneeRate, result.KneeRate(cp.Points))
	}
	switch {
	case len(cp.Points) == 1:
		t.Logf("the lowest rate missed the objective (a loaded machine): no curve to find a knee on")
	case cp.KneeRate <= 0 && last.P99us >= 100_000:
		t.Errorf("no knee reported, but the last rate saturated (p99 %dµs)", last.P99us)
	case cp.KneeRate <= 0:
		t.Logf("no knee: the search stopped on a marginal miss (p99 %dµs), not a saturated rate", last.P99us)
	}
	found := false
	for _, p := range cp.Points {
		found = found || p.Rate == cp.KneeRate
	}
	if cp.KneeRate > 0 && !found {
		t.Errorf("knee %v is not a rate tried", cp.KneeRate)
	}
	if res.Pass != (cp.Points[0].Pass && res.Cells[0].Pass) {
		t.Errorf("run pass %v, but the lowest rate's cell passed: %v", res.Pass, res.Cells[0].Pass)
	}
}

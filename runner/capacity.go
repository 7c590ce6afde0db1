package runner

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/report"
	"github.com/squall-bench/squall/rundir"
	"github.com/squall-bench/squall/scenarios"
)

// A capacity search (workload.rate: {search: {from, to, objective, steps,
// mode}}) runs the scenario once per rate, each a full cell with a fresh
// target named rate=N, stepping geometrically from `from` to `to`, and stops
// after the first rate whose cell misses the named objective. With mode
// bisect it then tries bisectCells more rates between the last rate that
// met the objective and the first that missed it, each at the geometric
// mean of the two, keeping whichever half the result points to.
//
// The result's Capacity holds one point per rate tried, the highest rate
// that met the objective (MaxRate) and the knee (see kneeRate). The run
// passes when the lowest rate, `from`, met every objective and nothing
// stopped the run (report.CapacityPass): missing the objective at a higher
// rate is what the search is for.

// bisectCells is how many cells a bisecting search adds after the steps.
const bisectCells = 3

// The knee (see kneeRate) is where p99 passes kneeFactor times its
// low-rate level, that level taken as at least kneeFloorUS: a p99 that
// goes from 150µs to 700µs is jitter on a fast local Redis, not the start
// of saturation.
const (
	kneeFactor  = 4
	kneeFloorUS = 500
)

// capacitySearch returns the search a run's cells ask for, or nil. A
// search never comes with a matrix (the scenario parser rejects that), so
// it is the only cell's.
func capacitySearch(cells []scenarios.Cell) *scenarios.RateSearch {
	if len(cells) != 1 || cells[0].Scenario == nil {
		return nil
	}
	return cells[0].Scenario.Workload.Rate.Search
}

// runCapacity is Run for a capacity search: the same run directory and
// files as any run, with one cell per rate tried and res.Capacity filled.
func runCapacity(ctx context.Context, sc *scenarios.Scenario, base scenarios.Cell, o Options) (*report.Result, string, error) {
	search := base.Scenario.Workload.Rate.Search
	res, dir, err := openRun(sc, o)
	if err != nil {
		return nil, "", err
	}
	obj, _ := searchObjective(base.Scenario, search.Objective)
	res.Capacity = &report.Capacity{Objective: searchObjectiveText(obj), Points: []report.CapacityPoint{}}

	rates := searchRates(search)
	planned := len(rates)
	if search.Mode == "bisect" {
		planned += bisectCells
	}
	// try runs one rate as the next cell and reports whether it met the
	// objective; err is why the run must stop.
	try := func(rate float64) (bool, error) {
		i := len(res.Cells)
		cell := rateCell(base, rate)
		if !o.Quiet {
			fmt.Fprintf(o.Stderr, "capacity search %d/%d: %s events/s\n", i+1, planned, searchRateText(rate))
		}
		rc, err := runCell(ctx, cell, o, dir, rundir.CellFilePrefix(i, max(planned, 2), cell.Name))
		res.Cells = append(res.Cells, rc)
		pass := false
		if err == nil {
			pt := capacityPoint(&rc, base.Scenario, rate, obj)
			pass = pt.Pass
			res.Capacity.Points = append(res.Capacity.Points, pt)
			res.Capacity.MaxRate, res.Capacity.KneeRate = maxPassingRate(res.Capacity.Points), kneeRate(res.Capacity.Points)
			if !o.Quiet {
				fmt.Fprintf(o.Stderr, "capacity search %d/%d: %s events/s: %s %s, carried %.0f/s\n",
					i+1, planned, searchRateText(rate), searchObserved(&rc, obj.Name), searchPassWord(pass), pt.AckedPerS)
			}
		}
		if werr := report.WriteJSON(filepath.Join(dir, rundir.ResultFile), res); werr != nil && err == nil {
			err = fmt.Errorf("%w: writing result: %v", compose.ErrInfra, werr)
		}
		return pass, err
	}

	runErr := walkSearch(search, try)

	res.Pass = runErr == nil && report.CapacityPass(res)
	return res, dir, closeRun(dir, res, runErr, o)
}

// walkSearch tries the search's rates in order until one misses the
// objective, then, for mode bisect, bisectCells rates between the last that
// met it and the first that did not. It stops at the first error.
func walkSearch(rs *scenarios.RateSearch, try func(rate float64) (bool, error)) error {
	lo, hi := 0.0, 0.0 // the highest rate that met the objective, the lowest that missed it
	for _, rate := range searchRates(rs) {
		pass, err := try(rate)
		if err != nil {
			return err
		}
		if !pass {
			hi = rate
			break
		}
		lo = rate
	}
	if rs.Mode != "bisect" || lo == 0 || hi == 0 {
		return nil
	}
	for range bisectCells {
		mid := roundRate(math.Sqrt(lo * hi))
		if mid <= lo || mid >= hi {
			return nil // the rates are as close as they can be written
		}
		pass, err := try(mid)
		if err != nil {
			return err
		}
		if pass {
			lo = mid
		} else {
			hi = mid
		}
	}
	return nil
}

// searchRates are the rates a search steps through: Steps rates from From to
// To in a constant ratio, the ones between rounded to three significant
// digits so cell names stay readable (2000, 4470, 10000, ...).
func searchRates(rs *scenarios.RateSearch) []float64 {
	n := max(rs.Steps, 2)
	ratio := math.Pow(rs.To/rs.From, 1/float64(n-1))
	rates := []float64{rs.From}
	for i := 1; i < n; i++ {
		r := roundRate(rs.From * math.Pow(ratio, float64(i)))
		if i == n-1 {
			r = rs.To
		}
		if r > rates[len(rates)-1] {
			rates = append(rates, r)
		}
	}
	return rates
}

// roundRate rounds a rate to three significant digits.
func roundRate(r float64) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(r, 'g', 3, 64), 64)
	if err != nil {
		return r
	}
	return v
}

func searchRateText(r float64) string { return strconv.FormatFloat(r, 'f', -1, 64) }

// rateCell is the scenario at one fixed rate, named and parameterised like
// a matrix cell over workload.rate.
func rateCell(base scenarios.Cell, rate float64) scenarios.Cell {
	s := *base.Scenario
	s.Workload.Rate = scenarios.Rate{PerSecond: rate}
	text := searchRateText(rate)
	return scenarios.Cell{
		Name:     "rate=" + text,
		Params:   map[string]string{"workload.rate": text},
		Scenario: &s,
	}
}

// searchObjective is the scenario's objective of that name.
func searchObjective(s *scenarios.Scenario, name string) (report.Objective, bool) {
	for _, o := range objectives(s) {
		if o.Name == name {
			return o, true
		}
	}
	return report.Objective{Name: name}, false
}

// searchObjectiveText is an objective as a comparison: "e2e_p99 <= 50ms",
// "throughput_min >= 19000".
func searchObjectiveText(o report.Objective) string {
	limit := o.Limit
	if limit == "" {
		limit = strconv.FormatFloat(o.Value, 'g', -1, 64)
	}
	if strings.HasSuffix(o.Name, "_min") {
		return o.Name + " >= " + limit
	}
	return o.Name + " <= " + limit
}

// searchObserved is what the cell's check of the objective observed.
func searchObserved(rc *report.Cell, name string) string {
	for _, r := range rc.SLO {
		if r.Name == name {
			return name + " " + r.Observed
		}
	}
	return name + " not checked"
}

func searchPassWord(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// capacityPoint is one rate's point on the curve: the carried rate, p50 and
// p99 of the objective's latency kind (publish for publish_*, else end to
// end, or publish when nothing is consumed), and whether the cell met the
// objective.
func capacityPoint(rc *report.Cell, s *scenarios.Scenario, rate float64, obj report.Objective) report.CapacityPoint {
	lat := rc.Latency.EndToEnd
	if strings.HasPrefix(obj.Name, "publish_") || (!strings.HasPrefix(obj.Name, "e2e_") && s.Workload.Consumers == 0) {
		lat = rc.Latency.Publish
	}
	pt := report.CapacityPoint{Cell: rc.Name, Rate: rate, AckedPerS: rc.Throughput.AckedPerS, P50us: lat.P50, P99us: lat.P99}
	for _, r := range rc.SLO {
		if r.Name == obj.Name {
			pt.Pass = r.Pass && rc.Error == ""
		}
	}
	return pt
}

// maxPassingRate is the highest offered rate whose cell met the objective,
// or 0 when none did.
func maxPassingRate(pts []report.CapacityPoint) float64 {
	best := 0.0
	for _, p := range pts {
		if p.Pass {
			best = math.Max(best, p.Rate)
		}
	}
	return best
}

// kneeRate is where latency starts to climb steeply: going up the rates
// tried (in rate order), the knee is the last rate before the first one
// whose p99 is more than kneeFactor (4) times the lowest p99 seen at the
// rates below it, that baseline taken as at least kneeFloorUS (500µs).
// For a queue, latency is its unloaded level divided by (1 - utilisation),
// so 4x puts the knee near 75% of the saturation rate, where the curve
// bends up. Comparing with the lowest level rather than the previous rate
// makes the rule the same for coarse and fine steps, and a bisecting
// search's points out of order are sorted first. Rates without latency
// samples are left out. 0 means no knee among the rates tried.
func kneeRate(pts []report.CapacityPoint) float64 {
	var curve []report.CapacityPoint
	for _, p := range pts {
		if p.P99us > 0 && p.Rate > 0 {
			curve = append(curve, p)
		}
	}
	sort.SliceStable(curve, func(i, j int) bool { return curve[i].Rate < curve[j].Rate })
	lowest := math.Inf(1)
	for i, p := range curve {
		p99 := float64(p.P99us)
		if i > 0 && p99 > kneeFactor*math.Max(lowest, kneeFloorUS) {
			return curve[i-1].Rate
		}
		lowest = math.Min(lowest, p99)
	}
	return 0
}

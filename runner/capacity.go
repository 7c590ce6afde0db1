package runner

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/report"
	"github.com/squall-bench/squall/result"
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
// that met the objective (MaxRate) and the knee (see result.KneeRate). The run
// passes when the lowest rate, `from`, met every objective and nothing
// stopped the run (result.CapacityPass): missing the objective at a higher
// rate is what the search is for.

// bisectCells is how many cells a bisecting search adds after the steps.
const bisectCells = 3

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
func runCapacity(ctx context.Context, sc *scenarios.Scenario, base scenarios.Cell, o Options) (*result.Result, string, error) {
	search := base.Scenario.Workload.Rate.Search
	res, dir, err := openRun(sc, o)
	if err != nil {
		return nil, "", err
	}
	obj, _ := searchObjective(base.Scenario, search.Objective)
	res.Capacity = &result.Capacity{Objective: result.ObjectiveText(obj), Points: []result.CapacityPoint{}}

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
		rc, err := runCell(ctx, cell, o, dir, rundir.CellFilePrefix(i, max(planned, 2), cell.Name), nil)
		res.Cells = append(res.Cells, rc)
		pass := false
		if err == nil {
			pt := result.NewCapacityPoint(&rc, base.Scenario.Workload.Consumers, rate, obj)
			pass = pt.Pass
			res.Capacity.Points = append(res.Capacity.Points, pt)
			res.Capacity.MaxRate, res.Capacity.KneeRate = result.MaxPassingRate(res.Capacity.Points), result.KneeRate(res.Capacity.Points)
			if !o.Quiet {
				fmt.Fprintf(o.Stderr, "capacity search %d/%d: %s events/s: %s %s, carried %.0f/s\n",
					i+1, planned, searchRateText(rate), searchObserved(&rc, obj.Name), result.PassWord(pass), pt.AckedPerS)
			}
		}
		if werr := report.WriteJSON(filepath.Join(dir, rundir.ResultFile), res); werr != nil && err == nil {
			err = fmt.Errorf("%w: writing result: %v", compose.ErrInfra, werr)
		}
		return pass, err
	}

	runErr := walkSearch(search, try)

	res.Pass = runErr == nil && result.CapacityPass(res)
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
func searchObjective(s *scenarios.Scenario, name string) (result.Objective, bool) {
	for _, o := range objectives(s) {
		if o.Name == name {
			return o, true
		}
	}
	return result.Objective{Name: name}, false
}

// searchObserved is what the cell's check of the objective observed.
func searchObserved(rc *result.Cell, name string) string {
	for _, r := range rc.SLO {
		if r.Name == name {
			return name + " " + r.Observed
		}
	}
	return name + " not checked"
}

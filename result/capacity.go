package result

import (
	"fmt"
	"strings"

	"github.com/squall-bench/squall/internal/units"
)

// A capacity search (workload.rate: {search: ...}) runs one cell per rate
// and stops after the first rate that misses its objective, so a failed
// objective in the last cell is the search's finding, not a failure. Its
// verdict is the lowest rate's: the run passes when the first cell (the
// search's from rate) met every objective and nothing stopped the run.

// CapacityPass is the verdict of a capacity search's result.
func CapacityPass(r *Result) bool {
	return r.Capacity != nil && len(r.Cells) > 0 && !RunIncomplete(r) && Verdict(r.Cells[:1])
}

// capacityVerdict is the one-line outcome of a completed capacity search.
func capacityVerdict(r *Result) (Outcome, string) {
	cp, first := r.Capacity, &r.Cells[0]
	if CapacityPass(r) {
		return OutcomePass, fmt.Sprintf("PASS: capacity search: %s is the highest rate meeting %s",
			capacityRate(cp.MaxRate, "none"), cp.Objective)
	}
	rate := first.Workload.Rate
	if len(cp.Points) > 0 {
		rate = cp.Points[0].Rate
	}
	var missed []string
	for _, s := range first.SLO {
		if !s.Pass {
			missed = append(missed, s.Name)
		}
	}
	return OutcomeFail, fmt.Sprintf("FAIL: capacity search: the lowest rate, %s, missed %s", units.FormatRate(rate), strings.Join(missed, ", "))
}

// capacityRate is a rate, or what to say when there is none.
func capacityRate(v float64, none string) string {
	if v <= 0 {
		return none
	}
	return units.FormatRate(v)
}

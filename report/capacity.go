package report

import (
	"fmt"
	"sort"
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
	return r.Capacity != nil && len(r.Cells) > 0 && !runIncomplete(r) && Verdict(r.Cells[:1])
}

// capacityVerdict is the one-line outcome of a completed capacity search.
func capacityVerdict(r *Result) (outcome, string) {
	cp, first := r.Capacity, &r.Cells[0]
	if CapacityPass(r) {
		return outcomePass, fmt.Sprintf("PASS: capacity search: %s is the highest rate meeting %s",
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
	return outcomeFail, fmt.Sprintf("FAIL: capacity search: the lowest rate, %s, missed %s", units.FormatRate(rate), strings.Join(missed, ", "))
}

// capacityPoints are the points in increasing offered rate (a bisecting
// search tries them out of order).
func capacityPoints(cp *Capacity) []CapacityPoint {
	pts := append([]CapacityPoint(nil), cp.Points...)
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].Rate < pts[j].Rate })
	return pts
}

// capacityRows are the points as table rows: offered and carried rate, the
// objective's latency kind, and whether the point met the objective.
func capacityRows(cp *Capacity, name func(string) string, verdict func(bool) string) [][]string {
	rows := [][]string{{"cell", "offered", "carried", "p50", "p99", "objective"}}
	lat := func(v int64) string {
		if v <= 0 {
			return "-"
		}
		return units.FormatMicros(float64(v))
	}
	for _, pt := range capacityPoints(cp) {
		rows = append(rows, []string{name(pt.Cell), units.FormatRate(pt.Rate), units.FormatRate(pt.AckedPerS),
			lat(pt.P50us), lat(pt.P99us), verdict(pt.Pass)})
	}
	return rows
}

// maxRateText is the highest passing rate, then what it means when every
// rate tried passed (the capacity lies beyond the search) or none did.
func maxRateText(cp *Capacity) []string {
	if cp.MaxRate <= 0 {
		return []string{"none: the lowest rate missed the objective"}
	}
	for _, pt := range cp.Points {
		if !pt.Pass {
			return []string{units.FormatRate(cp.MaxRate)}
		}
	}
	return []string{units.FormatRate(cp.MaxRate), "(every rate tried met the objective; raise search.to)"}
}

// kneeText is the knee and what it means, or why there is none.
func kneeText(cp *Capacity) []string {
	if cp.KneeRate > 0 {
		return []string{units.FormatRate(cp.KneeRate), "(" + kneeMeaning + ")"}
	}
	n := 0
	for _, pt := range cp.Points {
		if pt.P99us > 0 {
			n++
		}
	}
	if n < 2 {
		return []string{"none: a knee needs two rates with latency figures"}
	}
	return []string{"none: p99 stayed under 4x its low-rate level"}
}

// capacityRate is a rate, or what to say when there is none.
func capacityRate(v float64, none string) string {
	if v <= 0 {
		return none
	}
	return units.FormatRate(v)
}

// Capacity figures as sentences, shared by the text and Markdown summaries.
const (
	kneeMeaning = "the last rate before p99 passed 4x its low-rate level"
)

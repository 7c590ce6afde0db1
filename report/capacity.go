package report

import (
	"sort"

	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/result"
)

// capacityPoints are the points in increasing offered rate (a bisecting
// search tries them out of order).
func capacityPoints(cp *result.Capacity) []result.CapacityPoint {
	pts := append([]result.CapacityPoint(nil), cp.Points...)
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].Rate < pts[j].Rate })
	return pts
}

// capacityRows are the points as table rows: offered and carried rate, the
// objective's latency kind, and whether the point met the objective.
func capacityRows(cp *result.Capacity, name func(string) string, verdict func(bool) string) [][]string {
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
func maxRateText(cp *result.Capacity) []string {
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
func kneeText(cp *result.Capacity) []string {
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

// Capacity figures as sentences, shared by the text and Markdown summaries.
const (
	kneeMeaning = "the last rate before p99 passed 4x its low-rate level"
)

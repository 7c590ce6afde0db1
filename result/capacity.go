package result

import (
	"fmt"
	"math"
	"sort"
	"strconv"
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

// The knee (see KneeRate) is where p99 passes KneeFactor times its
// low-rate level, that level taken as at least KneeFloorUS: a p99 that
// goes from 150µs to 700µs is jitter on a fast local Redis, not the start
// of saturation.
const (
	KneeFactor  = 4
	KneeFloorUS = 500
)

// ObjectiveText is an objective as a comparison: "e2e_p99 <= 50ms",
// "throughput_min >= 19000".
func ObjectiveText(o Objective) string {
	limit := o.Limit
	if limit == "" {
		limit = strconv.FormatFloat(o.Value, 'g', -1, 64)
	}
	if strings.HasSuffix(o.Name, "_min") {
		return o.Name + " >= " + limit
	}
	return o.Name + " <= " + limit
}

// NewCapacityPoint is one rate's point on the curve: the carried rate, p50 and
// p99 of the objective's latency kind (publish for publish_*, else end to
// end, or publish when nothing is consumed), and whether the cell met the
// objective.
func NewCapacityPoint(rc *Cell, consumers int, rate float64, obj Objective) CapacityPoint {
	lat := rc.Latency.EndToEnd
	if strings.HasPrefix(obj.Name, "publish_") || (!strings.HasPrefix(obj.Name, "e2e_") && consumers == 0) {
		lat = rc.Latency.Publish
	}
	pt := CapacityPoint{Cell: rc.Name, Rate: rate, AckedPerS: rc.Throughput.AckedPerS, P50us: lat.P50, P99us: lat.P99}
	for _, r := range rc.SLO {
		if r.Name == obj.Name {
			pt.Pass = r.Pass && rc.Error == ""
		}
	}
	return pt
}

// MaxPassingRate is the highest offered rate whose cell met the objective,
// or 0 when none did.
func MaxPassingRate(pts []CapacityPoint) float64 {
	best := 0.0
	for _, p := range pts {
		if p.Pass {
			best = math.Max(best, p.Rate)
		}
	}
	return best
}

// KneeRate is where latency starts to climb steeply: going up the rates
// tried (in rate order), the knee is the last rate before the first one
// whose p99 is more than KneeFactor (4) times the lowest p99 seen at the
// rates below it, that baseline taken as at least KneeFloorUS (500µs).
// For a queue, latency is its unloaded level divided by (1 - utilisation),
// so 4x puts the knee near 75% of the saturation rate, where the curve
// bends up. Comparing with the lowest level rather than the previous rate
// makes the rule the same for coarse and fine steps, and a bisecting
// search's points out of order are sorted first. Rates without latency
// samples are left out. 0 means no knee among the rates tried.
func KneeRate(pts []CapacityPoint) float64 {
	var curve []CapacityPoint
	for _, p := range pts {
		if p.P99us > 0 && p.Rate > 0 {
			curve = append(curve, p)
		}
	}
	sort.SliceStable(curve, func(i, j int) bool { return curve[i].Rate < curve[j].Rate })
	lowest := math.Inf(1)
	for i, p := range curve {
		p99 := float64(p.P99us)
		if i > 0 && p99 > KneeFactor*math.Max(lowest, KneeFloorUS) {
			return curve[i-1].Rate
		}
		lowest = math.Min(lowest, p99)
	}
	return 0
}

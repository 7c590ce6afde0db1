package result

import (
	"math"
	"strconv"
	"strings"

	"github.com/squall-bench/squall/internal/units"
)

// Objective is one limit a cell must meet. Value is in microseconds for
// latency and duration limits, events/s for throughput_min, and a count for
// the *_max event counts; Limit is the limit as the scenario wrote it.
type Objective struct {
	Name, Limit string
	Value       float64
}

// CheckSLO judges a cell against each objective, in the objectives' order.
// An objective that cannot be measured (no samples, unknown name) fails:
// a gate that silently passes on missing data is no gate.
func CheckSLO(c *Cell, objs []Objective) []SLOResult {
	out := make([]SLOResult, 0, len(objs))
	for _, o := range objs {
		out = append(out, checkOne(c, o))
	}
	return out
}

func checkOne(c *Cell, o Objective) SLOResult {
	r := SLOResult{Name: o.Name, Limit: o.Limit}
	def, known := LookupObjective(o.Name)
	switch {
	case !known:
		if r.Limit == "" {
			r.Limit = strconv.FormatFloat(o.Value, 'g', -1, 64)
		}
		r.Observed = "unknown objective"
	case def.Faults:
		if r.Limit == "" {
			r.Limit = units.FormatMicros(o.Value)
		}
		worst, never := 0.0, false
		for _, f := range c.Faults {
			v := f.UnavailableS
			if o.Name == "recovery_max" {
				v = f.RecoveredS
			}
			never = never || v < 0 // throughput never came back
			worst = math.Max(worst, v)
		}
		r.Observed, r.Pass = units.FormatSeconds(worst), worst*1e6 <= o.Value
		if never {
			r.Observed, r.Pass = NeverRecovered, false
		}
	case def.Unit == units.Micros:
		if r.Limit == "" {
			r.Limit = units.FormatMicros(o.Value)
		}
		h, q, _ := latencyFigure(c, o.Name)
		if h.Count == 0 {
			r.Observed = "no samples"
			return r
		}
		v := q(h)
		r.Observed, r.Pass = units.FormatMicros(float64(v)), float64(v) <= o.Value
	case def.Unit == units.Count:
		if r.Limit == "" {
			r.Limit = units.FormatNumber(o.Value)
		}
		n, _ := eventCount(c, strings.TrimSuffix(o.Name, "_max"))
		r.Observed, r.Pass = units.FormatCount(n), float64(n) <= o.Value
	case def.Unit == units.Rate: // throughput_min: what was carried to where it was judged
		if r.Limit == "" {
			r.Limit = units.FormatRate(o.Value)
		}
		v := c.Throughput.AckedPerS
		if c.Workload.Consumers > 0 {
			v = c.Throughput.ReceivedPerS
		}
		r.Observed, r.Pass = units.FormatRate(v), v >= o.Value
	}
	return r
}

// Verdict reports whether a run passed: it has cells, each passed, none
// stopped with an error, and none holds a failed objective. No cells means
// nothing was measured, which is not a pass.
func Verdict(cells []Cell) bool {
	if len(cells) == 0 {
		return false
	}
	for _, c := range cells {
		if !c.Pass || c.Error != "" {
			return false
		}
		for _, s := range c.SLO {
			if !s.Pass {
				return false
			}
		}
	}
	return true
}

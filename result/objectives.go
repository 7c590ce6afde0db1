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
	if h, q, ok := latencyObjective(c, o.Name); ok {
		if r.Limit == "" {
			r.Limit = units.FormatMicros(o.Value)
		}
		if h.Count == 0 {
			r.Observed = "no samples"
			return r
		}
		v := q(h)
		r.Observed, r.Pass = units.FormatMicros(float64(v)), float64(v) <= o.Value
		return r
	}
	if n, ok := countObjective(c, o.Name); ok {
		if r.Limit == "" {
			r.Limit = units.FormatNumber(o.Value)
		}
		r.Observed, r.Pass = units.FormatCount(n), float64(n) <= o.Value
		return r
	}
	switch o.Name {
	case "throughput_min":
		if r.Limit == "" {
			r.Limit = units.FormatRate(o.Value)
		}
		v := c.Throughput.AckedPerS
		if c.Workload.Consumers > 0 {
			v = c.Throughput.ReceivedPerS
		}
		r.Observed, r.Pass = units.FormatRate(v), v >= o.Value
	case "unavailable_max", "recovery_max":
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
			r.Observed, r.Pass = "never recovered", false
		}
	default:
		if r.Limit == "" {
			r.Limit = strconv.FormatFloat(o.Value, 'g', -1, 64)
		}
		r.Observed = "unknown objective"
	}
	return r
}

// latencyObjective resolves publish_pXX / e2e_pXX / *_max to the histogram
// and the figure it limits.
func latencyObjective(c *Cell, name string) (Summary, func(Summary) int64, bool) {
	var h Summary
	var stat string
	if s, ok := strings.CutPrefix(name, "publish_"); ok {
		h, stat = c.Latency.Publish, s
	} else if s, ok := strings.CutPrefix(name, "e2e_"); ok {
		h, stat = c.Latency.EndToEnd, s
	} else {
		return h, nil, false
	}
	q, ok := map[string]func(Summary) int64{
		"p50":  func(s Summary) int64 { return s.P50 },
		"p90":  func(s Summary) int64 { return s.P90 },
		"p99":  func(s Summary) int64 { return s.P99 },
		"p999": func(s Summary) int64 { return s.P999 },
		"max":  func(s Summary) int64 { return s.Max },
	}[stat]
	return h, q, ok
}

// countObjective resolves the *_max event-count objectives.
func countObjective(c *Cell, name string) (int64, bool) {
	switch name {
	case "lost_max":
		return c.Events.Lost, true
	case "duplicated_max":
		return c.Events.Duplicated, true
	case "indeterminate_max":
		return c.Events.Indeterminate, true
	case "failed_max":
		return c.Events.Failed, true
	case "reordered_max":
		return c.Events.Reordered, true
	}
	return 0, false
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

package result

import (
	"math"
	"strings"

	"github.com/squall-bench/squall/internal/units"
)

// This file is the metric registry: every figure squall judges, named
// once with its unit, which way is better and how to read it from a cell.
// The objectives a scenario sets (slo:), `squall compare` and scenario
// validation all read it, and a test keeps the tables in docs/scenarios.md and docs/ci.md in step.

// Better says which way a metric improves.
type Better int

// The directions.
const (
	Lower  Better = iota // latency, counts, fault windows
	Higher               // throughput, rates
)

// Metric is one figure compare judges: its name (also its --tolerance
// key), its unit, which way is better, and how to read it from a cell
// (false: the cell has no such figure, e.g. no consumers or no faults).
type Metric struct {
	Name   string
	Unit   units.Unit
	Better Better
	Value  func(c *Cell) (float64, bool)
	// Count marks an event count (lost, duplicated, unacked): judged on
	// the cell's total, never by a significance test, since one lost event
	// is a fact, not noise.
	Count bool
}

// Samples are the cell's per-repetition figures of m (nil: it ran once,
// or m is a count).
func (m Metric) Samples(c *Cell) []float64 {
	if m.Count || c.Samples[m.Name] == nil {
		return nil
	}
	out := append([]float64(nil), c.Samples[m.Name]...)
	for i, v := range out {
		if v < 0 {
			out[i] = math.Inf(1) // a fault never recovered from, stored as -1 (JSON has no infinity)
		}
	}
	return out
}

// SampleCell records each repetition's figure of every metric it has in
// into's Samples, in order (reps[i] is repetition i+1).
func SampleCell(into *Cell, reps []Cell) {
	into.Repeat = len(reps)
	into.Samples = map[string][]float64{}
	for _, m := range Metrics {
		if m.Count {
			continue
		}
		var vs []float64
		for i := range reps {
			if v, ok := m.Value(&reps[i]); ok {
				if math.IsInf(v, 1) {
					v = -1
				}
				vs = append(vs, v)
			}
		}
		if len(vs) == len(reps) {
			into.Samples[m.Name] = vs
		}
	}
}

// latencyMetric reads one percentile of one latency kind; a kind with no
// samples has no figure.
func latencyMetric(name string) Metric {
	return Metric{Name: name, Unit: units.Micros, Value: func(c *Cell) (float64, bool) {
		s, q, _ := latencyFigure(c, name)
		return float64(q(s)), s.Count > 0
	}}
}

// deliveryMetric is an event count that only a cell with consumers has.
func deliveryMetric(name string) Metric {
	return Metric{Name: name, Unit: units.Count, Count: true, Value: func(c *Cell) (float64, bool) {
		// A producer-only cell checks no delivery: its lost is not a figure.
		if c.Workload.Consumers == 0 && c.Events.Received == 0 {
			return 0, false
		}
		n, _ := eventCount(c, name)
		return float64(n), true
	}}
}

// faultMetric is the worst of a cell's injected faults; faults that could
// not be injected are skipped, and a recovery of -1 (never) reads +Inf.
func faultMetric(name string, v func(f FaultResult) float64) Metric {
	return Metric{Name: name, Unit: units.Seconds, Value: func(c *Cell) (float64, bool) {
		worst, found := 0.0, false
		for _, f := range c.Faults {
			if f.Error != "" {
				continue
			}
			x := v(f)
			if x < 0 {
				x = math.Inf(1)
			}
			worst, found = math.Max(worst, x), true
		}
		return worst, found
	}}
}

// Metrics are the per-cell metrics compare judges, in the order shown.
var Metrics = []Metric{
	{Name: "throughput", Unit: units.Rate, Better: Higher, Value: func(c *Cell) (float64, bool) { return c.Throughput.AckedPerS, true }},
	latencyMetric("publish_p50"),
	latencyMetric("publish_p99"),
	latencyMetric("publish_p999"),
	latencyMetric("e2e_p50"),
	latencyMetric("e2e_p99"),
	latencyMetric("e2e_p999"),
	latencyMetric("service_p50"),
	latencyMetric("service_p99"),
	latencyMetric("service_p999"),
	deliveryMetric("lost"),
	deliveryMetric("duplicated"),
	{Name: "unacked", Unit: units.Count, Count: true, Value: func(c *Cell) (float64, bool) {
		return float64(c.Events.Failed + c.Events.Indeterminate), true
	}},
	faultMetric("unavailable", func(f FaultResult) float64 { return f.UnavailableS }),
	faultMetric("recovered", func(f FaultResult) float64 { return f.RecoveredS }),
}

// CapacityMetrics compare two capacity searches as a whole; they are read
// from the run's Capacity (CapacityValue), not from a cell.
var CapacityMetrics = []Metric{
	{Name: "max_rate", Unit: units.Rate, Better: Higher},
	{Name: "knee_rate", Unit: units.Rate, Better: Higher},
}

// CapacityValue reads a capacity metric from a search's outcome; a knee
// of 0 means latency never climbed steeply over the rates tried: no figure.
func CapacityValue(name string, c *Capacity) (float64, bool) {
	if name == "knee_rate" {
		return c.KneeRate, c.KneeRate > 0
	}
	return c.MaxRate, true
}

// MetricByName finds a metric of either list.
func MetricByName(name string) (Metric, bool) {
	for _, list := range [][]Metric{Metrics, CapacityMetrics} {
		for _, m := range list {
			if m.Name == name {
				return m, true
			}
		}
	}
	return Metric{}, false
}

// ObjectiveDef is one objective a scenario may set under slo:, by name:
// the unit its limit is written in (Micros: a duration), which way passes
// (Lower: at or under the limit; Higher: at or over), whether it is
// measured on the consuming side (a producer-only workload cannot be
// judged on it) and whether it is measured on injected faults rather than
// on the load.
type ObjectiveDef struct {
	Name      string
	Unit      units.Unit
	Better    Better
	Consumers bool
	Faults    bool
}

// Objectives are the objectives slo: accepts, in the order messages list them.
var Objectives = func() []ObjectiveDef {
	var out []ObjectiveDef
	for _, kind := range []string{"publish", "e2e"} {
		for _, stat := range []string{"p50", "p90", "p99", "p999", "max"} {
			out = append(out, ObjectiveDef{Name: kind + "_" + stat, Unit: units.Micros, Consumers: kind == "e2e"})
		}
	}
	out = append(out, ObjectiveDef{Name: "throughput_min", Unit: units.Rate, Better: Higher})
	for _, n := range []string{"lost", "duplicated", "indeterminate", "failed", "reordered"} {
		consumed := n == "lost" || n == "duplicated" || n == "reordered"
		out = append(out, ObjectiveDef{Name: n + "_max", Unit: units.Count, Consumers: consumed})
	}
	return append(out,
		ObjectiveDef{Name: "unavailable_max", Unit: units.Micros, Faults: true},
		ObjectiveDef{Name: "recovery_max", Unit: units.Micros, Faults: true})
}()

// FaultsFired is the objective squall adds to every cell with a chaos
// schedule (not one a scenario sets): every scheduled fault fired.
const FaultsFired = "faults_fired"

// LookupObjective finds the objective of that name.
func LookupObjective(name string) (ObjectiveDef, bool) {
	for _, o := range Objectives {
		if o.Name == name {
			return o, true
		}
	}
	return ObjectiveDef{}, false
}

// latencyFigure resolves publish_pXX / e2e_pXX / *_max to the histogram
// and the figure it names.
func latencyFigure(c *Cell, name string) (Summary, func(Summary) int64, bool) {
	var h Summary
	var stat string
	if s, ok := strings.CutPrefix(name, "publish_"); ok {
		h, stat = c.Latency.Publish, s
	} else if s, ok := strings.CutPrefix(name, "e2e_"); ok {
		h, stat = c.Latency.EndToEnd, s
	} else if s, ok := strings.CutPrefix(name, "service_"); ok {
		h, stat = c.Latency.Service, s
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

// eventCount resolves an event count by name: lost, duplicated,
// indeterminate, failed, reordered.
func eventCount(c *Cell, name string) (int64, bool) {
	switch name {
	case "lost":
		return c.Events.Lost, true
	case "duplicated":
		return c.Events.Duplicated, true
	case "indeterminate":
		return c.Events.Indeterminate, true
	case "failed":
		return c.Events.Failed, true
	case "reordered":
		return c.Events.Reordered, true
	}
	return 0, false
}

package runner

import (
	"strconv"
	"time"

	"github.com/squall-bench/squall/live"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/scenarios"
)

// startMetrics shows a cell on the run's metrics endpoint, when there is
// one: its series read the collector, the generator's error counters and
// the fault injector at each scrape (nil when there is no endpoint).
func startMetrics(o Options, cell scenarios.Cell, col *record.Collector, gen *loadgen.Generator, faults *faultMonitor, begin time.Time) *live.Cell {
	if o.Metrics == nil {
		return nil
	}
	s := cell.Scenario
	l := live.Labels{Scenario: s.Name, Cell: cell.Name, Pattern: s.Workload.Pattern,
		Topology: s.Target.Topology, Persistence: s.Target.Persistence}
	if o.Shard != nil {
		l.Shard = strconv.Itoa(o.Shard.Index)
	}
	src := live.Source{Collector: col, Errors: gen.Errors, Groups: gen.Groups(), Rate: s.Workload.Rate.PerSecond, Begin: begin}
	if faults != nil {
		src.Faults = faults.live
	}
	return o.Metrics.Start(l, src)
}

// live is the faults fired so far as the metrics show them: active while
// in place (until healed; a one-shot action such as failover or bgsave
// never is), and the replica each promoted.
func (m *faultMonitor) live() []live.Fault {
	fired := m.inj.Fired()
	out := make([]live.Fault, 0, len(fired))
	for _, f := range fired {
		if f.Err != "" {
			continue
		}
		out = append(out, live.Fault{Action: f.Step.Action, Node: f.Node, Active: f.InPlace && f.HealedAt == 0, Promoted: f.Promoted})
	}
	return out
}

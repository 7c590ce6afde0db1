package result

import (
	"fmt"
	"math"
	"reflect"
	"slices"
)

// PoolRuns makes one side of a comparison from several runs of one
// scenario, as if they were one run with --repeat: each run's repetitions
// (one, without --repeat) become the cell's samples in the order given,
// counts and errors add up, rates are over the summed measured time, and
// every fault is listed. The latency summaries are left at the first
// run's: only whoever holds the histograms can pool them (rundir does).
// Runs made alternately with the other side's (A,B,A,B…) see the same
// drift of the machine, which a comparison of sides made apart cannot.
func PoolRuns(rs []*Result) (*Result, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("no runs to pool")
	}
	out := *rs[0]
	out.Cells = nil
	for _, r := range rs {
		switch {
		case r.Scenario != rs[0].Scenario:
			return nil, fmt.Errorf("runs of different scenarios, %s and %s, cannot be one side", rs[0].Scenario, r.Scenario)
		case r.Capacity != nil:
			return nil, fmt.Errorf("a capacity search cannot be pooled with other runs")
		case r.Shard != nil:
			return nil, fmt.Errorf("a shard is part of a run; merge the shards first (squall merge)")
		case len(r.Cells) != len(rs[0].Cells):
			return nil, fmt.Errorf("runs with %d and %d cells cannot be one side", len(rs[0].Cells), len(r.Cells))
		}
		for i := range r.Cells {
			if r.Cells[i].Name != rs[0].Cells[i].Name {
				return nil, fmt.Errorf("cell %d is %s in one run and %s in another", i+1, rs[0].Cells[i].Name, r.Cells[i].Name)
			}
		}
		if r.Error != "" && out.Error == "" {
			out.Error, out.Interrupted = r.Error, r.Interrupted
		}
		out.Pass = out.Pass && r.Pass
	}
	for i := range rs[0].Cells {
		cells := make([]*Cell, len(rs))
		for j, r := range rs {
			cells[j] = &r.Cells[i]
		}
		out.Cells = append(out.Cells, poolCell(cells))
	}
	return &out, nil
}

// poolCell pools one cell of every run.
func poolCell(cs []*Cell) Cell {
	c := *cs[0]
	c.Errors, c.Faults, c.Samples, c.Events = map[string]int64{}, nil, map[string][]float64{}, Events{}
	c.Repeat, c.Error, c.Pass = 0, "", true
	var secs, sent, acked, received float64
	var failed []SLOResult
	for _, r := range cs {
		d := r.DurationS
		secs += d
		sent += r.Throughput.SentPerS * d
		acked += r.Throughput.AckedPerS * d
		received += r.Throughput.ReceivedPerS * d
		AddEvents(&c.Events, r.Events)
		for k, v := range r.Errors {
			c.Errors[k] += v
		}
		c.Faults = append(c.Faults, r.Faults...)
		for _, s := range r.SLO {
			if !s.Pass && !slices.ContainsFunc(failed, func(f SLOResult) bool { return f.Name == s.Name }) {
				failed = append(failed, s) // the first run that failed it
			}
		}
		if r.Error != "" && c.Error == "" {
			c.Error = r.Error
		}
		c.Pass = c.Pass && r.Pass
		c.Repeat += max(r.Repeat, 1)
	}
	if len(failed) > 0 {
		c.SLO = failed // what a run of the side failed: the comparison reports it
	}
	c.DurationS = Round3(secs)
	if secs > 0 {
		c.Throughput.SentPerS = Round3(sent / secs)
		c.Throughput.AckedPerS = Round3(acked / secs)
		c.Throughput.ReceivedPerS = Round3(received / secs)
	}
	for _, m := range Metrics {
		if m.Count {
			continue
		}
		var vs []float64
		for _, r := range cs {
			if r.Repeat > 1 {
				vs = append(vs, r.Samples[m.Name]...)
			} else if v, ok := m.Value(r); ok {
				if math.IsInf(v, 1) {
					v = -1
				}
				vs = append(vs, v)
			}
		}
		if len(vs) == c.Repeat {
			c.Samples[m.Name] = vs
		}
	}
	return c
}

// AddEvents adds every count of from to into's.
func AddEvents(into *Events, from Events) {
	a, b := reflect.ValueOf(into).Elem(), reflect.ValueOf(from)
	for i := range a.NumField() {
		if f := a.Field(i); f.Kind() == reflect.Int64 {
			f.SetInt(f.Int() + b.Field(i).Int())
		}
	}
}

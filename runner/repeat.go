package runner

import (
	"context"
	"fmt"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/scenarios"
)

// Why repetitions and not windows of one run: what makes two runs of
// identical code differ is mostly what a run shares from start to end (the
// target process and its memory layout, where the scheduler put the
// threads, what the neighbours were doing). Seconds of one run share all
// of that, so they are not independent samples of "this build": a test
// over them would find the run-to-run offset significant and cry wolf.
// Tail percentiles are worse still: a one-second window at 5,000 events/s
// holds 50 events above its p99 and 5 above its p99.9, so a window's p99
// is a different, noisier statistic than the cell's. A repetition with a
// fresh target samples all of it, for every metric alike.

// repeatCell runs the cell o.Repeat times, each against a fresh target,
// and returns one cell over all repetitions with each repetition's
// figures as its samples. Repetition 1 writes its files under prefix
// (where `squall report` looks), repetition k under prefix+"repK.".
func repeatCell(ctx context.Context, cell scenarios.Cell, o Options, dir, prefix string) (result.Cell, error) {
	n := max(o.Repeat, 1)
	if n == 1 {
		return runCell(ctx, cell, o, dir, prefix, nil)
	}
	var reps []result.Cell
	var hists [][record.NumKinds]*hdrhistogram.Histogram
	for k := 1; k <= n; k++ {
		p := prefix
		if k > 1 {
			p = fmt.Sprintf("%srep%d.", prefix, k)
		}
		if !o.Quiet {
			fmt.Fprintf(o.Stderr, "repetition %d/%d\n", k, n)
		}
		var h [record.NumKinds]*hdrhistogram.Histogram
		rc, err := measureCell(ctx, cell, o, dir, p, nil, &h)
		reps, hists = append(reps, rc), append(hists, h)
		if err != nil {
			return poolCells(cell.Scenario, reps, hists), err
		}
	}
	return poolCells(cell.Scenario, reps, hists), nil
}

// poolCells makes one cell of a cell's repetitions, as if it were one run
// as long as all of them: counts and histograms added, rates over the
// summed measured time, every fault listed, the objectives judged again
// on the pooled figures. Samples hold the completed repetitions' figures.
func poolCells(s *scenarios.Scenario, reps []result.Cell, hists [][record.NumKinds]*hdrhistogram.Histogram) result.Cell {
	c := reps[0]
	c.Errors, c.Faults, c.Notes, c.ServerCalls, c.QueuedAtEnd, c.Saturation = map[string]int64{}, []result.FaultResult{}, nil, nil, nil, nil
	c.Events = result.Events{}
	var secs, sent, acked, received, cpu float64
	var fired []result.SLOResult
	notes := map[string][]int{}
	var noteOrder []string
	var done []result.Cell
	for i := range reps {
		r := &reps[i]
		d := r.DurationS
		secs += d
		sent += r.Throughput.SentPerS * d
		acked += r.Throughput.AckedPerS * d
		received += r.Throughput.ReceivedPerS * d
		cpu += r.Client.CPUUsed * d
		result.AddEvents(&c.Events, r.Events)
		for k, v := range r.Errors {
			c.Errors[k] += v
		}
		for k, v := range r.ServerCalls {
			if c.ServerCalls == nil {
				c.ServerCalls = map[string]int64{}
			}
			c.ServerCalls[k] += v
		}
		if r.QueuedAtEnd != nil {
			q := *r.QueuedAtEnd
			if c.QueuedAtEnd != nil {
				q += *c.QueuedAtEnd
			}
			c.QueuedAtEnd = &q
		}
		if c.Saturation == nil {
			c.Saturation = r.Saturation
		}
		c.Faults = append(c.Faults, r.Faults...)
		for _, slo := range r.SLO {
			if slo.Name == result.FaultsFired {
				fired = append(fired, slo)
			}
		}
		for _, n := range r.Notes {
			if notes[n] == nil {
				noteOrder = append(noteOrder, n)
			}
			notes[n] = append(notes[n], i+1)
		}
		if r.Error != "" {
			c.Error = r.Error
		} else {
			done = append(done, *r)
		}
	}
	c.DurationS = result.Round3(secs)
	if secs > 0 {
		c.Throughput.SentPerS = result.Round3(sent / secs)
		c.Throughput.AckedPerS = result.Round3(acked / secs)
		c.Throughput.ReceivedPerS = result.Round3(received / secs)
		c.Client.CPUUsed = result.Round3(cpu / secs)
	}
	c.Latency = result.Latencies{
		Publish:   record.Summarize(mergeKind(hists, record.Publish)),
		Service:   record.Summarize(mergeKind(hists, record.Service)),
		EndToEnd:  record.Summarize(mergeKind(hists, record.EndToEnd)),
		SendDelay: record.Summarize(mergeKind(hists, record.SendDelay)),
	}
	for _, n := range noteOrder {
		if len(notes[n]) == len(reps) {
			c.Notes = append(c.Notes, n)
		} else {
			c.Notes = append(c.Notes, fmt.Sprintf("repetition %s: %s", joinInts(notes[n]), n))
		}
	}
	c.SLO = result.CheckSLO(&c, objectives(s))
	if len(fired) > 0 {
		f := fired[0]
		for _, r := range fired {
			if !r.Pass {
				f = r
				break
			}
		}
		c.SLO = append(c.SLO, f)
	}
	c.Pass = c.Error == ""
	for _, r := range c.SLO {
		c.Pass = c.Pass && r.Pass
	}
	result.SampleCell(&c, done)
	c.Repeat = len(reps)
	return c
}

// mergeKind adds up one latency kind's histograms over the repetitions
// (nil for a repetition that stopped before it recorded).
func mergeKind(hists [][record.NumKinds]*hdrhistogram.Histogram, k record.Kind) *hdrhistogram.Histogram {
	var sum *hdrhistogram.Histogram
	for _, h := range hists {
		switch {
		case h[k] == nil:
		case sum == nil:
			sum = hdrhistogram.Import(h[k].Export())
		default:
			sum.Merge(h[k])
		}
	}
	return sum
}

func joinInts(xs []int) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(x)
	}
	return s
}

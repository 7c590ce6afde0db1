package runner

import (
	"context"
	"fmt"
	"strconv"

	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/report"
	"github.com/squall-bench/squall/scenarios"
)

// settle reads what the pipeline's keys still held once the load stopped
// and the faults were healed, so that the cell's lost counts only the
// acknowledged events gone from Redis and stranded those still there, and
// notes both. Call it before the faults' results, which share the loss out.
func settle(ctx context.Context, gen *loadgen.Generator, out *loadgen.Outcome, s *scenarios.Scenario, rc *report.Cell) {
	ev, err := gen.Settle(ctx)
	out.Events.Lost, out.Events.Stranded = ev.Lost, ev.Stranded
	if note := lossNote(out.Events, err, s, rc.QueuedAtEnd); note != "" {
		rc.Notes = append(rc.Notes, note)
	}
}

// lossNote states the lost and the stranded events whenever either is not
// zero; "" when every acknowledged event arrived.
func lossNote(ev report.Events, settleErr error, s *scenarios.Scenario, queued *int64) string {
	if s.Workload.Consumers == 0 || ev.Lost == 0 && ev.Stranded == 0 {
		return ""
	}
	if settleErr != nil {
		note := fmt.Sprintf("%s acknowledged %s not arrived when the drain (%s) ended and count as lost; what Redis still held could not be read (%v), so some of them may be consumer lag rather than loss",
			grouped(ev.Lost), plural(ev.Lost, "event had", "events had"), s.Drain.D(), settleErr)
		if queued != nil && *queued > 0 {
			note += fmt.Sprintf(" (the keys held %s events when the drain ended, warmup events included)", grouped(*queued))
		}
		return note
	}
	note := "no acknowledged event was lost"
	if ev.Lost > 0 {
		note = fmt.Sprintf("%s acknowledged %s lost", grouped(ev.Lost), plural(ev.Lost, "event was", "events were"))
	}
	note += " (never received, no longer in Redis); "
	switch {
	case ev.Stranded == 0:
		note += "none was left in the pipeline's keys when the run ended"
	case ev.Lost > 0:
		note += fmt.Sprintf("%s more %s still in the pipeline's keys when the run ended", grouped(ev.Stranded), plural(ev.Stranded, "was", "were"))
	default:
		note += fmt.Sprintf("%s %s still in the pipeline's keys when the run ended", grouped(ev.Stranded), plural(ev.Stranded, "was", "were"))
	}
	if ev.Stranded > 0 {
		note += " (stranded: consumer lag, not loss). More consumers, a larger options.batch or a longer drain carry them"
	}
	return note
}

// grouped writes n with thousands separators, as the reports do.
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	start := 0
	if n < 0 {
		start = 1
	}
	out := []byte(s[:start])
	for i := start; i < len(s); i++ {
		if i > start && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/scenarios"
)

// settle reads what the pipeline's keys still held once the load stopped
// and the faults were healed, so that the cell's lost counts only the
// acknowledged events gone from Redis and stranded those still there, and
// notes both. Call it before the faults' results, which share the loss out.
//
// An interrupted run settles too (what it has is kept), but within a few
// seconds: the user asked it to stop.
func settle(ctx context.Context, gen *loadgen.Generator, out *loadgen.Outcome, s *scenarios.Scenario, rc *result.Cell) {
	cut := ctx.Err() != nil
	sctx := context.WithoutCancel(ctx)
	if cut {
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(sctx, 5*time.Second)
		defer cancel()
	}
	ev, err := gen.Settle(sctx)
	out.Events.Lost, out.Events.Stranded = ev.Lost, ev.Stranded
	if note := lossNote(out.Events, err, s, rc.QueuedAtEnd, cut); note != "" {
		rc.Notes = append(rc.Notes, note)
	}
}

// lossNote states the lost and the stranded events whenever either is not
// zero; "" when every acknowledged event arrived.
func lossNote(ev result.Events, settleErr error, s *scenarios.Scenario, queued *int64, cut bool) string {
	if s.Workload.Consumers == 0 || ev.Lost == 0 && ev.Stranded == 0 {
		return ""
	}
	if settleErr != nil {
		when := fmt.Sprintf("when the drain (%s) ended", s.Drain.D())
		if cut {
			when = "when the run was cut short"
		}
		note := fmt.Sprintf("%s acknowledged %s not arrived %s and count as lost; what Redis still held could not be read (%v), so some of them may be consumer lag rather than loss",
			units.FormatCount(ev.Lost), units.Plural(ev.Lost, "event had", "events had"), when, settleErr)
		if queued != nil && *queued > 0 {
			note += fmt.Sprintf(" (the keys held %s events then, warmup events included)", units.FormatCount(*queued))
		}
		return note
	}
	note := "no acknowledged event was lost"
	if ev.Lost > 0 {
		note = fmt.Sprintf("%s acknowledged %s lost", units.FormatCount(ev.Lost), units.Plural(ev.Lost, "event was", "events were"))
	}
	note += " (never received, no longer in Redis); "
	switch {
	case ev.Stranded == 0:
		note += "none was left in the pipeline's keys when the run ended"
	case ev.Lost > 0:
		note += fmt.Sprintf("%s more %s still in the pipeline's keys when the run ended", units.FormatCount(ev.Stranded), units.Plural(ev.Stranded, "was", "were"))
	default:
		note += fmt.Sprintf("%s %s still in the pipeline's keys when the run ended", units.FormatCount(ev.Stranded), units.Plural(ev.Stranded, "was", "were"))
	}
	if ev.Stranded > 0 {
		note += " (stranded: consumer lag, not loss). More consumers, a larger options.batch or a longer drain carry them"
	}
	return note
}

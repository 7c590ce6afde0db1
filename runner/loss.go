package runner

import (
	"context"
	"time"

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
	if note := result.LossNote(out.Events, err, planOf(s), rc.QueuedAtEnd, cut); note != "" {
		rc.Notes = append(rc.Notes, note)
	}
}

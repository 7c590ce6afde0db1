package loadgen

import (
	"fmt"
	"time"
)

// Consumer faults: chaos crashes or stalls squall's own consumers through
// these, while the load runs. They act on the generator only, never on a
// server.

// KillConsumer makes consumer i crash while handling the next event it
// reads (see killConsumer); after restartAfter a replacement with a new
// name takes its place, never when restartAfter < 0.
func (g *Generator) KillConsumer(i int, restartAfter time.Duration) error {
	return g.killConsumer(i, restartAfter)
}

// PauseConsumer stalls consumer i for d: it stops between two reads,
// holding what it read last unacknowledged (its acknowledgements travel
// with its next read), as a consumer stuck in a slow call does. Its
// backlog grows; at-least-once patterns hand its pending work to the
// others once it has been idle claim_idle.
func (g *Generator) PauseConsumer(i int, d time.Duration) error {
	if i < 0 || i >= len(g.pauses) {
		return fmt.Errorf("loadgen: no consumer %d (have %d)", i, len(g.pauses))
	}
	g.pauses[i].Store(g.now() + int64(d))
	return nil
}

// ResumeConsumer ends consumer i's pause now.
func (g *Generator) ResumeConsumer(i int) error {
	if i < 0 || i >= len(g.pauses) {
		return fmt.Errorf("loadgen: no consumer %d (have %d)", i, len(g.pauses))
	}
	g.pauses[i].Store(0)
	return nil
}

// ConsumerSpan returns the consumers [lo, hi) this generator runs (all of
// them, unless it is one shard of a split load).
func (g *Generator) ConsumerSpan() (lo, hi int) { return g.cLo, g.cHi }

// Redeliveries returns, so far, the events taken back from consumers
// presumed dead to be delivered again (XAUTOCLAIM, re-queued processing
// lists) and the deliveries of measured events beyond their first; safe
// while the load runs.
func (g *Generator) Redeliveries() (reclaimed, duplicates int64) {
	return g.env.stats.reclaimed.Load(), g.dups.Load()
}

// paused waits while consumer id is paused, until the pause ends or stop;
// it reports whether the consumer was paused.
func (g *Generator) paused(stop <-chan struct{}, id int) bool {
	p := &g.pauses[id]
	if p.Load() <= g.now() {
		return false
	}
	t := time.NewTicker(5 * time.Millisecond) // ResumeConsumer may end it early
	defer t.Stop()
	for p.Load() > g.now() {
		select {
		case <-stop:
			return true
		case <-t.C:
		}
	}
	return true
}

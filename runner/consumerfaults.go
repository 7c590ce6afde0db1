package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/squall-bench/squall/internal/catalog"
	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/scenarios"
)

// What a consumer fault (kill-consumer, pause-consumer, restart-consumer)
// did is read from the generator's redelivery counters, sampled with the
// errors, and from the pipeline's backlog, sampled from Redis while such a
// fault is scheduled.

// queuedEvery is how often the backlog is read from Redis (XINFO GROUPS
// lag, list lengths): a round trip per key, so far sparser than activity.
const queuedEvery = 250 * time.Millisecond

// consumerFaults reports whether s schedules a consumer fault.
func consumerFaults(s *scenarios.Scenario) bool {
	for _, f := range s.Chaos {
		if a, _ := catalog.LookupAction(f.Action); a.Consumer {
			return true
		}
	}
	return false
}

// sampleQueued reads the backlog every queuedEvery until ctx ends; a
// sample Redis did not answer, or a pattern that keeps no queue, adds
// nothing.
func (m *faultMonitor) sampleQueued(ctx context.Context) {
	t := time.NewTicker(queuedEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		qctx, cancel := context.WithTimeout(ctx, queuedEvery)
		n, ok := m.gen.Queued(qctx)
		cancel()
		if !ok {
			continue
		}
		now := time.Since(m.epoch)
		m.mu.Lock()
		m.queued = append(m.queued, queuedSnap{at: now, n: n})
		m.mu.Unlock()
	}
}

// consumerFigures fills a consumer fault's redelivery and backlog figures
// from its firing (at, since the epoch) until the next fault fired or the
// load ended (next); m.mu is held.
func (m *faultMonitor) consumerFigures(r *result.FaultResult, at, next time.Duration) {
	var before, last errSnap // before: the last sample ahead of the fault
	var grew time.Duration   // the last sample in which reclaimed grew
	seen := false
	for _, e := range m.errs {
		if e.at < at {
			before = e
			continue
		}
		if e.at > next {
			break
		}
		prev := before
		if seen {
			prev = last
		}
		if e.reclaimed > prev.reclaimed {
			grew = e.at
		}
		last, seen = e, true
	}
	if seen {
		r.Redelivered, r.DuplicateDeliveries = last.reclaimed-before.reclaimed, last.dups-before.dups
		if r.Redelivered > 0 {
			r.RedeliveredS = result.Seconds(grew - at)
		}
	}
	for _, q := range m.queued {
		if q.at >= at && q.at <= next && (r.BacklogPeak == nil || q.n > *r.BacklogPeak) {
			n := q.n
			r.BacklogPeak = &n
		}
	}
}

// consumerNotes says why a consumer fault lost events on a pattern that
// delivers at most once.
func consumerNotes(rc *result.Cell, s *scenarios.Scenario) {
	if catalog.AtLeastOnce(s.Workload.Pattern) {
		return
	}
	var lost int64
	for _, f := range rc.Faults {
		if f.Role == catalog.ConsumerTarget {
			lost += f.LostAcked
		}
	}
	if lost == 0 {
		return
	}
	why := "a consumer takes events off the queue as it reads them, so what a killed consumer had read and not yet processed is gone; stream and list-reliable redeliver it"
	if p, _ := catalog.LookupPattern(s.Workload.Pattern); p.FanOut {
		why = "a subscriber that is gone misses what is published meanwhile, and a killed one never hears it again unless restarted"
	}
	rc.Notes = append(rc.Notes, fmt.Sprintf("%s lost events are put down to consumer faults: pattern %s delivers at most once (%s)",
		units.FormatCount(lost), s.Workload.Pattern, why))
}

package loadgen

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/squall-bench/squall/result"
)

// When the load has stopped, an acknowledged event no consumer received is
// either still in the pipeline's keys (stranded: the consumers fell
// behind, or stopped) or gone from Redis (lost). Settle tells the two
// apart by reading what the keys still hold.

// A keeper is a pattern whose keys hold events until a consumer takes them.
type keeper interface {
	// remains hands found each event the pattern's keys still hold for a
	// consumer to take (the raw event, or at least its envelope), reading
	// at most chunk entries at a time so that memory stays bounded.
	remains(ctx context.Context, env *Env, chunk int64, found func(raw string)) error
}

const (
	// settleTimeout bounds how long Settle reads.
	settleTimeout = 30 * time.Second
	// remainBuffer is how many found events are sorted together before
	// they join the ledger's runs.
	remainBuffer = 1 << 15
)

// Settle reads what the pipeline's keys still hold and returns the final
// accounting: an acknowledged event never received is stranded when Redis
// still holds it, lost when it is gone. Call it after Run, once nothing
// else writes or takes events (faults healed). It reads only when some
// acknowledged event is missing, for at most settleTimeout; when Redis
// cannot be read in time it returns the accounting with every missing
// event lost, and the client's error. A shard (Config.Part) cannot tell
// what the other shards received, so it always reads, and keeps what it
// finds of its own producers' events for the merge; its work is bounded by
// what the keys hold (read in chunks, within settleTimeout), never by the
// receipts it spilled, and its accounting leaves loss to the merge.
func (g *Generator) Settle(ctx context.Context) (result.Events, error) {
	l := g.ledger
	l.clearRemain()
	k, ok := g.pattern.(keeper)
	if !ok || g.groups == 0 || g.cfg.Part == nil && l.Outstanding() <= 0 {
		return l.Reconcile(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	r := &remainder{l: l, run: g.cfg.Run, buf: make([]foundEvent, 0, remainBuffer)}
	if err := k.remains(ctx, g.env, remainChunk(g.cfg.PayloadMax), r.add); err != nil {
		l.clearRemain()
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("not done within %s: %w", settleTimeout, err)
		}
		return l.Reconcile(), err
	}
	r.flush()
	return l.Reconcile(), nil
}

// remainBytes bounds the events one read returns (see remainChunk); a
// variable for tests that read in small chunks.
var remainBytes = 4 << 20

// remainChunk is how many entries one read returns: up to 1024, fewer
// when events are large, at least 16.
func remainChunk(payloadMax int) int64 {
	return int64(min(1024, max(16, remainBytes/max(payloadMax, 1))))
}

// remainder collects the measured events found in Redis into the ledger.
type remainder struct {
	l   *Ledger
	run uint32
	buf []foundEvent
}

type foundEvent struct {
	producer uint32
	seq      uint64
}

// add takes one entry read from a key; anything but a measured event of
// this run is ignored.
func (r *remainder) add(raw string) {
	e, err := DecodeString(raw, r.run)
	if err != nil || !r.l.measured(e.Producer, e.Seq) {
		return
	}
	r.buf = append(r.buf, foundEvent{e.Producer, e.Seq})
	if len(r.buf) == cap(r.buf) {
		r.flush()
	}
}

// flush merges the buffered events into the ledger's remain sets: sorted
// first, so that events found in any order (a set's members) cost a merge
// per buffer rather than an insertion each.
func (r *remainder) flush() {
	slices.SortFunc(r.buf, func(a, b foundEvent) int {
		return cmp.Or(cmp.Compare(a.producer, b.producer), cmp.Compare(a.seq, b.seq))
	})
	for i := 0; i < len(r.buf); {
		p := r.buf[i].producer
		var runs []seqRun
		for ; i < len(r.buf) && r.buf[i].producer == p; i++ {
			x := r.buf[i].seq
			n := len(runs)
			switch {
			case n > 0 && x < runs[n-1].hi: // found twice
			case n > 0 && x == runs[n-1].hi:
				runs[n-1].hi++
			default:
				runs = append(runs, seqRun{x, x + 1})
			}
		}
		r.l.addRemain(p, runs)
	}
	r.buf = r.buf[:0]
}

// Watermark is, per producer, a sequence number below which every event
// had its reply. Taken as a fault strikes, it tells the events
// acknowledged before the fault from those acknowledged after.
type Watermark []uint64

// Replied returns the producers' watermarks now; safe while the load runs.
func (g *Generator) Replied() Watermark {
	return g.ledger.replied()
}

// LostByFault attributes the lost events to faults, given the watermarks
// taken as each struck, in firing order: a lost event belongs to the first
// fault that struck after it was acknowledged (it was still unreceived
// then), and the last fault also takes those acknowledged after it. The
// counts sum to the lost events. Call it after Settle.
func (g *Generator) LostByFault(marks []Watermark) []int64 { return g.ledger.lostByFault(marks) }

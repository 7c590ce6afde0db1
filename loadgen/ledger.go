package loadgen

import (
	"sync"
	"sync/atomic"

	"github.com/squall-bench/squall/result"
)

// sendLog is one producer's record of what it sent in the measured phase;
// only that producer writes it, and it is read after the producer stopped,
// except replied, which a fault monitor reads while the load runs.
type sendLog struct {
	first, next   uint64 // measured sequence numbers are [first, next)
	measuring     bool
	dropped       uint64 // due in the measured phase, never sent (open loop)
	failed, indet seqSet // not acknowledged: definitely not written / unknown
	// replied is the producer's next sequence number once the replies of
	// every event before it had come back (acknowledged or not).
	replied atomic.Uint64
}

// book is what one delivery group received from one producer.
type book struct {
	mu    sync.Mutex
	got   seqSet
	twice seqSet // received more than once
	dups  int64  // deliveries beyond each event's first
	// Consumers update different books concurrently: 64 bytes of fields
	// and 64 of padding keep two books' fields off one cache line.
	_ [64]byte
}

// Ledger is the run's exact delivery accounting. A group is one independent
// receiver of the whole event stream: a queue's consumers share one group,
// each pub/sub subscriber is a group of its own.
type Ledger struct {
	sends []*sendLog
	books [][]book // [group][producer]
	// remain is, per producer, the measured events the pipeline's keys still
	// held for a consumer once the load had stopped (see Settle): waiting
	// for every group, as only queues (one group) keep events.
	remain    []seqSet
	reordered atomic.Int64
	// log, in a shard, is where receipts are spilled (see spill): the
	// books then hold only the latest.
	log *receiptLog
}

// addReordered adds a consumer's count of out-of-order receipts.
func (l *Ledger) addReordered(n int64) { l.reordered.Add(n) }

// NewLedger returns a ledger for producers and groups.
func NewLedger(producers, groups int) *Ledger {
	l := &Ledger{sends: make([]*sendLog, producers), books: make([][]book, groups), remain: make([]seqSet, producers)}
	for i := range l.sends {
		l.sends[i] = &sendLog{}
	}
	for g := range l.books {
		l.books[g] = make([]book, producers)
	}
	return l
}

// producerLog returns producer id's send log, which only that producer
// writes.
func (l *Ledger) producerLog(id int) *sendLog { return l.sends[id] }

// measured reports whether (producer, seq) is an event the producer sent
// in the measured phase.
func (l *Ledger) measured(producer uint32, seq uint64) bool {
	if int(producer) >= len(l.sends) {
		return false
	}
	s := l.sends[producer]
	return seq >= s.first && seq < s.next
}

// addRemain adds runs of producer p's measured events that the pipeline's
// keys still held once the load had stopped.
func (l *Ledger) addRemain(p uint32, runs []seqRun) {
	l.remain[p].runs = unionRuns(l.remain[p].runs, runs)
}

// clearRemain forgets what the keys held (a new or a failed read).
func (l *Ledger) clearRemain() { clear(l.remain) }

// replied returns every producer's replied watermark now; safe while the
// load runs.
func (l *Ledger) replied() Watermark {
	w := make(Watermark, len(l.sends))
	for i, s := range l.sends {
		w[i] = s.replied.Load()
	}
	return w
}

// Deliver records that group received event (producer, seq) and reports
// whether that group had received it before.
func (l *Ledger) Deliver(group int, producer uint32, seq uint64) (dup bool) {
	if group >= len(l.books) || int(producer) >= len(l.books[group]) {
		return false
	}
	b := &l.books[group][producer]
	b.mu.Lock()
	dup = b.got.add(seq)
	if dup {
		b.dups++
		b.twice.add(seq)
	}
	b.mu.Unlock()
	return dup
}

// Outstanding returns how many acknowledged events some group has not yet
// received; call it only once the producers have stopped.
func (l *Ledger) Outstanding() int64 {
	var n int64
	for g := range l.books {
		for p, s := range l.sends {
			n += l.missingAcked(g, p, s)
		}
	}
	return n
}

func (l *Ledger) missingAcked(g, p int, s *sendLog) int64 {
	b := &l.books[g][p]
	b.mu.Lock()
	defer b.mu.Unlock()
	sent := s.next - s.first
	acked := sent - s.failed.count() - s.indet.count()
	gotUnacked := b.got.overlap(&s.failed) + b.got.overlap(&s.indet)
	return int64(acked) - int64(b.got.count()-gotUnacked)
}

// missing returns the measured events of producer p that were
// acknowledged and that group g never received, as runs. Call it once
// every producer and consumer has stopped.
func (l *Ledger) missing(g, p int) []seqRun {
	s, b := l.sends[p], &l.books[g][p]
	notMissing := unionRuns(unionRuns(b.got.runs, s.failed.runs), s.indet.runs)
	return gapsIn(s.first, s.next, notMissing)
}

// lost returns missing(g, p) without the events Redis still held (remain).
func (l *Ledger) lost(g, p int) []seqRun {
	s := l.sends[p]
	return gapsIn(s.first, s.next, unionRuns(unionRuns(unionRuns(l.books[g][p].got.runs, s.failed.runs), s.indet.runs), l.remain[p].runs))
}

// Reconcile returns the accounting fields; call it once every producer and
// consumer has stopped. Sent, acked, failed and indeterminate count events;
// received, lost, stranded, recovered and duplicated are summed over
// groups. Acknowledged events a group never received are stranded when
// remain holds them (Redis still did), lost otherwise. A ledger that
// spilled its receipts (a shard's) counts what it spilled as received and
// duplicated, and leaves lost, stranded and recovered, which need every
// shard's receipts, to the merge.
func (l *Ledger) Reconcile() result.Events {
	ev := result.Events{Reordered: l.reordered.Load()}
	for _, s := range l.sends {
		sent := int64(s.next - s.first)
		failed, indet := int64(s.failed.count()), int64(s.indet.count())
		ev.Sent += sent
		ev.Dropped += int64(s.dropped)
		ev.Failed += failed
		ev.Indeterminate += indet
		ev.Acked += sent - failed - indet
	}
	if rl := l.log; rl != nil {
		ev.Received, ev.Duplicated, ev.DuplicateDeliveries = int64(rl.received), int64(rl.duplicated), rl.dups
	}
	for g := range l.books {
		for p, s := range l.sends {
			b := &l.books[g][p]
			ev.Received += int64(b.got.count())
			ev.Duplicated += int64(b.twice.count())
			ev.DuplicateDeliveries += b.dups
			if l.log != nil {
				continue
			}
			miss := l.missing(g, p)
			stranded := int64(overlapRuns(miss, l.remain[p].runs))
			ev.Recovered += int64(b.got.overlap(&s.failed) + b.got.overlap(&s.indet))
			ev.Stranded += stranded
			ev.Lost += int64(countRuns(miss)) - stranded
		}
	}
	return ev
}

// lostByFault splits the lost events among faults: marks[i] is, per
// producer, the replied watermark taken as fault i struck (in firing
// order). A lost event belongs to the first fault whose watermark lies
// above it (acknowledged before that fault struck and never received, so
// still unreceived then); the last fault also takes those acknowledged
// after it struck. The counts sum to Reconcile's Lost when marks is not
// empty.
func (l *Ledger) lostByFault(marks []Watermark) []int64 {
	if l.log != nil { // a shard's: the merge attributes the loss
		return make([]int64, len(marks))
	}
	all := make([]int, len(l.sends))
	for p := range all {
		all[p] = p
	}
	return l.lostByFaultOf(marks, all)
}

// lostByFaultOf is lostByFault over the events of producers only.
func (l *Ledger) lostByFaultOf(marks []Watermark, producers []int) []int64 {
	out := make([]int64, len(marks))
	if len(marks) == 0 {
		return out
	}
	for g := range l.books {
		for _, p := range producers {
			lost := l.lost(g, p)
			total := countRuns(lost)
			var prev, w uint64 // lost events below the previous watermark; the watermark
			for i, m := range marks {
				if p < len(m) {
					w = max(w, m[p]) // watermarks only grow; a missing one repeats the last
				}
				below := countBelow(lost, w)
				if i == len(marks)-1 {
					below = total
				}
				out[i] += int64(below - prev)
				prev = below
			}
		}
	}
	return out
}

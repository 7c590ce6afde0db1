package loadgen

import (
	"sync"
	"sync/atomic"

	"github.com/squall-bench/squall/report"
)

// sendLog is one producer's record of what it sent in the measured phase;
// only that producer writes it, and it is read after the producer stopped.
type sendLog struct {
	first, next   uint64 // measured sequence numbers are [first, next)
	measuring     bool
	dropped       uint64 // due in the measured phase, never sent (open loop)
	failed, indet seqSet // not acknowledged: definitely not written / unknown
}

// book is what one delivery group received from one producer.
type book struct {
	mu   sync.Mutex
	got  seqSet
	dups int64
	_    [40]byte // one book per cache line: consumers update them concurrently
}

// Ledger is the run's exact delivery accounting. A group is one independent
// receiver of the whole event stream: a queue's consumers share one group,
// each pub/sub subscriber is a group of its own.
type Ledger struct {
	sends     []*sendLog
	books     [][]book // [group][producer]
	reordered atomic.Int64
}

// addReordered adds a consumer's count of out-of-order receipts.
func (l *Ledger) addReordered(n int64) { l.reordered.Add(n) }

// NewLedger returns a ledger for producers and groups.
func NewLedger(producers, groups int) *Ledger {
	l := &Ledger{sends: make([]*sendLog, producers), books: make([][]book, groups)}
	for i := range l.sends {
		l.sends[i] = &sendLog{}
	}
	for g := range l.books {
		l.books[g] = make([]book, producers)
	}
	return l
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

// Reconcile returns the accounting fields; call it once every producer and
// consumer has stopped. Sent, acked, failed and indeterminate count events;
// received, lost, recovered and duplicated are summed over groups.
func (l *Ledger) Reconcile() report.Events {
	ev := report.Events{Reordered: l.reordered.Load()}
	for _, s := range l.sends {
		sent := int64(s.next - s.first)
		failed, indet := int64(s.failed.count()), int64(s.indet.count())
		ev.Sent += sent
		ev.Dropped += int64(s.dropped)
		ev.Failed += failed
		ev.Indeterminate += indet
		ev.Acked += sent - failed - indet
	}
	for g := range l.books {
		for p, s := range l.sends {
			b := &l.books[g][p]
			got := int64(b.got.count())
			recovered := int64(b.got.overlap(&s.failed) + b.got.overlap(&s.indet))
			acked := int64(s.next-s.first) - int64(s.failed.count()+s.indet.count())
			ev.Received += got
			ev.Recovered += recovered
			ev.Lost += acked - (got - recovered)
			ev.Duplicated += b.dups
		}
	}
	return ev
}

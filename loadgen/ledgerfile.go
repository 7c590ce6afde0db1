package loadgen

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/squall-bench/squall/result"
)

// A shard of a split load keeps its ledger in two line-oriented files, so
// that a merge can reconcile the whole load exactly: the sends (one line
// per producer the shard ran: its measured sequence numbers, those not
// acknowledged, those due and never sent, those Redis still held at the
// end, and its watermarks as faults struck) and the receipts. Sets are
// written as their runs [lo, hi).
//
// Receipts are spilled as the load runs: every spillEvery from the common
// epoch the shard writes, per delivery group and producer, the runs it
// received that lie below a seal (the highest receipt at the previous
// spill) and the events received twice, tagged with the spill's number,
// and forgets them. Split over shards, a producer's events alternate
// between the shards' consumers, so each shard's receipts are a run per
// event; spilling keeps about one spill's worth in memory. A late or
// repeated receipt of a spilled event lands in memory again and is written
// at a later spill; the merge counts any overlap, across shards or across
// one shard's spills, as a duplicate. The merge reads every shard's
// receipts in step, spill by spill, so that its union is contiguous again
// after each and its memory also stays about one spill's fragmentation.

// Ledger file headers name the format; v1 files (receipts written whole
// at the end) are refused.
const (
	SendsFormat    = "squall.sends/v2"
	ReceiptsFormat = "squall.receipts/v2"
)

// spillEvery is how often, from the common epoch, a shard writes out its
// receipts: on one cadence for every shard, so that their spills line up.
const spillEvery = time.Second

type ledgerHeader struct {
	Format    string `json:"format"`
	Producers int    `json:"producers"`
	Groups    int    `json:"groups"`
	// Struck (sends only) lists the fault results whose watermarks each
	// line's marks hold, in order.
	Struck []int `json:"struck,omitempty"`
}

type sendLine struct {
	P       int         `json:"p"`
	First   uint64      `json:"first"`
	Next    uint64      `json:"next"`
	Dropped uint64      `json:"dropped,omitempty"`
	Failed  [][2]uint64 `json:"failed,omitempty"`
	Indet   [][2]uint64 `json:"indeterminate,omitempty"`
	Remain  [][2]uint64 `json:"remain,omitempty"`
	Marks   []uint64    `json:"marks,omitempty"`
}

// receiptLine is one spill of one book, or, with End, the last line: a
// file without it was not finished.
type receiptLine struct {
	E         uint64      `json:"e"`
	G         int         `json:"g"`
	P         int         `json:"p"`
	Got       [][2]uint64 `json:"got,omitempty"`
	Twice     [][2]uint64 `json:"twice,omitempty"`
	Dups      int64       `json:"dups,omitempty"`
	End       bool        `json:"end,omitempty"`
	Reordered int64       `json:"reordered,omitempty"`
}

func toPairs(runs []seqRun) [][2]uint64 {
	out := make([][2]uint64, len(runs))
	for i, r := range runs {
		out[i] = [2]uint64{r.lo, r.hi}
	}
	return out
}

// fromPairs checks that pairs are sorted, disjoint, non-empty runs.
func fromPairs(pairs [][2]uint64) ([]seqRun, error) {
	out := make([]seqRun, len(pairs))
	for i, p := range pairs {
		if p[0] >= p[1] || i > 0 && p[0] <= pairs[i-1][1] {
			return nil, fmt.Errorf("runs not sorted and disjoint at [%d, %d)", p[0], p[1])
		}
		out[i] = seqRun{p[0], p[1]}
	}
	return out, nil
}

// FaultMarks are the producers' watermarks taken as faults struck a node
// (Generator.Replied): Marks[i] belongs to the fault result Faults[i].
type FaultMarks struct {
	Faults []int
	Marks  []Watermark
}

// receiptLog is a shard's receipts file while the load runs; only the
// spiller (then WriteLedger) uses it.
type receiptLog struct {
	w    *bufio.Writer
	enc  *json.Encoder
	seal [][]uint64 // [group][producer]: runs ending at or below it go at the next spill
	last uint64     // the last spill written
	err  error
	// what was spilled, for the shard's own figures
	received, duplicated uint64
	dups                 int64
}

// SpillReceipts makes a shard's generator write its consumers' receipts
// to w while it runs, every spillEvery from the epoch, keeping only the
// latest in memory; WriteLedger finishes the file. Call it before Run.
func (g *Generator) SpillReceipts(w io.Writer) error {
	if g.cfg.Part == nil {
		return errors.New("loadgen: only a part of a split load spills its receipts")
	}
	return g.ledger.spillTo(w)
}

func (l *Ledger) spillTo(w io.Writer) error {
	bw := bufio.NewWriter(w)
	rl := &receiptLog{w: bw, enc: json.NewEncoder(bw), seal: make([][]uint64, len(l.books))}
	for g := range rl.seal {
		rl.seal[g] = make([]uint64, len(l.sends))
	}
	rl.err = rl.enc.Encode(ledgerHeader{Format: ReceiptsFormat, Producers: len(l.sends), Groups: len(l.books)})
	l.log = rl
	return rl.err
}

// spiller spills the ledger every spillEvery from the epoch until stop
// is closed; the returned function waits for it to end.
func (g *Generator) spiller(stop <-chan struct{}) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for k := uint64(1); ; k++ {
			t := time.NewTimer(time.Until(g.epoch.Add(time.Duration(k) * spillEvery)))
			select {
			case <-stop:
				t.Stop()
				return
			case <-t.C:
			}
			g.ledger.spill(k, false)
		}
	}()
	return func() { <-done }
}

// spill writes, as spill number e, every book's runs that end at or below
// its seal (all of them when all is set) and its events received twice,
// and drops them from memory. The consumers wait on a book's lock only
// while its runs are cut, never while they are written.
func (l *Ledger) spill(e uint64, all bool) {
	rl := l.log
	if rl.err != nil {
		return // the file is unusable; WriteLedger reports why
	}
	rl.last = e
	for g := range l.books {
		for p := range l.books[g] {
			b := &l.books[g][p]
			b.mu.Lock()
			k := len(b.got.runs)
			if !all {
				seal := rl.seal[g][p]
				k = sort.Search(k, func(i int) bool { return b.got.runs[i].hi > seal })
			}
			var got []seqRun
			if k > 0 {
				got, b.got.runs = b.got.runs[:k:k], slices.Clone(b.got.runs[k:])
			}
			twice, dups := b.twice.runs, b.dups
			b.twice.runs, b.dups = nil, 0
			if n := len(b.got.runs); n > 0 {
				rl.seal[g][p] = b.got.runs[n-1].hi
			}
			b.mu.Unlock()
			if len(got) == 0 && len(twice) == 0 && dups == 0 {
				continue
			}
			rl.received += countRuns(got)
			rl.duplicated += countRuns(twice)
			rl.dups += dups
			if err := rl.enc.Encode(receiptLine{E: e, G: g, P: p, Got: toPairs(got), Twice: toPairs(twice), Dups: dups}); err != nil {
				rl.err = err
				return
			}
		}
	}
}

// heldRuns is how many runs the books hold in memory.
func (l *Ledger) heldRuns() int {
	n := 0
	for g := range l.books {
		for p := range l.books[g] {
			b := &l.books[g][p]
			b.mu.Lock()
			n += len(b.got.runs) + len(b.twice.runs)
			b.mu.Unlock()
		}
	}
	return n
}

// WriteLedger writes the sends of the producers the generator ran, with
// their watermarks in marks, and finishes the receipts file SpillReceipts
// began with what is still in memory. Call it once Run and Settle are done.
func (g *Generator) WriteLedger(sends io.Writer, marks FaultMarks) error {
	if g.ledger.log == nil {
		return errors.New("loadgen: WriteLedger without SpillReceipts")
	}
	return g.ledger.finish(sends, g.pLo, g.pHi, marks)
}

func (l *Ledger) finish(sends io.Writer, pLo, pHi int, marks FaultMarks) error {
	return errors.Join(l.writeSends(sends, pLo, pHi, marks), l.endReceipts())
}

func (l *Ledger) writeSends(w io.Writer, pLo, pHi int, marks FaultMarks) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(ledgerHeader{Format: SendsFormat, Producers: len(l.sends), Groups: len(l.books), Struck: marks.Faults}); err != nil {
		return err
	}
	for p := pLo; p < pHi; p++ {
		s := l.sends[p]
		line := sendLine{P: p, First: s.first, Next: s.next, Dropped: s.dropped,
			Failed: toPairs(s.failed.runs), Indet: toPairs(s.indet.runs), Remain: toPairs(l.remain[p].runs)}
		for _, m := range marks.Marks {
			var w uint64
			if p < len(m) {
				w = m[p]
			}
			line.Marks = append(line.Marks, w)
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// endReceipts spills everything still in memory and ends the file.
func (l *Ledger) endReceipts() error {
	rl := l.log
	l.spill(rl.last+1, true)
	if rl.err == nil {
		rl.err = rl.enc.Encode(receiptLine{E: rl.last, End: true, Reordered: l.reordered.Load()})
	}
	if rl.err == nil {
		rl.err = rl.w.Flush()
	}
	return rl.err
}

// LedgerFiles are one shard's ledger files, to be read by MergeLedgers.
type LedgerFiles struct {
	Sends, Receipts io.Reader
}

// Merged is the whole load's ledger, joined from its shards'.
type Merged struct {
	l *Ledger
	// marks and marked: the watermarks as faults struck, of the producers
	// of the shard that ran the faults.
	marks  FaultMarks
	marked []int
	// peakRuns is the most runs the merge held in memory after a spill.
	peakRuns int
}

// Reconcile returns the whole load's accounting (see Ledger.Reconcile).
func (m *Merged) Reconcile() result.Events { return m.l.Reconcile() }

// LostByFault returns, per fault result that struck a node (by index),
// the lost events it accounts for among the events of the producers that
// the shard which ran the faults ran (see Generator.LostByFault); the
// other shards took no watermarks. Producers lists those producers.
func (m *Merged) LostByFault() (byFault map[int]int64, producers []int) {
	byFault = map[int]int64{}
	for k, n := range m.l.lostByFaultOf(m.marks.Marks, m.marked) {
		byFault[m.marks.Faults[k]] = n
	}
	return byFault, m.marked
}

// PartError is what is wrong with one of the ledgers MergeLedgers read.
type PartError struct {
	Part int // its position in MergeLedgers' arguments
	Err  error
}

func (e *PartError) Error() string { return fmt.Sprintf("ledger %d: %v", e.Part, e.Err) }
func (e *PartError) Unwrap() error { return e.Err }

// MergeLedgers joins the ledgers of every shard of a load into the whole
// load's: each producer's sends come from the one shard that ran it, and
// what the groups received is the union of every shard's receipts, read
// spill by spill from all shards in step. An event received on two shards,
// or twice by one shard across its spills, counts as duplicated, as it
// would have in one process. Every producer must be owned by exactly one
// shard. What is wrong with one ledger is a *PartError.
func MergeLedgers(files ...LedgerFiles) (*Merged, error) {
	if len(files) == 0 {
		return nil, errors.New("no ledger to merge")
	}
	m := &Merged{}
	var owner []int
	for i, f := range files {
		h, lines, err := readSends(f.Sends)
		if err != nil {
			return nil, &PartError{i, err}
		}
		if m.l == nil {
			m.l = NewLedger(h.Producers, h.Groups)
			owner = slices.Repeat([]int{-1}, h.Producers)
		}
		if h.Producers != len(m.l.sends) || h.Groups != len(m.l.books) {
			return nil, fmt.Errorf("ledger %d has %d producers and %d groups, ledger 0 %d and %d", i, h.Producers, h.Groups, len(m.l.sends), len(m.l.books))
		}
		if len(h.Struck) > 0 {
			if m.marks.Faults != nil {
				return nil, fmt.Errorf("ledger %d holds fault watermarks, as does another: only one shard runs the faults", i)
			}
			m.marks.Faults = h.Struck
			for range h.Struck {
				m.marks.Marks = append(m.marks.Marks, make(Watermark, h.Producers))
			}
		}
		for _, line := range lines {
			p := line.P
			if owner[p] >= 0 {
				return nil, fmt.Errorf("producer %d is in ledgers %d and %d", p, owner[p], i)
			}
			owner[p] = i
			s := m.l.sends[p]
			s.first, s.next, s.dropped = line.First, line.Next, line.Dropped
			s.failed.runs, _ = fromPairs(line.Failed) // checked by readSends
			s.indet.runs, _ = fromPairs(line.Indet)
			m.l.remain[p].runs, _ = fromPairs(line.Remain)
			if len(h.Struck) > 0 {
				for k, w := range line.Marks {
					m.marks.Marks[k][p] = w
				}
				m.marked = append(m.marked, p)
			}
		}
	}
	for p, o := range owner {
		if o < 0 {
			return nil, fmt.Errorf("no ledger holds producer %d's sends", p)
		}
	}
	if err := m.readReceipts(files); err != nil {
		return nil, err
	}
	return m, nil
}

// refuseFormat explains a header that is not the format wanted.
func refuseFormat(what, got, want string, err error) error {
	if old, _, ok := strings.Cut(want, "/"); ok && strings.HasPrefix(got, old+"/") {
		return fmt.Errorf("%s: the file is %s, written by an older squall; this squall merges %s only: run every shard with the same squall version as the merge", what, got, want)
	}
	if err != nil {
		return fmt.Errorf("%s: not a %s file (%v)", what, want, err)
	}
	return fmt.Errorf("%s: not a %s file (format %q)", what, want, got)
}

// readSends reads and checks a sends file; its size is the producers'
// failures, not their events.
func readSends(r io.Reader) (ledgerHeader, []sendLine, error) {
	var h ledgerHeader
	d := json.NewDecoder(bufio.NewReader(r))
	if err := d.Decode(&h); err != nil || h.Format != SendsFormat {
		return h, nil, refuseFormat("sends", h.Format, SendsFormat, err)
	}
	if h.Producers < 1 || h.Producers > 1<<20 || h.Groups < 0 || h.Groups > 1<<20 || len(h.Struck) > 1<<16 {
		return h, nil, fmt.Errorf("sends: producers %d, groups %d or %d faults out of range", h.Producers, h.Groups, len(h.Struck))
	}
	seen := make([]bool, h.Producers)
	var lines []sendLine
	for n := 2; ; n++ {
		var line sendLine
		err := d.Decode(&line)
		if err == io.EOF {
			return h, lines, nil
		}
		if err != nil {
			return h, nil, fmt.Errorf("sends: entry %d: %w", n, err)
		}
		if line.P < 0 || line.P >= h.Producers || seen[line.P] || line.Next < line.First {
			return h, nil, fmt.Errorf("sends: entry %d: producer %d out of range, repeated or with next < first", n, line.P)
		}
		if len(line.Marks) != len(h.Struck) {
			return h, nil, fmt.Errorf("sends: entry %d: %d watermarks for %d faults", n, len(line.Marks), len(h.Struck))
		}
		seen[line.P] = true
		for _, runs := range [][][2]uint64{line.Failed, line.Indet, line.Remain} {
			if _, err := fromPairs(runs); err != nil {
				return h, nil, fmt.Errorf("sends: entry %d: %w", n, err)
			}
		}
		lines = append(lines, line)
	}
}

// receiptReader reads one shard's receipts a line ahead.
type receiptReader struct {
	d         *json.Decoder
	n         int // entries read
	next      receiptLine
	done      bool // next is the end line
	producers int
	groups    int
}

func (r *receiptReader) advance() error {
	last := r.next.E
	r.n++
	r.next = receiptLine{}
	if err := r.d.Decode(&r.next); err != nil {
		if err == io.EOF {
			return fmt.Errorf("receipts: no end line after entry %d: the shard did not finish writing its ledger", r.n-1)
		}
		return fmt.Errorf("receipts: entry %d: %w", r.n, err)
	}
	switch l := r.next; {
	case l.E < last:
		return fmt.Errorf("receipts: entry %d: spill %d after spill %d", r.n, l.E, last)
	case l.End:
		r.done = true
	case l.G < 0 || l.G >= r.groups || l.P < 0 || l.P >= r.producers:
		return fmt.Errorf("receipts: entry %d: group %d or producer %d out of range", r.n, l.G, l.P)
	}
	return nil
}

// readReceipts unions every shard's receipts into the merged books, spill
// by spill: all shards' lines of the earliest spill pending, then the next.
func (m *Merged) readReceipts(files []LedgerFiles) error {
	readers := make([]*receiptReader, len(files))
	for i, f := range files {
		var h ledgerHeader
		d := json.NewDecoder(bufio.NewReader(f.Receipts))
		if err := d.Decode(&h); err != nil || h.Format != ReceiptsFormat {
			return &PartError{i, refuseFormat("receipts", h.Format, ReceiptsFormat, err)}
		}
		if h.Producers != len(m.l.sends) || h.Groups != len(m.l.books) {
			return &PartError{i, fmt.Errorf("sends and receipts disagree: producers %d/%d, groups %d/%d", len(m.l.sends), h.Producers, len(m.l.books), h.Groups)}
		}
		readers[i] = &receiptReader{d: d, n: 1, producers: h.Producers, groups: h.Groups}
		if err := readers[i].advance(); err != nil {
			return &PartError{i, err}
		}
	}
	for {
		e, pending := uint64(0), false
		for _, r := range readers {
			if !r.done && (!pending || r.next.E < e) {
				e, pending = r.next.E, true
			}
		}
		if !pending {
			break
		}
		for i, r := range readers {
			for !r.done && r.next.E == e {
				if err := m.add(&r.next); err != nil {
					return &PartError{i, fmt.Errorf("receipts: entry %d: %w", r.n, err)}
				}
				if err := r.advance(); err != nil {
					return &PartError{i, err}
				}
			}
		}
		m.peakRuns = max(m.peakRuns, m.l.heldRuns())
	}
	for _, r := range readers {
		m.l.reordered.Add(r.next.Reordered)
	}
	return nil
}

// add unions one spilled line into the merged book: what it received that
// the book already held is received twice.
func (m *Merged) add(line *receiptLine) error {
	got, err := fromPairs(line.Got)
	if err != nil {
		return err
	}
	twice, err := fromPairs(line.Twice)
	if err != nil {
		return err
	}
	a := &m.l.books[line.G][line.P]
	both := intersectRuns(a.got.runs, got)
	a.twice.runs = unionRuns(unionRuns(a.twice.runs, twice), both)
	a.dups += line.Dups + int64(countRuns(both))
	a.got.runs = unionRuns(a.got.runs, got)
	return nil
}

// intersectRuns returns a ∩ b as sorted, disjoint runs.
func intersectRuns(a, b []seqRun) []seqRun {
	var out []seqRun
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		x, y := a[i], b[j]
		if lo, hi := max(x.lo, y.lo), min(x.hi, y.hi); lo < hi {
			out = append(out, seqRun{lo, hi})
		}
		if x.hi < y.hi {
			i++
		} else {
			j++
		}
	}
	return out
}

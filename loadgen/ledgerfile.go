package loadgen

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// A shard of a split load keeps its ledger in two line-oriented files, so
// that a merge can reconcile the whole load exactly: the sends (one line
// per producer the shard ran: its measured sequence numbers, those not
// acknowledged, those due and never sent, and those Redis still held at
// the end) and the receipts (one line per delivery group and producer the
// shard's consumers received from). Sets are written as their runs
// [lo, hi), so the files grow with the gaps, not with the events, and are
// written and read one line at a time.

// Ledger file headers name the format.
const (
	SendsFormat    = "squall.sends/v1"
	ReceiptsFormat = "squall.receipts/v1"
)

type ledgerHeader struct {
	Format    string `json:"format"`
	Producers int    `json:"producers"`
	Groups    int    `json:"groups"`
	Reordered int64  `json:"reordered,omitempty"` // receipts only
}

type sendLine struct {
	P       int         `json:"p"`
	First   uint64      `json:"first"`
	Next    uint64      `json:"next"`
	Dropped uint64      `json:"dropped,omitempty"`
	Failed  [][2]uint64 `json:"failed,omitempty"`
	Indet   [][2]uint64 `json:"indeterminate,omitempty"`
	Remain  [][2]uint64 `json:"remain,omitempty"`
}

type receiptLine struct {
	G     int         `json:"g"`
	P     int         `json:"p"`
	Got   [][2]uint64 `json:"got"`
	Twice [][2]uint64 `json:"twice,omitempty"`
	Dups  int64       `json:"dups,omitempty"`
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

// WriteLedger writes the generator's ledger, once Run and Settle are done:
// the sends of the producers it ran and every receipt of its consumers.
func (g *Generator) WriteLedger(sends, receipts io.Writer) error {
	return g.ledger.write(sends, receipts, g.pLo, g.pHi)
}

func (l *Ledger) write(sends, receipts io.Writer, pLo, pHi int) error {
	sw, rw := bufio.NewWriter(sends), bufio.NewWriter(receipts)
	se, re := json.NewEncoder(sw), json.NewEncoder(rw)
	h := ledgerHeader{Format: SendsFormat, Producers: len(l.sends), Groups: len(l.books)}
	if err := se.Encode(h); err != nil {
		return err
	}
	for p := pLo; p < pHi; p++ {
		s := l.sends[p]
		line := sendLine{P: p, First: s.first, Next: s.next, Dropped: s.dropped,
			Failed: toPairs(s.failed.runs), Indet: toPairs(s.indet.runs), Remain: toPairs(l.remain[p].runs)}
		if err := se.Encode(line); err != nil {
			return err
		}
	}
	h.Format, h.Reordered = ReceiptsFormat, l.reordered.Load()
	if err := re.Encode(h); err != nil {
		return err
	}
	for g := range l.books {
		for p := range l.books[g] {
			b := &l.books[g][p]
			b.mu.Lock()
			line := receiptLine{G: g, P: p, Got: toPairs(b.got.runs), Twice: toPairs(b.twice.runs), Dups: b.dups}
			b.mu.Unlock()
			if len(line.Got) == 0 {
				continue
			}
			if err := re.Encode(line); err != nil {
				return err
			}
		}
	}
	return errors.Join(sw.Flush(), rw.Flush())
}

// LedgerPart is one shard's ledger read back from its files.
type LedgerPart struct {
	l     *Ledger
	owned []int // the producers whose sends the shard wrote
}

// Producers returns the producers whose sends the part holds.
func (lp *LedgerPart) Producers() []int { return lp.owned }

// ReadLedger reads a ledger WriteLedger wrote.
func ReadLedger(sends, receipts io.Reader) (*LedgerPart, error) {
	var sh, rh ledgerHeader
	sd, rd := json.NewDecoder(bufio.NewReader(sends)), json.NewDecoder(bufio.NewReader(receipts))
	if err := sd.Decode(&sh); err != nil || sh.Format != SendsFormat {
		return nil, fmt.Errorf("sends: not a %s file (%v)", SendsFormat, err)
	}
	if err := rd.Decode(&rh); err != nil || rh.Format != ReceiptsFormat {
		return nil, fmt.Errorf("receipts: not a %s file (%v)", ReceiptsFormat, err)
	}
	if sh.Producers != rh.Producers || sh.Groups != rh.Groups || sh.Producers < 1 || sh.Producers > 1<<20 || sh.Groups < 0 || sh.Groups > 1<<20 {
		return nil, fmt.Errorf("sends and receipts disagree or are out of range: producers %d/%d, groups %d/%d", sh.Producers, rh.Producers, sh.Groups, rh.Groups)
	}
	lp := &LedgerPart{l: NewLedger(sh.Producers, sh.Groups)}
	lp.l.reordered.Store(rh.Reordered)
	seen := make([]bool, sh.Producers)
	for n := 2; ; n++ {
		var line sendLine
		err := sd.Decode(&line)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("sends: entry %d: %w", n, err)
		}
		if line.P < 0 || line.P >= sh.Producers || seen[line.P] || line.Next < line.First {
			return nil, fmt.Errorf("sends: entry %d: producer %d out of range, repeated or with next < first", n, line.P)
		}
		seen[line.P] = true
		s := lp.l.sends[line.P]
		s.first, s.next, s.dropped = line.First, line.Next, line.Dropped
		var errs [3]error
		s.failed.runs, errs[0] = fromPairs(line.Failed)
		s.indet.runs, errs[1] = fromPairs(line.Indet)
		lp.l.remain[line.P].runs, errs[2] = fromPairs(line.Remain)
		if err := errors.Join(errs[:]...); err != nil {
			return nil, fmt.Errorf("sends: entry %d: %w", n, err)
		}
		lp.owned = append(lp.owned, line.P)
	}
	for n := 2; ; n++ {
		var line receiptLine
		err := rd.Decode(&line)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("receipts: entry %d: %w", n, err)
		}
		if line.G < 0 || line.G >= sh.Groups || line.P < 0 || line.P >= sh.Producers {
			return nil, fmt.Errorf("receipts: entry %d: group %d or producer %d out of range", n, line.G, line.P)
		}
		b := &lp.l.books[line.G][line.P]
		var e1, e2 error
		b.got.runs, e1 = fromPairs(line.Got)
		b.twice.runs, e2 = fromPairs(line.Twice)
		b.dups = line.Dups
		if err := errors.Join(e1, e2); err != nil {
			return nil, fmt.Errorf("receipts: entry %d: %w", n, err)
		}
	}
	return lp, nil
}

// MergeLedgers joins the ledgers of every shard of a load into the whole
// load's: each producer's sends come from the one shard that ran it, and
// what the groups received is the union of every shard's receipts. An
// event two shards' consumers of one group both received counts as
// duplicated, as it would have in one process. Every producer must be
// owned by exactly one part.
func MergeLedgers(parts ...*LedgerPart) (*Ledger, error) {
	if len(parts) == 0 {
		return nil, errors.New("no ledger to merge")
	}
	producers, groups := len(parts[0].l.sends), len(parts[0].l.books)
	m := NewLedger(producers, groups)
	owner := make([]int, producers)
	for i := range owner {
		owner[i] = -1
	}
	for i, lp := range parts {
		l := lp.l
		if len(l.sends) != producers || len(l.books) != groups {
			return nil, fmt.Errorf("ledger %d has %d producers and %d groups, ledger 0 %d and %d", i, len(l.sends), len(l.books), producers, groups)
		}
		for _, p := range lp.owned {
			if owner[p] >= 0 {
				return nil, fmt.Errorf("producer %d is in ledgers %d and %d", p, owner[p], i)
			}
			owner[p] = i
			*m.sends[p] = sendLog{first: l.sends[p].first, next: l.sends[p].next, dropped: l.sends[p].dropped,
				failed: l.sends[p].failed, indet: l.sends[p].indet}
			m.remain[p] = l.remain[p]
		}
		for g := range l.books {
			for p := range l.books[g] {
				a, b := &m.books[g][p], &l.books[g][p]
				both := intersectRuns(a.got.runs, b.got.runs)
				a.twice.runs = unionRuns(unionRuns(a.twice.runs, b.twice.runs), both)
				a.dups += b.dups + int64(countRuns(both))
				a.got.runs = unionRuns(a.got.runs, b.got.runs)
			}
		}
		m.reordered.Add(l.reordered.Load())
	}
	for p, o := range owner {
		if o < 0 {
			return nil, fmt.Errorf("no ledger holds producer %d's sends", p)
		}
	}
	return m, nil
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

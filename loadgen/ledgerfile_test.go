package loadgen

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// shardFiles finishes a shard's ledger l (spilling to r since spillTo)
// and returns its files.
func shardFiles(t *testing.T, l *Ledger, r *bytes.Buffer, lo, hi int, marks FaultMarks) LedgerFiles {
	t.Helper()
	var s bytes.Buffer
	if err := l.finish(&s, lo, hi, marks); err != nil {
		t.Fatal(err)
	}
	return LedgerFiles{Sends: &s, Receipts: r}
}

// TestMergeLedgersEqualsOneLedger splits one load's sends and receipts
// between shards as a sharded run would (each producer on one shard, each
// delivery on the shard whose consumer took it, some events delivered on
// two shards, some again after their first receipt was spilled), spills
// the shards' receipts as they go, and checks that the merged accounting
// is the one a single ledger holding everything gives, the loss per fault
// included for the producers of the shard that ran the faults.
func TestMergeLedgersEqualsOneLedger(t *testing.T) {
	for _, tc := range []struct {
		name              string
		producers, groups int
		shards            int
	}{
		{"queue", 5, 1, 3},
		{"fanout", 4, 3, 2},
		{"one shard", 3, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.producers)))
			whole := NewLedger(tc.producers, tc.groups)
			parts := make([]*Ledger, tc.shards)
			recs := make([]*bytes.Buffer, tc.shards)
			for i := range parts {
				parts[i], recs[i] = NewLedger(tc.producers, tc.groups), &bytes.Buffer{}
				if err := parts[i].spillTo(recs[i]); err != nil {
					t.Fatal(err)
				}
			}
			var spills uint64
			deliveries := 0
			deliver := func(shard, g int, p uint32, seq uint64) {
				whole.Deliver(g, p, seq)
				parts[shard].Deliver(g, p, seq)
				if deliveries++; deliveries%97 == 0 {
					spills++
					for _, l := range parts {
						l.spill(spills, false)
					}
				}
			}
			type late struct {
				g   int
				p   uint32
				seq uint64
			}
			var again []late
			for p := 0; p < tc.producers; p++ {
				owner := 0
				for i := range tc.shards {
					if lo, hi := Span(tc.producers, i, tc.shards); p >= lo && p < hi {
						owner = i
					}
				}
				for _, l := range []*Ledger{whole, parts[owner]} {
					s := l.sends[p]
					s.first, s.next, s.dropped = 10, 1010, 3
					for _, x := range []uint64{20, 21, 500} {
						s.failed.add(x)
					}
					s.indet.add(700)
					l.remain[p].add(900)
					l.remain[p].add(901)
				}
				for g := 0; g < tc.groups; g++ {
					for seq := uint64(10); seq < 1010; seq++ {
						if seq >= 890 && seq < 905 || seq == 20 || seq == 150 || seq == 300 || seq == 301 { // never received (lost or stranded)
							continue
						}
						n := 1
						if rng.IntN(50) == 0 {
							n = 2 // delivered twice, maybe on two shards
						}
						for range n {
							deliver(rng.IntN(tc.shards), g, uint32(p), seq)
						}
						if rng.IntN(60) == 0 {
							again = append(again, late{g, uint32(p), seq})
						}
					}
				}
			}
			for _, d := range again { // redelivered long after, once spilled
				deliver(rng.IntN(tc.shards), d.g, d.p, d.seq)
			}
			whole.addReordered(7)
			parts[0].addReordered(7)
			// Faults struck with these watermarks: 2 struck a node
			// (results 0 and 2), seen by shard 0, which ran them.
			marks := []Watermark{slices.Repeat([]uint64{200}, tc.producers), slices.Repeat([]uint64{600}, tc.producers)}
			var files []LedgerFiles
			for i, l := range parts {
				lo, hi := Span(tc.producers, i, tc.shards)
				var fm FaultMarks
				if i == 0 {
					fm = FaultMarks{Faults: []int{0, 2}, Marks: marks}
				}
				files = append(files, shardFiles(t, l, recs[i], lo, hi, fm))
			}
			m, err := MergeLedgers(files...)
			if err != nil {
				t.Fatal(err)
			}
			got, want := m.Reconcile(), whole.Reconcile()
			if got != want {
				t.Errorf("merged %+v\nwant   %+v", got, want)
			}
			if want.Duplicated == 0 || want.Lost == 0 || want.Stranded == 0 || want.Recovered == 0 {
				t.Errorf("the test should exercise every field: %+v", want)
			}
			lo, hi := Span(tc.producers, 0, tc.shards)
			var own []int
			for p := lo; p < hi; p++ {
				own = append(own, p)
			}
			byFault, producers := m.LostByFault()
			wantByFault := whole.lostByFaultOf(marks, own)
			if !slices.Equal(producers, own) || byFault[0] != wantByFault[0] || byFault[2] != wantByFault[1] || len(byFault) != 2 {
				t.Errorf("lost by fault %v of producers %v, want %v of %v", byFault, producers, wantByFault, own)
			}
			if wantByFault[0] == 0 || wantByFault[1] == 0 {
				t.Errorf("the test should lose events before and after the first fault: %v", wantByFault)
			}
		})
	}
}

// TestSpilledReceiptsStayBounded: three shards' consumers take one
// producer's events in turn (as key shares over round-robin partitions
// give them), a few a spill late, over many spills. Without spilling a
// shard's receipts are a run per event and grow with the run; spilled,
// each shard and the merge hold about one spill's worth, and the merge is
// still exact.
func TestSpilledReceiptsStayBounded(t *testing.T) {
	const shards, spills, perSpill = 3, 300, 999
	whole, unspilled := NewLedger(1, 1), NewLedger(1, 1)
	parts := make([]*Ledger, shards)
	recs := make([]*bytes.Buffer, shards)
	for i := range parts {
		parts[i], recs[i] = NewLedger(1, 1), &bytes.Buffer{}
		if err := parts[i].spillTo(recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range append([]*Ledger{whole}, parts...) {
		l.sends[0].first, l.sends[0].next = 0, spills*perSpill
	}
	const bound = perSpill // runs: one spill's events, far below the run's
	var late []uint64
	peak := 0
	for e := uint64(0); e < spills; e++ {
		deliver := func(seq uint64) {
			whole.Deliver(0, 0, seq)
			parts[seq%shards].Deliver(0, 0, seq)
			if seq%shards == 0 {
				unspilled.Deliver(0, 0, seq)
			}
		}
		for _, seq := range late {
			deliver(seq)
		}
		late = late[:0]
		for seq := e * perSpill; seq < (e+1)*perSpill; seq++ {
			if seq%97 == 5 {
				late = append(late, seq) // arrives during the next spill
				continue
			}
			deliver(seq)
		}
		for _, l := range parts {
			l.spill(e+1, false)
			peak = max(peak, l.heldRuns())
		}
	}
	for _, seq := range late {
		whole.Deliver(0, 0, seq)
		parts[seq%shards].Deliver(0, 0, seq)
	}
	if peak > bound {
		t.Errorf("a shard held up to %d runs after a spill, want at most %d", peak, bound)
	}
	if n := unspilled.heldRuns(); n < spills*perSpill/shards/2 {
		t.Errorf("without spilling a shard holds %d runs: the test should fragment receipts", n)
	}
	var files []LedgerFiles
	for i, l := range parts {
		lo, hi := Span(1, i, shards)
		files = append(files, shardFiles(t, l, recs[i], lo, hi, FaultMarks{}))
	}
	m, err := MergeLedgers(files...)
	if err != nil {
		t.Fatal(err)
	}
	if m.peakRuns > bound {
		t.Errorf("the merge held up to %d runs after a spill, want at most %d", m.peakRuns, bound)
	}
	if got, want := m.Reconcile(), whole.Reconcile(); got != want || got.Received != spills*perSpill {
		t.Errorf("merged %+v\nwant   %+v", got, want)
	}
	t.Logf("peak runs: shard %d, merge %d; unspilled shard %d", peak, m.peakRuns, unspilled.heldRuns())
}

// TestSpilledShardFigures: a shard's own figures count what it spilled.
func TestSpilledShardFigures(t *testing.T) {
	l := NewLedger(1, 1)
	var r bytes.Buffer
	if err := l.spillTo(&r); err != nil {
		t.Fatal(err)
	}
	l.sends[0].first, l.sends[0].next = 0, 100
	for seq := uint64(0); seq < 100; seq += 2 {
		l.Deliver(0, 0, seq)
	}
	l.Deliver(0, 0, 4)
	l.spill(1, false) // the seal was 0: only the event received twice goes
	if n := l.heldRuns(); n != 50 {
		t.Errorf("held %d runs after the first spill, want 50", n)
	}
	l.Deliver(0, 0, 99) // extends the last run above the seal
	l.spill(2, false)
	if n := l.heldRuns(); n != 1 {
		t.Errorf("held %d runs after two spills, want the last one", n)
	}
	ev := l.Reconcile()
	if ev.Received != 51 || ev.Duplicated != 1 || ev.DuplicateDeliveries != 1 || ev.Lost != 0 || ev.Stranded != 0 {
		t.Errorf("shard figures %+v", ev)
	}
}

func TestMergeLedgersRefuses(t *testing.T) {
	write := func(producers, lo, hi int) LedgerFiles {
		l := NewLedger(producers, 1)
		var r bytes.Buffer
		if err := l.spillTo(&r); err != nil {
			t.Fatal(err)
		}
		return shardFiles(t, l, &r, lo, hi, FaultMarks{})
	}
	const (
		sendsV2    = `{"format":"squall.sends/v2","producers":1,"groups":1}` + "\n"
		receiptsV2 = `{"format":"squall.receipts/v2","producers":1,"groups":1}` + "\n"
		end        = `{"e":0,"end":true}` + "\n"
	)
	text := func(sends, receipts string) LedgerFiles {
		return LedgerFiles{Sends: strings.NewReader(sends), Receipts: strings.NewReader(receipts)}
	}
	for _, tc := range []struct {
		name  string
		parts []LedgerFiles
		want  string
	}{
		{"repeated", []LedgerFiles{write(4, 0, 2), write(4, 0, 2), write(4, 2, 4)}, "producer 0 is in ledgers 0 and 1"},
		{"missing", []LedgerFiles{write(4, 0, 2)}, "no ledger holds producer 2"},
		{"mismatched", []LedgerFiles{write(4, 0, 2), write(5, 2, 5)}, "ledger 1 has 5 producers"},
		{"not a ledger", []LedgerFiles{text("hello\n", "")}, "not a squall.sends/v2 file"},
		{"v1", []LedgerFiles{text(`{"format":"squall.sends/v1","producers":1,"groups":1}`+"\n", "")}, "squall.sends/v1, written by an older squall"},
		{"mixed", []LedgerFiles{text(sendsV2+`{"p":0,"first":0,"next":9}`+"\n", `{"format":"squall.receipts/v1","producers":1,"groups":1}`+"\n")},
			"squall.receipts/v1, written by an older squall"},
		{"unsorted runs", []LedgerFiles{text(sendsV2+`{"p":0,"first":0,"next":9,"failed":[[5,6],[1,2]]}`+"\n", receiptsV2+end)}, "runs not sorted"},
		{"producer out of range", []LedgerFiles{text(sendsV2+`{"p":3,"first":0,"next":9}`+"\n", receiptsV2+end)}, "producer 3 out of range"},
		{"unfinished", []LedgerFiles{text(sendsV2+`{"p":0,"first":0,"next":9}`+"\n", receiptsV2+`{"e":1,"g":0,"p":0,"got":[[0,9]]}`+"\n")}, "did not finish writing"},
		{"spills out of order", []LedgerFiles{text(sendsV2+`{"p":0,"first":0,"next":9}`+"\n", receiptsV2+`{"e":2,"got":[[0,4]]}`+"\n"+`{"e":1,"got":[[5,9]]}`+"\n")}, "spill 1 after spill 2"},
		{"receipts out of range", []LedgerFiles{text(sendsV2+`{"p":0,"first":0,"next":9}`+"\n", receiptsV2+`{"e":1,"g":2,"got":[[0,4]]}`+"\n")}, "group 2 or producer 0 out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MergeLedgers(tc.parts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSpanSplitsExactly(t *testing.T) {
	for total := 0; total < 20; total++ {
		for n := 1; n < 7; n++ {
			next, sum := 0, 0
			for i := range n {
				lo, hi := Span(total, i, n)
				if lo != next || hi-lo > total/n+1 || hi-lo < total/n {
					t.Fatalf("Span(%d, %d, %d) = [%d, %d)", total, i, n, lo, hi)
				}
				next, sum = hi, sum+hi-lo
			}
			if sum != total {
				t.Fatalf("total %d over %d: sum %d", total, n, sum)
			}
		}
	}
}

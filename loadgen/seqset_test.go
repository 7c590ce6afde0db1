package loadgen

import (
	"math/rand/v2"
	"testing"
)

func TestSeqSetAdd(t *testing.T) {
	tests := []struct {
		name  string
		adds  []uint64
		runs  []seqRun
		dups  int
		count uint64
	}{
		{"in order", []uint64{0, 1, 2, 3}, []seqRun{{0, 4}}, 0, 4},
		{"gap", []uint64{0, 1, 5, 6}, []seqRun{{0, 2}, {5, 7}}, 0, 4},
		{"fill gap joins runs", []uint64{0, 2, 1}, []seqRun{{0, 3}}, 0, 3},
		{"before first", []uint64{5, 3}, []seqRun{{3, 4}, {5, 6}}, 0, 2},
		{"extend next down", []uint64{5, 4}, []seqRun{{4, 6}}, 0, 2},
		{"duplicate in last", []uint64{0, 1, 1}, []seqRun{{0, 2}}, 1, 2},
		{"duplicate in middle", []uint64{0, 1, 5, 0}, []seqRun{{0, 2}, {5, 6}}, 1, 3},
		{"middle insert", []uint64{0, 10, 5}, []seqRun{{0, 1}, {5, 6}, {10, 11}}, 0, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s seqSet
			dups := 0
			for _, x := range tc.adds {
				if s.add(x) {
					dups++
				}
			}
			if dups != tc.dups || s.count() != tc.count || len(s.runs) != len(tc.runs) {
				t.Fatalf("runs %v dups %d count %d; want %v %d %d", s.runs, dups, s.count(), tc.runs, tc.dups, tc.count)
			}
			for i := range tc.runs {
				if s.runs[i] != tc.runs[i] {
					t.Fatalf("runs %v, want %v", s.runs, tc.runs)
				}
			}
		})
	}
}

// TestSeqSetRandomAgainstMap checks the run set against a plain map over
// shuffled, partly duplicated input.
func TestSeqSetRandomAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var s seqSet
	m := map[uint64]bool{}
	for i := 0; i < 20000; i++ {
		x := uint64(r.IntN(5000))
		if s.add(x) != m[x] {
			t.Fatalf("add(%d) dup=%v, map says %v", x, !m[x], m[x])
		}
		m[x] = true
	}
	if s.count() != uint64(len(m)) {
		t.Fatalf("count %d, want %d", s.count(), len(m))
	}
	var missing []uint64
	s.missing(0, 5000, func(x uint64) bool { missing = append(missing, x); return true })
	for _, x := range missing {
		if m[x] {
			t.Fatalf("missing reports %d which is present", x)
		}
	}
	if len(missing)+len(m) != 5000 {
		t.Fatalf("missing %d + present %d != 5000", len(missing), len(m))
	}
}

func TestSeqSetOverlap(t *testing.T) {
	a := seqSet{runs: []seqRun{{0, 10}, {20, 30}}}
	b := seqSet{runs: []seqRun{{5, 25}, {29, 40}}}
	if got := a.overlap(&b); got != 5+5+1 {
		t.Fatalf("overlap = %d, want 11", got)
	}
}

func TestLedgerReconcile(t *testing.T) {
	l := NewLedger(1, 1)
	s := l.sends[0]
	s.first, s.next = 0, 10 // 10 sent
	s.failed.add(3)         // refused
	s.indet.add(7)          // timed out
	s.indet.add(8)
	for _, x := range []uint64{0, 1, 2, 4, 5, 6, 8, 8} { // 9 never arrives, 8 (indeterminate) does, twice
		l.Deliver(0, 0, x)
	}
	l.addReordered(1)
	got := l.Reconcile()
	want := struct{ sent, acked, failed, indet, recv, lost, recovered, dup, reord int64 }{10, 7, 1, 2, 7, 1, 1, 1, 1}
	if got.Sent != want.sent || got.Acked != want.acked || got.Failed != want.failed || got.Indeterminate != want.indet ||
		got.Received != want.recv || got.Lost != want.lost || got.Recovered != want.recovered || got.Duplicated != want.dup || got.Reordered != want.reord {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestEnvelopeRoundTripAndForeign(t *testing.T) {
	buf := padded(64)
	e := Envelope{Run: 7, Producer: 3, Seq: 1 << 40, Intended: 123456789, Partition: 5}
	e.Encode(buf)
	got, err := DecodeString(string(buf), 7)
	if err != nil || got != e {
		t.Fatalf("got %+v %v, want %+v", got, err, e)
	}
	for _, bad := range []string{"", "SQ", string(buf[:31]), "garbage that is long enough to hold a header....", string(buf[:40])} {
		if _, err := DecodeString(bad, 8); err != ErrForeign {
			t.Errorf("DecodeString(%q) = %v, want ErrForeign", bad, err)
		}
	}
}

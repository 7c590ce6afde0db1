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
	for _, x := range []uint64{0, 1, 2, 4, 5, 6, 8, 8, 8, 1} { // 9 never arrives, 8 (indeterminate) does, three times, 1 twice
		l.Deliver(0, 0, x)
	}
	l.addReordered(1)
	got := l.Reconcile()
	want := struct{ sent, acked, failed, indet, recv, lost, recovered, dup, dupDeliveries, reord int64 }{10, 7, 1, 2, 7, 1, 1, 2, 3, 1}
	if got.Sent != want.sent || got.Acked != want.acked || got.Failed != want.failed || got.Indeterminate != want.indet ||
		got.Received != want.recv || got.Lost != want.lost || got.Recovered != want.recovered || got.Duplicated != want.dup ||
		got.DuplicateDeliveries != want.dupDeliveries || got.Reordered != want.reord {
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

func TestRunOperations(t *testing.T) {
	runs := func(r ...uint64) []seqRun {
		var out []seqRun
		for i := 0; i+1 < len(r); i += 2 {
			out = append(out, seqRun{r[i], r[i+1]})
		}
		return out
	}
	for _, tc := range []struct {
		name          string
		a, b          []seqRun
		union         []seqRun
		gaps          []seqRun // of [0, 20) not in a ∪ b
		overlap       uint64
		belowA5, cntA uint64
	}{
		{"empty", nil, nil, nil, runs(0, 20), 0, 0, 0},
		{"disjoint", runs(0, 2, 10, 12), runs(4, 6), runs(0, 2, 4, 6, 10, 12), runs(2, 4, 6, 10, 12, 20), 0, 2, 4},
		{"adjacent merge", runs(0, 4), runs(4, 8), runs(0, 8), runs(8, 20), 0, 4, 4},
		{"overlapping", runs(0, 5, 8, 30), runs(3, 10), runs(0, 30), nil, 2 + 2, 5, 27},
		{"contained", runs(2, 18), runs(5, 6, 9, 11), runs(2, 18), runs(0, 2, 18, 20), 3, 3, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := unionRuns(tc.a, tc.b)
			if !equalRuns(u, tc.union) {
				t.Errorf("union = %v, want %v", u, tc.union)
			}
			if g := gapsIn(0, 20, u); !equalRuns(g, tc.gaps) {
				t.Errorf("gaps = %v, want %v", g, tc.gaps)
			}
			if n := overlapRuns(tc.a, tc.b); n != tc.overlap {
				t.Errorf("overlap = %d, want %d", n, tc.overlap)
			}
			if n := countBelow(tc.a, 5); n != tc.belowA5 {
				t.Errorf("countBelow(a, 5) = %d, want %d", n, tc.belowA5)
			}
			if n := countRuns(tc.a); n != tc.cntA {
				t.Errorf("count(a) = %d, want %d", n, tc.cntA)
			}
		})
	}
}

func equalRuns(a, b []seqRun) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLedgerStrandedAndLostByFault: of the acknowledged events never
// received, those Redis still held are stranded and the rest lost; the
// lost ones go to the first fault whose watermark lies above them, the
// last fault taking the rest.
func TestLedgerStrandedAndLostByFault(t *testing.T) {
	l := NewLedger(2, 1)
	// producer 0: 0..99 sent, 5 refused; received all but 10..19 and 50..59
	// and 90..99; 15..19 and 95..99 still in Redis.
	s0 := l.sends[0]
	s0.first, s0.next = 0, 100
	s0.failed.add(5)
	// producer 1: 0..9 are warmup, 10..29 measured; 12 and 25 never received.
	s1 := l.sends[1]
	s1.first, s1.next = 10, 30
	for x := uint64(0); x < 100; x++ {
		if x != 5 && !(x >= 10 && x < 20) && !(x >= 50 && x < 60) && x < 90 {
			l.Deliver(0, 0, x)
		}
	}
	for x := uint64(10); x < 30; x++ {
		if x != 12 && x != 25 {
			l.Deliver(0, 1, x)
		}
	}
	// Found in Redis, in no order, some twice, with another run's event,
	// an unknown producer's, one never sent and a warmup event.
	r := &remainder{l: l, run: 1, buf: make([]foundEvent, 0, 4)} // a small buffer: several flushes
	for _, f := range []struct {
		run, producer uint32
		seq           uint64
	}{{1, 0, 99}, {1, 0, 15}, {1, 0, 98}, {1, 0, 16}, {2, 0, 10}, {1, 0, 17}, {1, 0, 18}, {1, 0, 19}, {1, 0, 97},
		{1, 0, 96}, {1, 0, 95}, {1, 0, 15}, {1, 0, 200}, {1, 1, 3}, {1, 7, 12}} {
		b := padded(HeaderSize)
		(&Envelope{Run: f.run, Producer: f.producer, Seq: f.seq}).Encode(b)
		r.add(string(b))
	}
	r.flush()
	ev := l.Reconcile()
	// missing: p0 10..19, 50..59, 90..99 (30); p1 12, 25 (2). Stranded:
	// 15..19, 95..99. Lost: p0 10..14, 50..59, 90..94 (20); p1 12, 25.
	if ev.Acked != 99+20 || ev.Stranded != 10 || ev.Lost != 22 || ev.Received != 99-30+18 {
		t.Fatalf("events %+v: want acked 119, stranded 10, lost 22, received 87", ev)
	}
	for _, tc := range []struct {
		name  string
		marks []Watermark
		want  []int64
	}{
		{"none", nil, []int64{}},
		{"one fault takes all", []Watermark{{30, 15}}, []int64{22}},
		// fault 0 at p0 seq 12, p1 seq 20: p0 10, 11; p1 12.
		// fault 1 at p0 60, p1 20: p0 12..14, 50..59. fault 2 the rest: p0 90..94, p1 25.
		{"three faults", []Watermark{{12, 20}, {60, 20}, {70, 21}}, []int64{3, 13, 6}},
		{"a short watermark repeats", []Watermark{{12, 20}, {60}, {70, 21}}, []int64{3, 13, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := l.lostByFault(tc.marks)
			var sum int64
			for i := range got {
				sum += got[i]
			}
			if len(got) != len(tc.want) || len(got) > 0 && sum != ev.Lost {
				t.Fatalf("lostByFault = %v, want %v (summing to %d)", got, tc.want, ev.Lost)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("lostByFault = %v, want %v", got, tc.want)
				}
			}
		})
	}
}

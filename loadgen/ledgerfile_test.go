package loadgen

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMergeLedgersEqualsOneLedger splits one load's sends and receipts
// between shards as a sharded run would (each producer on one shard, each
// delivery on the shard whose consumer took it, some events delivered on
// two shards), writes and reads every shard's files, and checks that the
// merged accounting is the one a single ledger holding everything gives.
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
			for i := range parts {
				parts[i] = NewLedger(tc.producers, tc.groups)
			}
			for p := 0; p < tc.producers; p++ {
				owner, _ := Span(tc.producers, 0, 1)
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
						if seq >= 890 && seq < 905 || seq == 20 { // never received (lost or stranded)
							continue
						}
						n := 1
						if rng.IntN(50) == 0 {
							n = 2 // delivered twice, maybe on two shards
						}
						for range n {
							whole.Deliver(g, uint32(p), seq)
							parts[rng.IntN(tc.shards)].Deliver(g, uint32(p), seq)
						}
					}
				}
			}
			whole.addReordered(7)
			parts[0].addReordered(7)
			var read []*LedgerPart
			for i, l := range parts {
				var s, r bytes.Buffer
				lo, hi := Span(tc.producers, i, tc.shards)
				if err := l.write(&s, &r, lo, hi); err != nil {
					t.Fatal(err)
				}
				lp, err := ReadLedger(&s, &r)
				if err != nil {
					t.Fatalf("shard %d: %v", i, err)
				}
				read = append(read, lp)
			}
			m, err := MergeLedgers(read...)
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
		})
	}
}

func TestMergeLedgersRefuses(t *testing.T) {
	write := func(producers, lo, hi int) *LedgerPart {
		var s, r bytes.Buffer
		if err := NewLedger(producers, 1).write(&s, &r, lo, hi); err != nil {
			t.Fatal(err)
		}
		lp, err := ReadLedger(&s, &r)
		if err != nil {
			t.Fatal(err)
		}
		return lp
	}
	for _, tc := range []struct {
		name  string
		parts []*LedgerPart
		want  string
	}{
		{"repeated", []*LedgerPart{write(4, 0, 2), write(4, 0, 2), write(4, 2, 4)}, "producer 0 is in ledgers 0 and 1"},
		{"missing", []*LedgerPart{write(4, 0, 2)}, "no ledger holds producer 2"},
		{"mismatched", []*LedgerPart{write(4, 0, 2), write(5, 2, 5)}, "ledger 1 has 5 producers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MergeLedgers(tc.parts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestReadLedgerRefusesGarbage(t *testing.T) {
	for _, tc := range []struct{ name, sends, receipts, want string }{
		{"not a ledger", "hello\n", "", "not a squall.sends/v1 file"},
		{"unsorted runs", `{"format":"squall.sends/v1","producers":1,"groups":1}` + "\n" + `{"p":0,"first":0,"next":9,"failed":[[5,6],[1,2]]}` + "\n",
			`{"format":"squall.receipts/v1","producers":1,"groups":1}` + "\n", "runs not sorted"},
		{"producer out of range", `{"format":"squall.sends/v1","producers":1,"groups":1}` + "\n" + `{"p":3,"first":0,"next":9}` + "\n",
			`{"format":"squall.receipts/v1","producers":1,"groups":1}` + "\n", "producer 3 out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadLedger(strings.NewReader(tc.sends), strings.NewReader(tc.receipts))
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

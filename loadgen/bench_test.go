package loadgen

import "testing"

// Hot-path benchmarks: each runs per event, so each must be cheap and
// allocation-free. CI runs them once (-benchtime 1x) to keep them working.

func BenchmarkEnvelopeEncode(b *testing.B) {
	buf := padded(256)
	e := Envelope{Run: 1, Producer: 2, Intended: 3}
	b.ReportAllocs()
	for b.Loop() {
		e.Seq++
		e.Encode(buf)
	}
}

func BenchmarkEnvelopeDecodeString(b *testing.B) {
	buf := padded(256)
	(&Envelope{Run: 1, Producer: 2, Seq: 3, Intended: 4}).Encode(buf)
	s := string(buf)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeString(s, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLedgerDeliver is accounting one delivery, in order (the common
// case) for 4 producers.
func BenchmarkLedgerDeliver(b *testing.B) {
	l := NewLedger(4, 1)
	b.ReportAllocs()
	var seq [4]uint64
	for i := 0; b.Loop(); i++ {
		p := i & 3
		l.Deliver(0, uint32(p), seq[p])
		seq[p]++
	}
}

// BenchmarkLedgerDeliverOutOfOrder delivers within a sliding window of 64
// in-flight events, as competing consumers do.
func BenchmarkLedgerDeliverOutOfOrder(b *testing.B) {
	l := NewLedger(1, 1)
	b.ReportAllocs()
	var base uint64
	for i := 0; b.Loop(); i++ {
		l.Deliver(0, 0, base+uint64((i*37)&63))
		if i&63 == 63 {
			base += 64
		}
	}
}

package record

import (
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// histOf records 1, 2, …, n once each: below 2048 every value has a bucket
// of its own, so the value at a rank is the rank.
func histOf(n int) *hdrhistogram.Histogram {
	h := NewHistogram()
	for v := 1; v <= n; v++ {
		_ = h.RecordValue(int64(v))
	}
	return h
}

// TestValueAtQuantileReferenceRule checks hand-computed ranks, first where
// the reference rule (ceiling) and hdrhistogram-go's (nearest) differ.
func TestValueAtQuantileReferenceRule(t *testing.T) {
	for _, tc := range []struct {
		n         int
		q         float64
		want, hdr int64 // the reference rule's value; hdrhistogram-go's
	}{
		{16, 90, 15, 14},    // 14.4 → rank 15 (nearest: 14)
		{10, 91, 10, 9},     // 9.1 → 10
		{160, 99, 159, 158}, // 158.4 → 159
		{1200, 99.9, 1199, 1199},
		{1300, 99.9, 1299, 1299}, // 1298.7: both round up
		{1000, 99.9, 999, 999},   // exactly 999, not 1000 (one ulp down first)
		{4, 50, 2, 2},            // exactly 2
		{5, 50, 3, 3},            // 2.5: both 3
		{3, 10, 1, 1},            // 0.3 → the first sample
		{7, 100, 7, 7},
		{7, 0, 1, 1}, // the minimum's lowest equivalent value
		{1, 99.9, 1, 1},
	} {
		h := histOf(tc.n)
		if got := ValueAtQuantile(h, tc.q); got != tc.want {
			t.Errorf("p%g of 1..%d = %d, want %d", tc.q, tc.n, got, tc.want)
		}
		if got := h.ValueAtQuantile(tc.q); got != tc.hdr {
			t.Errorf("hdrhistogram-go's p%g of 1..%d = %d, the test expected %d", tc.q, tc.n, got, tc.hdr)
		}
	}
	if got := ValueAtQuantile(NewHistogram(), 99); got != 0 {
		t.Errorf("empty histogram: %d, want 0", got)
	}
}

// TestValueAtQuantileHighestEquivalent: above 2047 a bucket holds several
// values; the answer is the bucket's highest, as in the reference.
func TestValueAtQuantileHighestEquivalent(t *testing.T) {
	h := NewHistogram()
	_ = h.RecordValue(10_000) // bucket 10000..10007
	if got := ValueAtQuantile(h, 50); got != 10_007 {
		t.Errorf("p50 of {10000} = %d, want 10007", got)
	}
	if got := ValueAtQuantile(h, 0); got != 10_000 {
		t.Errorf("p0 of {10000} = %d, want 10000", got)
	}
}

// TestValueAtQuantileRanks holds the mapping onto hdrhistogram-go to the
// reference rule for every rank of histograms of many sizes: a quantile
// between ranks k-1 and k (here halfway) must answer the k-th value, which
// a float error in the mapping would break.
func TestValueAtQuantileRanks(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 10, 99, 100, 101, 997, 2000} {
		h := histOf(n)
		qs := make([]float64, n)
		for k := 1; k <= n; k++ {
			qs[k-1] = 100 * (float64(k) - 0.5) / float64(n)
		}
		vals := ValuesAtQuantiles(h, qs)
		for k := 1; k <= n; k++ {
			if vals[k-1] != int64(k) {
				t.Fatalf("n=%d: p%v = %d, want %d", n, qs[k-1], vals[k-1], k)
			}
		}
	}
}

func TestSummarizeUsesReferenceRule(t *testing.T) {
	s := Summarize(histOf(16))
	if s.P90 != 15 || s.P50 != 8 || s.P99 != 16 || s.Max != 16 || s.Min != 1 {
		t.Errorf("summary of 1..16: %+v", s)
	}
}

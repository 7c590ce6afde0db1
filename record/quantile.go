package record

import (
	"math"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// squall reads percentiles by the reference HdrHistogram's rule (Java's
// getValueAtPercentile): the value at percentile q of n samples is the
// highest value equivalent to the sample of rank max(1, ⌈q/100 × n⌉), so at
// least q% of the samples are at or below it. hdrhistogram-go's
// ValueAtQuantile rounds the rank to the nearest instead, which can answer
// with the sample below: p90 of 16 samples is the 14th there (only 87.5% at
// or below it) and the 15th here.

// ValueAtQuantile returns h's value at quantile q (0–100) by the reference
// rule; q = 0 gives the lowest value equivalent to the minimum, and an empty
// histogram gives 0.
func ValueAtQuantile(h *hdrhistogram.Histogram, q float64) int64 {
	return ValuesAtQuantiles(h, []float64{q})[0]
}

// ValuesAtQuantiles is ValueAtQuantile for several quantiles in one pass
// over the histogram's counts.
func ValuesAtQuantiles(h *hdrhistogram.Histogram, qs []float64) []int64 {
	if h == nil || h.TotalCount() == 0 {
		return make([]int64, len(qs))
	}
	n := h.TotalCount()
	// hdrhistogram-go resolves percentile p to the sample of rank
	// ⌊p/100 × n + ½⌋; asking it for p = 100 × rank / n lands on rank
	// exactly (the float error is far below ½ for any count it can hold).
	ps := make([]float64, len(qs))
	for i, q := range qs {
		if q <= 0 || math.IsNaN(q) {
			ps[i] = 0 // its own rule: rank 1, lowest equivalent value
			continue
		}
		ps[i] = 100 * float64(referenceRank(q, n)) / float64(n)
	}
	return h.ValueAtPercentilesSlice(ps)
}

// referenceRank is the rank (1…n) of the sample at quantile q (0–100) of n
// by the reference rule. Like the reference it first steps q down by one
// ulp, so that 99.9% of 1,000 is rank 999 although 0.999 × 1000 computes
// as 999.0000000000001.
func referenceRank(q float64, n int64) int64 {
	q = math.Min(math.Max(math.Nextafter(q, math.Inf(-1)), 0), 100)
	r := int64(math.Ceil(q / 100 * float64(n)))
	return min(max(r, 1), n)
}

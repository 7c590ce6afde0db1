package record

import (
	"math/bits"
	"runtime"
	"sync/atomic"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Workers share histograms: a histogram of squall's range is ~190 KB, so
// two (one the collector's spare) per worker and kind made thousands
// of connections cost gigabytes. Instead each kind has a few stripes, and
// a worker records into stripe (its index among the kind's workers) mod
// the stripe count. A stripe's counts are added to atomically, so workers
// sharing it need no lock and lose nothing.

// The bucket geometry of NewHistogram (lowest 1, highest histHighest, 3
// significant digits), computed as hdrhistogram-go computes it, so that a
// stripe's count at index i is the count the library keeps at index i.
// TestStripeIndexMatchesHistogram checks it value by value.
const (
	subBucketHalfCountMagnitude = 10 // ceil(log2(2 × 10^histSigFigs)) - 1
	subBucketHalfCount          = 1 << subBucketHalfCountMagnitude
	subBucketMask               = 2*subBucketHalfCount - 1
)

// countsLen is the number of buckets of a histogram of squall's range.
var countsLen = len(NewHistogram().Export().Counts)

// bucketIndex returns the bucket of value v (0 ≤ v ≤ histHighest).
func bucketIndex(v int64) int {
	bucket := 64 - bits.LeadingZeros64(uint64(v)|subBucketMask) - (subBucketHalfCountMagnitude + 1)
	sub := int(v >> uint(bucket))
	return (bucket+1)<<subBucketHalfCountMagnitude + sub - subBucketHalfCount
}

// bucketValue returns the lowest value bucket i holds: recording it into
// a histogram of squall's range lands in the same bucket.
func bucketValue(i int) int64 {
	bucket := i>>subBucketHalfCountMagnitude - 1
	sub := i&(subBucketHalfCount-1) + subBucketHalfCount
	if bucket < 0 {
		sub -= subBucketHalfCount
		bucket = 0
	}
	return int64(sub) << uint(bucket)
}

// stripe is a histogram's bucket counts that any number of workers add to
// at once, each add one atomic instruction. The collector takes each
// non-zero bucket's count with an atomic swap to zero, so a sample lands in
// exactly one interval however the two interleave: no lock, no phaser.
type stripe struct{ c []int64 }

func newStripe() *stripe { return &stripe{c: make([]int64, countsLen)} }

// record adds one value (already clamped to the range).
func (s *stripe) record(v int64) { atomic.AddInt64(&s.c[bucketIndex(v)], 1) }

// drainInto moves what was recorded since the last drain into h, and
// adds it to counts bucket by bucket (nil: not).
func (s *stripe) drainInto(h *hdrhistogram.Histogram, counts []int64) {
	for i := range s.c {
		if atomic.LoadInt64(&s.c[i]) != 0 {
			n := atomic.SwapInt64(&s.c[i], 0)
			_ = h.RecordValues(bucketValue(i), n)
			if counts != nil {
				counts[i] += n
			}
		}
	}
}

// maxStripes is how many stripes a kind gets at most: a couple per core
// keeps workers on different cores mostly on different cache lines, and
// the memory fixed (~190 KB per stripe) whatever the number of workers.
func maxStripes() int { return min(max(2*runtime.GOMAXPROCS(0), 2), 32) }

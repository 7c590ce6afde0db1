package record

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestStripeIndexMatchesHistogram: a stripe's bucket of a value is the
// bucket hdrhistogram-go keeps it in, so merging a stripe into a histogram
// gives exactly the histogram recording the values directly would.
func TestStripeIndexMatchesHistogram(t *testing.T) {
	var values []int64
	for v := int64(0); v < 70_000; v++ {
		values = append(values, v)
	}
	for shift := 10; shift < 32; shift++ {
		p := int64(1) << shift
		values = append(values, p-1, p, p+1, 3*p/2)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		values = append(values, rng.Int64N(histHighest+1))
	}
	values = append(values, histHighest)

	probe := NewHistogram()
	for _, v := range values[len(values)-300:] { // the library's own index, for a sample
		probe.Reset()
		_ = probe.RecordValue(v)
		counts := probe.Export().Counts
		if i := bucketIndex(v); i >= len(counts) || counts[i] != 1 {
			t.Fatalf("value %d: stripe bucket %d, not the library's", v, i)
		}
	}
	direct, merged := NewHistogram(), NewHistogram()
	s := newStripe()
	for _, v := range values {
		i := bucketIndex(v)
		if i < 0 || i >= countsLen {
			t.Fatalf("value %d: bucket %d out of [0, %d)", v, i, countsLen)
		}
		if b := bucketValue(i); !direct.ValuesAreEquivalent(v, b) || bucketIndex(b) != i {
			t.Fatalf("value %d: bucket %d holds from %d, not equivalent", v, i, b)
		}
		_ = direct.RecordValue(v)
		s.c[i]++
	}
	s.drainInto(merged, nil)
	if !direct.Equals(merged) || direct.Max() != merged.Max() || direct.Min() != merged.Min() {
		t.Fatalf("merged stripe differs: count %d/%d max %d/%d", merged.TotalCount(), direct.TotalCount(), merged.Max(), direct.Max())
	}
	for i, n := range s.c {
		if n != 0 {
			t.Fatalf("bucket %d not cleared after the drain", i)
		}
	}
}

// TestSharedStripesLoseNothing: more workers than stripes record at once
// while the collector ticks; every sample lands in exactly one interval,
// and the histograms made do not grow with the workers.
func TestSharedStripesLoseNothing(t *testing.T) {
	c := NewCollector(time.Now())
	const writers, per = 40, 5000
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		r := c.NewRecorder(EndToEnd)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				r.Record(EndToEnd, int64(w*1000+i))
				r.Received(1)
			}
		}()
	}
	if n := len(c.stripes[EndToEnd]); n != min(writers, maxStripes()) {
		t.Errorf("%d stripes for %d workers, want %d", n, writers, min(writers, maxStripes()))
	}
	done := make(chan struct{})
	var received int64
	go func() {
		defer close(done)
		for {
			s, _ := c.Tick(time.Now())
			received += s.Received
			if c.Totals()[EndToEnd].TotalCount() == writers*per && received == writers*per {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("recorded %d of %d", c.Totals()[EndToEnd].TotalCount(), writers*per)
	}
	if got := c.Totals()[EndToEnd].Max(); !c.Totals()[EndToEnd].ValuesAreEquivalent(got, (writers-1)*1000+per-1) {
		t.Errorf("max %d", got)
	}
}

// TestCumulative: a reader of the running counts (a metrics scrape) sees
// every sample exactly once however it interleaves with the workers and
// Tick: its sums never go down, and once the workers stop and the last
// interval is closed they equal the totals bucket by bucket.
func TestCumulative(t *testing.T) {
	c := NewCollector(time.Now())
	const workers, each = 4, 20_000
	var wg sync.WaitGroup
	for w := range workers {
		r := c.NewRecorder(Publish)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				r.Record(Publish, int64(w*each+i))
			}
		}()
	}
	stop := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		for {
			select {
			case <-stop:
				return
			default:
				_, _ = c.Tick(time.Now())
			}
		}
	}()
	var buf []int64
	var last int64
	for range 200 {
		buf = c.Cumulative(Publish, buf)
		var n int64
		for _, v := range buf {
			n += v
		}
		if n < last || n > workers*each {
			t.Fatalf("cumulative count %d after %d (of %d)", n, last, workers*each)
		}
		last = n
	}
	wg.Wait()
	close(stop)
	<-ticked
	before := c.Cumulative(Publish, nil)
	_, _ = c.Tick(time.Now())
	got := c.Cumulative(Publish, nil)
	want := c.Totals()[Publish].Export().Counts
	var n int64
	for i := range want {
		if got[i] != want[i] || before[i] != want[i] {
			t.Fatalf("bucket %d (value %d): cumulative %d before the last tick, %d after, totals %d", i, BucketValue(i), before[i], got[i], want[i])
		}
		n += got[i]
	}
	if n != workers*each {
		t.Fatalf("cumulative count %d, want %d", n, workers*each)
	}
}

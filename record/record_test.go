package record

import (
	"sync"
	"testing"
	"time"
)

// TestCollectorLosesNothingUnderConcurrentTicks records from several
// writers while the collector ticks as fast as it can: every sample must
// land in exactly one interval.
func TestCollectorLosesNothingUnderConcurrentTicks(t *testing.T) {
	begin := time.Now()
	c := NewCollector(begin)
	const writers, per = 4, 50000
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		r := c.NewRecorder(Publish, SendDelay)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				r.Record(Publish, int64(i%1000+1))
				r.Sent(1)
			}
		}()
	}
	stop := make(chan struct{})
	var sent int64
	var ticks sync.WaitGroup
	ticks.Add(1)
	go func() {
		defer ticks.Done()
		for {
			select {
			case <-stop:
				return
			default:
				s, err := c.Tick(time.Now())
				if err != nil {
					t.Error(err)
				}
				sent += s.Sent
			}
		}
	}()
	wg.Wait()
	close(stop)
	ticks.Wait()
	s, _ := c.Tick(time.Now())
	sent += s.Sent
	if got := c.Totals()[Publish].TotalCount(); got != writers*per {
		t.Fatalf("recorded %d samples, want %d", got, writers*per)
	}
	if sent != writers*per {
		t.Fatalf("timeline counted %d sent, want %d", sent, writers*per)
	}
}

// TestDiscardKeepsSamples: Discard rebases the timeline's counts at the
// start of the measured phase, but keeps every latency sample: workers only
// record measured events, so a sample recorded just before the clock's
// Discard (its timer fired late) is still one of the measured phase's.
func TestDiscardKeepsSamples(t *testing.T) {
	c := NewCollector(time.Now())
	r := c.NewRecorder(EndToEnd)
	r.Received(1) // a warmup event: counted in the warmup, not timed
	r.Record(EndToEnd, 5)
	r.Received(1) // a measured event received before Discard ran
	c.Discard(time.Now())
	r.Record(EndToEnd, 7)
	r.Received(1)
	s, _ := c.Tick(time.Now())
	if s.Received != 1 || c.Totals()[EndToEnd].TotalCount() != 2 || c.Totals()[EndToEnd].Max() != 7 {
		t.Fatalf("after discard: row %+v, total %d", s, c.Totals()[EndToEnd].TotalCount())
	}
}

func TestRecordClampsOutOfRange(t *testing.T) {
	c := NewCollector(time.Now())
	r := c.NewRecorder(Publish)
	r.Record(Publish, -3)
	r.Record(Publish, histHighest*10)
	c.Tick(time.Now())
	h := c.Totals()[Publish]
	if h.TotalCount() != 2 || h.Min() != 0 || !h.ValuesAreEquivalent(h.Max(), histHighest) {
		t.Fatalf("count %d min %d max %d", h.TotalCount(), h.Min(), h.Max())
	}
}

// BenchmarkRecord is the per-event cost of recording a latency on the hot
// path: it must stay well under 100 ns and allocate nothing.
func BenchmarkRecord(b *testing.B) {
	c := NewCollector(time.Now())
	r := c.NewRecorder(Publish)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Record(Publish, int64(i&0xffff))
	}
}

// BenchmarkTick is the once-a-second cost of swapping and merging 100
// workers' histograms.
func BenchmarkTick(b *testing.B) {
	c := NewCollector(time.Now())
	for i := 0; i < 100; i++ {
		r := c.NewRecorder(Publish, SendDelay)
		r.Record(Publish, int64(i+1))
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Tick(time.Now())
	}
}

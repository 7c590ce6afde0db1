package record

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/squall-bench/squall/result"
)

// Collector turns its recorders into per-second timeline rows, HDR interval
// logs and the totals of the measured phase. Tick is called by one goroutine
// (the run's clock); NewRecorder may be called from any.
type Collector struct {
	mu       sync.Mutex
	recs     []*Recorder
	last     []counts
	stripes  [NumKinds][]*stripe
	workers  [NumKinds]int // recorders made per kind so far
	interval [NumKinds]*hdrhistogram.Histogram
	icounts  [NumKinds][]int64 // the interval's counts by bucket, for its log line
	total    [NumKinds]*hdrhistogram.Histogram
	begin    time.Time // start of the measured phase
	prev     time.Time // end of the previous interval
	logs     [NumKinds]*hlogWriter
	marks    []Marker // fault markers for the interval in progress
	history  []Second // every row so far, for fault recovery analysis

	// tickMu is held by Tick from draining the stripes until the interval
	// is merged into the totals, so Cumulative never sees a sample twice
	// or not at all; lastMax is each kind's max of the last closed interval.
	tickMu  sync.Mutex
	lastMax [NumKinds]int64
}

type counts struct{ sent, acked, received, errors int64 }

// NewCollector returns a collector whose measured phase starts at begin.
func NewCollector(begin time.Time) *Collector {
	c := &Collector{begin: begin, prev: begin}
	for k := range c.interval {
		c.interval[k] = NewHistogram()
		c.icounts[k] = make([]int64, countsLen)
		c.total[k] = NewHistogram()
	}
	return c
}

// NewRecorder returns a recorder for one worker that records the given
// kinds. The n-th worker of a kind records into that kind's stripe n mod
// maxStripes, so the memory for histograms does not grow with workers.
func (c *Collector) NewRecorder(kinds ...Kind) *Recorder {
	r := &Recorder{}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range kinds {
		i := c.workers[k] % maxStripes()
		if i == len(c.stripes[k]) {
			c.stripes[k] = append(c.stripes[k], newStripe())
		}
		r.stripes[k] = c.stripes[k][i]
		c.workers[k]++
	}
	c.recs = append(c.recs, r)
	c.last = append(c.last, counts{})
	return r
}

// LogTo writes an HdrHistogram interval log (.hlog) per kind to ws[kind]
// (nil entries are skipped), with timestamps relative to the measured start.
func (c *Collector) LogTo(ws [NumKinds]io.Writer, comment string) error {
	for k, w := range ws {
		if w == nil {
			continue
		}
		lw := &hlogWriter{w: w}
		if err := lw.header(c.begin, fmt.Sprintf("%s %s latency, values in microseconds", comment, KindNames[k])); err != nil {
			return err
		}
		c.logs[k] = lw
	}
	return nil
}

// Discard starts the measured phase at now: the counts so far (the
// warmup's) are left out of the timeline. Latency samples are not thrown
// away: workers only record events intended in the measured phase, so any
// sample already recorded belongs to it (one recorded in the moment
// between the phase's start and this call included).
func (c *Collector) Discard(now time.Time) {
	c.mu.Lock()
	for i, r := range c.recs {
		c.last[i] = r.counts()
	}
	c.mu.Unlock()
	c.prev = now
}

// Tick closes the interval ending at now: it returns that second's row and
// adds the interval to the totals and the logs.
func (c *Collector) Tick(now time.Time) (Second, error) {
	var d counts
	c.tickMu.Lock()
	defer c.tickMu.Unlock()
	c.drain()
	c.mu.Lock()
	for i, r := range c.recs {
		cur := r.counts()
		d.sent += cur.sent - c.last[i].sent
		d.acked += cur.acked - c.last[i].acked
		d.received += cur.received - c.last[i].received
		d.errors += cur.errors - c.last[i].errors
		c.last[i] = cur
	}
	c.mu.Unlock()
	s := Second{
		T:        now.Sub(c.begin).Seconds(),
		Dt:       now.Sub(c.prev).Seconds(),
		Sent:     d.sent,
		Acked:    d.acked,
		Received: d.received,
		Errors:   d.errors,
		Publish:  brief(c.interval[Publish]),
		EndToEnd: brief(c.interval[EndToEnd]),
		Service:  brief(c.interval[Service]),
	}
	c.mu.Lock()
	s.Faults, c.marks = c.marks, nil
	c.history = append(c.history, s)
	c.mu.Unlock()
	var err error
	for k, h := range c.interval {
		if c.logs[k] != nil && err == nil {
			err = c.logs[k].interval(c.prev.Sub(c.begin), now.Sub(c.prev), c.icounts[k], h.Max())
		}
		clear(c.icounts[k])
		c.total[k].Merge(h)
		c.lastMax[k] = h.Max()
		h.Reset()
	}
	c.prev = now
	return s, err
}

// Mark adds a fault marker (a fault fired, healed, a replica promoted) that
// happened at, since the start of the measured phase, to the row of the
// interval in progress; safe from any goroutine. The marker keeps at, so an
// event recorded after its interval closed still reads its own time.
func (c *Collector) Mark(at time.Duration, label string) {
	c.mu.Lock()
	c.marks = append(c.marks, Marker{AtS: markSeconds(at), Label: label})
	c.mu.Unlock()
}

// markSeconds rounds to the millisecond exactly as the runner rounds a
// fault's at_s, so a marker and its fault result hold the same float.
func markSeconds(d time.Duration) float64 {
	return float64(int64(d.Seconds()*1000+0.5)) / 1000
}

// History returns a copy of every row Tick has returned.
func (c *Collector) History() []Second {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Second(nil), c.history...)
}

// Totals returns the measured phase's histograms so far; they are the
// collector's own, valid until the next Tick.
func (c *Collector) Totals() [NumKinds]*hdrhistogram.Histogram { return c.total }

// Cumulative returns kind k's counts of the measured phase so far, bucket
// by bucket (index i holds the samples of value BucketValue(i), as the
// histograms hold them), in dst when it is long enough: the totals of
// every closed interval plus what the stripes hold now. It reads and never
// drains, so it may be called at any time from any goroutine (a metrics
// scrape) without changing what the run records; it allocates a copy of
// the totals' counts.
func (c *Collector) Cumulative(k Kind, dst []int64) []int64 {
	c.tickMu.Lock()
	defer c.tickMu.Unlock()
	dst = append(dst[:0], c.total[k].Export().Counts...)
	c.mu.Lock()
	stripes := c.stripes[k]
	c.mu.Unlock()
	for _, s := range stripes {
		for i := range s.c {
			if n := atomic.LoadInt64(&s.c[i]); n != 0 {
				dst[i] += n
			}
		}
	}
	return dst
}

// LastMax returns the highest value of kind k recorded in the last
// interval Tick closed (0 before the first, or when it had none).
func (c *Collector) LastMax(k Kind) int64 {
	c.tickMu.Lock()
	defer c.tickMu.Unlock()
	return c.lastMax[k]
}

// BucketValue is the value (µs) the histograms hold for the samples of
// bucket i of Cumulative: the bucket's lowest, within 0.1% of any value
// recorded into it.
func BucketValue(i int) int64 { return bucketValue(i) }

// drain moves what every stripe recorded into the interval histograms.
func (c *Collector) drain() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, stripes := range c.stripes {
		for _, s := range stripes {
			s.drainInto(c.interval[k], c.icounts[k])
		}
	}
}

func (r *Recorder) counts() counts {
	return counts{r.sent.Load(), r.acked.Load(), r.received.Load(), r.errors.Load()}
}

// BriefOf returns an interval's p50, p99 and max, as a timeline row
// holds them.
func BriefOf(h *hdrhistogram.Histogram) Brief { return brief(h) }

func brief(h *hdrhistogram.Histogram) Brief {
	if h.TotalCount() == 0 {
		return Brief{}
	}
	q := ValuesAtQuantiles(h, []float64{50, 99})
	return Brief{P50: q[0], P99: q[1], Max: h.Max()}
}

// Summarize returns a histogram's headline figures, its percentiles by the
// reference rank rule (see ValueAtQuantile).
func Summarize(h *hdrhistogram.Histogram) result.Summary {
	if h == nil || h.TotalCount() == 0 {
		return result.Summary{}
	}
	q := ValuesAtQuantiles(h, []float64{50, 90, 99, 99.9})
	return result.Summary{
		Count: h.TotalCount(),
		Min:   h.Min(),
		Mean:  float64(int64(h.Mean()*10)) / 10,
		P50:   q[0],
		P90:   q[1],
		P99:   q[2],
		P999:  q[3],
		Max:   h.Max(),
	}
}

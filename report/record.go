package report

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Kind names one of the latency distributions a run records.
type Kind int

// The recorded latency kinds, all in microseconds.
const (
	Publish   Kind = iota // intended send → Redis acknowledged the write
	EndToEnd              // intended send (or due time) → a consumer got the event
	SendDelay             // intended send → actual send: the generator's own lag
	Service               // actual send → Redis acknowledged the write: the server's own time
	NumKinds
)

// KindNames are the file and field stems of each kind.
var KindNames = [NumKinds]string{"publish", "end_to_end", "send_delay", "service"}

// Histogram range: 1 µs to 1 h at 3 significant digits.
const (
	histLowest  = 1
	histHighest = int64(3600 * 1e6)
	histSigFigs = 3
)

// NewHistogram returns an empty histogram with squall's range and precision.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histSigFigs)
}

// Recorder is one worker's recorder. Only its worker calls the Record and
// count methods; a Collector swaps its histograms out once per interval.
// Recording takes no lock: a writer-reader phaser (as in HdrHistogram's own
// Recorder) lets the collector wait for an in-flight record instead.
type Recorder struct {
	phase phaser
	cur   atomic.Pointer[sample]

	// Cumulative counts since start; the collector takes per-second deltas.
	sent, acked, received, errors atomic.Int64
	_                             [64]byte // keep hot counters off the next recorder's line
}

// sample holds a recorder's histograms for one interval; only the kinds the
// worker records are allocated (a histogram of this range is ~190 KB).
type sample struct {
	h [NumKinds]*hdrhistogram.Histogram
}

func newSample(kinds []Kind) *sample {
	s := &sample{}
	for _, k := range kinds {
		s.h[k] = NewHistogram()
	}
	return s
}

func (s *sample) reset() {
	for _, h := range s.h {
		if h != nil {
			h.Reset()
		}
	}
}

func newRecorder(kinds []Kind) *Recorder {
	r := &Recorder{}
	r.phase.oddEnd.Store(math.MinInt64) // the odd phase's counters start at MinInt64
	r.cur.Store(newSample(kinds))
	return r
}

// Record adds one latency in microseconds; values outside the range are
// clamped so that a pathological sample is still counted. k must be one of
// the kinds the recorder was made for.
func (r *Recorder) Record(k Kind, us int64) {
	if us < 0 {
		us = 0
	} else if us > histHighest {
		us = histHighest
	}
	e := r.phase.enter()
	_ = r.cur.Load().h[k].RecordValue(us)
	r.phase.exit(e)
}

// Sent counts n events handed to Redis.
func (r *Recorder) Sent(n int64) { r.sent.Add(n) }

// Acked counts n writes Redis confirmed.
func (r *Recorder) Acked(n int64) { r.acked.Add(n) }

// Received counts n events a consumer got.
func (r *Recorder) Received(n int64) { r.received.Add(n) }

// Error counts n failed operations.
func (r *Recorder) Error(n int64) { r.errors.Add(n) }

// swap installs next as the active sample and returns the previous one once
// no writer can still be touching it.
func (r *Recorder) swap(next *sample) *sample {
	r.phase.mu.Lock()
	defer r.phase.mu.Unlock()
	old := r.cur.Swap(next)
	r.phase.flip()
	return old
}

// phaser is HdrHistogram's WriterReaderPhaser: writers bracket a critical
// section with enter/exit (two uncontended atomic adds); the reader flips the
// phase and waits until every writer that entered the old phase has left.
type phaser struct {
	start   atomic.Int64
	evenEnd atomic.Int64
	oddEnd  atomic.Int64
	mu      sync.Mutex // serialises readers
}

func (p *phaser) enter() int64 { return p.start.Add(1) - 1 }

func (p *phaser) exit(e int64) {
	if e < 0 {
		p.oddEnd.Add(1)
	} else {
		p.evenEnd.Add(1)
	}
}

func (p *phaser) flip() {
	nextEven := p.start.Load() < 0
	var initial int64
	if nextEven {
		p.evenEnd.Store(0)
	} else {
		initial = math.MinInt64
		p.oddEnd.Store(initial)
	}
	atFlip := p.start.Swap(initial)
	for {
		var end int64
		if nextEven {
			end = p.oddEnd.Load()
		} else {
			end = p.evenEnd.Load()
		}
		if end == atFlip {
			return
		}
		runtime.Gosched()
	}
}

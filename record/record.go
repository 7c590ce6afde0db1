// Package record is squall's measurement hot path: the generator's workers
// record latencies and count events through a Recorder, and the run's clock
// turns what they recorded into per-second timeline rows (Second), HDR
// interval logs and the measured phase's histograms through a Collector.
// Recording takes no lock and allocates nothing. Summarize reads a
// histogram's headline figures (result.Summary) by the reference percentile
// rule.
package record

import (
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
// count methods. Its latencies go to the stripes it shares with other
// workers (see stripe.go); recording takes no lock. Its counts are its own.
type Recorder struct {
	stripes [NumKinds]*stripe // nil for the kinds the worker does not record

	// Cumulative counts since start; the collector takes per-second deltas.
	sent, acked, received, errors atomic.Int64
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
	r.stripes[k].record(us)
}

// Sent counts n events handed to Redis.
func (r *Recorder) Sent(n int64) { r.sent.Add(n) }

// Acked counts n writes Redis confirmed.
func (r *Recorder) Acked(n int64) { r.acked.Add(n) }

// Received counts n events a consumer got.
func (r *Recorder) Received(n int64) { r.received.Add(n) }

// Error counts n failed operations.
func (r *Recorder) Error(n int64) { r.errors.Add(n) }

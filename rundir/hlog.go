package rundir

import (
	"fmt"
	"io"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/squall-bench/squall/record"
)

// ReadHlog merges every interval of an HdrHistogram interval log (as
// Collector.LogTo writes it) into one histogram. An interval that does not
// decode is skipped and reported in the error, with the rest merged: a
// crash can cut the last line short.
func ReadHlog(r io.Reader) (*hdrhistogram.Histogram, error) {
	total := record.NewHistogram()
	lr := hdrhistogram.NewHistogramLogReader(r)
	var bad int
	var first error
	for range 10_000_000 { // each call consumes at least one line
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			bad++
			if first == nil {
				first = err
			}
			continue
		}
		if h == nil {
			break
		}
		total.Merge(h)
	}
	if bad > 0 {
		return total, fmt.Errorf("%d interval(s) skipped: %w", bad, first)
	}
	return total, nil
}

// ReadHlogIntervals returns every interval of an interval log in order,
// each histogram carrying its absolute start and end (StartTimeMs,
// EndTimeMs: the log's StartTime plus the interval's offset), so that logs
// of one run written by several processes can be added second by second.
func ReadHlogIntervals(r io.Reader) ([]*hdrhistogram.Histogram, error) {
	lr := hdrhistogram.NewHistogramLogReader(r)
	var out []*hdrhistogram.Histogram
	for range 10_000_000 {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			return out, fmt.Errorf("interval %d: %w", len(out)+1, err)
		}
		if h == nil {
			return out, nil
		}
		out = append(out, h)
	}
	return out, fmt.Errorf("more than 10,000,000 intervals")
}

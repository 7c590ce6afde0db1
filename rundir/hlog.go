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

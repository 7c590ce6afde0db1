package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/squall-bench/squall/internal/units"
)

// TimelineColumns is timeline.csv's header.
var TimelineColumns = []string{
	"t_s", "interval_s", "sent", "acked", "received", "errors",
	"publish_p50_us", "publish_p99_us", "publish_max_us",
	"e2e_p50_us", "e2e_p99_us", "e2e_max_us",
	"service_p50_us", "service_p99_us", "service_max_us", "faults",
}

// TimelineWriter writes timeline.csv one Second at a time. Each row is
// flushed as it is written, so an interrupted run leaves a readable file.
// It is not safe for concurrent use.
type TimelineWriter struct {
	w      *csv.Writer
	header bool
}

// NewTimelineWriter returns a writer that writes the header before the first
// row, or on Flush if no row came.
func NewTimelineWriter(w io.Writer) *TimelineWriter {
	return &TimelineWriter{w: csv.NewWriter(w)}
}

// Write appends one row.
func (t *TimelineWriter) Write(s Second) error {
	if err := t.writeHeader(); err != nil {
		return err
	}
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	row := []string{
		strconv.FormatFloat(s.T, 'f', 3, 64), strconv.FormatFloat(s.Dt, 'f', 3, 64),
		i(s.Sent), i(s.Acked), i(s.Received), i(s.Errors),
		i(s.Publish.P50), i(s.Publish.P99), i(s.Publish.Max),
		i(s.EndToEnd.P50), i(s.EndToEnd.P99), i(s.EndToEnd.Max),
		i(s.Service.P50), i(s.Service.P99), i(s.Service.Max),
		markersField(s.Faults),
	}
	if err := t.w.Write(row); err != nil {
		return err
	}
	t.w.Flush()
	return t.w.Error()
}

// markersField writes a row's fault markers as "AT LABEL" joined by ";",
// AT in seconds since the start of the measured phase to the millisecond
// with an "s": "20.412s kill redis-1 (primary);25.917s failover: redis-2 promoted".
func markersField(ms []Marker) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = strconv.FormatFloat(m.AtS, 'f', 3, 64) + "s " + m.Label
	}
	return strings.Join(parts, ";")
}

// parseMarkers reads markersField's format. A marker without a time (a
// file written before markers had one) is placed at the start of its row's
// interval, the earliest it can have happened.
func parseMarkers(field string, rowStart float64) []Marker {
	var out []Marker
	for _, part := range strings.Split(field, ";") {
		m := Marker{AtS: rowStart, Label: part}
		if at, label, ok := strings.Cut(part, " "); ok && strings.HasSuffix(at, "s") {
			if v, err := strconv.ParseFloat(strings.TrimSuffix(at, "s"), 64); err == nil && units.Finite(v) {
				m = Marker{AtS: v, Label: label}
			}
		}
		out = append(out, m)
	}
	return out
}

// Flush writes the header if no row has been written and flushes.
func (t *TimelineWriter) Flush() error {
	if err := t.writeHeader(); err != nil {
		return err
	}
	t.w.Flush()
	return t.w.Error()
}

func (t *TimelineWriter) writeHeader() error {
	if t.header {
		return nil
	}
	t.header = true
	return t.w.Write(TimelineColumns)
}

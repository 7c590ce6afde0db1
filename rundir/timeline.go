package rundir

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/squall-bench/squall/record"
)

// TimelineColumns is timeline.csv's header.
var TimelineColumns = []string{
	"t_s", "interval_s", "sent", "acked", "received", "errors",
	"publish_p50_us", "publish_p99_us", "publish_max_us",
	"e2e_p50_us", "e2e_p99_us", "e2e_max_us",
	"service_p50_us", "service_p99_us", "service_max_us", "faults",
}

// TimelineWriter writes timeline.csv one record.Second at a time. Each row is
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
func (t *TimelineWriter) Write(s record.Second) error {
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
func markersField(ms []record.Marker) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = strconv.FormatFloat(m.AtS, 'f', 3, 64) + "s " + m.Label
	}
	return strings.Join(parts, ";")
}

// parseMarkers reads markersField's format. A marker without a time (a
// file written before markers had one) is placed at the start of its row's
// interval, the earliest it can have happened.
func parseMarkers(field string, rowStart float64) []record.Marker {
	var out []record.Marker
	for _, part := range strings.Split(field, ";") {
		m := record.Marker{AtS: rowStart, Label: part}
		if at, label, ok := strings.Cut(part, " "); ok && strings.HasSuffix(at, "s") {
			if v, err := strconv.ParseFloat(strings.TrimSuffix(at, "s"), 64); err == nil && finite(v) {
				m = record.Marker{AtS: v, Label: label}
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

// ReadTimeline reads timeline.csv. Columns are found by their header name,
// so a file with extra or reordered columns still reads. A malformed row
// stops the reading: the rows before it are returned with an error naming
// the line, since an interrupted run can leave a cut-off last row.
func ReadTimeline(r io.Reader) ([]record.Second, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	if _, ok := col["t_s"]; !ok {
		return nil, fmt.Errorf("header has no t_s column: not a squall timeline (want %s)", strings.Join(TimelineColumns, ","))
	}
	var out []record.Second
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < len(head) {
			return out, fmt.Errorf("line %d: %d fields, want %d (cut short?)", line, len(rec), len(head))
		}
		s, err := parseSecond(rec, col)
		if err != nil {
			return out, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, s)
	}
}

func parseSecond(rec []string, col map[string]int) (record.Second, error) {
	var s record.Second
	var bad error
	field := func(name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	t, err := strconv.ParseFloat(field("t_s"), 64)
	if err != nil || !finite(t) {
		return s, fmt.Errorf("t_s: %q is not a number", field("t_s"))
	}
	s.T = t
	s.Dt = 1 // files written before interval_s existed had whole seconds
	if v := field("interval_s"); v != "" {
		dt, err := strconv.ParseFloat(v, 64)
		if err != nil || !finite(dt) || dt < 0 {
			return s, fmt.Errorf("interval_s: %q is not a number", v)
		}
		s.Dt = dt
	}
	n := func(name string) int64 {
		v := field(name)
		if v == "" {
			return 0
		}
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil && bad == nil {
			bad = fmt.Errorf("%s: %q is not an integer", name, v)
		}
		return x
	}
	s.Sent, s.Acked, s.Received, s.Errors = n("sent"), n("acked"), n("received"), n("errors")
	s.Publish = record.Brief{P50: n("publish_p50_us"), P99: n("publish_p99_us"), Max: n("publish_max_us")}
	s.EndToEnd = record.Brief{P50: n("e2e_p50_us"), P99: n("e2e_p99_us"), Max: n("e2e_max_us")}
	s.Service = record.Brief{P50: n("service_p50_us"), P99: n("service_p99_us"), Max: n("service_max_us")}
	if f := field("faults"); f != "" {
		s.Faults = parseMarkers(f, math.Max(0, s.T-s.Dt))
	}
	return s, bad
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

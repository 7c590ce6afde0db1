package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/squall-bench/squall/record"
)

// Reading a run directory back, so a finished run can be rendered again
// without re-running it.

// File names inside a run directory, per cell (see CellFilePrefix).
const (
	TimelineFile = "timeline.csv"
	HTMLFile     = "report.html"
	ScenarioFile = "scenario.yaml"
)

var slugRe = regexp.MustCompile(`[^A-Za-z0-9._=-]+`)

// CellFilePrefix is what cell i (0-based) of n puts before its file names:
// nothing for a single cell, else "NN-<slug of the name>." as the runner
// writes them.
func CellFilePrefix(i, n int, name string) string {
	if n <= 1 {
		return ""
	}
	s := strings.Trim(slugRe.ReplaceAllString(name, "_"), "_")
	if s == "" {
		s = "run"
	}
	return fmt.Sprintf("%02d-%s.", i+1, s)
}

// ReadTimeline reads timeline.csv. Columns are found by their header name,
// so a file with extra or reordered columns still reads. A malformed row
// stops the reading: the rows before it are returned with an error naming
// the line, since an interrupted run can leave a cut-off last row.
func ReadTimeline(r io.Reader) ([]Second, error) {
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
	var out []Second
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

func parseSecond(rec []string, col map[string]int) (Second, error) {
	var s Second
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
	s.Publish = Brief{P50: n("publish_p50_us"), P99: n("publish_p99_us"), Max: n("publish_max_us")}
	s.EndToEnd = Brief{P50: n("e2e_p50_us"), P99: n("e2e_p99_us"), Max: n("e2e_max_us")}
	s.Service = Brief{P50: n("service_p50_us"), P99: n("service_p99_us"), Max: n("service_max_us")}
	if f := field("faults"); f != "" {
		s.Faults = parseMarkers(f, math.Max(0, s.T-s.Dt))
	}
	return s, bad
}

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

// ReadRunData loads what the HTML report draws from a run directory: each
// cell's timeline and histograms, and the resolved scenario. Missing files
// are not an error (the charts say there is no data); unreadable ones are
// listed in the cell's Problems.
func ReadRunData(dir string, r *Result) *RunData {
	d := &RunData{Cells: make([]CellData, len(r.Cells))}
	if b, err := os.ReadFile(filepath.Join(dir, ScenarioFile)); err == nil {
		d.Scenario = string(b)
	}
	for i := range r.Cells {
		d.Cells[i] = readCellData(dir, cellPrefixes(i, len(r.Cells), r.Cells[i].Name))
	}
	return d
}

// cellPrefixes are the prefixes a cell's files may have, the likely one
// first: a matrix that was cut short after its first cell has one cell in
// its result but prefixed files.
func cellPrefixes(i, n int, name string) []string {
	if n > 1 {
		return []string{CellFilePrefix(i, n, name)}
	}
	return []string{"", CellFilePrefix(i, 2, name)}
}

func readCellData(dir string, prefixes []string) CellData {
	var cd CellData
	open := func(name string) (*os.File, string) {
		for _, p := range prefixes {
			f, err := os.Open(filepath.Join(dir, p+name))
			if err == nil {
				return f, p + name
			}
			if !errors.Is(err, fs.ErrNotExist) {
				cd.Problems = append(cd.Problems, err.Error())
				return nil, ""
			}
		}
		return nil, ""
	}
	if f, name := open(TimelineFile); f != nil {
		tl, err := ReadTimeline(f)
		f.Close()
		cd.Timeline = tl
		if err != nil {
			cd.Problems = append(cd.Problems, fmt.Sprintf("%s: %v (showing the %d rows before it)", name, err, len(tl)))
		}
	}
	for k, kind := range record.KindNames {
		f, name := open(kind + ".hlog")
		if f == nil {
			continue
		}
		h, err := ReadHlog(f)
		f.Close()
		if err != nil {
			cd.Problems = append(cd.Problems, fmt.Sprintf("%s: %v", name, err))
		}
		if h.TotalCount() > 0 {
			cd.Hist[k] = h
		}
	}
	return cd
}

// HTMLFromDir renders r as HTML with the timelines and histograms of the
// run directory dir.
func HTMLFromDir(w io.Writer, dir string, r *Result) error {
	return HTML(w, r, ReadRunData(dir, r))
}

// WriteHTMLReport writes dir/report.html from r and the run directory's
// files, atomically (temp file and rename), so a reader never sees half a page.
func WriteHTMLReport(dir string, r *Result) error {
	var b bytes.Buffer
	if err := HTMLFromDir(&b, dir, r); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, HTMLFile), b.Bytes())
}

// writeAtomic writes b to path through a synced temp file in the same
// directory and a rename.
func writeAtomic(path string, b []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(b); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// RenderDir is Render for a run directory: html also draws the directory's
// timelines and histograms, so it needs the directory, not its result.json.
func RenderDir(w io.Writer, dir string, r *Result, format string) error {
	if format != "html" {
		return Render(w, r, format)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("%s: --format html needs the run directory (its timeline.csv and *.hlog files are drawn), not a file", dir)
	}
	return HTMLFromDir(w, dir, r)
}

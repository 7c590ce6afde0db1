package rundir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
)

// ReadSide reads one side of a comparison: a run (a run directory or its
// result.json, as ReadResult), or a directory of run directories, say
// base/1 … base/6 from a CI loop that ran `squall run --out base/$i`
// alternately with the other side's runs. Those are pooled into one
// result as if one run with --repeat: every run's repetitions are the
// side's samples, in the order of the directory names, and the latency
// summaries come from all their histograms added.
func ReadSide(path string) (*Side, error) {
	one := func() (*Side, error) {
		r, err := ReadResult(path) // for a directory without runs, its error says what was expected
		if err != nil {
			return nil, err
		}
		return &Side{Result: r}, nil
	}
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() || fileExists(filepath.Join(path, ResultFile)) {
		return one()
	}
	runs, err := filepath.Glob(filepath.Join(path, "*", ResultFile))
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return one()
	}
	sort.Strings(runs)
	rs := make([]*result.Result, len(runs))
	for i, f := range runs {
		if rs[i], err = ReadResult(f); err != nil {
			return nil, err
		}
	}
	p, err := result.PoolRuns(rs)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	side := &Side{Result: p}
	for i, f := range runs {
		side.Runs = append(side.Runs, PooledRun{Name: filepath.Base(filepath.Dir(f)), StartedAt: rs[i].StartedAt, Repeated: repeated(rs[i])})
	}
	for i := range p.Cells {
		var lat [record.NumKinds]*hdrhistogram.Histogram
		for j, f := range runs {
			if err := addCellHlogs(&lat, filepath.Dir(f), rs[j], i); err != nil {
				return nil, err
			}
		}
		c := &p.Cells[i]
		c.Latency = result.Latencies{
			Publish:   record.Summarize(lat[record.Publish]),
			Service:   record.Summarize(lat[record.Service]),
			EndToEnd:  record.Summarize(lat[record.EndToEnd]),
			SendDelay: record.Summarize(lat[record.SendDelay]),
		}
	}
	return side, nil
}

// addCellHlogs adds every repetition's interval logs of cell i of run r
// (in dir) to into. A run without its logs cannot be pooled: the side's
// latency would be some runs' only.
func addCellHlogs(into *[record.NumKinds]*hdrhistogram.Histogram, dir string, r *result.Result, i int) error {
	c := &r.Cells[i]
	for rep := 1; rep <= max(c.Repeat, 1); rep++ {
		for k := range record.NumKinds {
			h, err := readCellHlog(dir, i, len(r.Cells), c.Name, rep, record.Kind(k))
			switch {
			case errors.Is(err, fs.ErrNotExist) && record.Kind(k) == record.EndToEnd && c.Workload.Consumers == 0:
				continue // a producer-only cell has no end-to-end log
			case err != nil:
				return fmt.Errorf("%s: %v (pooling runs needs every repetition's interval logs)", dir, err)
			}
			if into[k] == nil {
				into[k] = record.NewHistogram()
			}
			into[k].Merge(h)
		}
	}
	return nil
}

// readCellHlog reads one interval log of repetition rep (1-based) of a
// cell: repetition 1's files carry the cell's prefix, repetition k's
// prefix + "repK.".
func readCellHlog(dir string, i, n int, name string, rep int, k record.Kind) (*hdrhistogram.Histogram, error) {
	var first error
	for _, p := range CellPrefixes(i, n, name) {
		if rep > 1 {
			p = fmt.Sprintf("%srep%d.", p, rep)
		}
		f, err := os.Open(filepath.Join(dir, p+HlogFile(k)))
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		h, err := ReadHlog(f)
		f.Close()
		return h, err
	}
	return nil, first
}

func fileExists(f string) bool { _, err := os.Stat(f); return err == nil }

// A Side is one side of a comparison: its result, pooled when it was a
// directory of runs, and then each run in the order its samples are.
type Side struct {
	*result.Result
	Runs []PooledRun
}

// PooledRun is one run of a pooled side.
type PooledRun struct {
	Name      string // its directory's name
	StartedAt string // RFC3339, as its result.json has it
	Repeated  bool   // ran with --repeat: several samples of one run
}

// Interleaved reports whether two sides are directories of runs made
// alternately, as a CI loop running both builds turn about writes them:
// the same run names on both sides (base/1 … base/N, new/1 … new/N), one
// repetition in each run, and each pair (the runs of one name) started
// after the previous pair's runs. Their samples are then pairs, run i of
// each side made one after the other, and compare judges them pair by
// pair. Anything else (a single run, --repeat runs, sides made apart)
// is not interleaved.
func Interleaved(a, b *Side) bool {
	if len(a.Runs) < 2 || len(a.Runs) != len(b.Runs) {
		return false
	}
	type pair struct{ first, last time.Time }
	pairs := make([]pair, len(a.Runs))
	for i, ra := range a.Runs {
		rb := b.Runs[i]
		ta, errA := time.Parse(time.RFC3339, ra.StartedAt)
		tb, errB := time.Parse(time.RFC3339, rb.StartedAt)
		if ra.Name != rb.Name || errA != nil || errB != nil || ra.Repeated || rb.Repeated {
			return false
		}
		pairs[i] = pair{ta, tb}
		if tb.Before(ta) {
			pairs[i] = pair{tb, ta}
		}
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].first.Before(pairs[j].first) })
	for i := 1; i < len(pairs); i++ {
		if pairs[i].first.Before(pairs[i-1].last) {
			return false
		}
	}
	return true
}

func repeated(r *result.Result) bool {
	for _, c := range r.Cells {
		if c.Repeat > 1 {
			return true
		}
	}
	return false
}

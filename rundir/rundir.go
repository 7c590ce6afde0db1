// Package rundir owns a run directory: the name of every file in it, the
// prefix each cell of a matrix puts before its files, and the formats of
// the files written as the run goes (the per-second timeline.csv and the
// HdrHistogram interval logs), with a writer and a reader for each, so a
// finished run can be read back and rendered again without re-running it.
package rundir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
)

// File names inside a run directory. The run's result, its resolved
// scenario, summary and HTML report are one per directory; a cell's
// timeline and interval logs carry its CellFilePrefix.
const (
	ResultFile   = "result.json"
	ScenarioFile = "scenario.yaml"
	SummaryFile  = "summary.md"
	HTMLFile     = "report.html"
	TimelineFile = "timeline.csv"
	// A shard of a split run keeps its cell's send and receipt ledgers,
	// which squall merge reconciles (loadgen.ReadLedger reads them).
	SendsFile    = "sends.jsonl"
	ReceiptsFile = "receipts.jsonl"
)

// HlogFile is the name of the interval log of latency kind k.
func HlogFile(k record.Kind) string { return record.KindNames[k] + ".hlog" }

// Default is the run directory of a scenario started at started when none
// is given: runs/<date>-<time>-<slug of the name>.
func Default(started time.Time, scenario string) string {
	return filepath.Join("runs", started.Format("20060102-150405")+"-"+slug(scenario))
}

var slugRe = regexp.MustCompile(`[^A-Za-z0-9._=-]+`)

// slug makes a name safe in a file name: runs of other characters become
// one "_", none at either end; "run" when nothing is left.
func slug(name string) string {
	s := strings.Trim(slugRe.ReplaceAllString(name, "_"), "_")
	if s == "" {
		return "run"
	}
	return s
}

// CellFilePrefix is what cell i (0-based) of n puts before its file names:
// nothing for a single cell, else "NN-<slug of the name>.".
func CellFilePrefix(i, n int, name string) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf("%02d-%s.", i+1, slug(name))
}

// CellPrefixes are the prefixes a cell's files may have, the likely one
// first: a matrix that was cut short after its first cell has one cell in
// its result but prefixed files.
func CellPrefixes(i, n int, name string) []string {
	if n > 1 {
		return []string{CellFilePrefix(i, n, name)}
	}
	return []string{"", CellFilePrefix(i, 2, name)}
}

// ReadResult reads a result from a result.json path or from a run
// directory (then DIR/result.json).
func ReadResult(path string) (*result.Result, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, ResultFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file (expected a run directory or its %s)", path, ResultFile)
		}
		return nil, err
	}
	return result.Decode(path, b)
}

package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/rundir"
)

// ReadRunData loads what the HTML report draws from a run directory: each
// cell's timeline and histograms, and the resolved scenario. Missing files
// are not an error (the charts say there is no data); unreadable ones are
// listed in the cell's Problems.
func ReadRunData(dir string, r *result.Result) *RunData {
	d := &RunData{Cells: make([]CellData, len(r.Cells))}
	if b, err := os.ReadFile(filepath.Join(dir, rundir.ScenarioFile)); err == nil {
		d.Scenario = string(b)
	}
	for i := range r.Cells {
		d.Cells[i] = rundir.ReadCell(dir, rundir.CellPrefixes(i, len(r.Cells), r.Cells[i].Name))
	}
	return d
}

// HTMLFromDir renders r as HTML with the timelines and histograms of the
// run directory dir.
func HTMLFromDir(w io.Writer, dir string, r *result.Result) error {
	return HTML(w, r, ReadRunData(dir, r))
}

// WriteHTMLReport writes dir/report.html from r and the run directory's
// files, atomically (temp file and rename), so a reader never sees half a page.
func WriteHTMLReport(dir string, r *result.Result) error {
	var b bytes.Buffer
	if err := HTMLFromDir(&b, dir, r); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, rundir.HTMLFile), b.Bytes())
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
func RenderDir(w io.Writer, dir string, r *result.Result, format string) error {
	if format != "html" {
		return Render(w, r, format)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("%s: --format html needs the run directory (its timeline.csv and *.hlog files are drawn), not a file", dir)
	}
	return HTMLFromDir(w, dir, r)
}

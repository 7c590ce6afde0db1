package rundir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/squall-bench/squall/record"
)

// CellData is what a run directory holds for one cell beside result.json:
// the per-second timeline and the full latency histograms.
type CellData struct {
	Timeline []record.Second // nil: no timeline.csv
	// Hist are the measured phase's histograms by kind, merged from the
	// .hlog interval logs; nil where no log was found.
	Hist [record.NumKinds]*hdrhistogram.Histogram
	// Problems name files that were there but could not be read in full;
	// the report shows them so a chart with a gap is not taken at face value.
	Problems []string
}

// CellWriter is one cell's streaming files, written as the run goes, so an
// interrupted or crashed run still leaves a readable timeline and logs.
// ReadCell reads them back.
type CellWriter struct {
	Timeline *TimelineWriter
	Hlogs    [record.NumKinds]io.Writer // for record.Collector.LogTo
	files    []*os.File
}

// CreateCell creates the files of the cell whose names carry prefix in dir.
func CreateCell(dir, prefix string) (*CellWriter, error) {
	cw := &CellWriter{}
	create := func(name string) (*os.File, error) {
		f, err := os.Create(filepath.Join(dir, prefix+name))
		if err != nil {
			cw.Close()
			return nil, err
		}
		cw.files = append(cw.files, f)
		return f, nil
	}
	f, err := create(TimelineFile)
	if err != nil {
		return nil, err
	}
	cw.Timeline = NewTimelineWriter(f)
	for k := range record.NumKinds {
		f, err := create(HlogFile(k))
		if err != nil {
			return nil, err
		}
		cw.Hlogs[k] = f
	}
	return cw, nil
}

// Close flushes the timeline (its header, if no row came) and closes the
// files.
func (cw *CellWriter) Close() {
	if cw.Timeline != nil {
		_ = cw.Timeline.Flush()
	}
	for _, f := range cw.files {
		f.Close()
	}
}

// ReadCell reads the files of one cell, trying each of prefixes (see
// CellPrefixes). Missing files are not an error (the cell has no data);
// unreadable ones are listed in Problems.
func ReadCell(dir string, prefixes []string) CellData {
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
	for k := range record.NumKinds {
		f, name := open(HlogFile(k))
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

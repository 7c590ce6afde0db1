package rundir

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
)

// writeRun writes a one-cell run directory: result.json and, for each
// repetition, a publish and an end-to-end interval log of 100 events
// (90 at 100µs, 10 at the repetition's p99), as squall run writes them.
func writeRun(t *testing.T, dir string, started string, p99s ...int64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := result.Cell{Name: "quickstart", DurationS: 10 * float64(len(p99s)), Workload: result.WorkloadInfo{Consumers: 2},
		Throughput: result.Throughput{AckedPerS: 5000}, Events: result.Events{Acked: 50000 * int64(len(p99s)), Lost: 1}, Pass: true}
	var reps []result.Cell
	for i, p99 := range p99s {
		prefix := ""
		if i > 0 {
			prefix = "rep" + string(rune('1'+i)) + "."
		}
		h := record.NewHistogram()
		for range 90 {
			_ = h.RecordValue(100)
		}
		_ = h.RecordValues(p99, 10)
		for k := range record.NumKinds {
			f, err := os.Create(filepath.Join(dir, prefix+HlogFile(record.Kind(k))))
			if err != nil {
				t.Fatal(err)
			}
			w, err := record.NewHlogWriter(f, time.Unix(1_700_000_000, 0), "test")
			if err == nil {
				err = w.Interval(0, time.Second, h)
			}
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		rc := c
		rc.Latency = result.Latencies{Publish: record.Summarize(h), EndToEnd: record.Summarize(h), Service: record.Summarize(h), SendDelay: record.Summarize(h)}
		reps = append(reps, rc)
	}
	if len(p99s) == 1 {
		c = reps[0]
	} else {
		result.SampleCell(&c, reps)
	}
	b, err := result.Marshal(&result.Result{Schema: result.Schema, Scenario: "quickstart", StartedAt: started, Pass: true, Cells: []result.Cell{c}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ResultFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReadSidePools: a directory of runs is one side, every run's
// repetitions its samples in directory order, counts added, and the
// latency summaries from every repetition's histogram.
func TestReadSidePools(t *testing.T) {
	side := t.TempDir()
	writeRun(t, filepath.Join(side, "1"), "2025-11-24T16:00:00Z", 1000)
	writeRun(t, filepath.Join(side, "2"), "2025-11-24T16:01:00Z", 1500, 2000)
	writeRun(t, filepath.Join(side, "3"), "2025-11-24T16:02:00Z", 1800)
	r, err := ReadSide(side)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Cells[0]
	if got := c.Samples["publish_p99"]; !slices.Equal(got, []float64{1000, 1500, 2000, 1800}) {
		t.Errorf("samples %v, want 1000 1500 2000 1800 in directory order", got)
	}
	if c.Repeat != 4 || c.Events.Lost != 3 || c.DurationS != 40 {
		t.Errorf("repeat %d lost %d duration %g, want 4, 3 (a count per run added), 40", c.Repeat, c.Events.Lost, c.DurationS)
	}
	if c.Latency.Publish.Count != 400 || c.Latency.EndToEnd.Count != 400 || c.Latency.Publish.Max != 2000 {
		t.Errorf("pooled histograms: publish %+v end-to-end %+v", c.Latency.Publish, c.Latency.EndToEnd)
	}
	one, err := ReadSide(filepath.Join(side, "2"))
	if err != nil || len(one.Cells) != 1 || one.Cells[0].Repeat != 2 || !slices.Equal(one.Cells[0].Samples["publish_p99"], []float64{1500, 2000}) {
		t.Errorf("a run directory is read as it is: %+v %v", one, err)
	}
}

func TestReadSideRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, dir string)
		want string
	}{
		{"no runs", func(t *testing.T, dir string) {}, "no such file"},
		{"runs of different scenarios", func(t *testing.T, dir string) {
			writeRun(t, filepath.Join(dir, "a"), "x", 2000)
			writeRun(t, filepath.Join(dir, "b"), "y", 2000)
			b, _ := os.ReadFile(filepath.Join(dir, "b", ResultFile))
			_ = os.WriteFile(filepath.Join(dir, "b", ResultFile), []byte(strings.Replace(string(b), `"scenario": "quickstart"`, `"scenario": "other"`, 1)), 0o644)
		}, "different scenarios"},
		{"a run without its interval logs", func(t *testing.T, dir string) {
			writeRun(t, filepath.Join(dir, "a"), "x", 2000)
			writeRun(t, filepath.Join(dir, "b"), "y", 2000, 3000)
			_ = os.Remove(filepath.Join(dir, "b", "rep2."+HlogFile(record.Publish)))
		}, "interval logs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.make(t, dir)
			if _, err := ReadSide(dir); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

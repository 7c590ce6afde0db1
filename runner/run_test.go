package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/rundir"
	"github.com/squall-bench/squall/scenarios"
)

// A 3-cell matrix makes one run directory: one result with every cell, each
// cell's timeline and interval logs, and one report.html comparing them.
func TestMatrixRunOneReport(t *testing.T) {
	testenv.RequireRedis(t)
	sc, cells, err := scenarios.Parse("matrix.yaml", []byte(`
warmup: 200ms
duration: 2s
drain: 2s
target: {provider: process}
workload: {pattern: list, producers: 1, consumers: 1, rate: 500, payload: 64}
matrix:
  workload.payload: [64, 512, 4096]
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	procs := runtime.GOMAXPROCS(0)
	res, _, err := Run(context.Background(), sc, cells, Options{Out: dir, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if now := runtime.GOMAXPROCS(0); now != procs {
		t.Errorf("GOMAXPROCS %d after the run, %d before: the cell's generator cores were not given back", now, procs)
	}
	wantCPUs, _ := generatorCPUs(cells[0].Scenario, "process", 0)
	if len(res.Cells) != 3 {
		t.Fatalf("%d cells, want 3", len(res.Cells))
	}
	for i, c := range res.Cells {
		if c.Events.Sent == 0 || c.Events.Lost != 0 || c.Events.Received != c.Events.Acked {
			t.Errorf("cell %s: %+v", c.Name, c.Events)
		}
		if c.Client.CPUs != wantCPUs || c.Client.CPUsNote == "" {
			t.Errorf("cell %s: generator cores %d (%q), want %d with a note", c.Name, c.Client.CPUs, c.Client.CPUsNote, wantCPUs)
		}
		for _, f := range []string{"timeline.csv", "publish.hlog", "end_to_end.hlog", "send_delay.hlog", "service.hlog"} {
			name := rundir.CellFilePrefix(i, len(cells), c.Name) + f
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("missing %s", name)
			}
		}
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cells {
		if !strings.Contains(string(html), c.Name) {
			t.Errorf("report.html does not mention cell %s", c.Name)
		}
	}
	if !strings.Contains(string(html), `<section class="matrix">`) {
		t.Error("report.html has no comparison across cells")
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.md")); err != nil {
		t.Error("no summary.md")
	}
}

// A consumer that cannot keep up leaves acknowledged events in Redis when
// the drain ends: they are stranded (consumer lag), not lost, counted
// exactly, and the note says so.
func TestQueuedAtEndTellsLagFromLoss(t *testing.T) {
	testenv.RequireRedis(t)
	sc, cells, err := scenarios.Parse("lag.yaml", []byte(`
warmup: 200ms
duration: 1s
drain: 200ms
target: {provider: process}
workload: {pattern: list, producers: 4, consumers: 1, rate: max, pipeline: 16, payload: 64, keys: 2, options: {batch: 1}}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := Run(context.Background(), sc, cells, Options{Out: t.TempDir(), Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	ev := c.Events
	if ev.Stranded == 0 || c.QueuedAtEnd == nil {
		t.Fatalf("events %+v, queued_at_end %v: want a consumer that fell behind, and what Redis still held", ev, c.QueuedAtEnd)
	}
	if ev.Lost != 0 || ev.Stranded+ev.Received != ev.Acked {
		t.Errorf("events %+v: with no fault every missing event is still in Redis: stranded, none lost", ev)
	}
	if *c.QueuedAtEnd < ev.Stranded {
		t.Errorf("queued_at_end %d < stranded %d: the keys held at least the stranded events (and warmup ones)", *c.QueuedAtEnd, ev.Stranded)
	}
	want := fmt.Sprintf("no acknowledged event was lost (never received, no longer in Redis); %s were still in the pipeline's keys when the run ended (stranded: consumer lag, not loss)", units.FormatCount(ev.Stranded))
	if note := strings.Join(c.Notes, "\n"); !strings.Contains(note, want) {
		t.Errorf("notes do not tell lag from loss:\n%s\nwant %q", note, want)
	}
}

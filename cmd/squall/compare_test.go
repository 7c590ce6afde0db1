package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/report"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/rundir"
)

// compareResult is a finished single-cell stream run, built in Go so the
// test needs no Redis.
func compareResult() *result.Result {
	return &result.Result{
		Schema: result.Schema, Version: "test", Scenario: "quickstart", StartedAt: "2025-11-24T16:00:00Z", Pass: true,
		Cells: []result.Cell{{
			Name:       "quickstart",
			Target:     result.TargetInfo{Provider: "process", Topology: "standalone", Persistence: "none"},
			Workload:   result.WorkloadInfo{Pattern: "stream", Producers: 2, Consumers: 2, Rate: 5000},
			DurationS:  15,
			Throughput: result.Throughput{SentPerS: 5000, AckedPerS: 5000, ReceivedPerS: 5000},
			Latency: result.Latencies{
				Publish:  result.Summary{Count: 75000, P50: 190, P99: 820, P999: 1900, Max: 4200},
				EndToEnd: result.Summary{Count: 75000, P50: 340, P99: 1240, P999: 3100, Max: 9000},
				Service:  result.Summary{Count: 75000, P50: 170, P99: 610, P999: 1500, Max: 4100},
			},
			Events: result.Events{Sent: 75000, Acked: 75000, Received: 75000},
			Pass:   true,
		}},
	}
}

// writeRuns writes a baseline run directory and a new result.json whose
// throughput is the baseline's times factor; it returns their paths.
func writeRuns(t *testing.T, factor float64, edit func(*result.Result)) (string, string) {
	t.Helper()
	dir := t.TempDir()
	baseDir := filepath.Join(dir, "baseline")
	if err := os.Mkdir(baseDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteJSON(filepath.Join(baseDir, rundir.ResultFile), compareResult()); err != nil {
		t.Fatal(err)
	}
	cur := compareResult()
	cur.StartedAt = "2025-11-25T09:00:00Z"
	cur.Cells[0].Throughput.AckedPerS *= factor
	if edit != nil {
		edit(cur)
	}
	newFile := filepath.Join(dir, "new.json")
	if err := report.WriteJSON(newFile, cur); err != nil {
		t.Fatal(err)
	}
	return baseDir, newFile
}

func TestCompareThroughputDropExits1(t *testing.T) {
	base, cur := writeRuns(t, 0.80, nil)
	code, out, stderr := squall(context.Background(), "compare", base, cur)
	if code != exitFailed {
		t.Fatalf("20%% drop: exit %d, want 1\n%s%s", code, out, stderr)
	}
	for _, want := range []string{"REGRESSED: 1 of 9 gated metrics beyond tolerance", "throughput fell 20.0%: 5,000/s → 4,000/s"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestCompareWithinToleranceExits0(t *testing.T) {
	base, cur := writeRuns(t, 0.98, nil)
	code, out, stderr := squall(context.Background(), "compare", base, cur, "--tolerance", "throughput=5%")
	if code != exitOK || !strings.Contains(out, "OK: all 9 gated metrics within tolerance") {
		t.Fatalf("2%% drop under throughput=5%%: exit %d\n%s%s", code, out, stderr)
	}
	// The same drop fails a tighter gate, and the flag repeats.
	code, _, _ = squall(context.Background(), "compare", base, cur, "--tolerance", "p99=10%", "--tolerance", "throughput=1%")
	if code != exitFailed {
		t.Errorf("2%% drop under throughput=1%%: exit %d, want 1", code)
	}
}

func TestCompareJUnitParses(t *testing.T) {
	base, cur := writeRuns(t, 0.80, nil)
	code, out, stderr := squall(context.Background(), "compare", "--format", "junit", base, cur)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "REGRESSED") {
		t.Errorf("the CI log should get the verdict on stderr, got %q", stderr)
	}
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Suites  []struct {
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Classname string `xml:"classname,attr"`
				Name      string `xml:"name,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("junit output does not parse: %v\n%s", err, out)
	}
	if len(doc.Suites) != 1 || doc.Suites[0].Failures != 1 {
		t.Fatalf("want one suite with one failure, got %+v", doc)
	}
	for _, tc := range doc.Suites[0].Cases {
		if tc.Classname != "quickstart" {
			t.Errorf("classname %q, want the cell's name", tc.Classname)
		}
		if (tc.Failure != nil) != (tc.Name == "throughput") {
			t.Errorf("testcase %s: failure %v", tc.Name, tc.Failure)
		}
	}
}

func TestCompareMarkdownAndIncompleteRun(t *testing.T) {
	base, cur := writeRuns(t, 1, func(r *result.Result) {
		r.Interrupted, r.Error = true, "interrupted: stopped after 4.0s of the measured phase; partial results kept"
		r.Cells[0].Error = r.Error
	})
	code, out, _ := squall(context.Background(), "compare", base, cur, "--format", "md")
	if code != exitFailed || !strings.HasPrefix(out, "### ❌ REGRESSED: the new run did not complete") {
		t.Errorf("interrupted new run: exit %d\n%s", code, out)
	}
}

func TestCompareUsageErrorsExit2(t *testing.T) {
	base, cur := writeRuns(t, 1, nil)
	other, _ := writeRuns(t, 1, nil)
	renamed := filepath.Join(t.TempDir(), "renamed.json")
	r := compareResult()
	r.Cells = append(r.Cells, r.Cells[0])
	r.Cells[0].Name, r.Cells[1].Name = "a", "b"
	if err := report.WriteJSON(renamed, r); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"compare", base}, "compare takes BASELINE and NEW"},
		{[]string{"compare", base, cur, "--tolerance", "p99=ten%"}, `--tolerance: "p99=ten%": expected a percentage like 10%`},
		{[]string{"compare", base, cur, "--tolerance", "p98=1%"}, `unknown metric "p98"`},
		{[]string{"compare", base, cur, "--format", "html"}, `--format: expected text, md, junit, got "html"`},
		{[]string{"compare", base, filepath.Join(base, "nope")}, "new: "},
		{[]string{"compare", filepath.Join(t.TempDir(), "missing"), cur}, "baseline: "},
		{[]string{"compare", other, renamed}, "nothing to compare"},
	} {
		code, _, stderr := squall(context.Background(), tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("squall %v = %d, stderr %q; want 2 containing %q", tc.args, code, stderr, tc.want)
		}
	}
}

// A new run within tolerance that failed its own objectives, whose
// generator fell behind, of another scenario, still passes the gate, and
// the output says all three.
func TestCompareSaysWhatTheNewRunSaid(t *testing.T) {
	base, cur := writeRuns(t, 1, func(r *result.Result) {
		r.Scenario, r.Pass = "zset", false
		c := &r.Cells[0]
		c.Pass, c.Events.Dropped = false, 120
		c.SLO = []result.SLOResult{{Name: "e2e_p99", Limit: "1ms", Observed: "1.24ms", Pass: false}}
	})
	code, out, _ := squall(context.Background(), "compare", base, cur)
	for _, want := range []string{"different scenarios, quickstart and zset", "the new run failed its own objectives: e2e_p99 1.24ms (limit 1ms)", "generator fell behind: 120 events due were never sent"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("compare output lacks %q:\n%s", want, out)
		}
	}
	if code != exitOK {
		t.Errorf("exit %d, want 0: no gated metric regressed", code)
	}
}

// TestCompareDirectoriesOfRuns: each side a directory of runs (as a CI
// loop alternating two builds writes them) is pooled, each run one
// sample: a clear throughput drop over six runs a side regresses with a
// p-value, the same runs against themselves do not.
func TestCompareDirectoriesOfRuns(t *testing.T) {
	dir := t.TempDir()
	side := func(name string, factor float64) string {
		for i := range 6 {
			r := compareResult()
			r.Cells[0].Throughput.AckedPerS = factor * (4990 + float64(i))
			writeRunDir(t, filepath.Join(dir, name, fmt.Sprint(i+1)), r)
		}
		return filepath.Join(dir, name)
	}
	base, cur := side("base", 1), side("new", 0.9)
	code, out, stderr := squall(context.Background(), "compare", base, cur)
	if code != exitFailed || !strings.Contains(out, "p=0.002 n=6") || !strings.Contains(out, "throughput fell") {
		t.Errorf("10%% drop over 6 runs a side: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = squall(context.Background(), "compare", base, base)
	if code != exitOK || strings.Contains(out, "no statistical footing") {
		t.Errorf("a side against itself: exit %d\n%s%s", code, out, stderr)
	}
}

// writeRunDir writes r as a run directory, with interval logs (a side
// pooled from runs adds their histograms).
func writeRunDir(t *testing.T, run string, r *result.Result) {
	t.Helper()
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteJSON(filepath.Join(run, rundir.ResultFile), r); err != nil {
		t.Fatal(err)
	}
	for k := range record.NumKinds {
		h := record.NewHistogram()
		_ = h.RecordValues(200, 99)
		_ = h.RecordValue(800)
		f, err := os.Create(filepath.Join(run, rundir.HlogFile(record.Kind(k))))
		if err != nil {
			t.Fatal(err)
		}
		w, err := record.NewHlogWriter(f, time.Unix(1_700_000_000, 0), "test")
		if err == nil {
			err = w.Interval(0, time.Second, h)
		}
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestCompareInterleavedRunsPairUp: twelve runs a side made turn about
// (base/i, then new/i) are judged pair by pair. Their service p99 drifts
// from 200µs to 420µs over the job and the new build is 25% slower in
// every pair: paired, compare sees it (Wilcoxon signed-rank, "pairs");
// the same runs with the new side made after the whole baseline are not
// pairs, and the U test over the drift-wide samples cannot tell.
func TestCompareInterleavedRunsPairUp(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	write := func(dir, name string, i int, at time.Time, slower float64) {
		r := compareResult()
		r.StartedAt = at.Format(time.RFC3339)
		level := 200 * math.Pow(1.07, float64(i)) * (1 + 0.03*float64(i%3))
		r.Cells[0].Latency.Service.P99 = int64(level * slower)
		writeRunDir(t, filepath.Join(dir, name, fmt.Sprint(i+1)), r)
	}
	for _, tc := range []struct {
		name   string
		newAt  func(i int) time.Time
		code   int
		paired bool
	}{
		{"interleaved", func(i int) time.Time { return t0.Add(time.Duration(20*i+10) * time.Second) }, exitFailed, true},
		{"new side made after the baseline", func(i int) time.Time { return t0.Add(time.Duration(1000+20*i) * time.Second) }, exitOK, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for i := range 12 {
				write(dir, "base", i, t0.Add(time.Duration(20*i)*time.Second), 1)
				write(dir, "new", i, tc.newAt(i), 1.25)
			}
			code, out, stderr := squall(context.Background(), "compare", filepath.Join(dir, "base"), filepath.Join(dir, "new"))
			paired := strings.Contains(out, "n=12 pairs") && strings.Contains(strings.Join(strings.Fields(out), " "), "Wilcoxon signed-rank test over the 12 pairs")
			if code != tc.code || paired != tc.paired || (tc.paired && !strings.Contains(out, "service_p99 rose")) {
				t.Errorf("exit %d (want %d), paired %v (want %v)\n%s%s", code, tc.code, paired, tc.paired, out, stderr)
			}
		})
	}
}

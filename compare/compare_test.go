package compare

import (
	"bytes"
	"encoding/xml"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/result/resulttest"
)

// compareFailover is a failover run against its baseline with a bit of
// everything: within tolerance, better, regressed, never recovered.
func compareFailover(t *testing.T) *Comparison {
	t.Helper()
	base, cur := resulttest.FailoverResult(), resulttest.FailoverResult()
	cur.StartedAt = "2025-11-25T09:12:00Z"
	c := &cur.Cells[0]
	c.Throughput.AckedPerS = 19500      // -1.8%: ok under 5%
	c.Latency.Publish.P50 = 440         // +6.8%: ok
	c.Latency.EndToEnd.P50 = 790        // +135µs, +20.6%: regressed
	c.Latency.Publish.P99 = 5_400_000   // -13%: better
	c.Latency.EndToEnd.P999 = 9_000_000 // +10.8%: under p999=25%
	c.Events.Lost = 1190                // +5.3%: ok under lost=10%
	c.Events.Duplicated = 20            // better
	c.Faults[0].UnavailableS = 7.9      // +1.69s, +27%: regressed
	c.Faults[0].RecoveredS = -1         // never: regressed
	c.Events.Indeterminate += 500       // not gated by default
	tol, err := ParseTolerances("lost=10%,p999=25%")
	if err != nil {
		t.Fatal(err)
	}
	cmp := Compare(base, cur, tol)
	cmp.Baseline.Label, cmp.New.Label = "runs/main/result.json", "runs/branch"
	return cmp
}

// compareMatrix is a matrix whose cells changed: one removed, one added,
// the others within tolerance or better.
func compareMatrix() *Comparison {
	base, cur := resulttest.MatrixResult(), resulttest.MatrixResult()
	cur.StartedAt = "2025-11-25T09:30:00Z"
	cur.Cells[0].Throughput.AckedPerS *= 1.12
	cur.Cells[1].Latency.Publish.P99 = 1950
	cur.Cells[2].Name = "persistence=aof-no"
	cur.Cells[1].Target.RedisVersion = "7.4.1"
	cmp := Compare(base, cur, DefaultTolerances())
	cmp.Baseline.Label, cmp.New.Label = "baseline", "new"
	return cmp
}

// compareInterrupted is a new run that was interrupted mid-cell.
func compareInterrupted() *Comparison {
	base, cur := resulttest.PassResult(), resulttest.PassResult()
	cur.Interrupted = true
	cur.Error = "interrupted: stopped after 9.4s of the measured phase; partial results kept"
	cur.Cells[0].Error = cur.Error
	cur.Cells[0].Throughput.AckedPerS = 4990
	cmp := Compare(base, cur, DefaultTolerances())
	cmp.Baseline.Label, cmp.New.Label = "baseline", "new"
	return cmp
}

// compareCapacitySearch is a capacity search that now stops one step
// lower: 32,000/s misses e2e_p99 and 64,000/s is never tried.
func compareCapacitySearch() *Comparison {
	cmp := Compare(resulttest.CapacityResult(), capacityDropped(), DefaultTolerances())
	cmp.Baseline.Label, cmp.New.Label = "baseline", "new"
	return cmp
}

// capacityDropped is capacityResult one step lower.
func capacityDropped() *result.Result {
	cur := resulttest.CapacityResult()
	cur.StartedAt = "2025-11-25T10:00:00Z"
	cur.Cells = cur.Cells[:5]
	c := &cur.Cells[4]
	c.Latency.EndToEnd.P99 = 12_500
	c.SLO = result.CheckSLO(c, []result.Objective{{Name: "e2e_p99", Limit: "10ms", Value: 10_000}})
	c.Pass = resulttest.AllPass(c.SLO)
	cur.Capacity.Points = cur.Capacity.Points[:5]
	cur.Capacity.Points[4].P99us, cur.Capacity.Points[4].Pass = 12_500, false
	cur.Capacity.MaxRate, cur.Capacity.KneeRate = 16000, 8000
	cur.Pass = result.CapacityPass(cur)
	return cur
}

func TestCompareCapacitySearch(t *testing.T) {
	c := compareCapacitySearch()
	if !c.Regressed() {
		t.Fatal("a search that stops a step lower should regress")
	}
	first := c.Cells[0]
	if first.Name != CapacityCell || len(first.Metrics) != 2 {
		t.Fatalf("first cell %q with %d metrics, want %q with max_rate and knee_rate", first.Name, len(first.Metrics), CapacityCell)
	}
	if m := first.Metrics[0]; m.Name != "max_rate" || !m.Regressed() {
		t.Errorf("max_rate: %+v, want regressed", m)
	}
	if m := first.Metrics[1]; m.Name != "knee_rate" || m.Verdict != VerdictUngated {
		t.Errorf("knee_rate: %+v, want shown, not gated", m)
	}
	same := Compare(resulttest.CapacityResult(), resulttest.CapacityResult(), DefaultTolerances())
	if same.Regressed() {
		t.Error("a search compared with itself regressed")
	}
	tol, err := ParseTolerances("max_rate=off")
	if err != nil {
		t.Fatal(err)
	}
	if m := Compare(resulttest.CapacityResult(), capacityDropped(), tol).Cells[0].Metrics[0]; m.Regressed() {
		t.Errorf("max_rate=off still gates: %+v", m)
	}
}

func renderCmp(t *testing.T, c *Comparison, format string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := RenderComparison(&b, c, format); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCompareGolden(t *testing.T) {
	failover := compareFailover(t)
	for _, tc := range []struct {
		name, format string
		c            *Comparison
	}{
		{"compare-text-failover.golden", "text", failover},
		{"compare-text-matrix.golden", "text", compareMatrix()},
		{"compare-text-interrupted.golden", "text", compareInterrupted()},
		{"compare-md-failover.golden", "md", failover},
		{"compare-md-matrix.golden", "md", compareMatrix()},
		{"compare-junit-failover.golden", "junit", failover},
		{"compare-junit-interrupted.golden", "junit", compareInterrupted()},
		{"compare-text-capacity.golden", "text", compareCapacitySearch()},
		{"compare-md-capacity.golden", "md", compareCapacitySearch()},
	} {
		t.Run(tc.name, func(t *testing.T) { resulttest.Golden(t, tc.name, renderCmp(t, tc.c, tc.format)) })
	}
}

func TestCompareVerdicts(t *testing.T) {
	c := compareFailover(t)
	if !c.Regressed() {
		t.Fatal("failover comparison should regress")
	}
	want := map[string]MetricVerdict{
		"throughput": VerdictOK, "publish_p50": VerdictOK, "e2e_p50": VerdictRegressed,
		"publish_p99": VerdictBetter, "e2e_p999": VerdictOK, "lost": VerdictOK, "duplicated": VerdictBetter,
		"unavailable": VerdictRegressed, "recovered": VerdictRegressed, "unacked": VerdictUngated,
	}
	for _, m := range c.Cells[0].Metrics {
		if w, ok := want[m.Name]; ok && m.Verdict != w {
			t.Errorf("%s: verdict %q, want %q (%s)", m.Name, m.Verdict, w, m.Describe())
		}
		delete(want, m.Name)
	}
	for n := range want {
		t.Errorf("metric %s missing", n)
	}
	if got := c.Headline(); got != "REGRESSED: 3 of 14 gated metrics beyond tolerance" {
		t.Errorf("headline %q", got)
	}

	m := compareMatrix()
	if m.Regressed() {
		t.Errorf("matrix comparison regressed: %v", m.Regressions())
	}
	if got := m.Cells[1].Setup; len(got) != 1 || got[0] != "redis 7.2.4 → 7.4.1" {
		t.Errorf("setup changes %q", got)
	}
	if m.Matched() != 2 || m.Cells[2].Status != CellRemoved || m.Cells[3].Status != CellAdded {
		t.Errorf("matrix cells: matched %d, %+v", m.Matched(), m.Cells)
	}

	i := compareInterrupted()
	if !i.Regressed() || i.Headline() != "REGRESSED: the new run did not complete" {
		t.Errorf("interrupted: regressed %v, headline %q", i.Regressed(), i.Headline())
	}
}

// TestJudge pins the edge cases of one metric's verdict.
func TestJudge(t *testing.T) {
	lat, _ := result.MetricByName("publish_p99")
	tp, _ := result.MetricByName("throughput")
	lost, _ := result.MetricByName("lost")
	rec, _ := result.MetricByName("recovered")
	pct := func(p float64) Tolerance { return Tolerance{Relative: true, Value: p / 100} }
	abs := func(v float64) Tolerance { return Tolerance{Value: v} }
	inf := math.Inf(1)
	for _, tc := range []struct {
		name      string
		m         result.Metric
		base, cur float64
		tol       Tolerance
		want      MetricVerdict
	}{
		{"latency +20% under the 50µs floor", lat, 100, 120, pct(10), VerdictOK},
		{"latency +60µs over the floor", lat, 100, 160, pct(10), VerdictRegressed},
		{"latency exactly at +10%", lat, 2000, 2200, pct(10), VerdictOK},
		{"latency just past +10%", lat, 2000, 2201, pct(10), VerdictRegressed},
		{"latency -40µs is not better (floor)", lat, 100, 60, pct(10), VerdictOK},
		{"latency absolute beats the floor", lat, 100, 130, abs(20), VerdictRegressed},
		{"throughput -5% ok", tp, 1000, 950, pct(5), VerdictOK},
		{"throughput -5.1% regressed", tp, 1000, 949, pct(5), VerdictRegressed},
		{"throughput +20% better", tp, 1000, 1200, pct(5), VerdictBetter},
		{"throughput absolute", tp, 1000, 899, abs(100), VerdictRegressed},
		{"lost=0 from zero", lost, 0, 1, abs(0), VerdictRegressed},
		{"lost=0 equal", lost, 7, 7, abs(0), VerdictOK},
		{"lost=0 fewer", lost, 7, 3, abs(0), VerdictBetter},
		{"lost=10% of zero is zero", lost, 0, 1, pct(10), VerdictRegressed},
		{"lost=10% rounds the limit down", lost, 15, 17, pct(10), VerdictRegressed},
		{"lost=5 absolute", lost, 2, 7, abs(5), VerdictOK},
		{"off never regresses", lost, 0, 1e6, Tolerance{Off: true}, VerdictUngated},
		{"recovered never in new", rec, 5, inf, pct(20), VerdictRegressed},
		{"recovered never in both", rec, inf, inf, pct(20), VerdictOK},
		{"recovered at last", rec, inf, 9, pct(20), VerdictBetter},
		{"recovered +0.9s under the 1s floor", rec, 2, 2.9, pct(20), VerdictOK},
	} {
		d := judge(tc.m, tc.base, tc.cur, true, true, tc.tol)
		if d.Verdict != tc.want {
			t.Errorf("%s: %q (limit %s), want %q", tc.name, d.Verdict, d.LimitText(), tc.want)
		}
	}
	if d := judge(lat, 500, 0, true, false, pct(10)); d.Verdict != VerdictRegressed || !strings.Contains(d.Describe(), "no figure in the new run") {
		t.Errorf("missing in new: %q %q", d.Verdict, d.Describe())
	}
	if d := judge(lat, 0, 500, false, true, pct(10)); d.Verdict != VerdictUngated {
		t.Errorf("missing in baseline: %q", d.Verdict)
	}
}

func TestParseTolerances(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want map[string]Tolerance
	}{
		{"", map[string]Tolerance{
			"throughput": {Relative: true, Value: 0.05}, "publish_p99": {Relative: true, Value: 0.10},
			"e2e_p50": {Relative: true, Value: 0.10}, "lost": {}, "duplicated": {},
			"publish_p999": {Off: true}, "unacked": {Off: true}, "recovered": {Relative: true, Value: 0.20},
		}},
		{"p99=15%", map[string]Tolerance{"publish_p99": {Relative: true, Value: 0.15}, "e2e_p99": {Relative: true, Value: 0.15},
			"throughput": {Relative: true, Value: 0.05}}},
		{"e2e_p99=20%,p99=5%", map[string]Tolerance{"e2e_p99": {Relative: true, Value: 0.20}, "publish_p99": {Relative: true, Value: 0.05}}},
		{"latency=1ms, p50=500us", map[string]Tolerance{"e2e_p999": {Value: 1000}, "publish_p50": {Value: 500}}},
		{"P99.9=2ms,lost=10,throughput=250/s", map[string]Tolerance{"publish_p999": {Value: 2000}, "lost": {Value: 10}, "throughput": {Value: 250}}},
		{"unavailable=2s,recovered=off,unacked=0,", map[string]Tolerance{"unavailable": {Value: 2}, "recovered": {Off: true}, "unacked": {}}},
		{"p99=0,lost=0.5%", map[string]Tolerance{"e2e_p99": {}, "lost": {Relative: true, Value: 0.005}}},
	} {
		got, err := ParseTolerances(tc.spec)
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		for name, w := range tc.want {
			if g := got.For(name); g != w {
				t.Errorf("%q: %s = %+v, want %+v", tc.spec, name, g, w)
			}
		}
	}
}

func TestParseTolerancesErrors(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"p99=ten%", `"p99=ten%": expected a percentage like 10%, a duration like 2ms, or off`},
		{"p99=10", `"p99=10": expected a percentage like 10%, a duration like 2ms, or off`},
		{"lost=1.5", `"lost=1.5": expected a percentage like 10%, a count like 0, or off`},
		{"throughput=fast", `"throughput=fast": expected a percentage like 10%, events/s like 500, or off`},
		{"unavailable=soon", `"unavailable=soon": expected a percentage like 10%, a duration like 2s, or off`},
		{"p99", `"p99": expected METRIC=LIMIT, e.g. p99=10%`},
		{"=10%", `"=10%": expected METRIC=LIMIT`},
		{"p98=10%", `"p98=10%": unknown metric "p98" (known: throughput, publish_p50,`},
		{"p99=-5%", `"p99=-5%": a tolerance cannot be negative, got -5%`},
		{"lost=-1", `"lost=-1": a tolerance cannot be negative`},
		{"p99=NaN%", `"p99=NaN%": expected a percentage`},
		{"p99=", `"p99=": expected a percentage`},
	} {
		_, err := ParseTolerances(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.spec, err, tc.want)
		}
	}
}

func TestCompareJUnitParses(t *testing.T) {
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Classname string `xml:"classname,attr"`
				Name      string `xml:"name,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(renderCmp(t, compareFailover(t), "junit"), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Suites) != 1 || doc.Failures != 3 || doc.Tests != len(doc.Suites[0].Cases) {
		t.Fatalf("suites %d, tests %d, failures %d", len(doc.Suites), doc.Tests, doc.Failures)
	}
	var failed []string
	for _, tc := range doc.Suites[0].Cases {
		if tc.Classname != "stream-failover" {
			t.Errorf("classname %q", tc.Classname)
		}
		if tc.Failure != nil {
			failed = append(failed, tc.Name+": "+tc.Failure.Message)
		}
	}
	if len(failed) != 3 || !strings.HasPrefix(failed[0], "e2e_p50: e2e_p50 rose 20.6%: 655µs → 790µs (limit ≤ 721µs") {
		t.Errorf("failures: %q", failed)
	}
}

func TestCompareSingleCellsPairAcrossNames(t *testing.T) {
	base, cur := resulttest.PassResult(), resulttest.PassResult()
	cur.Cells[0].Name = "quickstart-v2"
	c := Compare(base, cur, DefaultTolerances())
	if c.Matched() != 1 || c.Cells[0].BaseName != "quickstart" || c.Regressed() {
		t.Errorf("single cells: %+v", c.Cells)
	}
	if out := string(renderCmp(t, c, "text")); !strings.Contains(out, "compared with the baseline's only cell, quickstart") {
		t.Errorf("no note on the renamed cell:\n%s", out)
	}
}

func TestCompareTextFitsEightyColumns(t *testing.T) {
	for _, c := range []*Comparison{compareFailover(t), compareMatrix(), compareInterrupted(), compareSampled(), compareTooFew()} {
		for i, line := range strings.Split(string(renderCmp(t, c, "text")), "\n") {
			if n := utf8.RuneCountInString(line); n > 80 {
				t.Errorf("line %d is %d columns: %q", i+1, n, line)
			}
		}
	}
}

func TestRenderComparisonUnknownFormat(t *testing.T) {
	err := RenderComparison(&bytes.Buffer{}, compareMatrix(), "html")
	if err == nil || !strings.Contains(err.Error(), "text, md, junit") {
		t.Errorf("got %v", err)
	}
}

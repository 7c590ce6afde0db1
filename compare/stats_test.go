package compare

import (
	"math"
	"strings"
	"testing"

	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/result/resulttest"
)

// sampledRun is PassResult repeated: a cell with per-repetition samples
// of every compared metric, scaled by f (metric name → factor).
func sampledRun(p99 []float64, tput []float64) *result.Result {
	r := resulttest.PassResult()
	c := &r.Cells[0]
	c.Repeat = len(p99)
	c.Samples = map[string][]float64{
		"throughput":   tput,
		"publish_p50":  {187, 190, 185, 188, 186, 189},
		"publish_p99":  p99,
		"e2e_p50":      {341, 338, 345, 340, 342, 339},
		"e2e_p99":      {1243, 1250, 1238, 1246, 1241, 1249},
		"publish_p999": {1905, 2400, 1750, 3100, 2050, 1980},
		"e2e_p999":     {3118, 2900, 3500, 3300, 2980, 3050},
		"service_p50":  {176, 178, 175, 177, 176, 179},
		"service_p99":  {760, 752, 771, 748, 765, 757},
		"service_p999": {1702, 1650, 1810, 1690, 1745, 1720},
	}
	return r
}

func scaled(xs []float64, f float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * f
	}
	return out
}

var (
	// Six repetitions of the quickstart's publish p99 and throughput, in
	// the shape this machine gives: p99 spread ±10%, throughput ±0.1%.
	baseP99  = []float64{2480, 2710, 2390, 2620, 2555, 2450}
	baseTput = []float64{4991.4, 4993.0, 4989.9, 4991.4, 4990.2, 4992.1}
	tightP99 = []float64{2480, 2490, 2475, 2502, 2485, 2495}
)

// TestJudgeSamples is the gate's truth table: sample sets with known
// outcomes.
func TestJudgeSamples(t *testing.T) {
	p99, _ := result.MetricByName("publish_p99")
	tp, _ := result.MetricByName("throughput")
	pct := func(p float64) Tolerance { return Tolerance{Relative: true, Value: p / 100} }
	for _, tc := range []struct {
		name        string
		m           result.Metric
		base, cur   []float64
		tol         Tolerance
		want        MetricVerdict
		significant bool
		tooFew      bool
	}{
		{"no change: same spread, shuffled", p99, baseP99, []float64{2600, 2430, 2700, 2470, 2540, 2405}, pct(10), VerdictNoChange, false, false},
		{"a +12% median that the test cannot tell from noise", p99, []float64{1000, 3000, 1200, 2800, 1100, 2900}, []float64{1400, 3100, 1500, 3050, 1300, 2950}, pct(10), VerdictNoChange, false, false},
		{"+5% within a ±10% spread: not significant", p99, baseP99, scaled(baseP99, 1.05), pct(10), VerdictNoChange, false, false},
		{"significant, within tolerance (+5%)", p99, tightP99, scaled(tightP99, 1.05), pct(10), VerdictOK, true, false},
		{"significant, beyond tolerance (+25%)", p99, baseP99, scaled(baseP99, 1.25), pct(10), VerdictRegressed, true, false},
		{"significant, better beyond tolerance (-25%)", p99, baseP99, scaled(baseP99, 0.75), pct(10), VerdictBetter, true, false},
		{"throughput -10%, significant", tp, baseTput, scaled(baseTput, 0.9), pct(5), VerdictRegressed, true, false},
		{"throughput -1%, significant, within tolerance", tp, baseTput, scaled(baseTput, 0.99), pct(5), VerdictOK, true, false},
		{"too few samples, +25%: tolerance alone", p99, baseP99[:3], scaled(baseP99[:3], 1.25), pct(10), VerdictRegressed, false, true},
		{"too few samples, +5%: tolerance alone", p99, baseP99[:3], scaled(baseP99[:3], 1.05), pct(10), VerdictOK, false, true},
		{"not gated stays not gated", p99, baseP99, scaled(baseP99, 2), Tolerance{Off: true}, VerdictUngated, true, false},
	} {
		d := judge(tc.m, median(tc.base), median(tc.cur), true, true, tc.tol)
		judgeSamples(&d, tc.base, tc.cur, DefaultAlpha, false)
		st := d.Stats
		if d.Verdict != tc.want || st.Significant() != tc.significant || st.TooFew != tc.tooFew {
			t.Errorf("%s: %q significant=%v tooFew=%v (%s), want %q significant=%v tooFew=%v",
				tc.name, d.Verdict, st.Significant(), st.TooFew, d.Describe(), tc.want, tc.significant, tc.tooFew)
		}
	}
}

func TestMinSamples(t *testing.T) {
	// benchmath's own table: 4 per side is the fewest that can reach 0.05.
	if n := MinSamples(0.05); n != 4 {
		t.Errorf("MinSamples(0.05) = %d, want 4", n)
	}
	if n := MinSamples(0.01); n != 5 {
		t.Errorf("MinSamples(0.01) = %d, want 5", n)
	}
	if n := ciSamples(); n > RecommendedRepeat {
		t.Errorf("a 95%% interval of the median needs %d samples; RecommendedRepeat is %d", n, RecommendedRepeat)
	}
	if RecommendedRepeat < MinPairs {
		t.Errorf("RecommendedRepeat %d is too few pairs (%d) for the paired test", RecommendedRepeat, MinPairs)
	}
}

// compareSampled is a repeated run against a repeated baseline: publish
// p99 up 25% (regressed), throughput within noise, e2e_p99 up 5%
// (significant, within tolerance), lost judged on the total.
func compareSampled() *Comparison {
	base := sampledRun(baseP99, baseTput)
	cur := sampledRun(scaled(baseP99, 1.25), []float64{4990.9, 4992.6, 4991.8, 4989.5, 4993.1, 4990.7})
	cur.StartedAt = "2025-11-25T09:12:00Z"
	cur.Cells[0].Samples["e2e_p99"] = scaled(base.Cells[0].Samples["e2e_p99"], 1.05)
	cur.Cells[0].Latency.Publish.P99 = 3190 // the pooled figures, shown in reports, not judged here
	cmp := Compare(base, cur, DefaultTolerances())
	cmp.Baseline.Label, cmp.New.Label = "baseline", "new"
	return cmp
}

// compareTooFew is three repetitions a side.
func compareTooFew() *Comparison {
	base := sampledRun(baseP99[:3], baseTput[:3])
	cur := sampledRun(scaled(baseP99[:3], 1.02), baseTput[3:])
	for _, r := range []*result.Result{base, cur} {
		for k, v := range r.Cells[0].Samples {
			r.Cells[0].Samples[k] = v[:3]
		}
	}
	cmp := Compare(base, cur, DefaultTolerances())
	cmp.Baseline.Label, cmp.New.Label = "baseline", "new"
	return cmp
}

func TestCompareSampled(t *testing.T) {
	c := compareSampled()
	want := map[string]MetricVerdict{"throughput": VerdictNoChange, "publish_p99": VerdictRegressed, "e2e_p99": VerdictOK,
		"publish_p50": VerdictNoChange, "lost": VerdictOK}
	for _, m := range c.Cells[0].Metrics {
		if w, ok := want[m.Name]; ok && m.Verdict != w {
			t.Errorf("%s: %q, want %q (%s)", m.Name, m.Verdict, w, m.Describe())
		}
		if (m.Stats == nil) != (m.Name == "lost" || m.Name == "duplicated" || m.Name == "unacked") {
			t.Errorf("%s: stats %v: counts are judged on totals, the rest by the test", m.Name, m.Stats)
		}
	}
	if got := c.Headline(); got != "REGRESSED: 1 of 9 gated metrics beyond tolerance" {
		t.Errorf("headline %q", got)
	}
	if rs := c.Regressions(); len(rs) != 1 || !strings.Contains(rs[0], "p=0.002 n=6") {
		t.Errorf("regressions %q", rs)
	}
	for _, w := range c.warnings() {
		if strings.Contains(w, "footing") {
			t.Errorf("a sampled comparison has footing: %q", w)
		}
	}
	few := compareTooFew()
	if ws := strings.Join(few.warnings(), "\n"); !strings.Contains(ws, "3 samples") || !strings.Contains(ws, "no statistical footing") {
		t.Errorf("too few: warnings %q", ws)
	}
	single := Compare(resulttest.PassResult(), resulttest.PassResult(), DefaultTolerances())
	if ws := strings.Join(single.warnings(), "\n"); !strings.Contains(ws, "no statistical footing") {
		t.Errorf("single: warnings %q", ws)
	}
}

func TestCompareSampledGolden(t *testing.T) {
	for _, tc := range []struct {
		name, format string
		c            *Comparison
	}{
		{"compare-text-sampled.golden", "text", compareSampled()},
		{"compare-md-sampled.golden", "md", compareSampled()},
		{"compare-junit-sampled.golden", "junit", compareSampled()},
		{"compare-text-toofew.golden", "text", compareTooFew()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := renderCmp(t, tc.c, tc.format)
			resulttest.Golden(t, tc.name, out)
		})
	}
}

// TestHolmHoldsTheCellTogether: a cell's gated metrics share α. A +25%
// publish p99 whose p (0.015: one new sample below three of the baseline)
// passes α = 0.05 alone, and is no significant change once seven tested
// metrics share it (it would need p < 0.007); a change the test is sure of
// (p = 0.002) still regresses.
func TestHolmHoldsTheCellTogether(t *testing.T) {
	base := sampledRun(baseP99, baseTput)
	overlap := scaled(baseP99, 1.25)
	overlap[0] = 2500 // one of the new side falls inside the baseline's range: p = 0.015
	for _, tc := range []struct {
		name      string
		cur       []float64
		perMetric bool
		want      MetricVerdict
		family    int
	}{
		{"held together, overlapping", overlap, false, VerdictNoChange, 7},
		{"alone, overlapping", overlap, true, VerdictRegressed, 0},
		{"held together, apart", scaled(baseP99, 1.25), false, VerdictRegressed, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tol := DefaultTolerances()
			tol.PerMetric = tc.perMetric
			c := Compare(base, sampledRun(tc.cur, baseTput), tol)
			for _, m := range c.Cells[0].Metrics {
				if m.Name != "publish_p99" {
					continue
				}
				if m.Verdict != tc.want || m.Stats.Family != tc.family {
					t.Errorf("%q family %d (%s, p=%.3f), want %q family %d", m.Verdict, m.Stats.Family, m.Describe(), m.Stats.P, tc.want, tc.family)
				}
			}
		})
	}
}

// TestCompareSaysWhenBlind: with repetitions spread ×3, a change of the
// tolerance's size could never be significant; the comparison says so and
// names the spread, and a tight baseline gets no such warning.
func TestCompareSaysWhenBlind(t *testing.T) {
	wide := []float64{1000, 3000, 1200, 2800, 1100, 2900}
	c := Compare(sampledRun(wide, baseTput), sampledRun(wide, baseTput), DefaultTolerances())
	ws := strings.Join(c.warnings(), "\n")
	if !strings.Contains(ws, "cannot see a change the size of the tolerance in publish_p99 (baseline runs 1ms–3ms)") {
		t.Errorf("wide spread: warnings %q", ws)
	}
	if strings.Contains(ws, "e2e_p99") || strings.Contains(ws, "throughput") {
		t.Errorf("tight metrics named blind: %q", ws)
	}
	c = Compare(sampledRun(tightP99, baseTput), sampledRun(tightP99, baseTput), DefaultTolerances())
	if ws := strings.Join(c.warnings(), "\n"); strings.Contains(ws, "cannot see") {
		t.Errorf("tight spread: warnings %q", ws)
	}
}

// TestFourASideIsTooFewWhenShared: four samples a side reach α = 0.05
// alone (smallest p 0.029) but not the α/7 a lone change needs when seven
// metrics share it (five a side give 0.008, still short of 0.0071), so
// the verdicts are the tolerance's, and the note says six are needed.
func TestFourASideIsTooFewWhenShared(t *testing.T) {
	cut := func(r *result.Result) *result.Result {
		for k, v := range r.Cells[0].Samples {
			r.Cells[0].Samples[k] = v[:4]
		}
		return r
	}
	c := Compare(cut(sampledRun(baseP99, baseTput)), cut(sampledRun(scaled(baseP99, 1.25), baseTput)), DefaultTolerances())
	for _, m := range c.Cells[0].Metrics {
		if m.Name == "publish_p99" && (!m.Stats.TooFew || m.Verdict != VerdictRegressed) {
			t.Errorf("publish_p99: tooFew %v, %q; want too few, regressed by tolerance alone", m.Stats.TooFew, m.Verdict)
		}
	}
	if ws := strings.Join(c.warnings(), "\n"); !strings.Contains(ws, "α = 0.05 shared by 7 metrics (it needs 6 per side)") {
		t.Errorf("warnings %q", ws)
	}
}

// TestSignedRankP checks the exact signed-rank p-values against ones
// worked by hand: 2/2^n when every pair moves one way; {1,2,3,-4,5} has
// positive ranks summing to 11, and 7 of the 32 sign patterns sum to 4 or
// less, so p = 2 × 7/32; ties share their mean rank; zeros are dropped.
func TestSignedRankP(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    []float64
		want float64
	}{
		{"all ten up", []float64{.1, .2, .3, .4, .5, .6, .7, .8, .9, 1}, 2.0 / 1024},
		{"all ten down", []float64{-.1, -.2, -.3, -.4, -.5, -.6, -.7, -.8, -.9, -1}, 2.0 / 1024},
		{"one of five down", []float64{1, 2, 3, -4, 5}, 14.0 / 32},
		{"zeros dropped", []float64{0, 1, 2, 3, -4, 0, 5}, 14.0 / 32},
		{"tied magnitudes", []float64{1, -1, 1, -1}, 1},
		{"nothing moved", []float64{0, 0, 0}, 1},
	} {
		if got := signedRankP(tc.d); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: p = %.6f, want %.6f", tc.name, got, tc.want)
		}
	}
}

// TestPairedSeesThroughDrift: twelve interleaved runs a side whose figure
// drifts from 200µs to 420µs over the job (service p99 moved 180–290µs on
// the measuring machine) and the new side 25% slower in every pair. Unpaired,
// the drift swamps the change; pair by pair it is plain. Identical code
// under the same drift is no change either way, and fewer than MinPairs
// pairs fall back to the U test.
func TestPairedSeesThroughDrift(t *testing.T) {
	p99, _ := result.MetricByName("publish_p99")
	var base, same []float64
	for i := range 12 {
		level := 200 * math.Pow(1.07, float64(i))
		base = append(base, level*(1+0.03*float64(i%3)))
		same = append(same, level*(1+0.03*float64((i+1)%3)))
	}
	pct := Tolerance{Relative: true, Value: 0.10}
	for _, tc := range []struct {
		name       string
		cur        []float64
		n          int
		paired     bool
		want       MetricVerdict
		wantPaired bool
	}{
		{"unpaired, 25% slower", scaled(base, 1.25), 12, false, VerdictNoChange, false},
		{"paired, 25% slower", scaled(base, 1.25), 12, true, VerdictRegressed, true},
		{"paired, identical code", same, 12, true, VerdictNoChange, true},
		{"too few pairs: the U test", scaled(base, 1.25), MinPairs - 1, true, VerdictNoChange, false},
	} {
		b, c := base[:tc.n], tc.cur[:tc.n]
		d := judge(p99, median(b), median(c), true, true, pct)
		judgeSamples(&d, b, c, DefaultAlpha/7, tc.paired)
		if d.Verdict != tc.want || d.Stats.Paired != tc.wantPaired {
			t.Errorf("%s: %q paired %v (%s), want %q paired %v", tc.name, d.Verdict, d.Stats.Paired, d.Stats.PText(), tc.want, tc.wantPaired)
		}
	}
}

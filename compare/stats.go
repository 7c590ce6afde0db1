package compare

import (
	"fmt"
	"math"
	"sort"

	"golang.org/x/perf/benchmath"
)

// With samples on both sides (squall run --repeat N) a metric is judged
// as benchstat judges a benchmark: the medians, their confidence
// intervals, and a Mann–Whitney U test of whether the two sets of samples
// come from one distribution; or, for runs the two sides made turn about
// (Tolerances.Paired), a Wilcoxon signed-rank test over the pairs, which
// cancels the drift both runs of a pair saw. A metric regresses only when the change is
// both significant (p < α) and beyond tolerance; a change the test cannot
// tell from noise is "no significant change", whatever its size.

// DefaultAlpha is the significance level of each cell: its gated metrics
// share it (Holm), so identical code fails a cell by chance at most this
// often, not once per metric.
const DefaultAlpha = 0.05

// RecommendedRepeat is the runs per side the CI recipes make, the sides
// taking turns so compare judges them pair by pair (at least MinPairs):
// the setting whose false-alarm and detection rates the README states.
const RecommendedRepeat = 12

// Confidence is the level of the medians' confidence intervals.
const Confidence = 0.95

// SampleStats is the statistics behind a metric's verdict when both runs
// have samples of it.
type SampleStats struct {
	// Base and New are each side's median with its confidence interval
	// (Lo and Hi are ±Inf when there are too few samples for one).
	Base, New benchmath.Summary
	N1, N2    int
	P         float64 // the test's p-value
	// Paired says the samples were pairs made one after the other
	// (interleaved runs), judged by the Wilcoxon signed-rank test on each
	// pair's log ratio; otherwise by the Mann–Whitney U test.
	Paired bool
	Alpha  float64
	// Level is what P must be below to be significant: Alpha, or under
	// Holm's correction Alpha/(K-i) for the cell's i-th smallest p of K
	// tested metrics (and nothing once a smaller p failed its level).
	Level float64
	// Family is how many tested metrics of the cell P was held to Alpha
	// with (Holm); 0: alone.
	Family int
	// Blind says the test could not have seen a change the size of the
	// tolerance: the baseline's samples, moved to the limit, would not be
	// significant against themselves at the strictest level a change
	// must pass. A regression of that size would pass such a gate.
	Blind bool
	// Lo and Hi are the lowest and highest baseline sample.
	Lo, Hi float64
	// TooFew says that with N1 and N2 samples no difference could reach
	// Alpha: the verdict is then the tolerance's alone.
	TooFew bool
}

// Significant reports whether the test tells the two sides apart.
func (s *SampleStats) Significant() bool { return !s.TooFew && s.P < s.Level }

// MinSamples is the fewest samples per side with which the U test can
// reach alpha at all.
func MinSamples(alpha float64) int {
	for n := 2; n < 50; n++ {
		if minP(n, n) < alpha {
			return n
		}
	}
	return 50
}

// minP is the smallest two-sided p-value the U test can give for samples
// of n1 and n2 values: every value of one side below every value of the
// other, 2 / C(n1+n2, n1).
func minP(n1, n2 int) float64 {
	c := 1.0
	for i := 1; i <= n1; i++ {
		c = c * float64(n2+i) / float64(i)
	}
	return math.Min(1, 2/c)
}

// judgeSamples judges metric d, already judged by tolerance on the
// medians, by the test over both sides' samples at level alpha.
func judgeSamples(d *MetricDelta, bs, ns []float64, alpha float64, paired bool) {
	testSamples(d, bs, ns, alpha, paired)
	settle(d)
}

// testSamples runs the test: d.Stats, held to level alpha. With paired,
// and pairs the signed-rank test can use, sample i of each side is a pair.
func testSamples(d *MetricDelta, bs, ns []float64, alpha float64, paired bool) {
	b := benchmath.NewSample(append([]float64(nil), bs...), &benchmath.Thresholds{CompareAlpha: alpha})
	n := benchmath.NewSample(append([]float64(nil), ns...), &benchmath.Thresholds{CompareAlpha: alpha})
	st := &SampleStats{
		Base: benchmath.AssumeNothing.Summary(b, Confidence), New: benchmath.AssumeNothing.Summary(n, Confidence),
		N1: len(bs), N2: len(ns), Alpha: alpha, Level: alpha,
	}
	if ratios, ok := logRatios(bs, ns); paired && ok {
		st.Paired, st.P = true, signedRankP(ratios)
	} else {
		st.P = benchmath.AssumeNothing.Compare(b, n).P
	}
	st.TooFew = st.minP() >= alpha
	d.Stats = st
}

// MinPairs is the fewest pairs with which interleaved sides are judged
// pair by pair: the signed-rank test's smallest p, 2/2^n, is 0.002 with
// 10 pairs, what six samples a side give the U test; with fewer pairs the
// U test (over the same samples, unpaired) can see more.
const MinPairs = 10

// logRatios returns each pair's log(new/base), when the sides are pairs
// (as many samples each, at least MinPairs) of positive, finite figures.
func logRatios(bs, ns []float64) ([]float64, bool) {
	if len(bs) != len(ns) || len(bs) < MinPairs {
		return nil, false
	}
	out := make([]float64, len(bs))
	for i := range bs {
		if !(bs[i] > 0 && ns[i] > 0) || math.IsInf(bs[i], 0) || math.IsInf(ns[i], 0) {
			return nil, false
		}
		out[i] = math.Log(ns[i] / bs[i])
	}
	return out, true
}

// signedRankP is the two-sided p-value of the Wilcoxon signed-rank test
// that ds are symmetric about 0: pairs whose change is 0 are dropped
// (Wilcoxon's rule), tied magnitudes share their mean rank, and the p is
// exact, from the distribution of the positive ranks' sum over every sign
// assignment (computed on doubled ranks, which are whole).
func signedRankP(ds []float64) float64 {
	var d []float64
	for _, x := range ds {
		if x != 0 {
			d = append(d, x)
		}
	}
	n := len(d)
	if n == 0 {
		return 1
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return math.Abs(d[idx[a]]) < math.Abs(d[idx[b]]) })
	ranks2 := make([]int, n) // doubled ranks
	for i := 0; i < n; {
		j := i
		for j+1 < n && math.Abs(d[idx[j+1]]) == math.Abs(d[idx[i]]) {
			j++
		}
		for k := i; k <= j; k++ {
			ranks2[idx[k]] = i + j + 2 // 2 × the mean of ranks i+1 … j+1
		}
		i = j + 1
	}
	w, total := 0, 0
	for i, r := range ranks2 {
		total += r
		if d[i] > 0 {
			w += r
		}
	}
	// ways[s]: sign assignments whose positive doubled ranks sum to s,
	// as a fraction of all 2^n.
	ways := make([]float64, total+1)
	ways[0] = 1
	hi := 0
	for _, r := range ranks2 {
		for s := hi; s >= 0; s-- {
			ways[s+r] += ways[s] / 2
			ways[s] /= 2
		}
		hi += r
	}
	var lo, up float64
	for s, p := range ways {
		if s <= w {
			lo += p
		}
		if s >= w {
			up += p
		}
	}
	return math.Min(1, 2*math.Min(lo, up))
}

// minP is the smallest p-value the sides' test can give.
func (s *SampleStats) minP() float64 {
	if s.Paired {
		return math.Min(1, 2/math.Pow(2, float64(s.N1)))
	}
	return minP(s.N1, s.N2)
}

// settle turns the tolerance's verdict into "no significant change" when
// the test, at its level, cannot tell the sides apart.
func settle(d *MetricDelta) {
	st := d.Stats
	if d.Verdict == VerdictUngated || st.TooFew || st.Significant() {
		return // the tolerance's verdict stands: not gated, no footing for a test, or a real change
	}
	d.Verdict = VerdictNoChange
}

// holm holds the tested, gated metrics of one cell to alpha together
// (Holm–Bonferroni): each gated metric tested at alpha alone gives K
// chances a cell to cry wolf; ordered by p, the i-th smallest of K must be
// below alpha/(K-i), and once one is not, no larger one is significant.
func holm(ms []MetricDelta, alpha float64) {
	var fam []*SampleStats
	for i := range ms {
		if st := ms[i].Stats; st != nil && !st.TooFew && ms[i].Verdict != VerdictUngated {
			fam = append(fam, st)
		}
	}
	for _, st := range fam {
		st.Family = len(fam)
		// Sharing α leaves a lone change α/K to reach: fewer samples than
		// that needs have no footing for the test.
		st.TooFew = st.minP() >= alpha/float64(len(fam))
	}
	sort.SliceStable(fam, func(i, j int) bool { return fam[i].P < fam[j].P })
	stopped := false
	for i, st := range fam {
		st.Level = alpha / float64(len(fam)-i)
		if stopped || st.P >= st.Level {
			stopped, st.Level = true, 0
		}
	}
}

// blindTo marks d blind when the baseline's samples bs, moved by the
// tolerance to the limit, would not be significant against themselves at
// the level a lone change must reach (α, or α/K shared by K metrics).
// Paired, it is the pairs' own changes ns/bs, centred on no change and
// moved to the limit, that would not be significant: the pairs disagree
// too much among themselves.
func blindTo(d *MetricDelta, bs, ns []float64) {
	st := d.Stats
	st.Lo, st.Hi = minMax(bs)
	shift := d.Limit - d.Base
	if d.Verdict == VerdictUngated || st.TooFew || shift == 0 || math.IsInf(shift, 0) || math.IsNaN(shift) {
		return
	}
	if ratios, ok := logRatios(bs, ns); st.Paired && ok && d.Limit > 0 && d.Base > 0 {
		mid, to := median(ratios), math.Log(d.Limit/d.Base)
		for i := range ratios {
			ratios[i] += to - mid
		}
		st.Blind = signedRankP(ratios) >= st.Alpha/float64(max(st.Family, 1))
		return
	}
	moved := make([]float64, len(bs))
	for i, x := range bs {
		moved[i] = x + shift
	}
	th := &benchmath.Thresholds{CompareAlpha: st.Alpha}
	p := benchmath.AssumeNothing.Compare(benchmath.NewSample(append([]float64(nil), bs...), th), benchmath.NewSample(moved, th)).P
	st.Blind = p >= st.Alpha/float64(max(st.Family, 1))
}

func minMax(xs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// samplesUsable reports whether both sides have enough samples of a
// metric for the test to be worth running at all.
func samplesUsable(bs, ns []float64) bool { return len(bs) >= 2 && len(ns) >= 2 }

// AlphaText is the level the test was held to: "α 0.05", or "α 0.05
// shared by 5 metrics, Holm" when the cell's metrics shared it.
func (s *SampleStats) AlphaText() string {
	if s.Family > 1 {
		return fmt.Sprintf("α %g shared by %d metrics, Holm", s.Alpha, s.Family)
	}
	return fmt.Sprintf("α %g", s.Alpha)
}

// PText is the p-value and sample sizes, benchstat's way: "p=0.002 n=6+6",
// "p=0.001 n=12 pairs" for the paired test.
func (s *SampleStats) PText() string {
	if s.Paired {
		return fmt.Sprintf("p=%.3f n=%d pairs", s.P, s.N1)
	}
	if s.N1 == s.N2 {
		return fmt.Sprintf("p=%.3f n=%d", s.P, s.N1)
	}
	return fmt.Sprintf("p=%.3f n=%d+%d", s.P, s.N1, s.N2)
}

// median is the middle of xs (the mean of the middle two for an even
// count), as benchmath's summary has it.
func median(xs []float64) float64 {
	s := benchmath.NewSample(append([]float64(nil), xs...), &benchmath.DefaultThresholds)
	return benchmath.AssumeNothing.Summary(s, Confidence).Center
}

// ciText is a side's confidence interval as benchstat writes it, "±4%"
// (the larger distance of either bound from the median), or "±∞" with
// too few samples for one.
func ciText(s benchmath.Summary) string { return "±" + s.PctRangeString() }

// IntervalText is a side's confidence interval in the metric's unit,
// "[2.41ms, 2.60ms]", or a note of how many samples one needs.
func (m MetricDelta) IntervalText(base bool) string {
	if m.Stats == nil {
		return "-"
	}
	s := m.Stats.New
	if base {
		s = m.Stats.Base
	}
	if math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) {
		return fmt.Sprintf("none below %d samples", ciSamples())
	}
	return "[" + m.fmtValue(s.Lo, true) + ", " + m.fmtValue(s.Hi, true) + "]"
}

// ciSamples is the fewest samples with a finite median interval at Confidence.
func ciSamples() int {
	for n := 2; n < 50; n++ {
		s := benchmath.AssumeNothing.Summary(benchmath.NewSample(make([]float64, n), &benchmath.DefaultThresholds), Confidence)
		if !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) {
			return n
		}
	}
	return 50
}

// sampledCell reports whether any metric of the cell was judged by the test.
func (c *CellComparison) sampled() bool {
	for _, m := range c.Metrics {
		if m.Stats != nil {
			return true
		}
	}
	return false
}

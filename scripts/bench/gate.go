package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/perf/benchmath"

	"github.com/squall-bench/squall/compare"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/rundir"
)

// gateRun measures the regression gate's defaults on this machine. It
// makes a pool of repetitions of the quickstart in time order (one
// `squall run --repeat N`, each repetition a fresh target), all of
// identical code, and draws comparisons of R repetitions a side from it
// the three ways a CI job can take its two sides:
//
//   - interleaved: 2R consecutive repetitions, alternately baseline and
//     new (A,B,A,B…), as a job that builds both and loops `--repeat 1`;
//   - back to back: R consecutive repetitions, then the next R;
//   - apart: two disjoint blocks of R from anywhere in the pool (a
//     baseline kept from an earlier job).
//
// Every comparison goes both ways (A→B and B→A: a regression is one
// direction). The share that fails is the false-alarm rate. Detection
// uses the same comparisons with a change seeded into the new side by
// scaling its real samples: every repetition's throughput × 0.9 (a 10%
// drop) and every repetition's publish, e2e and service p99 × 1.25 (a 25%
// rise of the figure the gate judges). Each side's first repetition alone shows
// what a gate without --repeat sees.
func (b *bench) gateRun(ctx context.Context, stdout io.Writer) error {
	start := time.Now()
	cmdline := "go run ./scripts/bench " + strings.Join(b.args, " ")
	var loads loadLog
	from := b.o.gateFrom
	var collect time.Duration
	if from == "" {
		from = filepath.Join(b.dir, "gate")
		out := filepath.Join(from, "pool")
		args := []string{"run", "quickstart", "--provider", "process", "--quiet", "--out", out,
			"--duration", fmt.Sprintf("%ds", b.o.seconds), "--set", "warmup=1s", "--set", "drain=1s",
			"--repeat", fmt.Sprint(b.o.gatePool)}
		fmt.Fprintf(b.stderr, "gate: squall %s\n", strings.Join(args, " "))
		stop := loads.watch(5 * time.Second)
		cmd := command(ctx, b.o.squall, args...)
		cmd.Stdout = io.Discard
		err := cmd.Run()
		stop()
		collect = time.Since(start)
		// Exit 1 is an objective missed on a busy machine: the run and its
		// samples are complete.
		if code := cmd.ProcessState.ExitCode(); err != nil && code != 1 {
			return fmt.Errorf("squall %s: %w", strings.Join(args, " "), err)
		}
	}
	p, err := readPool(from)
	if err != nil {
		return err
	}
	tol, err := compare.ParseTolerances(b.o.gateTol)
	if err != nil {
		return err
	}
	w := stdout
	fmt.Fprintf(w, "## compare's false-alarm and detection rates\n\n")
	fmt.Fprintf(w, "command: `%s`  \n", cmdline)
	fmt.Fprintf(w, "pool: %d repetitions of the quickstart (process target, 5,000 events/s, %.0fs cells) from %d run(s), %s … %s", len(p.reps), p.cellSeconds, p.runs, p.first, p.last)
	if collect > 0 {
		fmt.Fprintf(w, ", made in %s (%.1fs a repetition)", collect.Round(time.Second), collect.Seconds()/float64(len(p.reps)))
	}
	fmt.Fprintf(w, "  \nmachine: %d cores; load average while it ran %s  \n", runtime.NumCPU(), loads.text())
	fmt.Fprintf(w, "lost and duplicated over the pool: %d and %d (counts are judged on totals, not sampled per repetition; identical here)\n\n", p.lost, p.dup)
	spreadTable(w, p)
	settings := []struct {
		name string
		tol  compare.Tolerances
	}{
		{"defaults", tol},
		{"α 0.05 per metric (no correction)", with(tol, func(t *compare.Tolerances) { t.PerMetric, t.Alpha = true, 0.05 })},
		{"α 0.01 per metric", with(tol, func(t *compare.Tolerances) { t.PerMetric, t.Alpha = true, 0.01 })},
	}
	if b.o.alpha > 0 {
		settings = append(settings, struct {
			name string
			tol  compare.Tolerances
		}{fmt.Sprintf("--alpha %g", b.o.alpha), with(tol, func(t *compare.Tolerances) { t.Alpha = b.o.alpha })})
	}
	for _, r := range b.o.repeats {
		if 2*r > len(p.reps) {
			fmt.Fprintf(w, "(R=%d: the pool needs at least %d repetitions)\n\n", r, 2*r)
			continue
		}
		fmt.Fprintf(w, "### %d repetitions a side\n\n", r)
		fmt.Fprintf(w, "| sides | setting | comparisons | false alarms | 95%% upper bound | one sample a side | 10%% throughput drop caught | 25%% publish_p99 rise caught | 25%% e2e_p99 rise caught | 25%% service_p99 rise caught | compare said it cannot see a change of the tolerance's size in publish_p99 / service_p99 |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		var blame []string
		for _, sc := range schemes(len(p.reps), r) {
			for _, s := range settings {
				// compare pairs interleaved runs up (rundir.Interleaved), so
				// these comparisons are judged pair by pair, as in CI.
				o := p.outcomes(sc.pairs, with(s.tol, func(t *compare.Tolerances) { t.Paired = sc.paired }))
				single := "-"
				if s.name == "defaults" {
					single = rate(o.single, o.n)
				}
				fmt.Fprintf(w, "| %s | %s | %d | %s | %.1f%% | %s | %s | %s | %s | %s | %s / %s |\n", sc.name, s.name, o.n, rate(o.fa, o.n),
					100*upper95(o.fa, o.n), single, rate(o.tput, o.n), rate(o.p99, o.n), rate(o.e2e, o.n), rate(o.svc, o.n), rate(o.blind, o.n), rate(o.blindSvc, o.n))
				if s.name == "defaults" && o.fa > 0 {
					blame = append(blame, fmt.Sprintf("%s: %s", sc.name, blameText(o.blame)))
				}
			}
		}
		fmt.Fprintln(w)
		if len(blame) > 0 {
			fmt.Fprintf(w, "false alarms of the defaults by metric: %s\n\n", strings.Join(blame, "; "))
		}
	}
	powerTable(w, p, tol)
	fmt.Fprintf(w, "Comparisons share repetitions (the windows overlap), so they are not independent trials and the upper bounds (Clopper–Pearson, one-sided) are optimistic.  \n")
	fmt.Fprintf(w, "total wall time: %s\n", time.Since(start).Round(time.Second))
	return nil
}

func with(t compare.Tolerances, f func(*compare.Tolerances)) compare.Tolerances {
	f(&t)
	return t
}

func rate(k, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d (%.1f%%)", k, n, 100*float64(k)/float64(n))
}

func blameText(m map[string]int) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for i, k := range ks {
		ks[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(ks, ", ")
}

// pool is every repetition in time order: one sample of each metric.
type pool struct {
	cell        result.Cell // the first run's cell, for what is not sampled
	reps        []map[string]float64
	runs        int
	cellSeconds float64
	first, last string
	lost, dup   int64
}

// readPool reads every result.json under dir (a run directory or runs in
// its subdirectories), oldest first, and lays their repetitions out in
// the order they ran. A run without --repeat is one repetition.
func readPool(dir string) (*pool, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*", rundir.ResultFile))
	if own := filepath.Join(dir, rundir.ResultFile); fileExists(own) {
		files = append(files, own)
	}
	var rs []*result.Result
	for _, f := range files {
		r, err := rundir.ReadResult(f)
		if err != nil {
			return nil, err
		}
		if len(r.Cells) != 1 {
			return nil, fmt.Errorf("%s: want a one-cell run of the quickstart", f)
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("%s: no result.json", dir)
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].StartedAt < rs[j].StartedAt })
	p := &pool{cell: rs[0].Cells[0], runs: len(rs), first: rs[0].StartedAt, last: rs[len(rs)-1].StartedAt}
	for _, r := range rs {
		c := &r.Cells[0]
		n := max(c.Repeat, 1)
		p.cellSeconds = c.DurationS / float64(n)
		p.lost += c.Events.Lost
		p.dup += c.Events.Duplicated
		for i := range n {
			rep := map[string]float64{}
			for _, m := range result.Metrics {
				if m.Count {
					continue
				}
				if s := m.Samples(c); len(s) == n {
					rep[m.Name] = s[i]
				} else if v, ok := m.Value(c); ok && n == 1 {
					rep[m.Name] = v
				}
			}
			p.reps = append(p.reps, rep)
		}
	}
	return p, nil
}

func fileExists(f string) bool { _, err := os.Stat(f); return err == nil }

// side is a run made of the pool's repetitions idx, with the named
// metrics scaled (a seeded change). One repetition is a run without
// --repeat: its figures, no samples.
func (p *pool) side(idx []int, scale map[string]float64) *result.Result {
	c := p.cell
	c.Samples = map[string][]float64{}
	for _, m := range result.Metrics {
		if m.Count {
			continue
		}
		var vs []float64
		for _, i := range idx {
			if v, ok := p.reps[i][m.Name]; ok {
				f, ok := scale[m.Name]
				if !ok {
					f = 1
				}
				vs = append(vs, v*f)
			}
		}
		if len(vs) == len(idx) {
			c.Samples[m.Name] = vs
		}
	}
	med := func(name string) float64 {
		if len(c.Samples[name]) == 0 {
			return 0
		}
		return middle(c.Samples[name])
	}
	// The pooled figures, read only where a side has no samples: with one
	// repetition they are exactly its figures.
	c.Throughput.AckedPerS = med("throughput")
	for _, l := range []struct {
		s    *result.Summary
		kind string
	}{{&c.Latency.Publish, "publish"}, {&c.Latency.EndToEnd, "e2e"}, {&c.Latency.Service, "service"}} {
		l.s.P50, l.s.P99, l.s.P999 = int64(med(l.kind+"_p50")), int64(med(l.kind+"_p99")), int64(med(l.kind+"_p999"))
	}
	c.Repeat = len(idx)
	if len(idx) == 1 {
		c.Samples, c.Repeat = nil, 0
	}
	c.Events.Lost, c.Events.Duplicated = 0, 0
	return &result.Result{Scenario: "quickstart", Cells: []result.Cell{c}}
}

// scheme is one way of drawing two sides from the pool.
type scheme struct {
	name   string
	pairs  [][2][]int // baseline, new
	paired bool       // repetition i of each side made one after the other
}

// schemes are the comparisons of r repetitions a side from a pool of n,
// each both ways.
func schemes(n, r int) []scheme {
	var inter, b2b, apart scheme
	inter.name, b2b.name, apart.name = "interleaved", "back to back", "apart"
	inter.paired = true
	both := func(s *scheme, a, b []int) { s.pairs = append(s.pairs, [2][]int{a, b}, [2][]int{b, a}) }
	for s := 0; s+2*r <= n; s++ {
		var a, b []int
		for i := range r {
			a, b = append(a, s+2*i), append(b, s+2*i+1)
		}
		both(&inter, a, b)
		both(&b2b, span(s, r), span(s+r, r))
	}
	for i := 0; (i+1)*r <= n; i++ {
		for j := i + 1; (j+1)*r <= n; j++ {
			both(&apart, span(i*r, r), span(j*r, r))
		}
	}
	return []scheme{inter, b2b, apart}
}

func span(from, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = from + i
	}
	return out
}

// outcome counts what the gate said over a set of comparisons.
type outcome struct {
	n, fa, single, tput, p99, e2e, svc int
	// comparisons where compare warned it could not see a change of the
	// tolerance's size in publish_p99, in service_p99
	blind, blindSvc int
	blame           map[string]int
}

func (p *pool) outcomes(pairs [][2][]int, tol compare.Tolerances) outcome {
	o := outcome{blame: map[string]int{}}
	for _, pr := range pairs {
		o.n++
		base := p.side(pr[0], nil)
		c := compare.Compare(base, p.side(pr[1], nil), tol)
		for _, m := range c.Cells[0].Metrics {
			if m.Name == "publish_p99" && m.Stats != nil && m.Stats.Blind {
				o.blind++
			}
			if m.Name == "service_p99" && m.Stats != nil && m.Stats.Blind {
				o.blindSvc++
			}
		}
		if c.Regressed() {
			o.fa++
			for _, m := range c.Cells[0].Metrics {
				if m.Regressed() {
					o.blame[m.Name]++
				}
			}
		}
		if compare.Compare(p.side(pr[0][:1], nil), p.side(pr[1][:1], nil), tol).Regressed() {
			o.single++
		}
		if regressed(compare.Compare(base, p.side(pr[1], map[string]float64{"throughput": 0.9}), tol), "throughput") {
			o.tput++
		}
		c = compare.Compare(base, p.side(pr[1], map[string]float64{"publish_p99": 1.25, "e2e_p99": 1.25, "service_p99": 1.25}), tol)
		if regressed(c, "publish_p99") {
			o.p99++
		}
		if regressed(c, "e2e_p99") {
			o.e2e++
		}
		if regressed(c, "service_p99") {
			o.svc++
		}
	}
	return o
}

// regressed reports whether the named metric regressed.
func regressed(c *compare.Comparison, name string) bool {
	for _, m := range c.Cells[0].Metrics {
		if m.Name == name {
			return m.Regressed()
		}
	}
	return false
}

// spreadTable shows how each gated metric spread over the pool: its
// median, the 10th–90th percentile range, the relative spread a test has
// to see a change through, and the lag-1 autocorrelation of the series in
// time order (near 0: repetitions independent; clearly positive: the
// machine drifted, and sides measured apart differ by more than noise).
func spreadTable(w io.Writer, p *pool) {
	fmt.Fprintf(w, "| metric | median | 10th–90th percentile | (p90−p10)/median | lag-1 autocorrelation |\n|---|--:|--:|--:|--:|\n")
	for _, m := range result.Metrics {
		if m.Count || strings.HasSuffix(m.Name, "p999") {
			continue
		}
		var xs []float64
		for _, r := range p.reps {
			if v, ok := r[m.Name]; ok {
				xs = append(xs, v)
			}
		}
		if len(xs) < 3 {
			continue
		}
		s := slices.Clone(xs)
		slices.Sort(s)
		at := func(q float64) float64 { return s[int(q*float64(len(s)-1))] }
		fmt.Fprintf(w, "| %s | %s | %s–%s | %.0f%% | %.2f |\n", m.Name, m.Unit.Format(at(0.5)), m.Unit.Format(at(0.1)), m.Unit.Format(at(0.9)),
			100*(at(0.9)-at(0.1))/at(0.5), autocorr(xs))
	}
	fmt.Fprintln(w)
}

// autocorr is the lag-1 autocorrelation of xs.
func autocorr(xs []float64) float64 {
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var num, den float64
	for i, x := range xs {
		den += (x - mean) * (x - mean)
		if i > 0 {
			num += (x - mean) * (xs[i-1] - mean)
		}
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// loadLog samples the 1-minute load average while the pool is made.
type loadLog struct {
	mu  sync.Mutex
	avg []float64
}

// watch samples every d until the returned stop is called.
func (l *loadLog) watch(d time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			l.sample()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait(); l.sample() }
}

func (l *loadLog) sample() {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return
	}
	l.mu.Lock()
	l.avg = append(l.avg, v)
	l.mu.Unlock()
}

// text is the load's mean and range, or what is known now.
func (l *loadLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.avg) == 0 {
		b, _ := os.ReadFile("/proc/loadavg")
		return "unknown (re-analysed kept runs; the load now: " + strings.Join(strings.Fields(string(b))[:min(3, len(strings.Fields(string(b))))], " ") + ")"
	}
	sum := 0.0
	for _, v := range l.avg {
		sum += v
	}
	return fmt.Sprintf("mean %.1f (1-minute, sampled every 5s; %.1f–%.1f)", sum/float64(len(l.avg)), slices.Min(l.avg), slices.Max(l.avg))
}

// upper95 is a one-sided 95% upper bound on a rate seen k times in n
// (Clopper–Pearson, by bisection on the binomial tail).
func upper95(k, n int) float64 {
	if n == 0 {
		return 1
	}
	lo, hi := 0.0, 1.0
	for range 60 {
		p := (lo + hi) / 2
		if binomCDF(k, n, p) > 0.05 {
			lo = p
		} else {
			hi = p
		}
	}
	return hi
}

func binomCDF(k, n int, p float64) float64 {
	sum := 0.0
	for i := 0; i <= k; i++ {
		lg, _ := math.Lgamma(float64(n + 1))
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(n - i + 1))
		sum += math.Exp(lg - a - b + float64(i)*math.Log(p) + float64(n-i)*math.Log1p(-p))
	}
	return sum
}

// powerTable says how narrow the spread of repetitions must be for the
// goals: by simulation, repetitions whose figure is lognormal with a
// given (p90−p10)/median, the new side shifted by the seeded change; a
// change is caught when the U test's p is below the level a lone change
// must reach (α/K, K metrics sharing α as compare's defaults do) and the
// medians differ beyond the tolerance.
func powerTable(w io.Writer, p *pool, tol compare.Tolerances) {
	all := make([]int, len(p.reps))
	for i := range all {
		all[i] = i
	}
	level, k := compare.DefaultAlpha, 1
	if tol.Alpha > 0 {
		level = tol.Alpha
	}
	for _, m := range compare.Compare(p.side(all, nil), p.side(all, nil), tol).Cells[0].Metrics {
		if m.Stats != nil && m.Stats.Family > 1 {
			k = m.Stats.Family
		}
	}
	level /= float64(k)
	spreads := []float64{0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.40}
	fmt.Fprintf(w, "What the goals need (simulated: lognormal repetitions of a given spread, caught when p < α/%d = %.3f and the medians differ beyond the tolerance; 4,000 trials each):\n\n| change | repetitions a side |", k, level)
	for _, s := range spreads {
		fmt.Fprintf(w, " spread %.0f%% |", 100*s)
	}
	fmt.Fprintf(w, "\n|---|--:|%s\n", strings.Repeat("--:|", len(spreads)))
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name       string
		shift, tol float64
	}{{"25% p99 rise, tolerance 10%", 1.25, 0.10}, {"10% throughput drop, tolerance 5%", 0.9, 0.05}} {
		for _, n := range []int{6, 10} {
			fmt.Fprintf(w, "| %s | %d |", c.name, n)
			for _, s := range spreads {
				sigma := math.Asinh(s/2) / 1.2816 // e^{1.2816σ} − e^{−1.2816σ} = s
				caught := 0
				const trials = 4000
				for range trials {
					a, b := make([]float64, n), make([]float64, n)
					for i := range n {
						a[i], b[i] = math.Exp(sigma*r.NormFloat64()), c.shift*math.Exp(sigma*r.NormFloat64())
					}
					th := &benchmath.Thresholds{CompareAlpha: level}
					pv := benchmath.AssumeNothing.Compare(benchmath.NewSample(a, th), benchmath.NewSample(b, th)).P
					ratio := middle(b) / middle(a)
					if pv < level && math.Abs(ratio-1) > c.tol && (ratio > 1) == (c.shift > 1) {
						caught++
					}
				}
				fmt.Fprintf(w, " %.0f%% |", 100*float64(caught)/trials)
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintf(w, "\n(spread: (p90−p10)/median of the repetitions' figure; compare it with the spread table above.)\n\n")
}

// middle is the median of xs.
func middle(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return (s[(len(s)-1)/2] + s[len(s)/2]) / 2
}

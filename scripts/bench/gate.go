package main

import (
	"context"
	"fmt"
	"io"
	"math"

	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/squall-bench/squall/compare"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/rundir"
)

// gateRun measures the regression gate's defaults on this machine: it runs
// the quickstart --gate-runs times with --repeat, all of identical code,
// then compares every pair of runs with squall compare's defaults. The
// share of pairs that fail is the false-alarm rate. The detection rates
// come from the same pairs with a change seeded into the new side by
// scaling its real samples: throughput × 0.9 (a 10% drop) and the p99s ×
// 1.25 (a 25% rise). For contrast it also compares the first repetition
// of each run alone, which is what a gate without --repeat sees.
func (b *bench) gateRun(ctx context.Context, stdout io.Writer) error {
	var dirs []string
	var walls []time.Duration
	if b.o.gateFrom != "" {
		m, err := filepath.Glob(filepath.Join(b.o.gateFrom, "*", "result.json"))
		if err != nil {
			return err
		}
		for _, f := range m {
			dirs = append(dirs, filepath.Dir(f))
		}
		sort.Strings(dirs)
	} else {
		for i := range b.o.gateRuns {
			out := filepath.Join(b.dir, fmt.Sprintf("gate-%02d", i+1))
			args := []string{"run", "quickstart", "--provider", "process", "--quiet", "--out", out,
				"--duration", fmt.Sprintf("%ds", b.o.seconds), "--set", "warmup=1s", "--set", "drain=1s",
				"--repeat", fmt.Sprint(b.o.repeat)}
			start := time.Now()
			cmd := command(ctx, b.o.squall, args...)
			cmd.Stdout = io.Discard
			err := cmd.Run()
			walls = append(walls, time.Since(start))
			// Exit 1 is an objective missed on a busy machine: the run and
			// its samples are complete.
			if code := cmd.ProcessState.ExitCode(); err != nil && code != 1 {
				return fmt.Errorf("squall %s: %w", strings.Join(args, " "), err)
			}
			fmt.Fprintf(b.stderr, "gate run %d/%d: %s\n", i+1, b.o.gateRuns, walls[i].Round(time.Second))
			dirs = append(dirs, out)
		}
	}
	var runs []*result.Result
	for _, d := range dirs {
		r, err := rundir.ReadResult(d)
		if err != nil {
			return err
		}
		if len(r.Cells) != 1 || r.Cells[0].Repeat < 2 {
			return fmt.Errorf("%s: want one cell run with --repeat", d)
		}
		runs = append(runs, r)
	}
	if len(runs) < 2 {
		return fmt.Errorf("need at least 2 runs, have %d", len(runs))
	}
	tol, err := compare.ParseTolerances(b.o.gateTol)
	if err != nil {
		return err
	}
	tol.Alpha = b.o.alpha
	var pairs, fa, single, tput, p99, e2e int
	blame := map[string]int{}
	for i := range runs {
		for j := i + 1; j < len(runs); j++ {
			pairs++
			c := compare.Compare(runs[i], runs[j], tol)
			if c.Regressed() {
				fa++
				for _, m := range c.Cells[0].Metrics {
					if m.Regressed() {
						blame[m.Name]++
					}
				}
			}
			if compare.Compare(firstRepetition(runs[i]), firstRepetition(runs[j]), tol).Regressed() {
				single++
			}
			if regressed(compare.Compare(runs[i], seeded(runs[j], map[string]float64{"throughput": 0.9}), tol), "throughput") {
				tput++
			}
			c = compare.Compare(runs[i], seeded(runs[j], map[string]float64{"publish_p99": 1.25, "e2e_p99": 1.25}), tol)
			if regressed(c, "publish_p99") {
				p99++
			}
			if regressed(c, "e2e_p99") {
				e2e++
			}
		}
	}
	rate := func(n int) string { return fmt.Sprintf("%d/%d (%.1f%%)", n, pairs, 100*float64(n)/float64(pairs)) }
	fmt.Fprintf(stdout, "| runs × repetitions × cell | comparisons | false alarms, --repeat %d | false alarms, one sample a side | 10%% throughput drop caught | 25%% publish_p99 rise caught | 25%% e2e_p99 rise caught |\n|---|--:|--:|--:|--:|--:|--:|\n", runs[0].Cells[0].Repeat)
	fmt.Fprintf(stdout, "| %d × %d × %.0fs | %d | %s | %s | %s | %s | %s |\n\n", len(runs), runs[0].Cells[0].Repeat,
		runs[0].Cells[0].DurationS/float64(runs[0].Cells[0].Repeat), pairs, rate(fa), rate(single), rate(tput), rate(p99), rate(e2e))
	if fa > 0 {
		fmt.Fprintf(stdout, "false alarms by metric: %v\n", blame)
	}
	// With no false alarm in n pairs, 3/n bounds the rate at 95% confidence
	// (the rule of three); the pairs share runs, so this is optimistic.
	fmt.Fprintf(stdout, "95%% upper bound on the false-alarm rate: %.1f%%\n", 100*upper95(fa, pairs))
	p := spread(runs, "publish_p99")
	fmt.Fprintf(stdout, "publish_p99 over all repetitions: median %.0fµs, 10th–90th percentile %.0f–%.0fµs\n", p[1], p[0], p[2])
	if len(walls) > 0 {
		var sum time.Duration
		for _, w := range walls {
			sum += w
		}
		fmt.Fprintf(stdout, "wall time per run (one side of a gate): %s\n", (sum / time.Duration(len(walls))).Round(time.Second))
	}
	return nil
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

// seeded is a copy of r with the named metrics' samples and pooled
// figures scaled: a change of known size in real measurements.
func seeded(r *result.Result, scale map[string]float64) *result.Result {
	out := *r
	c := r.Cells[0]
	c.Samples = map[string][]float64{}
	for k, v := range r.Cells[0].Samples {
		f, ok := scale[k]
		if !ok {
			f = 1
		}
		for _, x := range v {
			c.Samples[k] = append(c.Samples[k], x*f)
		}
	}
	if f, ok := scale["throughput"]; ok {
		c.Throughput.AckedPerS *= f
	}
	out.Cells = []result.Cell{c}
	return &out
}

// firstRepetition is r as if run without --repeat: the first
// repetition's figures of every sampled metric, no samples.
func firstRepetition(r *result.Result) *result.Result {
	out := *r
	c := r.Cells[0]
	first := func(name string) float64 { return c.Samples[name][0] }
	c.Throughput.AckedPerS = first("throughput")
	for _, l := range []struct {
		s    *result.Summary
		kind string
	}{{&c.Latency.Publish, "publish"}, {&c.Latency.EndToEnd, "e2e"}} {
		l.s.P50, l.s.P99, l.s.P999 = int64(first(l.kind+"_p50")), int64(first(l.kind+"_p99")), int64(first(l.kind+"_p999"))
	}
	c.Samples, c.Repeat = nil, 0
	out.Cells = []result.Cell{c}
	return &out
}

// upper95 is a one-sided 95% upper bound on a rate seen k times in n
// (Clopper–Pearson, by bisection on the binomial tail).
func upper95(k, n int) float64 {
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

// spread is the 10th, 50th and 90th percentile of a metric's samples
// over every run.
func spread(runs []*result.Result, name string) [3]float64 {
	var all []float64
	for _, r := range runs {
		all = append(all, r.Cells[0].Samples[name]...)
	}
	sort.Float64s(all)
	at := func(q float64) float64 { return all[int(q*float64(len(all)-1))] }
	return [3]float64{at(0.1), at(0.5), at(0.9)}
}

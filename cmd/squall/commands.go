package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/squall-bench/squall/report"
	"github.com/squall-bench/squall/rundir"
	"github.com/squall-bench/squall/runner"
	"github.com/squall-bench/squall/scenarios"
)

// maxRepeat bounds --repeat: the test needs 4 to 10 samples, not hundreds.
const maxRepeat = 100

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("run", stderr)
	sf := addScenarioFlags(fs)
	out := fs.String("out", "", "run directory (default runs/<time>-<scenario>/)")
	quiet := fs.Bool("quiet", false, "print only the final summary")
	allowDestructive := fs.Bool("allow-destructive", false, "allow faults (chaos) on an external target")
	keepKeys := fs.Bool("keep-keys", false, "leave squall's keys on an external target at the end, for inspection")
	repeat := fs.Int("repeat", 1, "run every cell N times, each against a fresh target: N samples per metric for compare's significance test")
	shardFlag := fs.String("shard", "", "run shard I of N of the load (I/N, 0-based; default from JOB_COMPLETION_INDEX and SQUALL_SHARDS)")
	startAt := fs.String("start-at", "", "with --shard: the common start, RFC3339 (default from SQUALL_START_AT)")
	metricsAddr := fs.String("metrics-addr", "", "serve live metrics at http://HOST:PORT/metrics for Prometheus (default off)")
	metricsLinger := fs.Duration("metrics-linger", 0, "with --metrics-addr: keep serving this long after the run, so the last scrape lands")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if err := checkMetricsFlags(*metricsAddr, *metricsLinger); err != nil {
		return err
	}
	shard, err := shardOf(*shardFlag, *startAt, os.LookupEnv)
	if err != nil {
		return exitWith(exitUsage, err)
	}
	if fs.NArg() != 1 {
		return usagef("run takes one SCENARIO (a file or a shipped name; see squall list), got %d", fs.NArg())
	}
	if *repeat < 1 || *repeat > maxRepeat {
		return usagef("--repeat: expected 1 to %d, got %d", maxRepeat, *repeat)
	}
	sets, provider, err := sf.resolve(os.Getenv)
	if err != nil {
		return err
	}
	sc, cells, err := load(fs.Arg(0), sets, provider)
	if err != nil {
		return err
	}
	if *repeat > 1 && sc.Workload.Rate.Search != nil {
		return usagef("%s: --repeat does not combine with a capacity search (workload.rate: {search: ...}); repeat the cells of a fixed rate instead", sc.Source)
	}
	if shard != nil {
		if *repeat > 1 {
			return usagef("--repeat does not combine with --shard: repeat the whole sharded run instead")
		}
		if err := runner.CheckShard(cells, provider, *shard); err != nil {
			return usagef("%s: %v", sc.Source, err)
		}
	}
	if bad := runner.Destructive(cells, provider); len(bad) > 0 && !*allowDestructive {
		// Every resolved cell counts: chaos or the external provider may
		// come from a matrix, --set or --provider, not the base scenario.
		where := sc.Source
		if len(cells) > 1 {
			where += " (matrix cells " + strings.Join(bad, "; ") + ")"
		}
		return usagef("%s: %v", where, runner.ErrDestructive)
	}
	metrics, err := serveMetrics(*metricsAddr, stderr)
	if err != nil {
		return err
	}
	res, dir, runErr := runner.Run(ctx, sc, cells, runner.Options{
		Out: *out, Provider: provider, Quiet: *quiet, Version: version(), Stdout: stdout, Stderr: stderr,
		AllowDestructive: *allowDestructive, KeepKeys: *keepKeys, Repeat: *repeat, Shard: shard, Metrics: metrics,
	})
	stopMetrics(ctx, metrics, *metricsLinger, stderr)
	if res != nil {
		fmt.Fprintln(stdout)
		_ = report.Text(stdout, res)
		fmt.Fprintf(stdout, "\nresults: %s  (report.html to open in a browser; result.json, summary.md, timeline.csv, *.hlog)\n", dir)
	}
	switch {
	case runErr == nil && res.Pass:
		return nil
	case runErr == nil:
		return exitWith(exitFailed, errors.New("objectives failed"))
	case errors.Is(runErr, runner.ErrInterrupted):
		return exitWith(exitInterrupted, runErr)
	case errors.Is(runErr, runner.ErrDestructive), errors.Is(runErr, runner.ErrShard):
		return exitWith(exitUsage, runErr)
	default:
		return exitWith(exitInfra, runErr)
	}
}

// load parses a scenario and checks what only the other packages know
// (runner.Check), mapping every problem to exit code 2.
func load(ref string, sets []string, provider string) (*scenarios.Scenario, []scenarios.Cell, error) {
	sc, cells, err := scenarios.Load(ref, sets)
	if err != nil {
		return nil, nil, exitWith(exitUsage, err)
	}
	if err := runner.Check(cells, provider); err != nil {
		return nil, nil, exitWith(exitUsage, err)
	}
	return sc, cells, nil
}

func cmdValidate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("validate", stderr)
	sf := addScenarioFlags(fs)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("validate takes one or more SCENARIOs")
	}
	sets, provider, err := sf.resolve(os.Getenv)
	if err != nil {
		return err
	}
	var bad []string
	for _, ref := range fs.Args() {
		sc, cells, err := load(ref, sets, provider)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		if rs := sc.Workload.Rate.Search; rs != nil {
			fmt.Fprintf(stdout, "%s: ok (%s, capacity search: up to %d rates from %g to %g events/s by %s)\n",
				ref, sc.Name, rs.Steps, rs.From, rs.To, rs.Objective)
			continue
		}
		fmt.Fprintf(stdout, "%s: ok (%s, %d cell(s))\n", ref, sc.Name, len(cells))
	}
	if len(bad) > 0 {
		return exitWith(exitUsage, errors.New(strings.Join(bad, "\n")))
	}
	return nil
}

func cmdList(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("list", stderr)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("list takes no arguments")
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTOPOLOGY\tPROVIDER\tLENGTH\tWHAT IT MEASURES")
	for _, e := range scenarios.Library() {
		topo, provider, length := "?", "?", "?"
		if sc, cells, err := scenarios.Load(e.Name, nil); err == nil { // a broken one still lists; running it says why
			topo, provider, length = listFacts(sc, cells)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Name, topo, provider, length, e.Description)
	}
	return tw.Flush()
}

// listFacts is what squall list shows of a shipped scenario: its topology
// with its size, where auto will put it, and how long a run takes
// (warmup + duration + drain per cell, set-up not counted).
func listFacts(sc *scenarios.Scenario, cells []scenarios.Cell) (topo, provider, length string) {
	t := sc.Target
	switch t.Topology {
	case "cluster":
		topo = fmt.Sprintf("cluster %d shards", t.Shards)
	case "sentinel":
		topo = fmt.Sprintf("sentinel 1+%d", t.Replicas)
	default:
		topo = "standalone"
		if t.Replicas > 0 {
			topo += fmt.Sprintf(" 1+%d", t.Replicas)
		}
	}
	provider = t.Provider
	if provider == "auto" && len(runner.DockerNeeds(cells[0])) > 0 {
		provider = "docker"
	}
	per := shortDuration(sc.Warmup.D() + sc.Duration.D() + sc.Drain.D())
	length = per
	if n := len(cells); n > 1 {
		length = fmt.Sprintf("%d × %s", n, per)
	}
	if rs := sc.Workload.Rate.Search; rs != nil {
		steps := rs.Steps
		if rs.Mode == "bisect" {
			steps += 3
		}
		length = fmt.Sprintf("≤%d × %s", steps, per)
	}
	return topo, provider, length
}

// shortDuration writes d as 45s, 2m or 1m30s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func cmdReport(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("report", stderr)
	format := fs.String("format", "text", "output format: text, md, json or html (html needs the run directory)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("report takes one RUN_DIR (or result.json), or none for the latest run")
	}
	dir := fs.Arg(0)
	if dir == "" {
		latest, err := latestRun("runs")
		if err != nil {
			return exitWith(exitUsage, err)
		}
		fmt.Fprintln(stderr, "report of", latest)
		dir = latest
	}
	res, err := rundir.ReadResult(dir)
	if err != nil {
		return exitWith(exitUsage, err)
	}
	if err := report.RenderDir(stdout, dir, res, *format); err != nil {
		return exitWith(exitUsage, err)
	}
	return nil
}

// latestRun is the newest run directory under root (squall run's default
// --out): the one with the newest result.json.
func latestRun(root string) (string, error) {
	files, _ := filepath.Glob(filepath.Join(root, "*", "result.json"))
	var best string
	var bestTime time.Time
	for _, f := range files {
		st, err := os.Stat(f)
		if err == nil && (best == "" || st.ModTime().After(bestTime)) {
			best, bestTime = filepath.Dir(f), st.ModTime()
		}
	}
	if best == "" {
		return "", fmt.Errorf("no run under %s/ (squall run writes one there; or name a RUN_DIR)", root)
	}
	return best, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"
	"github.com/squall-bench/squall/report"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/runner"
	"github.com/squall-bench/squall/scenarios"
)

// flags returns a flag set that reports errors instead of exiting.
func flags(name string, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	return fs
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("run", stderr)
	out := fs.String("out", "", "run directory (default runs/<time>-<scenario>/)")
	sets := fs.StringArray("set", nil, "override a scenario key: PATH=VALUE, VALUE read as YAML (repeatable)")
	provider := fs.String("provider", "", "auto|docker|process|external (overrides target.provider)")
	duration := fs.String("duration", "", "measured phase length, same as --set duration=D")
	quiet := fs.Bool("quiet", false, "print only the final summary")
	allowDestructive := fs.Bool("allow-destructive", false, "allow faults (chaos) on an external target")
	keepKeys := fs.Bool("keep-keys", false, "leave squall's keys on an external target at the end, for inspection")
	shardFlag := fs.String("shard", "", "run shard I of N of the load (I/N, 0-based; default from JOB_COMPLETION_INDEX and SQUALL_SHARDS)")
	startAt := fs.String("start-at", "", "with --shard: the common start, RFC3339 (default from SQUALL_START_AT)")
	if err := fs.Parse(args); err != nil {
		return exitWith(exitUsage, err)
	}
	shard, err := shardOf(*shardFlag, *startAt, os.LookupEnv)
	if err != nil {
		return exitWith(exitUsage, err)
	}
	if fs.NArg() != 1 {
		return usagef("run takes one SCENARIO (a file or a shipped name; see squall list), got %d", fs.NArg())
	}
	switch *provider {
	case "", "auto", "docker", "process", "external":
	default:
		return usagef("--provider: expected auto, docker, process or external, got %q", *provider)
	}
	all := *sets
	if *duration != "" {
		all = append(all, "duration="+*duration)
	}
	sc, cells, err := load(fs.Arg(0), all, *provider)
	if err != nil {
		return err
	}
	if shard != nil {
		if err := runner.CheckShard(cells, *provider, *shard); err != nil {
			return usagef("%s: %v", sc.Source, err)
		}
	}
	if bad := runner.Destructive(cells, *provider); len(bad) > 0 && !*allowDestructive {
		// Every resolved cell counts: chaos or the external provider may
		// come from a matrix, --set or --provider, not the base scenario.
		where := sc.Source
		if len(cells) > 1 {
			where += " (matrix cells " + strings.Join(bad, "; ") + ")"
		}
		return usagef("%s: %v", where, runner.ErrDestructive)
	}
	res, dir, runErr := runner.Run(ctx, sc, cells, runner.Options{
		Out: *out, Provider: *provider, Quiet: *quiet, Version: version(), Stdout: stdout, Stderr: stderr,
		AllowDestructive: *allowDestructive, KeepKeys: *keepKeys, Shard: shard,
	})
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
	sets := fs.StringArray("set", nil, "override a scenario key: PATH=VALUE")
	if err := fs.Parse(args); err != nil {
		return exitWith(exitUsage, err)
	}
	if fs.NArg() == 0 {
		return usagef("validate takes one or more SCENARIOs")
	}
	var bad []string
	for _, ref := range fs.Args() {
		sc, cells, err := load(ref, *sets, "")
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

func cmdList(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return usagef("list takes no arguments")
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, e := range scenarios.Library() {
		fmt.Fprintf(tw, "%s\t%s\n", e.Name, e.Description)
	}
	return tw.Flush()
}

func cmdReport(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("report", stderr)
	format := fs.String("format", "text", "text|md|json|html (html: RUN_DIR must be the run directory)")
	if err := fs.Parse(args); err != nil {
		return exitWith(exitUsage, err)
	}
	if fs.NArg() != 1 {
		return usagef("report takes one RUN_DIR (or result.json)")
	}
	res, err := result.ReadResult(fs.Arg(0))
	if err != nil {
		return exitWith(exitUsage, err)
	}
	if err := report.RenderDir(stdout, fs.Arg(0), res, *format); err != nil {
		return exitWith(exitUsage, err)
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/report"
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
	allowDestructive := fs.Bool("allow-destructive", false, "allow flushing or reconfiguring an external target")
	if err := fs.Parse(args); err != nil {
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
	sc, cells, err := load(fs.Arg(0), all)
	if err != nil {
		return err
	}
	if sc.Target.Provider == "external" && !*allowDestructive {
		return usagef("target.provider external: squall deletes and writes its squall:* keys on your server; pass --allow-destructive to accept that")
	}
	res, dir, runErr := runner.Run(ctx, sc, cells, runner.Options{
		Out: *out, Provider: *provider, Quiet: *quiet, Version: version(), Stdout: stdout, Stderr: stderr,
	})
	if res != nil {
		fmt.Fprintln(stdout)
		_ = report.Text(stdout, res)
		fmt.Fprintf(stdout, "\nresults: %s\n", dir)
	}
	switch {
	case runErr == nil && res.Pass:
		return nil
	case runErr == nil:
		return exitWith(exitFailed, errors.New("objectives failed"))
	case errors.Is(runErr, runner.ErrInterrupted):
		return exitWith(exitInterrupted, runErr)
	default:
		return exitWith(exitInfra, runErr)
	}
}

// load parses a scenario and checks what only the load generator knows
// (pattern options), mapping every problem to exit code 2.
func load(ref string, sets []string) (*scenarios.Scenario, []scenarios.Cell, error) {
	sc, cells, err := scenarios.Load(ref, sets)
	if err != nil {
		return nil, nil, exitWith(exitUsage, err)
	}
	for _, c := range cells {
		w := c.Scenario.Workload
		if err := loadgen.ValidateOptions(w.Pattern, w.Options); err != nil {
			where := sc.Source
			if len(cells) > 1 {
				where += " (cell " + c.Name + ")"
			}
			return nil, nil, usagef("%s: workload: %v", where, err)
		}
		if c.Scenario.Target.Provider == "docker" || c.Scenario.Target.Topology != "standalone" {
			// Checked here so that validate says it before a run stands anything up.
			if msg := unsupported(c.Scenario); msg != "" {
				return nil, nil, usagef("%s: %s", sc.Source, msg)
			}
		}
	}
	return sc, cells, nil
}

// unsupported names scenario features this build cannot run yet.
func unsupported(s *scenarios.Scenario) string {
	if s.Target.Topology != "standalone" {
		return fmt.Sprintf("target.topology %s is not supported by this build yet", s.Target.Topology)
	}
	if s.Target.Provider == "docker" {
		return "target.provider docker is not supported by this build yet"
	}
	return ""
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
		sc, cells, err := load(ref, *sets)
		if err != nil {
			bad = append(bad, err.Error())
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
	format := fs.String("format", "text", "text|md|json")
	if err := fs.Parse(args); err != nil {
		return exitWith(exitUsage, err)
	}
	if fs.NArg() != 1 {
		return usagef("report takes one RUN_DIR (or result.json)")
	}
	res, err := report.ReadResult(fs.Arg(0))
	if err != nil {
		return exitWith(exitUsage, err)
	}
	if err := report.Render(stdout, res, *format); err != nil {
		return exitWith(exitUsage, err)
	}
	return nil
}

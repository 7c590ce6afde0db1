package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"
	"github.com/squall-bench/squall/chaos"
	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/loadgen"
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
	sc, cells, err := load(fs.Arg(0), all, *provider)
	if err != nil {
		return err
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
		AllowDestructive: *allowDestructive, KeepKeys: *keepKeys,
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
	case errors.Is(runErr, runner.ErrDestructive):
		return exitWith(exitUsage, runErr)
	default:
		return exitWith(exitInfra, runErr)
	}
}

// load parses a scenario and checks what only the load generator knows
// (pattern options), mapping every problem to exit code 2.
func load(ref string, sets []string, provider string) (*scenarios.Scenario, []scenarios.Cell, error) {
	sc, cells, err := scenarios.Load(ref, sets)
	if err != nil {
		return nil, nil, exitWith(exitUsage, err)
	}
	for _, c := range cells {
		w := c.Scenario.Workload
		if err := loadgen.ValidateOptions(w.Pattern, w.Options); err != nil {
			return nil, nil, exitWith(exitUsage, optionsError(c, len(cells) > 1, err))
		}
		t := c.Scenario.Target
		if provider != "" {
			t.Provider = provider
			if err := c.Scenario.CheckServers(provider); err != nil {
				return nil, nil, exitWith(exitUsage, err)
			}
		}
		if needs := runner.DockerNeeds(c); t.Provider == "auto" && t.Server != "" && len(needs) > 0 {
			return nil, nil, exitWith(exitUsage, c.Scenario.Errorf("target.server", "server %s runs on the process provider, but the scenario needs docker for %s", t.Server, strings.Join(needs, ", ")))
		}
		steps := make([]chaos.Step, len(c.Scenario.Chaos))
		for i, f := range c.Scenario.Chaos {
			steps[i] = chaos.Step{Action: f.Action, Target: f.Target, Params: f.Params, Duration: f.Duration.D()}
		}
		bad := chaos.Check(steps, chaos.Shape{Provider: t.Provider, Topology: t.Topology, Replicas: t.Replicas, Sentinels: t.Sentinels,
			Nodes: compose.NodeNames(t.Provider, t.Topology, t.Shards, t.Replicas, t.Sentinels, len(t.Addrs))})
		for i := range steps {
			if msg, ok := bad[i]; ok {
				if len(cells) > 1 {
					msg += " (matrix cell " + c.Name + ")"
				}
				return nil, nil, exitWith(exitUsage, c.Scenario.Errorf(fmt.Sprintf("chaos.%d.action", i), "%s %s: %s", steps[i].Action, steps[i].Target, msg))
			}
		}
		if t.TLS.On() {
			if err := runner.CheckTLS(t.TLS); err != nil { // the files are read now, not after the run directory is written
				return nil, nil, exitWith(exitUsage, c.Scenario.Errorf("target.tls", "%v", err))
			}
		}
	}
	return sc, cells, nil
}

// optionsError places each workload.options problem at its key in the
// scenario (file:line:col); one without a key goes at workload.options.
func optionsError(c scenarios.Cell, matrix bool, err error) error {
	var list loadgen.OptionErrors
	if !errors.As(err, &list) {
		return c.Scenario.Errorf("workload.pattern", "%v", err)
	}
	var out scenarios.ErrorList
	for _, e := range list {
		path := "workload.options"
		if e.Key != "" {
			path += "." + e.Key
		}
		msg := e.Msg
		if matrix {
			msg += " (in matrix cell " + c.Name + ")"
		}
		var one scenarios.ErrorList
		if errors.As(c.Scenario.Errorf(path, "%s", msg), &one) {
			out = append(out, one...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Line < out[j].Line || out[i].Line == out[j].Line && out[i].Col < out[j].Col
	})
	return out
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

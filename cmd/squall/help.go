package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"
)

// doc is what `squall help NAME` and `squall NAME --help` print for one
// command or subcommand.
type doc struct {
	args     string   // after "squall NAME": "SCENARIO [flags]"
	summary  string   // one line, for the command list
	text     string   // a paragraph or two under the usage line
	examples []string // command lines, each optionally followed by "  # comment"
}

// docs holds every command and subcommand by its full name ("target up").
// The command table in main.go dispatches; this is what help prints.
var docs = map[string]doc{
	"run": {
		args:    "SCENARIO [flags]",
		summary: "stand up the target, drive the load, inject faults, write the run directory",
		text: `SCENARIO is a YAML file or the name of a shipped scenario (squall list).
squall stands the target up, runs warmup, the measured phase and the drain,
injects the scenario's faults, tears everything down and writes
runs/<time>-<scenario>/ (result.json, report.html, summary.md, timeline.csv,
*.hlog). --set, --provider, --duration and --url combine in any order; a
flag and a --set of the same key are refused. List items are numbered from
0: --set chaos.0.at=3s is the first fault's time. --metrics-addr serves
live figures for Prometheus at http://HOST:PORT/metrics (docs/metrics.md).`,
		examples: []string{
			"squall run quickstart",
			"squall run quickstart --duration 60s --set workload.rate=20000",
			"squall run stream --url redis://10.0.0.5:6379   # your own Redis; password from REDISCLI_AUTH",
			"squall run failover-sentinel-stream --duration 8s --set chaos.0.at=3s",
			"squall run quickstart --duration 10m --metrics-addr 127.0.0.1:9464 --metrics-linger 15s   # watch it in Prometheus",
		},
	},
	"validate": {
		args:    "SCENARIO... [flags]",
		summary: "check scenarios (and their matrix cells) without running them",
		text: `Checks each SCENARIO as squall run would, with the same --set, --provider,
--duration and --url, and stands nothing up. Errors name file:line:col and
the key; exit 2 when any scenario is refused.`,
		examples: []string{
			"squall validate my-pipeline.yaml",
			"squall validate failover-cluster --provider process --duration 20s",
			"squall validate stream --url rediss://cache.example.com:6380",
		},
	},
	"report": {
		args:    "[RUN_DIR] [--format text|md|json|html]",
		summary: "render a finished run again (default: the latest run under runs/)",
		text: `RUN_DIR is a run directory or its result.json; without one, the newest
directory under ./runs is rendered. --format html needs the directory (it
draws timeline.csv and the *.hlog files).`,
		examples: []string{
			"squall report                     # the latest run, as text",
			"squall report runs/20250101-120000-quickstart --format md",
			"squall report --format html > report.html",
		},
	},
	"compare": {
		args:    "BASELINE NEW [--tolerance SPEC]... [--format text|md|junit]",
		summary: "regression gate: compare two runs per cell and metric; exit 1 on a regression",
		text: `BASELINE and NEW are run directories or result.json files, or each a
directory of run directories (base/1 … base/6), pooled as one side with
each run's repetitions its samples: a loop that runs the two builds
alternately cancels the machine's drift. Exit 0 when every gated metric
is within tolerance, 1 on a regression, 2 on bad input.`,
		examples: []string{
			"squall compare baseline/ new/",
			"for i in 1 2 3 4 5 6; do old/squall run quickstart --out base/$i; new/squall run quickstart --out new/$i; done; squall compare base/ new/",
			"squall compare baseline/ new/ --tolerance p99=20%,throughput=10%",
			"squall compare baseline/ new/ --format junit > compare.xml",
		},
	},
	"merge": {
		args:    "SHARD_DIR... --out DIR",
		summary: "one run directory from the shards of a split run (run --shard I/N)",
		text: `Each SHARD_DIR is the run directory one shard wrote (squall run --shard I/N
--start-at T, or an Indexed Job's JOB_COMPLETION_INDEX and SQUALL_SHARDS).
The merge adds histograms, reconciles the accounting across shards and
judges the objectives on the merged figures; its exit code is run's. Missing,
repeated or mismatched shards exit 2 and write nothing. See docs/sharding.md.`,
		examples: []string{
			"squall merge runs/shard-0 runs/shard-1 runs/shard-2 --out runs/merged",
			"squall merge /results/shard-* --out /results/merged && squall report /results/merged",
		},
	},
	"target": {
		args:    "up SCENARIO [flags] | down [RUN_ID]",
		summary: "stand a scenario's target up and leave it running, or tear it down",
		text: `Subcommands:
  up     stand a scenario's target up, print its addresses and the command
         that runs a scenario against it, and leave it running
  down   tear a target down (the only one up, or RUN_ID)`,
		examples: []string{
			"squall target up failover-sentinel-stream --provider process",
			"squall target down",
		},
	},
	"target up": {
		args:    "SCENARIO [flags]",
		summary: "stand a scenario's target up and leave it running",
		text: `Takes the flags squall run takes for the target (--set, --provider,
--duration, --url) and prints the nodes, how to reach them with redis-cli,
and the squall run command that drives a scenario against them.`,
		examples: []string{
			"squall target up quickstart",
			"squall target up failover-cluster --provider docker --set target.shards=5",
		},
	},
	"target down": {
		args:    "[RUN_ID]",
		summary: "tear down a target squall target up left running",
		examples: []string{
			"squall target down                 # the only target up",
			"squall target down 20250101-120000-3f2a",
		},
	},
	"list": {
		args:    "",
		summary: "shipped scenarios: topology, provider, length and what each measures",
		examples: []string{
			"squall list",
			"squall list | grep failover     # the shipped failover scenarios",
		},
	},
	"version": {
		args:     "",
		summary:  "print squall's module version and VCS revision (also --version)",
		examples: []string{"squall version", "squall --version"},
	},
	"help": {
		args:     "[COMMAND [SUBCOMMAND]]",
		summary:  "help for a command (also COMMAND --help)",
		examples: []string{"squall help run", "squall help target up"},
	},
}

// topLevel is the order squall's usage lists its commands in: the first
// hour's order, not the alphabet's.
var topLevel = []string{"run", "validate", "list", "report", "compare", "merge", "target", "version", "help"}

// usage is squall's overview: every command, and how to get more.
func usage(w io.Writer) {
	fmt.Fprintln(w, "squall benchmarks and chaos-tests Redis event pipelines.")
	fmt.Fprintln(w, "\nUsage:\n  squall COMMAND [ARGS] [flags]\n\nCommands:")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, n := range topLevel {
		fmt.Fprintf(tw, "  %s\t%s\n", n, docs[n].summary)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, `
Examples:
  squall run quickstart                          # a 20-second run on a local redis-server
  squall run stream --url redis://host:6379      # your own Redis (password from REDISCLI_AUTH)
  squall compare baseline/ new/                  # exit 1 when the new run regressed

Run 'squall help COMMAND' (or 'squall COMMAND --help') for a command's flags
and examples.

Exit codes: 0 objectives met, 1 objective or gate failed, 2 usage or scenario
error, 3 infrastructure error, 130 interrupted.`)
}

// help prints the help of the command or subcommand name, with fs's flags
// when it has any.
func help(w io.Writer, name string, fs *pflag.FlagSet) {
	d := docs[name]
	fmt.Fprintf(w, "%s\n\nUsage:\n  squall %s", capitalize(d.summary)+".", name)
	if d.args != "" {
		fmt.Fprint(w, " "+d.args)
	}
	fmt.Fprintln(w)
	if d.text != "" {
		fmt.Fprintln(w, "\n"+d.text)
	}
	if fs != nil && fs.HasFlags() {
		fmt.Fprintln(w, "\nFlags:")
		printFlags(w, fs)
	}
	if len(d.examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, e := range d.examples {
			fmt.Fprintln(w, "  "+e)
		}
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// placeholders name the value each flag takes in help: --set PATH=VALUE.
var placeholders = map[string]string{
	"set": "PATH=VALUE", "provider": "P", "duration": "D", "url": "URL",
	"out": "DIR", "tolerance": "SPEC", "format": "F",
}

// printFlags lists fs's flags as "--name VALUE  usage": a boolean takes no
// value, and VALUE is the back-quoted word of the usage or the type.
func printFlags(w io.Writer, fs *pflag.FlagSet) {
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		name, text := pflag.UnquoteUsage(f)
		if p, ok := placeholders[f.Name]; ok {
			name = p
		}
		flag := "--" + f.Name
		if f.Shorthand != "" {
			flag = "-" + f.Shorthand + ", " + flag
		}
		if name != "" {
			flag += " " + name
		}
		if f.Value.Type() == "stringArray" {
			text += " (repeatable)"
		}
		if d := f.DefValue; d != "" && d != "false" && d != "[]" && d != "0" {
			text += fmt.Sprintf(" (default %s)", d)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", flag, text)
	})
	_ = tw.Flush()
}

// helped is what a command returns after printing its help: exit 0.
var helped = &exitError{code: exitOK}

// flags returns the flag set of the command or subcommand name; parse
// parses into it.
func flags(name string, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // squall prints its own help, on stdout, for -h/--help
	fs.SortFlags = false
	return fs
}

// parse parses args into fs. -h or --help prints the command's help on
// stdout and returns helped; a bad flag is a usage error that says where
// the help is.
func parse(fs *pflag.FlagSet, args []string, stdout io.Writer) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pflag.ErrHelp):
		help(stdout, fs.Name(), fs)
		return helped
	}
	return usagef("%v (see squall help %s)", err, fs.Name())
}

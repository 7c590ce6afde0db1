// Command squall benchmarks and chaos-tests Redis event pipelines.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// Exit codes, as README.md lists them: users and CI scripts rely on them.
const (
	exitOK          = 0
	exitFailed      = 1 // an objective or a regression gate failed
	exitUsage       = 2 // usage or scenario error
	exitInfra       = 3 // target could not start, Redis unreachable
	exitInterrupted = 130
)

// exitError carries an exit code up to main; commands return it instead of
// calling os.Exit so that they stay testable.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitWith(code int, err error) error { return &exitError{code, err} }

func usagef(format string, a ...any) error { return exitWith(exitUsage, fmt.Errorf(format, a...)) }

// command is one subcommand of the table below.
type command struct {
	usage   string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"run":      {"run SCENARIO [flags]", "stand up the target, drive the load, inject faults, write the run directory", cmdRun},
		"validate": {"validate SCENARIO...", "check scenarios (and their matrix cells) without running them", cmdValidate},
		"report":   {"report RUN_DIR [--format text|md|json|html]", "render a finished run again", cmdReport},
		"target":   {"target up SCENARIO | target down [RUN_ID]", "stand a scenario's target up and leave it running, or tear it down", cmdTarget},
		"compare":  {"compare BASELINE NEW [--tolerance SPEC]", "regression gate: compare two runs per cell and metric (--format text|md|junit)", cmdCompare},
		"merge":    {"merge SHARD_DIR... --out DIR", "one run directory from the shards of a split run (run --shard I/N)", cmdMerge},
		"list":     {"list", "shipped scenarios with one-line descriptions", cmdList},
		"version":  {"version", "print the version", cmdVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills at once; child servers die with us (Pdeathsig)
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches args to a subcommand and maps its error to an exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	redis.SetLogger(quietLogger{}) // go-redis logs dial retries to stderr; squall reports errors itself
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "squall: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	err := cmd.run(ctx, args[1:], stdout, stderr)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.code != exitFailed && ee.err != nil {
			fmt.Fprintf(stderr, "squall %s: %v\n", args[0], ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "squall %s: %v\n", args[0], err)
	return exitInfra
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "squall benchmarks and chaos-tests Redis event pipelines.\n\nUsage:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  squall %-42s %s\n", commands[n].usage, commands[n].summary)
	}
	fmt.Fprintln(w, "\nExit codes: 0 objectives met, 1 objective or gate failed, 2 usage or scenario error,\n3 infrastructure error, 130 interrupted.")
}

func cmdVersion(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return usagef("version takes no arguments")
	}
	fmt.Fprintln(stdout, "squall", version())
	return nil
}

// version is the module version when built from a tagged module, else the
// VCS revision, else "dev".
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "dev-" + rev
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

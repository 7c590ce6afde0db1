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
	"strings"
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

// commands dispatches squall's subcommands; help.go's docs say what each
// one does.
var commands map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error

func init() {
	commands = map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"run":      cmdRun,
		"validate": cmdValidate,
		"report":   cmdReport,
		"target":   cmdTarget,
		"compare":  cmdCompare,
		"merge":    cmdMerge,
		"list":     cmdList,
		"version":  cmdVersion,
		"help":     cmdHelp,
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
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "--help":
		name = "help"
	case "--version":
		name = "version"
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "squall: unknown command %q\n\n", name)
		usage(stderr)
		return exitUsage
	}
	err := cmd(ctx, args[1:], stdout, stderr)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.code != exitFailed && ee.err != nil {
			fmt.Fprintf(stderr, "squall %s: %v\n", name, ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "squall %s: %v\n", name, err)
	return exitInfra
}

// cmdHelp prints squall's usage, or a command's help as CMD --help does.
func cmdHelp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) == 0:
		usage(stdout)
		return nil
	case args[0] == "help" || args[0] == "-h" || args[0] == "--help":
		help(stdout, "help", nil)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok || len(args) > 2 {
		return usagef("no help for %q; the commands are %s", strings.Join(args, " "), strings.Join(topLevel, ", "))
	}
	return cmd(ctx, append(args[1:], "--help"), stdout, stderr)
}

func cmdVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("version", stderr)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("version takes no arguments")
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionLine(bi))
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

// versionLine is what squall version prints: the module version and the
// VCS revision it was built from, both from the build info.
func versionLine(bi *debug.BuildInfo) string {
	if bi == nil {
		return "squall dev (no build info)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	rev, when, dirty := "", "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	var parts []string
	switch {
	case rev == "":
		parts = append(parts, "revision unknown (not built from a checkout)")
	case dirty:
		parts = append(parts, "revision "+rev+" with local changes")
	default:
		parts = append(parts, "revision "+rev)
	}
	if when != "" {
		parts = append(parts, "committed "+when)
	}
	parts = append(parts, bi.GoVersion)
	return fmt.Sprintf("squall %s (%s)", v, strings.Join(parts, ", "))
}

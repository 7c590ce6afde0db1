// Command bench measures squall's load generator side by side with
// redis-benchmark on one local redis-server, and checks its pacing and its
// memory over a long run.
//
//	go run ./scripts/bench [--squall bin/squall] [--seconds 4] [--rounds 2]   # the comparison table (~4 min)
//	go run ./scripts/bench --only set --pipeline 16 --rounds 6       # only the SET rows at pipeline 16, no end-to-end rows
//	go run ./scripts/bench --pacing                              # open-loop rate accuracy and pacer CPU (~30 s)
//	go run ./scripts/bench --soak 10m                            # RSS after 1 minute and at the end, at 50,000 events/s
//	go run ./scripts/bench --scale                               # send delay, service time, CPU and RSS against rate, producers, keys, subscribers, payload (~3 min)
//	go run ./scripts/bench --gate --seconds 5 --repeat 6,12      # compare's false-alarm and detection rates: 100 repetitions of identical code, sides drawn interleaved (paired), back to back and apart (~11 min)
//	go run ./scripts/bench --docker                              # one squall scenario on processes and on containers (direct, published), ~6 min
//
// It starts redis-server on a free 127.0.0.1 port with persistence off, in a
// temp dir; both are gone when it exits, also on Ctrl-C (and the server
// dies with it even when it is killed). The comparison alternates the tools
// on each piece of work, --rounds times, and prints a Markdown table with
// each tool's best round (other load on the machine only ever slows a run
// down): ops/s of each, their ratio, each tool's client CPU per operation
// (user+sys from rusage) and squall's peak RSS.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Stdout, os.Stderr, os.Args[1:])
	switch {
	case err != nil && ctx.Err() != nil:
		fmt.Fprintln(os.Stderr, "bench: interrupted; the server is stopped and the temp dir removed")
		os.Exit(130)
	case err != nil:
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	squall   string
	seconds  int
	rounds   int
	pacing   bool
	scale    bool
	docker   bool
	soak     time.Duration
	keep     bool
	only     string
	pipes    []int
	cpus     int
	gate     bool
	gatePool int
	gateFrom string
	gateTol  string
	alpha    float64
	repeats  []int
	// rssLimit stops a --scale run whose squall grows past it (bytes; 0:
	// no limit), so a row that needs more memory than the machine has
	// does not take the machine down.
	rssLimit int64
}

func run(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	var o options
	fs := pflag.NewFlagSet("bench", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.squall, "squall", "", "squall binary (default: build one into the temp dir)")
	fs.IntVar(&o.seconds, "seconds", 4, "measured seconds per run")
	fs.IntVar(&o.rounds, "rounds", 2, "runs of each tool per piece of work, alternating; the table keeps each tool's best")
	fs.BoolVar(&o.pacing, "pacing", false, "check the open-loop pacer from 100/s to 200,000/s instead")
	fs.BoolVar(&o.scale, "scale", false, "measure send delay, service time, CPU and RSS against rate, producers, keys, subscribers and payload instead")
	rssMiB := fs.Int64("rss-limit", 4096, "--scale: stop a run whose squall RSS passes this many MiB (0: no limit)")
	fs.BoolVar(&o.docker, "docker", false, "run one squall scenario on a process target and on docker targets (direct, published) instead, alternating, and print the ratios")
	fs.DurationVar(&o.soak, "soak", 0, "run squall at 50,000 events/s for this long and compare its RSS after 1 minute with the end")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp dir (run directories, server log)")
	fs.StringVar(&o.only, "only", "", "run only the works whose label contains this (case-insensitive, e.g. set), and skip the end-to-end rows")
	fs.IntSliceVar(&o.pipes, "pipeline", []int{1, 16}, "pipeline depths to run")
	fs.BoolVar(&o.gate, "gate", false, "measure squall compare's defaults instead: false alarms over pairs of identical runs, and detection of a seeded 10% throughput drop and 25% p99 rise")
	fs.IntVar(&o.gatePool, "gate-pool", 100, "--gate: repetitions of the quickstart to draw comparisons from (one squall run --repeat, at most 100)")
	fs.IntSliceVar(&o.repeats, "repeat", []int{6}, "--gate: repetitions a side of the comparisons to measure (a list measures each)")
	fs.StringVar(&o.gateFrom, "gate-from", "", "--gate: analyse a kept pool (a run directory, or run directories under it, oldest first) instead of running")
	fs.StringVar(&o.gateTol, "tolerance", "", "--gate: squall compare --tolerance to measure (default: compare's defaults)")
	fs.Float64Var(&o.alpha, "alpha", 0, "--gate: squall compare --alpha to measure (default: compare's)")
	fs.IntVar(&o.cpus, "cpus", 0, "cores squall's generator runs on (client.cpus; 0: squall's default, one core left to the server)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.rssLimit = *rssMiB << 20
	if o.seconds < 1 || o.rounds < 1 {
		return errors.New("--seconds and --rounds must be at least 1")
	}
	dir, err := os.MkdirTemp("", "squall-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintf(stderr, "keeping %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if o.squall == "" {
		o.squall = dir + "/squall"
		fmt.Fprintln(stderr, "building squall...")
		if err := command(ctx, "go", "build", "-o", o.squall, "github.com/squall-bench/squall/cmd/squall").Run(); err != nil {
			return fmt.Errorf("building squall: %w", err)
		}
	}
	if o.gate {
		return (&bench{o: o, dir: dir, stderr: stderr, args: args}).gateRun(ctx, stdout)
	}
	srv, err := startServer(ctx, dir)
	if err != nil {
		return err
	}
	defer srv.stop()
	b := &bench{o: o, dir: dir, srv: srv, stderr: stderr}
	switch {
	case o.soak > 0:
		return b.soakRun(ctx, stdout)
	case o.pacing:
		return b.pacingRun(ctx, stdout)
	case o.scale:
		return b.scaleRun(ctx, stdout)
	case o.docker:
		return b.dockerRun(ctx, stdout)
	}
	return b.compare(ctx, stdout)
}

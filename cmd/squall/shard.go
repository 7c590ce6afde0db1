package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/squall-bench/squall/report"
	"github.com/squall-bench/squall/runner"
)

// shardOf reads which shard this process runs: --shard I/N, or, without
// it, a Kubernetes Indexed Job's JOB_COMPLETION_INDEX with SQUALL_SHARDS;
// the common start from --start-at or SQUALL_START_AT. nil: not sharded.
func shardOf(flag, startAt string, env func(string) (string, bool)) (*runner.Shard, error) {
	from := "--shard"
	if flag == "" {
		idx, okIdx := env("JOB_COMPLETION_INDEX")
		n, okN := env("SQUALL_SHARDS")
		switch {
		case !okIdx && !okN:
			if startAt != "" {
				return nil, fmt.Errorf("--start-at is for a sharded run: give --shard I/N too")
			}
			return nil, nil
		case !okN:
			return nil, fmt.Errorf("JOB_COMPLETION_INDEX is set (%q) but SQUALL_SHARDS is not: set it to the Job's completions", idx)
		case !okIdx:
			return nil, fmt.Errorf("SQUALL_SHARDS is set (%q) but JOB_COMPLETION_INDEX is not: use --shard I/N outside an Indexed Job", n)
		}
		flag, from = idx+"/"+n, "JOB_COMPLETION_INDEX/SQUALL_SHARDS"
	}
	i, n, ok := strings.Cut(flag, "/")
	index, err1 := strconv.Atoi(strings.TrimSpace(i))
	count, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil || count < 1 || index < 0 || index >= count || count > 10_000 {
		return nil, fmt.Errorf("%s: expected I/N with 0 <= I < N <= 10000, got %q", from, flag)
	}
	if startAt == "" {
		startAt, _ = env("SQUALL_START_AT")
	}
	if startAt == "" {
		return nil, fmt.Errorf("%s needs the common start: --start-at RFC3339 (or SQUALL_START_AT), e.g. --start-at %s",
			from, time.Now().Add(time.Minute).UTC().Format(time.RFC3339))
	}
	t, err := time.Parse(time.RFC3339Nano, startAt)
	if err != nil {
		return nil, fmt.Errorf("--start-at: expected RFC3339 (2006-01-02T15:04:05Z), got %q", startAt)
	}
	return &runner.Shard{Index: index, Count: count, StartAt: t}, nil
}

func cmdMerge(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("merge", stderr)
	out := fs.String("out", "", "the merged run directory (required)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if *out == "" {
		return usagef("merge needs --out DIR: where to write the merged run directory")
	}
	if fs.NArg() == 0 {
		return usagef("merge takes the run directories of every shard: squall merge SHARD_DIR... --out DIR")
	}
	res, err := runner.Merge(fs.Args(), *out, runner.Options{Version: version(), Stderr: stderr})
	if res != nil {
		_ = report.Text(stdout, res)
		fmt.Fprintf(stdout, "\nresults: %s  (merged from %d shards)\n", *out, len(res.Shards))
	}
	switch {
	case err == nil && res.Pass:
		return nil
	case err == nil:
		return exitWith(exitFailed, errors.New("objectives failed"))
	case errors.Is(err, runner.ErrMerge):
		return exitWith(exitUsage, err)
	case errors.Is(err, runner.ErrInterrupted):
		return exitWith(exitInterrupted, err)
	default:
		return exitWith(exitInfra, err)
	}
}

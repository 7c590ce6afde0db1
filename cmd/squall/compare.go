package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/squall-bench/squall/compare"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/rundir"
)

// cmdCompare is the CI regression gate: exit 0 within tolerance, 1 on a
// regression, 2 when the inputs or flags are wrong.
func cmdCompare(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("compare", stderr)
	tols := fs.StringArray("tolerance", nil, "allowed worsening per metric, like p99=10%,throughput=5%,lost=0, over the defaults "+compare.DefaultToleranceSpec)
	format := fs.String("format", "text", "output format: "+strings.Join(compare.CompareFormats, ", "))
	alpha := fs.Float64("alpha", compare.DefaultAlpha, "significance level of each cell between repeated runs (run --repeat): its gated metrics share it (Holm's correction)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("compare takes BASELINE and NEW (run directories, result.json files, or directories of run directories), got %d argument(s)", fs.NArg())
	}
	if !slices.Contains(compare.CompareFormats, *format) {
		return usagef("--format: expected %s, got %q", strings.Join(compare.CompareFormats, ", "), *format)
	}
	tol, err := compare.ParseTolerances(strings.Join(*tols, ","))
	if err != nil {
		return usagef("--tolerance: %v", err)
	}
	if !(*alpha > 0 && *alpha < 1) {
		return usagef("--alpha: expected a level between 0 and 1 like 0.05, got %g", *alpha)
	}
	tol.Alpha = *alpha
	base, err := rundir.ReadSide(fs.Arg(0))
	if err != nil {
		return usagef("baseline: %v", err)
	}
	cur, err := rundir.ReadSide(fs.Arg(1))
	if err != nil {
		return usagef("new: %v", err)
	}
	// Runs made turn about pair up: judged pair by pair, the drift both
	// sides saw cancels.
	tol.Paired = rundir.Interleaved(base, cur)
	cmp := compare.Compare(base.Result, cur.Result, tol)
	cmp.Baseline.Label, cmp.New.Label = fs.Arg(0), fs.Arg(1)
	if cmp.Matched() == 0 && !cmp.Regressed() {
		// A gate that compared nothing must not pass.
		return usagef("nothing to compare: the baseline's cells (%s) and the new run's (%s) have no name in common",
			cellNames(base.Result), cellNames(cur.Result))
	}
	if err := compare.RenderComparison(stdout, cmp, *format); err != nil {
		return err
	}
	if *format != "text" { // stdout is for a file or a comment; the CI log still gets the verdict
		fmt.Fprintln(stderr, cmp.Headline())
	}
	if cmp.Regressed() {
		return exitWith(exitFailed, errors.New("regression beyond tolerance"))
	}
	return nil
}

func cellNames(r *result.Result) string {
	if len(r.Cells) == 0 {
		return "none"
	}
	names := make([]string, len(r.Cells))
	for i, c := range r.Cells {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

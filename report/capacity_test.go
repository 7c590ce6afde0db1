package report

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/result/resulttest"
)

func TestCapacityGolden(t *testing.T) {
	resulttest.Golden(t, "text-capacity.golden", render(t, textOf, resulttest.CapacityResult()))
	resulttest.Golden(t, "md-capacity.golden", render(t, markdownOf, resulttest.CapacityResult()))
}

func TestCapacityVerdict(t *testing.T) {
	last := func(r *result.Result) string {
		lines := strings.Split(strings.TrimRight(string(render(t, textOf, r)), "\n"), "\n")
		return lines[len(lines)-1]
	}
	r := resulttest.CapacityResult()
	if !r.Pass {
		t.Error("a search whose lowest rate met the objective must pass")
	}
	if got, want := last(r), "PASS: capacity search: 32,000/s is the highest rate meeting e2e_p99 <= 10ms"; got != want {
		t.Errorf("verdict %q, want %q", got, want)
	}
	if md := string(render(t, markdownOf, r)); !strings.HasPrefix(md, "### ✅ PASS: capacity search") {
		t.Errorf("markdown verdict:\n%s", md)
	}

	// The lowest rate missed: the run fails, and says which objective.
	r = resulttest.CapacityResult()
	r.Cells, r.Capacity.Points = r.Cells[5:], r.Capacity.Points[5:]
	r.Capacity.MaxRate, r.Capacity.KneeRate = 0, 0
	if result.CapacityPass(r) {
		t.Error("a search whose lowest rate missed the objective must fail")
	}
	out := string(render(t, textOf, r))
	for _, want := range []string{
		"max rate    none: the lowest rate missed the objective\n",
		"knee        none: a knee needs two rates with latency figures\n",
		"FAIL: capacity search: the lowest rate, 64,000/s, missed e2e_p99\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}

	// Several rates and no knee: the curve stayed low.
	r = resulttest.CapacityResult()
	r.Capacity.KneeRate = 0
	if out := string(render(t, textOf, r)); !strings.Contains(out, "knee        none: p99 stayed under 4x its low-rate level\n") {
		t.Errorf("no knee over several rates:\n%s", out)
	}

	// A search cut short is judged like any run that did not complete.
	r = resulttest.CapacityResult()
	r.Error, r.Interrupted = "interrupted: stopped after 2.0s of the measured phase; partial results kept", true
	if result.CapacityPass(r) || !strings.HasPrefix(last(r), "INTERRUPTED") {
		t.Errorf("interrupted search: pass %v, last line %q", result.CapacityPass(r), last(r))
	}
}

// A bisecting search tries rates out of order; the tables read by rate.
func TestCapacityRowsByRate(t *testing.T) {
	r := resulttest.CapacityResult()
	pts := r.Capacity.Points
	pts[3], pts[5] = pts[5], pts[3]
	out := string(render(t, textOf, r))
	i16, i64 := strings.Index(out, "rate=16000  16,000/s"), strings.Index(out, "rate=64000  64,000/s")
	if i16 < 0 || i64 < 0 || i16 > i64 {
		t.Errorf("capacity rows not in rate order:\n%s", out)
	}
	for i, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > 80 {
			t.Errorf("line %d is %d columns: %q", i+1, n, line)
		}
	}
}

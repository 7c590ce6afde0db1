package report

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/result/resulttest"
)

// capacityResult is a step search of a stream pipeline from 2,000/s to
// 64,000/s by e2e_p99 <= 10ms: 32,000/s is the highest rate that met it,
// p99 passed 4x its low-rate level after 16,000/s, and 64,000/s missed it.
func capacityResult() *result.Result {
	type step struct {
		rate, acked float64
		p50, p99    int64
	}
	steps := []step{
		{2000, 2000, 310, 1_100},
		{4000, 4000, 290, 900},
		{8000, 7999.8, 330, 1_300},
		{16000, 15998.1, 420, 1_800},
		{32000, 31990.4, 910, 4_200},
		{64000, 41022.7, 380_000, 1_910_000},
	}
	r := &result.Result{Schema: result.Schema, Version: "v0.1.0", Scenario: "capacity", StartedAt: "2025-11-24T18:00:00Z",
		Capacity: &result.Capacity{Objective: "e2e_p99 <= 10ms", MaxRate: 32000, KneeRate: 16000}}
	for _, s := range steps {
		name := "rate=" + strconv.FormatFloat(s.rate, 'f', -1, 64)
		lat := result.Summary{Count: int64(s.acked * 5), Min: 90, Mean: float64(s.p50) * 1.2, P50: s.p50, P90: s.p99 / 2, P99: s.p99, P999: s.p99 * 2, Max: s.p99 * 3}
		c := result.Cell{
			Name:       name,
			Params:     map[string]string{"workload.rate": strconv.FormatFloat(s.rate, 'f', -1, 64)},
			Target:     result.TargetInfo{Provider: "process", Topology: "standalone", Persistence: "none", RedisVersion: "7.2.4"},
			Workload:   result.WorkloadInfo{Pattern: "stream", Producers: 4, Consumers: 4, Rate: s.rate, Payload: "256", Keys: 4, Pipeline: 1},
			DurationS:  5,
			Throughput: result.Throughput{SentPerS: s.rate, AckedPerS: s.acked, ReceivedPerS: s.acked},
			Latency:    result.Latencies{Publish: lat, EndToEnd: lat, SendDelay: result.Summary{Count: int64(s.rate * 5), Mean: 4, P50: 3, P90: 9, P99: 40, P999: 210, Max: 900}},
			Events:     result.Events{Sent: int64(s.rate * 5), Acked: int64(s.acked * 5), Received: int64(s.acked * 5)},
			Errors:     map[string]int64{},
			Faults:     []result.FaultResult{},
		}
		c.SLO = result.CheckSLO(&c, []result.Objective{{Name: "e2e_p99", Limit: "10ms", Value: 10_000}})
		c.Pass = resulttest.AllPass(c.SLO)
		r.Cells = append(r.Cells, c)
		r.Capacity.Points = append(r.Capacity.Points, result.CapacityPoint{Cell: name, Rate: s.rate, AckedPerS: s.acked,
			P50us: s.p50, P99us: s.p99, Pass: c.Pass})
	}
	r.Pass = result.CapacityPass(r)
	return r
}

func TestCapacityGolden(t *testing.T) {
	resulttest.Golden(t, "text-capacity.golden", render(t, textOf, capacityResult()))
	resulttest.Golden(t, "md-capacity.golden", render(t, markdownOf, capacityResult()))
}

func TestCapacityVerdict(t *testing.T) {
	last := func(r *result.Result) string {
		lines := strings.Split(strings.TrimRight(string(render(t, textOf, r)), "\n"), "\n")
		return lines[len(lines)-1]
	}
	r := capacityResult()
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
	r = capacityResult()
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
	r = capacityResult()
	r.Capacity.KneeRate = 0
	if out := string(render(t, textOf, r)); !strings.Contains(out, "knee        none: p99 stayed under 4x its low-rate level\n") {
		t.Errorf("no knee over several rates:\n%s", out)
	}

	// A search cut short is judged like any run that did not complete.
	r = capacityResult()
	r.Error, r.Interrupted = "interrupted: stopped after 2.0s of the measured phase; partial results kept", true
	if result.CapacityPass(r) || !strings.HasPrefix(last(r), "INTERRUPTED") {
		t.Errorf("interrupted search: pass %v, last line %q", result.CapacityPass(r), last(r))
	}
}

// A bisecting search tries rates out of order; the tables read by rate.
func TestCapacityRowsByRate(t *testing.T) {
	r := capacityResult()
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

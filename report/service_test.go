package report

import (
	"testing"

	"github.com/squall-bench/squall/result"
)

func TestLatencySplit(t *testing.T) {
	sum := func(count, p99 int64) result.Summary { return result.Summary{Count: count, P99: p99} }
	for _, tc := range []struct {
		name            string
		pub, svc, delay result.Summary
		path            string
		want            string
	}{
		{"Redis dominates", sum(10, 812), sum(10, 760), sum(10, 52), "",
			"publish p99 812µs, of which service 760µs: Redis's service time dominates"},
		{"the generator lags", sum(10, 2100), sum(10, 300), sum(10, 1800), "",
			"publish p99 2.1ms, of which service 300µs: the generator's lag (send delay p99 1.8ms) dominates"},
		{"a tie goes to Redis", sum(10, 900), sum(10, 450), sum(10, 450), "",
			"publish p99 900µs, of which service 450µs: Redis's service time dominates"},
		{"network faults on the path", sum(10, 252000), sum(10, 157000), sum(10, 150000), "proxy",
			"publish p99 252ms, of which service 157ms: the round trip dominates (Redis's service time and the network faults on the path)"},
		{"no service recorded (an older result)", sum(10, 812), result.Summary{}, sum(10, 52), "", ""},
		{"nothing acked", result.Summary{}, result.Summary{}, sum(10, 52), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &result.Cell{Latency: result.Latencies{Publish: tc.pub, Service: tc.svc, SendDelay: tc.delay}, Target: result.TargetInfo{DataPath: tc.path}}
			if got := latencySplit(c); got != tc.want {
				t.Errorf("latencySplit = %q, want %q", got, tc.want)
			}
		})
	}
}

package report

import (
	"fmt"

	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/result"
)

// latencySplit says how much of the publish latency (intended send →
// reply) was Redis's own service time (actual send → reply) and how much
// the wait before the send (send delay), at p99, and which of the two
// dominates: "publish p99 2.1ms, of which service 300µs: the generator's
// lag (send delay p99 1.8ms) dominates". Of the two parts, the one with
// the larger p99 dominates (percentiles do not add up, so the parts are
// compared with each other, not with publish). Empty when either was not
// recorded. With network faults on the path (data path proxy) service is
// the round trip they slowed, not Redis's own time alone.
func latencySplit(c *result.Cell) string {
	pub, svc, sd := c.Latency.Publish, c.Latency.Service, c.Latency.SendDelay
	if pub.Count == 0 || svc.Count == 0 {
		return ""
	}
	head := fmt.Sprintf("publish p99 %s, of which service %s: ", units.FormatMicros(float64(pub.P99)), units.FormatMicros(float64(svc.P99)))
	if svc.P99 >= sd.P99 && c.Target.DataPath == "proxy" {
		return head + "the round trip dominates (Redis's service time and the network faults on the path)"
	}
	if svc.P99 >= sd.P99 {
		return head + "Redis's service time dominates"
	}
	return head + fmt.Sprintf("the generator's lag (send delay p99 %s) dominates", units.FormatMicros(float64(sd.P99)))
}

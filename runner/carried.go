package runner

import (
	"context"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/scenarios"
)

// Throughput is what was carried, not what was offered: operations that
// completed inside the measured window, counted by the timeline's rows up
// to the clock's tick at the end of the phase, divided by the window's
// length. What was busy meanwhile is sampled here, for
// result.FindSaturation to name the likely limit of a cell that carried
// less than it was offered.

// carried sums the measured window's rows: its length in seconds and what
// completed in it.
func carried(rows []record.Second) (secs float64, sent, acked, received int64) {
	for _, r := range rows {
		secs += r.Dt
		sent += r.Sent
		acked += r.Acked
		received += r.Received
	}
	return secs, sent, acked, received
}

// fillThroughput sets the cell's measured length and what it carried in
// the measured window's rows, and what the schedule offered.
func fillThroughput(rc *result.Cell, s *scenarios.Scenario, window []record.Second) {
	secs, sent, acked, received := carried(window)
	rc.DurationS = result.Round3(secs)
	if !s.Workload.Rate.Max {
		rc.Throughput.OfferedPerS = result.Round3(s.Workload.Rate.PerSecond)
	}
	if secs > 0 {
		rc.Throughput.SentPerS = result.Round3(float64(sent) / secs)
		rc.Throughput.AckedPerS = result.Round3(float64(acked) / secs)
		rc.Throughput.ReceivedPerS = result.Round3(float64(received) / secs)
	}
}

// cpuSample is one reading of the counters usage is the difference of.
type cpuSample struct {
	at     time.Time
	redis  map[string]float64 // per primary: used_cpu_sys + used_cpu_user, seconds
	client time.Duration
	wait   time.Duration
}

// sampleUsage reads the counters at the start and at the end of the
// measured window (or when ctx ends, for a run cut short) and returns what
// was busy in between; it runs beside the load.
func sampleUsage(ctx context.Context, tg *compose.Target, gen *loadgen.Generator, begin, end time.Time) <-chan result.Usage {
	out := make(chan result.Usage, 1)
	go func() {
		defer close(out)
		if !sleepUntil(ctx, begin) {
			return
		}
		a := readUsage(ctx, tg, gen)
		sleepUntil(ctx, end)
		b := readUsage(context.WithoutCancel(ctx), tg, gen)
		u := result.Usage{RedisCPU: -1, ClientCPU: (b.client - a.client).Seconds() / b.at.Sub(a.at).Seconds(),
			Wait: b.wait - a.wait, Secs: b.at.Sub(a.at).Seconds()}
		for name, before := range a.redis {
			if after, ok := b.redis[name]; ok && u.Secs > 0 {
				u.RedisCPU = max(u.RedisCPU, (after-before)/u.Secs)
			}
		}
		out <- u
	}()
	return out
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

func readUsage(ctx context.Context, tg *compose.Target, gen *loadgen.Generator) cpuSample {
	s := cpuSample{at: time.Now(), redis: map[string]float64{}, wait: gen.ProducerWait()}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.client = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	for _, n := range tg.DataNodes() {
		if n.Role != "primary" && n.Role != "spare" { // a spare joined by add-shard is a primary
			continue
		}
		c := tg.NodeClient(n)
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		info, err := c.Info(cctx, "cpu").Result()
		cancel()
		c.Close()
		if err != nil {
			continue
		}
		var cpu float64
		for _, line := range strings.Split(info, "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
			if ok && (k == "used_cpu_sys" || k == "used_cpu_user") {
				f, _ := strconv.ParseFloat(v, 64)
				cpu += f
			}
		}
		s.redis[n.Name] = cpu
	}
	return s
}

package runner

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/report"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/scenarios"
)

// Throughput is what was carried, not what was offered: operations that
// completed inside the measured window, counted by the timeline's rows up
// to the clock's tick at the end of the phase, divided by the window's
// length. When a cell carried clearly less than it was offered, the cell
// says so and names the likely limit, from what was busy during the window:
// Redis's main thread, squall's own cores, or the producer connections
// (every one waiting on a reply).

// shortfall is how far below offered carried throughput must fall to
// count as saturation: the window's edges alone move a steady run by a
// fraction of a percent, so 10% is a real shortfall.
const shortfall = 0.9

// busyShare is the share of a core (Redis) or of squall's cores above
// which that side counts as the limit.
const busyShare = 0.85

// carried sums the measured window's rows: its length in seconds and what
// completed in it.
func carried(rows []report.Second) (secs float64, sent, acked, received int64) {
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
func fillThroughput(rc *result.Cell, s *scenarios.Scenario, window []report.Second) {
	secs, sent, acked, received := carried(window)
	rc.DurationS = round3(secs)
	if !s.Workload.Rate.Max {
		rc.Throughput.OfferedPerS = round3(s.Workload.Rate.PerSecond)
	}
	if secs > 0 {
		rc.Throughput.SentPerS = round3(float64(sent) / secs)
		rc.Throughput.AckedPerS = round3(float64(acked) / secs)
		rc.Throughput.ReceivedPerS = round3(float64(received) / secs)
	}
}

// usage is what was busy during the measured window.
type usage struct {
	redisCPU  float64       // the busiest primary's CPU, in cores; -1 unknown
	clientCPU float64       // squall's CPU, in cores
	wait      time.Duration // producers' time waiting for replies, summed
	secs      float64       // the window the figures cover
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
func sampleUsage(ctx context.Context, tg *compose.Target, gen *loadgen.Generator, begin, end time.Time) <-chan usage {
	out := make(chan usage, 1)
	go func() {
		defer close(out)
		if !sleepUntil(ctx, begin) {
			return
		}
		a := readUsage(ctx, tg, gen)
		sleepUntil(ctx, end)
		b := readUsage(context.WithoutCancel(ctx), tg, gen)
		u := usage{redisCPU: -1, clientCPU: (b.client - a.client).Seconds() / b.at.Sub(a.at).Seconds(),
			wait: b.wait - a.wait, secs: b.at.Sub(a.at).Seconds()}
		for name, before := range a.redis {
			if after, ok := b.redis[name]; ok && u.secs > 0 {
				u.redisCPU = max(u.redisCPU, (after-before)/u.secs)
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
		if n.Role != "primary" {
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

// saturation returns the cell's saturation finding and its note, or nil
// when it carried (nearly) what it was offered or had no schedule.
func saturation(s *scenarios.Scenario, tp result.Throughput, ev result.Events, u usage, cores int) (*result.Saturation, string) {
	offered := tp.OfferedPerS
	got, what := tp.AckedPerS, "acknowledged"
	if s.Workload.Consumers > 0 && tp.ReceivedPerS < got {
		got, what = tp.ReceivedPerS, "received"
	}
	if offered <= 0 || got >= shortfall*offered {
		return nil, ""
	}
	w := s.Workload
	sat := &result.Saturation{CarriedRatio: round3(got / offered), RedisCPU: round3(u.redisCPU),
		ClientCPU: round3(u.clientCPU), ClientCores: cores}
	producersShort := tp.AckedPerS < shortfall*offered
	var why string
	switch {
	case u.redisCPU >= busyShare:
		sat.Limit = "redis"
		why = fmt.Sprintf("Redis: its busiest primary used %.0f%% of a core over the measured window, and Redis runs commands on one thread", 100*u.redisCPU)
	case u.clientCPU >= busyShare*float64(cores):
		sat.Limit = "generator"
		why = fmt.Sprintf("the generator: squall used %.2g of the %d %s it ran on (client.cpus); give it more cores or run it on another machine",
			u.clientCPU, cores, units.Plural(int64(cores), "core", "cores"))
	case len(s.Chaos) > 0:
		sat.Limit = "faults"
		why = "the faults: neither Redis nor squall was busy, so the shortfall is the outages'"
	case producersShort:
		sat.Limit = "concurrency"
		busy := 0.0
		if u.secs > 0 {
			busy = u.wait.Seconds() / u.secs / float64(w.Producers)
		}
		why = fmt.Sprintf("the producers' concurrency: the producer %s (%d, pipeline %d) had a round trip in flight %.0f%% of the time, so no more events could be sent at this latency; add producers or pipeline depth",
			units.Plural(int64(w.Producers), "connection", "connections"), w.Producers, w.Pipeline, 100*min(busy, 1))
	default:
		sat.Limit = "consumers"
		why = fmt.Sprintf("the consumers: Redis took the writes but %d %s (options.batch) did not keep up; add consumers or a larger batch",
			w.Consumers, units.Plural(int64(w.Consumers), "consumer", "consumers"))
	}
	note := fmt.Sprintf("saturated: carried %s events/s %s of the %s/s offered (%.0f%%)",
		units.FormatCount(int64(got+0.5)), what, units.FormatCount(int64(offered+0.5)), 100*got/offered)
	if ev.Dropped > 0 {
		note += fmt.Sprintf("; %s events fell due but were never sent (dropped)", units.FormatCount(ev.Dropped))
	}
	return sat, note + ". Likely limit: " + why
}

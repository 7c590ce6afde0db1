package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// scaleWork is one row of the scale table: one dimension at one value,
// everything else at the dimension's base load.
type scaleWork struct {
	dim, value, work string
	sets             []string
	goal             func(r scaleRow, rows []scaleRow) string // "" when the issue sets none for the row
}

// scaleRow is what one squall run of a scaleWork measured.
type scaleRow struct {
	w                   scaleWork
	offered, carried    float64 // events/s; carried is received/s with consumers, else acked/s
	delayP50, delayP99  int64   // send delay, µs
	serviceP50, pubP50  int64   // µs
	cpu                 float64 // squall's cores over the measured window
	rss                 int64   // peak, bytes
	perEventCPU         float64 // µs of squall CPU per carried event
	failed, stopped     string  // the run failed / was stopped over the RSS limit
	events, lost, drops int64
}

// Goals from the issue, per dimension.
const (
	goalDelayP50 = 20  // µs
	goalDelayP99 = 200 // µs
	goalConnKB   = 64  // KB of squall memory per producer or consumer connection
)

// scaleRun runs squall across each dimension of the scale table and prints
// one Markdown row per run: send delay p50/p99, service and publish p50,
// carried rate, squall's CPU and peak RSS, and the goal for the row,
// met or not. Each run is short (1 s warmup, 2 s measured).
func (b *bench) scaleRun(ctx context.Context, stdout io.Writer) error {
	base := []string{"warmup=1s", "duration=2s", "drain=2s", "workload.payload=32"}
	rate := func(v int) string { return fmt.Sprintf("workload.rate=%d", v) }
	// The rate rows load list producers only (8 connections, pipeline
	// 16, as --pacing does); the first row finds what they carry at
	// rate: max, and the last runs at half of it.
	rateSets := func(r string) []string {
		return []string{"workload.pattern=list", "workload.producers=8", "workload.pipeline=16", "workload.consumers=0", r}
	}
	var works []scaleWork
	works = append(works, scaleWork{dim: "rate", value: "max", work: "list, 8 producers, pipeline 16, closed loop",
		sets: rateSets("workload.rate=max")})
	for _, r := range []int{100, 1000, 10000, 100000} {
		works = append(works, scaleWork{dim: "rate", value: fmt.Sprintf("%d/s", r), work: "list, 8 producers, pipeline 16",
			sets: rateSets(rate(r)), goal: pacingGoal})
	}
	works = append(works, scaleWork{dim: "rate", value: "½ max", work: "list, 8 producers, pipeline 16", goal: pacingGoal})
	// 50 producers at 5,000/s is the case for the core policy.
	for _, p := range []int{1, 10, 50, 100, 1000, 10000} {
		works = append(works, scaleWork{dim: "producers", value: fmt.Sprint(p), work: "list, 5,000/s in total, pipeline 1",
			sets: []string{"workload.pattern=list", fmt.Sprintf("workload.producers=%d", p), "workload.consumers=0",
				"workload.pipeline=1", rate(5000)},
			goal: connGoal})
	}
	for _, k := range []int{1, 100, 10000, 100000} {
		works = append(works, scaleWork{dim: "keys", value: fmt.Sprint(k), work: "list, 4 producers, 4 consumers, 5,000/s",
			sets: []string{"workload.pattern=list", "workload.producers=4", "workload.consumers=4", fmt.Sprintf("workload.keys=%d", k), rate(5000)},
			goal: keysGoal})
	}
	works = append(works, scaleWork{dim: "keys", value: "1000", work: "stream, 4 producers, 4 consumers, 5,000/s",
		sets: []string{"workload.pattern=stream", "workload.producers=4", "workload.consumers=4", "workload.keys=1000", rate(5000)}})
	for _, s := range []struct{ subs, rate int }{{1, 1000}, {10, 1000}, {100, 1000}, {1000, 100}} {
		works = append(works, scaleWork{dim: "subscribers", value: fmt.Sprint(s.subs), work: fmt.Sprintf("pubsub, 1 producer, %s/s", fmtInt(s.rate)),
			sets: []string{"workload.pattern=pubsub", "workload.producers=1", fmt.Sprintf("workload.consumers=%d", s.subs), rate(s.rate)},
			goal: subscribersGoal})
	}
	for _, p := range []struct{ label, size string }{{"32 B", "32"}, {"1 KiB", "1KiB"}, {"64 KiB", "64KiB"}, {"1 MiB", "1MiB"}} {
		works = append(works, scaleWork{dim: "payload", value: p.label, work: "stream, 4 producers, 4 consumers, 4 keys, 100/s",
			sets: []string{"workload.pattern=stream", "workload.producers=4", "workload.consumers=4", "workload.keys=4", "workload.payload=" + p.size, rate(100)},
			goal: payloadGoal})
	}

	noise := func(when string) {
		if p50, p99, err := wakeNoise(2 * time.Second); err == nil {
			fmt.Fprintf(stdout, "machine noise %s: a goroutine sleeping on a timerfd (as the pacer does), 1,000 wake-ups/s for 2 s, woke p50 %s, p99 %s late\n",
				when, fmtMicros(p50.Microseconds()), fmtMicros(p99.Microseconds()))
		}
	}
	noise("before")
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "| dimension | value | work | offered/s | carried/s | send delay p50 / p99 | service p50 | publish p50 | squall CPU, cores | CPU µs/event | squall peak RSS | goal |")
	fmt.Fprintln(stdout, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	var rows []scaleRow
	for _, w := range works {
		if b.o.only != "" && !strings.Contains(strings.ToLower(w.dim+" "+w.value), strings.ToLower(b.o.only)) {
			continue
		}
		if w.value == "½ max" {
			max := 0.0
			for _, r := range rows {
				if r.w.dim == "rate" && r.w.value == "max" {
					max = r.carried
				}
			}
			if max == 0 {
				continue
			}
			half := int(math.Round(max/2000)) * 1000
			w.value = fmt.Sprintf("½ max = %s/s", fmtInt(half))
			w.sets = rateSets(rate(half))
		}
		fmt.Fprintf(b.stderr, "scale: %s %s (%s)...\n", w.dim, w.value, w.work)
		r, err := b.scaleOne(ctx, w, base)
		if err != nil {
			return err
		}
		rows = append(rows, r)
		goal := "–"
		if w.goal != nil {
			if g := w.goal(r, rows); g != "" {
				goal = g
			}
		}
		fmt.Fprintln(stdout, r.line(goal))
	}
	fmt.Fprintf(stdout, "\nsquall's generator cores: %s\n", b.cores)
	noise("after")
	return nil
}

// scaleOne runs one row, stopping squall if its RSS passes --rss-limit.
func (b *bench) scaleOne(ctx context.Context, w scaleWork, base []string) (scaleRow, error) {
	r := scaleRow{w: w}
	if err := b.srv.flush(ctx); err != nil {
		return r, err
	}
	var peak atomic.Int64
	var over atomic.Bool
	watch := func(pid int) {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for range t.C {
			rss, err := rssOf(pid)
			if err != nil {
				return // exited
			}
			if rss > peak.Load() {
				peak.Store(rss)
			}
			if b.o.rssLimit > 0 && rss > b.o.rssLimit {
				over.Store(true)
				_ = syscall.Kill(pid, syscall.SIGKILL) // our own child
				return
			}
		}
	}
	res, err := b.squall(ctx, "", watch, append(append([]string(nil), base...), w.sets...)...)
	if over.Load() {
		r.stopped = fmt.Sprintf("stopped at %s RSS (--rss-limit)", fmtBytes(peak.Load()))
		r.rss = peak.Load()
		return r, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return r, err
		}
		r.failed = firstLine(err.Error())
		return r, nil
	}
	c := res.Cells[0]
	r.offered = c.Throughput.OfferedPerS
	r.carried = c.Throughput.AckedPerS
	if c.Workload.Consumers > 0 {
		r.carried = c.Throughput.ReceivedPerS
	}
	sd, svc, pub := c.Latency["send_delay"], c.Latency["service"], c.Latency["publish"]
	r.delayP50, r.delayP99, r.serviceP50, r.pubP50 = sd.P50, sd.P99, svc.P50, pub.P50
	r.cpu = c.Client.CPUUsed
	if r.carried > 0 {
		r.perEventCPU = r.cpu * 1e6 / r.carried
	}
	r.rss = max(res.maxRSS, peak.Load())
	r.events, r.lost, r.drops = c.Events.Sent, c.Events.Lost, c.Events.Dropped
	return r, nil
}

func (r scaleRow) line(goal string) string {
	w := r.w
	if r.stopped != "" || r.failed != "" {
		return fmt.Sprintf("| %s | %s | %s | | | | | | | | %s | %s%s |", w.dim, w.value, w.work, fmtBytes(r.rss), r.stopped, r.failed)
	}
	offered := "max"
	if r.offered > 0 {
		offered = fmtInt(int(r.offered))
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s | %s / %s | %s | %s | %.3f | %.1f | %s | %s |",
		w.dim, w.value, w.work, offered, fmtInt(int(math.Round(r.carried))), fmtMicros(r.delayP50), fmtMicros(r.delayP99),
		fmtMicros(r.serviceP50), fmtMicros(r.pubP50), r.cpu, r.perEventCPU, fmtBytes(r.rss), goal)
}

// pacingGoal: send delay p50 ≤ 20 µs and p99 ≤ 200 µs from 100/s up to
// half of what the generator carries at rate: max.
func pacingGoal(r scaleRow, _ []scaleRow) string {
	ok := r.delayP50 <= goalDelayP50 && r.delayP99 <= goalDelayP99
	return verdict(ok, fmt.Sprintf("send delay p50 ≤ %d µs, p99 ≤ %d µs", goalDelayP50, goalDelayP99))
}

// connGoal: ≤ 64 KB of squall memory per producer connection, counted as
// the RSS above the 1-producer row's, over the producers added.
func connGoal(r scaleRow, rows []scaleRow) string {
	n := atoiOr(r.w.value, 0)
	one := findRow(rows, "producers", "1")
	if n < 100 || one == nil || one.rss == 0 {
		return ""
	}
	per := float64(r.rss-one.rss) / float64(n-1) / 1024
	return verdict(per <= goalConnKB, fmt.Sprintf("%.0f KB per producer (≤ %d KB)", per, goalConnKB))
}

// keysGoal: per-event cost independent of the number of keys: squall's
// CPU per event within 1.5× of the 1-key row's, and the schedule kept.
func keysGoal(r scaleRow, rows []scaleRow) string {
	one := findRow(rows, "keys", "1")
	if r.w.value == "1" || one == nil || one.perEventCPU == 0 {
		return ""
	}
	ratio, share := r.perEventCPU/one.perEventCPU, r.carried/r.offered
	return verdict(ratio <= 1.5 && share >= 0.99, fmt.Sprintf("CPU/event %.2f× the 1-key row's (≤ 1.5×), carried %.0f%% of offered (≥ 99%%)", ratio, 100*share))
}

// subscribersGoal: 100 subscribers × 1,000/s keep send delay p99 ≤ 1 ms.
func subscribersGoal(r scaleRow, _ []scaleRow) string {
	if r.w.value != "100" {
		return ""
	}
	return verdict(r.delayP99 <= 1000, "send delay p99 ≤ 1 ms")
}

// payloadGoal: memory bounded by the bytes in flight, not batch × payload:
// at 100/s a few events are in flight, so RSS should stay within 64 MiB
// of the 32 B row's.
func payloadGoal(r scaleRow, rows []scaleRow) string {
	small := findRow(rows, "payload", "32 B")
	if r.w.value == "32 B" || small == nil || small.rss == 0 {
		return ""
	}
	extra := r.rss - small.rss
	return verdict(extra <= 64<<20, fmt.Sprintf("RSS %s above the 32 B row's (≤ 64 MiB)", fmtBytes(extra)))
}

func verdict(ok bool, what string) string {
	if ok {
		return "met: " + what
	}
	return "NOT met: " + what
}

func findRow(rows []scaleRow, dim, value string) *scaleRow {
	for i := range rows {
		if rows[i].w.dim == dim && rows[i].w.value == value && rows[i].failed == "" && rows[i].stopped == "" {
			return &rows[i]
		}
	}
	return nil
}

func atoiOr(s string, def int) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		return def
	}
	return n
}

// fmtInt writes n with thousands separators.
func fmtInt(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + fmtInt(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// fmtMicros writes a latency in µs, ms or s.
func fmtMicros(us int64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%d µs", us)
	case us < 1_000_000:
		return fmt.Sprintf("%.3g ms", float64(us)/1e3)
	}
	return fmt.Sprintf("%.3g s", float64(us)/1e6)
}

func fmtBytes(n int64) string {
	switch {
	case n < 0:
		return "-" + fmtBytes(-n)
	case n < 1<<20:
		return fmt.Sprintf("%d KiB", n>>10)
	case n < 1<<30:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
)

// pacingRun checks the open-loop pacer: at each rate from 100/s to
// 200,000/s a producer-only squall run must send at the configured rate
// within 1% over the run and in every whole second of it (or within one
// event, where 1% is less than one), and at low rates use almost no CPU
// (no busy-waiting).
func (b *bench) pacingRun(ctx context.Context, stdout io.Writer) error {
	const seconds = 3
	fmt.Fprintln(stdout, "| rate/s | sent/s | error | worst 1-s window | send delay p99 | squall CPU, % of one core | within 1% |")
	fmt.Fprintln(stdout, "|---:|---:|---:|---:|---:|---:|---|")
	for _, rate := range []int{100, 1000, 10000, 100000, 200000} {
		if err := b.srv.flush(ctx); err != nil {
			return err
		}
		res, err := b.squall(ctx, "lpush", nil, "workload.pattern=list", "workload.producers=8", "workload.pipeline=16",
			"workload.payload=32", fmt.Sprintf("workload.rate=%d", rate), fmt.Sprintf("duration=%ds", seconds))
		if err != nil {
			return err
		}
		c := res.Cells[0]
		errRate := c.Throughput.SentPerS/float64(rate) - 1
		worst := 0.0 // the largest deviation of one whole second of the measured phase
		col := map[string]int{}
		for i, rec := range res.timeline {
			if i == 0 {
				for j, name := range rec {
					col[name] = j
				}
				continue
			}
			if len(rec) < len(col) {
				continue
			}
			t, _ := strconv.ParseFloat(rec[col["t_s"]], 64)
			dt, _ := strconv.ParseFloat(rec[col["interval_s"]], 64)
			sent, _ := strconv.ParseFloat(rec[col["sent"]], 64)
			if t > seconds+0.01 || dt < 0.999 {
				continue // the partial tail
			}
			worst = math.Max(worst, math.Abs(sent/dt/float64(rate)-1))
		}
		cpu := 100 * res.cpu.Seconds() / res.wall.Seconds()
		// A one-second window holds a whole number of events: at 100/s one
		// event early or late across a window boundary is already 1%.
		ok := math.Abs(errRate) <= 0.01 && (worst <= 0.01 || math.Round(worst*float64(rate)) <= 1) && c.Events.Acked == c.Events.Sent
		verdict := "yes"
		if !ok {
			verdict = "NO"
		}
		fmt.Fprintf(stdout, "| %d | %.0f | %+.2f%% | %.2f%% (%.0f events) | %d µs | %.1f%% | %s |\n",
			rate, c.Throughput.SentPerS, 100*errRate, 100*worst, worst*float64(rate), c.Latency["send_delay"].P99, cpu, verdict)
	}
	return nil
}

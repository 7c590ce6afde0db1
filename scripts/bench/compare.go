package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// work is one piece of work both tools do.
type work struct {
	label  string
	rbTest string   // redis-benchmark -t test, or "" for custom
	custom []string // redis-benchmark custom command
	rbSize int      // redis-benchmark -d
	sqSize int      // squall payload (≥ 32: the envelope)
	sets   []string // squall --set overrides
	cmd    string   // the command the server counts
	goal   bool     // the issue sets ratio goals for it
}

func works() []work {
	x256 := strings.Repeat("x", 256)
	register := "workload.options={mode: register, entities: 50}" // exactly one SET per event, one key per producer
	return []work{
		{label: "SET 3 B (squall: 32 B)", rbTest: "set", rbSize: 3, sqSize: 32, cmd: "set", goal: true,
			sets: []string{"workload.pattern=string", register}},
		{label: "SET 32 B", rbTest: "set", rbSize: 32, sqSize: 32, cmd: "set", goal: true,
			sets: []string{"workload.pattern=string", register}},
		{label: "SET 256 B", rbTest: "set", rbSize: 256, sqSize: 256, cmd: "set", goal: true,
			sets: []string{"workload.pattern=string", register}},
		{label: "LPUSH 256 B", rbTest: "lpush", rbSize: 256, sqSize: 256, cmd: "lpush",
			sets: []string{"workload.pattern=list"}},
		{label: "XADD 256 B", custom: []string{"XADD", "mystream", "*", "myfield", x256}, rbSize: 256, sqSize: 256, cmd: "xadd", goal: true,
			sets: []string{"workload.pattern=stream"}},
	}
}

// row is one line of the table.
type row struct {
	work     string
	pipeline int
	rb, sq   float64 // ops/s
	rbCPU    float64 // redis-benchmark µs per op
	sqCPU    float64 // squall µs per op
	rbSrv    float64 // the server's µs per op under redis-benchmark
	sqSrv    float64 // ... under squall
	rss      int64
	server   float64 // the server's rate while squall ran
	goal     float64 // the ratio the issue asks for, 0 for none
}

func (r row) ratio() float64 {
	if r.rb == 0 {
		return 0
	}
	return r.sq / r.rb
}

// compare runs every piece of work with both tools, alternating, then the
// end-to-end stream pipeline, and prints the table.
func (b *bench) compare(ctx context.Context, stdout io.Writer) error {
	var rows []row
	xadd := map[int]row{}
	turn := 0
	for _, w := range works() {
		if b.o.only != "" && !strings.Contains(strings.ToLower(w.label), strings.ToLower(b.o.only)) {
			continue
		}
		for _, pipeline := range b.o.pipes {
			r := row{work: w.label, pipeline: pipeline}
			if w.goal {
				r.goal = 1.0
				if pipeline > 1 {
					r.goal = 0.9
				}
			}
			for round := 0; round < b.o.rounds; round++ {
				rbFirst := turn%2 == 0 // alternate which tool goes first
				turn++
				for i := 0; i < 2; i++ {
					if err := b.srv.flush(ctx); err != nil {
						return err
					}
					if (i == 0) == rbFirst {
						res, err := b.redisBenchmark(ctx, w.rbTest, w.rbSize, pipeline, w.custom, w.cmd)
						if err != nil {
							return err
						}
						fmt.Fprintf(b.stderr, "  redis-benchmark %-24s P%-2d %9.0f/s\n", w.label, pipeline, res.opsPerS)
						if res.opsPerS > r.rb {
							r.rb, r.rbCPU, r.rbSrv = res.opsPerS, res.cpu, res.serverCPU
						}
						continue
					}
					sets := append([]string{fmt.Sprintf("workload.payload=%d", w.sqSize), fmt.Sprintf("workload.pipeline=%d", pipeline)}, w.sets...)
					res, err := b.squall(ctx, w.cmd, nil, sets...)
					if err != nil {
						return err
					}
					c := res.Cells[0]
					if c.Events.Acked != c.Events.Sent || c.Events.Sent == 0 {
						return fmt.Errorf("%s pipeline %d: squall acked %d of %d (errors %v)", w.label, pipeline, c.Events.Acked, c.Events.Sent, c.Errors)
					}
					fmt.Fprintf(b.stderr, "  squall          %-24s P%-2d %9.0f/s (server counted %.0f/s)\n", w.label, pipeline, c.Throughput.AckedPerS, res.serverRate)
					if c.Throughput.AckedPerS > r.sq {
						r.sq, r.sqCPU, r.sqSrv, r.rss, r.server = c.Throughput.AckedPerS, res.cpuPerOp(), res.serverCPU, res.maxRSS, res.serverRate
					}
				}
			}
			if w.cmd == "xadd" {
				xadd[pipeline] = r
			}
			fmt.Fprintf(b.stderr, "%-24s P%-2d ratio %.2f\n", r.work, pipeline, r.ratio())
			rows = append(rows, r)
		}
	}
	for _, pipeline := range b.o.pipes {
		if b.o.only != "" {
			break
		}
		r := row{work: "stream end-to-end: received/s vs XADD", pipeline: pipeline, rb: xadd[pipeline].rb, rbCPU: xadd[pipeline].rbCPU,
			rbSrv: xadd[pipeline].rbSrv, goal: 0.5}
		for round := 0; round < b.o.rounds; round++ {
			if err := b.endToEnd(ctx, &r); err != nil {
				return err
			}
		}
		fmt.Fprintf(b.stderr, "%-24s P%-2d ratio %.2f\n", r.work, pipeline, r.ratio())
		rows = append(rows, r)
	}
	printTable(stdout, rows)
	fmt.Fprintf(stdout, "\nsquall's generator cores: %s; redis-benchmark runs its default single thread.\n", b.cores)
	return nil
}

// endToEndSets is the end-to-end stream pipeline: producers XADD, a
// consumer group XREADGROUPs and XACKs; its received/s is compared with
// redis-benchmark's XADD alone.
var endToEndSets = []string{"workload.pattern=stream", "workload.producers=16", "workload.consumers=4", "workload.keys=8",
	"workload.payload=256", "workload.options={batch: 1024}"}

func (b *bench) endToEnd(ctx context.Context, r *row) error {
	if err := b.srv.flush(ctx); err != nil {
		return err
	}
	res, err := b.squall(ctx, "xadd", nil, append([]string{fmt.Sprintf("workload.pipeline=%d", r.pipeline)}, endToEndSets...)...)
	if err != nil {
		return err
	}
	c := res.Cells[0]
	fmt.Fprintf(b.stderr, "  squall          stream end-to-end        P%-2d %9.0f/s received, %d lost\n", r.pipeline, c.Throughput.ReceivedPerS, c.Events.Lost)
	if c.Throughput.ReceivedPerS > r.sq {
		r.sq, r.sqCPU, r.sqSrv, r.rss, r.server = c.Throughput.ReceivedPerS, res.cpuPerOp(), res.serverCPU, res.maxRSS, res.serverRate
	}
	return nil
}

func printTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| work | pipeline | redis-benchmark ops/s | squall ops/s | squall / redis-benchmark | goal | client CPU µs/op: redis-benchmark / squall | server CPU µs/op: redis-benchmark / squall | squall peak RSS | server-counted squall ops/s |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
	for _, r := range rows {
		goal := "–"
		if r.goal > 0 {
			mark := "met"
			if r.ratio() < r.goal {
				mark = "MISSED"
			}
			goal = fmt.Sprintf("≥ %.1f %s", r.goal, mark)
		}
		fmt.Fprintf(w, "| %s | %d | %.0f | %.0f | %.2f | %s | %.2f / %.2f | %.2f / %.2f | %.0f MiB | %.0f |\n",
			r.work, r.pipeline, r.rb, r.sq, r.ratio(), goal, r.rbCPU, r.sqCPU, r.rbSrv, r.sqSrv, float64(r.rss)/(1<<20), r.server)
	}
}

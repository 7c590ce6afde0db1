package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// soakRun runs the end-to-end stream pipeline at 50,000 events/s for
// --soak and compares squall's RSS after one minute with its RSS at the
// end: accounting tracks gaps and histograms are fixed-size, so memory
// must stay flat (goal: within 10%).
func (b *bench) soakRun(ctx context.Context, stdout io.Writer) error {
	type sample struct {
		at  time.Duration
		rss int64
	}
	var (
		mu      sync.Mutex
		samples []sample
	)
	sampleRSS := func(pid int) {
		start := time.Now()
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for range t.C {
			rss, err := rssOf(pid)
			if err != nil {
				return // exited
			}
			mu.Lock()
			samples = append(samples, sample{time.Since(start), rss})
			mu.Unlock()
		}
	}
	fmt.Fprintf(b.stderr, "soak: squall at 50,000 events/s for %s (stream: 8 producers, 4 consumers)...\n", b.o.soak)
	res, err := b.squall(ctx, "xadd", sampleRSS, "workload.pattern=stream", "workload.producers=8", "workload.consumers=4",
		"workload.keys=8", "workload.pipeline=16", "workload.payload=256", "workload.rate=50000",
		"workload.options={maxlen: 1000000}", "duration="+b.o.soak.String(), "warmup=2s", "drain=5s")
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	var first, last sample
	for _, s := range samples {
		if first.rss == 0 && s.at >= time.Minute {
			first = s
		}
		last = s
	}
	c := res.Cells[0]
	fmt.Fprintf(stdout, "soak %s at 50,000 events/s (stream, 8 producers, 4 consumers): sent %d, acked %d, received %d, lost %d; acked %.0f/s, received %.0f/s\n",
		b.o.soak, c.Events.Sent, c.Events.Acked, c.Events.Received, c.Events.Lost, c.Throughput.AckedPerS, c.Throughput.ReceivedPerS)
	fmt.Fprintf(stdout, "squall CPU %.1f s (%.0f%% of one core), peak RSS %.1f MiB\n",
		res.cpu.Seconds(), 100*res.cpu.Seconds()/res.wall.Seconds(), float64(res.maxRSS)/(1<<20))
	if first.rss == 0 {
		return fmt.Errorf("the run was shorter than a minute: no RSS sample after one minute")
	}
	ratio := float64(last.rss) / float64(first.rss)
	verdict := "flat (within 10%)"
	if ratio > 1.10 {
		verdict = "GREW more than 10%"
	}
	fmt.Fprintf(stdout, "RSS after %s: %.1f MiB; at the end (%s): %.1f MiB; end / 1 min = %.3f: %s\n",
		first.at.Round(time.Second), float64(first.rss)/(1<<20), last.at.Round(time.Second), float64(last.rss)/(1<<20), ratio, verdict)
	for _, s := range samples {
		if s.at%time.Minute < 5*time.Second {
			fmt.Fprintf(b.stderr, "  %5s  %.1f MiB\n", s.at.Round(time.Second), float64(s.rss)/(1<<20))
		}
	}
	return nil
}

// rssOf reads a process's resident set size from /proc (Linux).
func rssOf(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

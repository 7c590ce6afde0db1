package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/squall-bench/squall/rundir"
)

// bench holds what every measurement shares.
type bench struct {
	o      options
	dir    string
	srv    *server
	stderr io.Writer
	runs   int
	cores  string   // the generator cores squall's last run reported
	args   []string // the command line, for output that says how it was made
}

// command returns cmd bound to ctx that dies with this process.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	dieWithParent(cmd)
	cmd.Stderr = os.Stderr
	return cmd
}

// rbResult is one redis-benchmark run.
type rbResult struct {
	opsPerS   float64
	cpu       float64 // µs per request, user+sys
	serverCPU float64 // the server's µs per request
}

// redisBenchmark runs redis-benchmark for about seconds: a short probe
// sizes -n. test is a -t test name, or "" with a custom command in custom;
// cmd is the command the server counts.
func (b *bench) redisBenchmark(ctx context.Context, test string, size, pipeline int, custom []string, cmd string) (rbResult, error) {
	probe, err := b.rbOnce(ctx, test, size, pipeline, custom, 10000*pipeline)
	if err != nil {
		return rbResult{}, err
	}
	if err := b.srv.flush(ctx); err != nil {
		return rbResult{}, err
	}
	before, err := b.srv.usage(ctx, cmd)
	if err != nil {
		return rbResult{}, err
	}
	r, err := b.rbOnce(ctx, test, size, pipeline, custom, max(int(probe.opsPerS*float64(b.o.seconds)), 10000))
	if err != nil {
		return r, err
	}
	after, err := b.srv.usage(ctx, cmd)
	r.serverCPU = perCall(before, after)
	return r, err
}

func (b *bench) rbOnce(ctx context.Context, test string, size, pipeline int, custom []string, n int) (rbResult, error) {
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(b.srv.port), "-c", "50", "-n", strconv.Itoa(n),
		"-P", strconv.Itoa(pipeline), "-d", strconv.Itoa(size), "-q", "--csv"}
	if test != "" {
		args = append(args, "-t", test)
	} else {
		args = append(args, custom...)
	}
	cmd := command(ctx, "redis-benchmark", args...)
	out, err := cmd.Output()
	if err != nil {
		return rbResult{}, fmt.Errorf("redis-benchmark %s: %w", strings.Join(args, " "), err)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil || len(rows) < 2 || len(rows[1]) < 2 {
		return rbResult{}, fmt.Errorf("redis-benchmark printed %q", out)
	}
	var r rbResult
	if r.opsPerS, err = strconv.ParseFloat(rows[1][1], 64); err != nil {
		return r, fmt.Errorf("redis-benchmark printed %q", out)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e3 / float64(n)
	}
	return r, nil
}

// sqResult is one squall run: its result.json (the fields bench reads)
// and what the operating system and the server saw of it.
type sqResult struct {
	Cells []struct {
		Error     string `json:"error"`
		DurationS float64
		Workload  struct {
			Consumers int `json:"consumers"`
		} `json:"workload"`
		Throughput struct {
			OfferedPerS  float64 `json:"offered_per_s"`
			SentPerS     float64 `json:"sent_per_s"`
			AckedPerS    float64 `json:"acked_per_s"`
			ReceivedPerS float64 `json:"received_per_s"`
		} `json:"throughput"`
		Latency map[string]struct {
			P50 int64 `json:"p50"`
			P99 int64 `json:"p99"`
			Max int64 `json:"max"`
		} `json:"latency_us"`
		Events struct {
			Sent, Dropped, Acked, Failed, Indeterminate, Received, Lost, Duplicated int64
		} `json:"events"`
		Errors      map[string]int64 `json:"errors"`
		ServerCalls map[string]int64 `json:"server_calls"`
		Client      struct {
			CPUs     int     `json:"cpus"`
			CPUsNote string  `json:"cpus_note"`
			CPUUsed  float64 `json:"cpu_used"`
		} `json:"client"`
	} `json:"cells"`

	dir        string
	cpu        time.Duration // user + sys of the squall process
	wall       time.Duration
	maxRSS     int64   // bytes
	calls      int64   // server calls of the write command during the run
	serverCPU  float64 // the server's CPU µs per call of the write command
	serverRate float64 // the server's median rate of the write command
	timeline   [][]string
}

// scenario writes the base scenario every squall run overrides.
func (b *bench) scenario() (string, error) {
	path := filepath.Join(b.dir, "bench.yaml")
	y := fmt.Sprintf(`name: bench
description: squall's side of scripts/bench
warmup: 1s
duration: %ds
drain: 2s
target:
  provider: external
  addrs: [%s]
workload:
  producers: 50
  consumers: 0
  rate: max
  keys: 1
  pipeline: 1
`, b.o.seconds, b.srv.addr)
	return path, os.WriteFile(path, []byte(y), 0o644)
}

// squall runs one squall scenario with --set overrides, counting writeCmd
// on the server while it runs. during, if set, is called with the squall
// process once it started.
func (b *bench) squall(ctx context.Context, writeCmd string, during func(pid int), sets ...string) (*sqResult, error) {
	file, err := b.scenario()
	if err != nil {
		return nil, err
	}
	b.runs++
	out := filepath.Join(b.dir, fmt.Sprintf("run-%02d", b.runs))
	args := []string{"run", file, "--out", out, "--quiet", "--allow-destructive"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	if b.o.cpus > 0 {
		args = append(args, "--set", fmt.Sprintf("client.cpus=%d", b.o.cpus))
	}
	before, err := b.srv.usage(ctx, writeCmd)
	if err != nil {
		return nil, err
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	rate := b.srv.watch(watchCtx, writeCmd)
	cmd := command(ctx, b.o.squall, args...)
	cmd.Stdout = io.Discard
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Start()
	if err == nil {
		if during != nil {
			go during(cmd.Process.Pid)
		}
		err = cmd.Wait()
	}
	wall := time.Since(start)
	stopWatch()
	r := &sqResult{dir: out, wall: wall, serverRate: rate()}
	if err != nil {
		return nil, fmt.Errorf("squall %s: %w\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		r.maxRSS = maxRSSBytes(ru)
	}
	after, err := b.srv.usage(ctx, writeCmd)
	if err != nil {
		return nil, err
	}
	r.calls, r.serverCPU = after.calls-before.calls, perCall(before, after)
	data, err := os.ReadFile(filepath.Join(out, rundir.ResultFile))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(out, rundir.ResultFile), err)
	}
	if len(r.Cells) != 1 || r.Cells[0].Error != "" {
		return nil, fmt.Errorf("squall run in %s failed: %s", out, data)
	}
	cl := r.Cells[0].Client
	b.cores = fmt.Sprintf("%d (%s)", cl.CPUs, cl.CPUsNote)
	if f, err := os.Open(filepath.Join(out, rundir.TimelineFile)); err == nil {
		r.timeline, _ = csv.NewReader(f).ReadAll()
		f.Close()
	}
	return r, nil
}

// cpuPerOp returns squall's CPU per server call of its write command, in µs.
func (r *sqResult) cpuPerOp() float64 {
	if r.calls == 0 {
		return 0
	}
	return float64(r.cpu.Microseconds()) / float64(r.calls)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

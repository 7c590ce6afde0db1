package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/rundir"
)

// A docker target is meant to measure Redis, not Docker: on the same work,
// squall driving containers must carry within 10% of what it carries with
// local processes, at a publish p50 within 10%. dockerRun measures that,
// and what the published-port path (docker-proxy) costs.

// targetMode is one way squall stands the same server up.
type targetMode struct {
	label string
	args  []string // squall run flags
}

var targetModes = []targetMode{
	{"process", []string{"--provider", "process"}},
	{"docker direct", []string{"--provider", "docker"}},
	{"docker published", []string{"--provider", "docker", "--set", "target.data_path=published"}},
}

// targetWork is one row: the same squall scenario in every mode.
type targetWork struct {
	label string
	sets  []string
}

func targetWorks() []targetWork {
	return []targetWork{
		{"quickstart workload at rate max (stream, 2 producers, 2 consumers, 256 B)", []string{"workload.rate=max"}},
		{"SET 256 B, 50 producers, pipeline 1, rate max", setWork(1)},
		{"SET 256 B, 50 producers, pipeline 16, rate max", setWork(16)},
	}
}

// setWork is redis-benchmark's SET as squall does it (see works): one SET
// per event, one key per producer, no consumers.
func setWork(pipeline int) []string {
	return []string{"workload.pattern=string", "workload.options={mode: register, entities: 50}",
		"workload.producers=50", "workload.consumers=0", fmt.Sprintf("workload.pipeline=%d", pipeline), "workload.keys=1"}
}

// modeResult is one run in one mode.
type modeResult struct {
	carried float64 // received/s, or acked/s without consumers
	p50     int64   // publish p50, µs
	path    string  // target.data_path as recorded
	cores   string
}

// dockerRun runs every work in every mode, rotating the order each round,
// and prints the docker/process ratios. The three modes of a round run
// back to back, so each round gives a ratio measured under the same
// conditions; the table shows each mode's median and the median of the
// rounds' ratios. Other jobs on a shared machine move single runs by ±30%,
// and a best-of would reward whichever mode happened to get a quiet moment.
func (b *bench) dockerRun(ctx context.Context, stdout io.Writer) error {
	if err := compose.DockerAvailable(ctx); err != nil {
		fmt.Fprintf(stdout, "docker target rows skipped: %v\n", err)
		return nil
	}
	file := filepath.Join(b.dir, "bench-docker.yaml")
	y := fmt.Sprintf(`name: bench-docker
description: scripts/bench --docker, the same squall scenario on processes and containers
warmup: 1s
duration: %ds
drain: 2s
target: {topology: standalone, persistence: none}
workload: {pattern: stream, producers: 2, consumers: 2, rate: max, payload: 256, keys: 4}
`, b.o.seconds)
	if err := os.WriteFile(file, []byte(y), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Medians of %d rounds; ratios are the median of each round's ratio.\n\n", b.o.rounds)
	fmt.Fprintln(stdout, "| work | process carried/s | docker direct carried/s | direct / process | docker published carried/s | published / process | process publish p50 | direct p50 | direct / process | published p50 | published / process | goal (direct: carried ≥ 0.9, p50 ≤ 1.1) |")
	fmt.Fprintln(stdout, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	turn := 0
	var cores []string
	for _, w := range targetWorks() {
		if b.o.only != "" && !strings.Contains(strings.ToLower(w.label), strings.ToLower(b.o.only)) {
			continue
		}
		runs := make([][]modeResult, len(targetModes)) // [mode][round]
		for round := 0; round < b.o.rounds; round++ {
			for i := range targetModes {
				m := (i + turn) % len(targetModes)
				r, err := b.squallTarget(ctx, file, targetModes[m], w.sets)
				if err != nil {
					return err
				}
				fmt.Fprintf(b.stderr, "  %-17s %-50s %9.0f/s  publish p50 %d µs  (%s)\n", targetModes[m].label, w.label, r.carried, r.p50, r.path)
				if want := []string{"direct", "direct", "published"}[m]; r.path != want {
					return fmt.Errorf("%s took the %s data path, want %s", targetModes[m].label, r.path, want)
				}
				runs[m] = append(runs[m], r)
			}
			turn++
		}
		carried := func(m int) float64 { return median(pick(runs[m], func(r modeResult) float64 { return r.carried })) }
		p50 := func(m int) float64 {
			return median(pick(runs[m], func(r modeResult) float64 { return float64(r.p50) }))
		}
		ratio := func(m int, f func(modeResult) float64) float64 {
			var rs []float64
			for i := range runs[0] {
				rs = append(rs, f(runs[m][i])/f(runs[0][i]))
			}
			return median(rs)
		}
		byCarried := func(r modeResult) float64 { return r.carried }
		byP50 := func(r modeResult) float64 { return float64(r.p50) }
		tp, lat := ratio(1, byCarried), ratio(1, byP50)
		goal := "met"
		if tp < 0.9 || lat > 1.1 {
			goal = "MISSED"
		}
		fmt.Fprintf(stdout, "| %s | %.0f | %.0f | %.2f | %.0f | %.2f | %.0f µs | %.0f µs | %.2f | %.0f µs | %.2f | %s |\n",
			w.label, carried(0), carried(1), tp, carried(2), ratio(2, byCarried),
			p50(0), p50(1), lat, p50(2), ratio(2, byP50), goal)
		cores = []string{"process " + runs[0][0].cores, "docker direct " + runs[1][0].cores, "docker published " + runs[2][0].cores}
	}
	fmt.Fprintf(stdout, "\nsquall's generator cores: %s.\n", strings.Join(cores, "; "))
	return nil
}

func pick(rs []modeResult, f func(modeResult) float64) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}

// squallTarget runs the scenario file in one mode with the work's
// overrides and reads its result.json. An objective's failure is not an
// error here; a cell that did not run is.
func (b *bench) squallTarget(ctx context.Context, file string, m targetMode, sets []string) (modeResult, error) {
	b.runs++
	out := filepath.Join(b.dir, fmt.Sprintf("run-%02d", b.runs))
	args := append([]string{"run", file, "--out", out, "--quiet"}, m.args...)
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	if b.o.cpus > 0 {
		args = append(args, "--set", fmt.Sprintf("client.cpus=%d", b.o.cpus))
	}
	cmd := command(ctx, b.o.squall, args...)
	cmd.Stdout = io.Discard
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return modeResult{}, fmt.Errorf("squall %s: %w\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	data, err := os.ReadFile(filepath.Join(out, rundir.ResultFile))
	if err != nil {
		return modeResult{}, err
	}
	var res struct {
		Cells []struct {
			Error  string `json:"error"`
			Target struct {
				DataPath string `json:"data_path"`
			} `json:"target"`
			Workload struct {
				Consumers int `json:"consumers"`
			} `json:"workload"`
			Throughput struct {
				AckedPerS    float64 `json:"acked_per_s"`
				ReceivedPerS float64 `json:"received_per_s"`
			} `json:"throughput"`
			Latency map[string]struct {
				P50 int64 `json:"p50"`
			} `json:"latency_us"`
			Events struct {
				Sent, Acked, Lost int64
			} `json:"events"`
			Client struct {
				CPUs     int    `json:"cpus"`
				CPUsNote string `json:"cpus_note"`
			} `json:"client"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return modeResult{}, fmt.Errorf("%s: %w", out, err)
	}
	if len(res.Cells) != 1 || res.Cells[0].Error != "" {
		return modeResult{}, fmt.Errorf("squall run in %s failed: %s", out, data)
	}
	c := res.Cells[0]
	if c.Events.Acked != c.Events.Sent || c.Events.Lost != 0 {
		return modeResult{}, fmt.Errorf("squall run in %s: acked %d of %d, lost %d", out, c.Events.Acked, c.Events.Sent, c.Events.Lost)
	}
	r := modeResult{carried: c.Throughput.AckedPerS, p50: c.Latency["publish"].P50, path: c.Target.DataPath,
		cores: fmt.Sprintf("%d (%s)", c.Client.CPUs, c.Client.CPUsNote)}
	if c.Workload.Consumers > 0 {
		r.carried = c.Throughput.ReceivedPerS
	}
	return r, nil
}

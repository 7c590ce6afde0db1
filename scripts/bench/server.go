package main

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// server is the redis-server both tools load.
type server struct {
	cmd  *exec.Cmd
	addr string
	port int
	rdb  *redis.Client
}

// startServer starts redis-server on a free loopback port, persistence off,
// its files in dir.
func startServer(ctx context.Context, dir string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{port: port, addr: "127.0.0.1:" + strconv.Itoa(port)}
	s.cmd = command(ctx, "redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log"),
		"--maxclients", "19000", // --scale opens 10,000 producer connections
		"--daemonize", "no")
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting redis-server (apt-get install -y redis-server redis-tools): %w", err)
	}
	s.rdb = redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1, DisableIdentity: true})
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.rdb.Ping(ctx).Err()
		if err == nil {
			return s, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("redis-server on %s did not answer: %w", s.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) stop() {
	if s.rdb != nil {
		s.rdb.Close()
	}
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// flush empties the server between measurements.
func (s *server) flush(ctx context.Context) error {
	return s.rdb.FlushAll(ctx).Err()
}

// calls returns how many times the server ran cmd (INFO commandstats).
func (s *server) calls(ctx context.Context, cmd string) (int64, error) {
	info, err := s.rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_"+cmd+":calls="); ok {
			n, _ := strconv.ParseInt(strings.SplitN(rest, ",", 2)[0], 10, 64)
			return n, nil
		}
	}
	return 0, nil
}

// cpu returns the server's CPU time so far (user + sys, INFO cpu).
func (s *server) cpu(ctx context.Context) (time.Duration, error) {
	info, err := s.rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0, err
	}
	var total float64
	for _, line := range strings.Split(info, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if k == "used_cpu_sys" || k == "used_cpu_user" {
			f, _ := strconv.ParseFloat(v, 64)
			total += f
		}
	}
	return time.Duration(total * float64(time.Second)), nil
}

// usage is what the server counted of one tool's run: calls of a command
// and the server's CPU time.
type usage struct {
	calls int64
	cpu   time.Duration
}

func (s *server) usage(ctx context.Context, cmd string) (usage, error) {
	n, err := s.calls(ctx, cmd)
	if err != nil {
		return usage{}, err
	}
	cpu, err := s.cpu(ctx)
	return usage{n, cpu}, err
}

// perCall returns the server's CPU µs per call between two usages.
func perCall(before, after usage) float64 {
	if after.calls <= before.calls {
		return 0
	}
	return float64((after.cpu - before.cpu).Microseconds()) / float64(after.calls-before.calls)
}

// watch samples the server's count of cmd every 250ms until ctx ends and
// returns the median rate over the windows in which the count rose (the
// first and last such windows, partly idle, left out): the server's own
// view of the rate, to check a tool's figure against.
func (s *server) watch(ctx context.Context, cmd string) func() float64 {
	type sample struct {
		at time.Time
		n  int64
	}
	done := make(chan []sample)
	go func() {
		var samples []sample
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			if n, err := s.calls(context.WithoutCancel(ctx), cmd); err == nil {
				samples = append(samples, sample{time.Now(), n})
			}
			select {
			case <-ctx.Done():
				done <- samples
				return
			case <-t.C:
			}
		}
	}()
	return func() float64 {
		samples := <-done
		var rates []float64
		for i := 1; i < len(samples); i++ {
			if d := samples[i].n - samples[i-1].n; d > 0 {
				rates = append(rates, float64(d)/samples[i].at.Sub(samples[i-1].at).Seconds())
			}
		}
		if len(rates) > 2 {
			rates = rates[1 : len(rates)-1]
		}
		return median(rates)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

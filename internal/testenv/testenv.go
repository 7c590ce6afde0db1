// Package testenv is what squall's tests need from the machine: a
// redis-server, a Docker engine, and go-redis kept quiet about the nodes a
// test kills on purpose. CI sets SQUALL_REQUIRE_REDIS and
// SQUALL_REQUIRE_DOCKER so that a missing one fails instead of skipping.
package testenv

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RequireRedis skips tb when redis-server is not installed, or fails it
// when SQUALL_REQUIRE_REDIS is set.
func RequireRedis(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("SQUALL_REQUIRE_REDIS") != "" {
			tb.Fatal("redis-server not in PATH but SQUALL_REQUIRE_REDIS is set")
		}
		tb.Skip("redis-server not in PATH (apt-get install -y redis-server)")
	}
}

// RequireDocker skips tb when available (compose.DockerAvailable, passed in
// so that compose's own tests can use this) reports no engine, or fails it
// when SQUALL_REQUIRE_DOCKER is set. Docker targets also need a
// redis-server on the host to build their image from.
func RequireDocker(tb testing.TB, available func(context.Context) error) {
	tb.Helper()
	RequireRedis(tb)
	if err := available(context.Background()); err != nil {
		if os.Getenv("SQUALL_REQUIRE_DOCKER") != "" {
			tb.Fatalf("SQUALL_REQUIRE_DOCKER is set but %v", err)
		}
		tb.Skipf("no Docker engine: %v (set SQUALL_REQUIRE_DOCKER=1 to make this a failure)", err)
	}
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// QuietRedisLogs stops go-redis logging every redial; tests say what failed.
func QuietRedisLogs() { redis.SetLogger(quiet{}) }

// StartRedis runs a bare redis-server on a free 127.0.0.1 port, with no
// persistence and its files in a temp dir, for tests that need a server
// squall did not stand up (the user's own, for the external provider);
// extra are more redis-server arguments. It returns the address; the
// server is killed when tb ends.
func StartRedis(tb testing.TB, extra ...string) string {
	tb.Helper()
	RequireRedis(tb)
	dir := tb.TempDir()
	for attempt := 0; ; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", dir}, extra...)
		srv := exec.Command("redis-server", args...)
		if err := srv.Start(); err != nil {
			tb.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = srv.Wait(); close(exited) }()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		up := false
		for deadline := time.Now().Add(10 * time.Second); !up && time.Now().Before(deadline) && !closed(exited); {
			if up = c.Ping(context.Background()).Err() == nil; !up {
				time.Sleep(20 * time.Millisecond)
			}
		}
		c.Close()
		if up {
			tb.Cleanup(func() { _ = srv.Process.Kill(); <-exited })
			return addr
		}
		_ = srv.Process.Kill()
		<-exited
		if attempt == 2 {
			tb.Fatalf("redis-server did not start on %s", addr)
		}
	}
}

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

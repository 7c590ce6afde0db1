// Package testenv is what squall's tests need from the machine: a
// redis-server, a Docker engine, and go-redis kept quiet about the nodes a
// test kills on purpose. CI sets SQUALL_REQUIRE_REDIS and
// SQUALL_REQUIRE_DOCKER so that a missing one fails instead of skipping.
package testenv

import (
	"context"
	"os"
	"os/exec"
	"testing"

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

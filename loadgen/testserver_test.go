package loadgen

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/compose"
)

// startRedis stands up a real standalone redis-server for one test or
// benchmark.
func startRedis(tb testing.TB) (*compose.Target, redis.UniversalClient) {
	tb.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("SQUALL_REQUIRE_REDIS") != "" {
			tb.Fatal("redis-server not in PATH but SQUALL_REQUIRE_REDIS is set")
		}
		tb.Skip("redis-server not in PATH (apt-get install -y redis-server)")
	}
	ctx := context.Background()
	tg, err := compose.Up(ctx, compose.Spec{Provider: "process", Topology: "standalone", Persistence: "none", RunID: "loadgen-test"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { tg.Close(ctx) })
	rdb := tg.Client(compose.ClientOptions{DialTimeout: time.Second, ReadTimeout: 3 * time.Second, WriteTimeout: 3 * time.Second, PoolSize: 16})
	tb.Cleanup(func() { rdb.Close() })
	return tg, rdb
}

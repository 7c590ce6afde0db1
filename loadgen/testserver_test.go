package loadgen

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/testenv"
)

// startRedis stands up a real standalone redis-server for one test or
// benchmark.
func startRedis(tb testing.TB) (*compose.Target, redis.UniversalClient) {
	tb.Helper()
	testenv.RequireRedis(tb)
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

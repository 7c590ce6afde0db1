package loadgen

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/testenv"
)

// TestSetupRefusesMissingCommands removes one command a pattern sends from
// a real server (rename-command CMD "") and checks that Setup refuses at
// start, naming it, instead of the run failing event by event.
func TestSetupRefusesMissingCommands(t *testing.T) {
	testenv.RequireRedis(t)
	t.Parallel()
	for _, tc := range []struct {
		pattern string
		opts    map[string]any
		missing string
	}{
		{"stream", nil, "XAUTOCLAIM"},
		{"list", nil, "BRPOP"},
		{"list-reliable", nil, "BLMOVE"},
		{"string", nil, "GETDEL"},
		{"string", map[string]any{"mode": "register", "entities": 4}, "GET"},
		{"zset", nil, "BZPOPMIN"},
		{"zset", map[string]any{"delay": "10ms"}, "EVALSHA"},
		{"set", nil, "SPOP"},
		{"hash", nil, "HGETALL"},
		{"pubsub", nil, "PUBLISH"},
		{"spubsub", nil, "SSUBSCRIBE"},
	} {
		t.Run(tc.pattern+"/"+tc.missing, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			// A server of the test's own: squall refuses rename-command in
			// the configs it writes.
			addr := testenv.StartRedis(t, "--rename-command", tc.missing, "")
			rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: 3 * time.Second, WriteTimeout: 3 * time.Second, PoolSize: 4})
			defer rdb.Close()
			g, err := New(Config{Pattern: tc.pattern, Options: tc.opts, Producers: 1, Consumers: 1, Keys: 1, Pipeline: 1, Rate: 100,
				PayloadMin: 64, PayloadMax: 64, KeyPrefix: "squall:", Duration: time.Second, Run: 1}, rdb)
			if err != nil {
				t.Fatal(err)
			}
			err = g.Setup(ctx)
			if err == nil || !strings.Contains(err.Error(), "needs "+tc.missing) && !strings.Contains(err.Error(), ", "+tc.missing) {
				t.Fatalf("Setup = %v; want a refusal naming %s", err, tc.missing)
			}
			t.Log(err)
		})
	}
}

package loadgen_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/loadgen"
)

// serverUsec is the server time Redis counted for cmd so far.
func serverUsec(t *testing.T, rdb redis.UniversalClient, cmd string) int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_"+cmd+":"); ok {
			var calls, usec int64
			fmt.Sscanf(rest, "calls=%d,usec=%d", &calls, &usec)
			return usec
		}
	}
	return 0
}

// TestReadCostFlatInKeys: the server time consumers' reads cost per event
// does not grow with the keys they read (every consumer named all its
// keys in every read before: at 100,000 keys Redis saturated), and every
// event still arrives.
func TestReadCostFlatInKeys(t *testing.T) {
	_, rdb := startRedis(t)
	for _, tc := range []struct {
		pattern string
		reads   []string
	}{{"list", []string{"blmpop", "lmpop"}}, {"stream", []string{"xreadgroup"}}} {
		t.Run(tc.pattern, func(t *testing.T) {
			perEvent := map[int]float64{}
			for _, keys := range []int{16, 20_000} {
				var before int64
				for _, c := range tc.reads {
					before += serverUsec(t, rdb, c)
				}
				cfg := loadgen.Config{Pattern: tc.pattern, Producers: 2, Consumers: 2, Keys: keys, Pipeline: 1, Rate: 2000,
					PayloadMin: 64, PayloadMax: 64, KeyPrefix: fmt.Sprintf("flat%d:", keys), Duration: 2 * time.Second, Drain: 3 * time.Second, Run: 81}
				out, _ := runGen(t, rdb, cfg, nil)
				var usec int64
				for _, c := range tc.reads {
					usec += serverUsec(t, rdb, c)
				}
				usec -= before
				ev := out.Events
				perEvent[keys] = float64(usec) / float64(ev.Received)
				t.Logf("keys %d: %+v; reads cost the server %.1f µs per event", keys, ev, perEvent[keys])
				if ev.Lost != 0 || ev.Received != ev.Sent || ev.Sent < 3900 {
					t.Errorf("keys %d: events %+v, want every one of ~4000 received", keys, ev)
				}
			}
			// Measured 6 → 20 µs (list) from 64 to 100,000 keys; naming
			// every key per read cost 130–450 µs at 10,000 and more.
			if r := perEvent[20_000] / perEvent[16]; r > 8 {
				t.Errorf("reads cost %.1f µs per event at 20,000 keys, %.1f× the %.1f µs at 16", perEvent[20_000], r, perEvent[16])
			}
		})
	}
}

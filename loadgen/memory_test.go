package loadgen

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/record"
)

// The cost of a connection is what a process with many producers and
// consumers holds beyond one with few: each load runs in a child process
// (this test binary again) so that neither inherits the other's heap, and
// the difference of their peak RSS (ru_maxrss) divided by the difference
// of their connections is the cost of one.

const memChildEnv = "SQUALL_MEMORY_CHILD" // "ADDR PRODUCERS CONSUMERS": run one load and exit

// TestMemoryPerConnection: a producer or consumer connection costs at
// most 64 KB of RSS, at a low rate against a real server (2,000
// connections beside 200; on the 2-core development machine it measured
// about 15–18 KB). The bound is the goal: a producer's or
// consumer's state, histograms included, must not grow with the load's
// shape.
func TestMemoryPerConnection(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ru_maxrss is in KiB on Linux only")
	}
	if raceEnabled {
		t.Skip("the race detector's shadow memory is not the generator's")
	}
	tg, _ := startRedis(t)
	addr := tg.Primary().Addr
	peak := func(producers, consumers int) int64 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %d", memChildEnv, addr, producers, consumers))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child with %d producers and %d consumers: %v\n%s", producers, consumers, err, out)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		return ru.Maxrss << 10
	}
	for _, tc := range []struct {
		name                 string
		producers, consumers int
	}{{"producers", 1, 0}, {"consumers", 0, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			const few, many = 200, 2000
			small := peak(max(few*tc.producers, 2), few*tc.consumers)
			large := peak(max(many*tc.producers, 2), many*tc.consumers)
			per := (large - small) / (many - few)
			t.Logf("peak RSS %d MiB with %d, %d MiB with %d: %.1f KB per connection", small>>20, few, large>>20, many, float64(per)/1024)
			if per > 64<<10 {
				t.Errorf("%d bytes per connection, want at most 64 KB", per)
			}
		})
	}
}

// TestMemoryChild is the child TestMemoryPerConnection runs: a list load
// for two seconds with the producers and consumers its environment names
// (one key per consumer), at one event per producer per second (at least
// 400/s), so that every producer connects (at its first send).
func TestMemoryChild(t *testing.T) {
	spec := os.Getenv(memChildEnv)
	if spec == "" {
		t.Skip("run by TestMemoryPerConnection")
	}
	var addr string
	var producers, consumers int
	if _, err := fmt.Sscan(spec, &addr, &producers, &consumers); err != nil {
		t.Fatalf("%s=%q: %v", memChildEnv, spec, err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 4, ReadTimeout: 3 * time.Second, MaxRetries: -1})
	defer rdb.Close()
	cfg := Config{Pattern: "list", Producers: producers, Consumers: consumers, Keys: max(consumers, 1), Pipeline: 1, Rate: float64(max(producers, 400)),
		PayloadMin: 64, PayloadMax: 64, KeyPrefix: "mem" + strconv.Itoa(os.Getpid()) + ":", Duration: 2 * time.Second,
		Drain: 2 * time.Second, Run: 71}
	g, err := New(cfg, rdb)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := g.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	epoch := time.Now()
	out, err := g.Run(ctx, record.NewCollector(epoch), epoch)
	if err != nil {
		t.Fatal(err)
	}
	if out.Events.Lost != 0 || (consumers > 0 && out.Events.Received != out.Events.Acked) {
		t.Errorf("events %+v", out.Events)
	}
	_ = delKeys(ctx, rdb, g.Keys())
}

package chaos

import (
	"context"
	"github.com/squall-bench/squall/internal/testenv"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/squall-bench/squall/compose"
)

func TestMain(m *testing.M) {
	testenv.QuietRedisLogs() // go-redis logs every redial of a node the test killed
	os.Exit(m.Run())
}

// The injectors against real processes: a primary and a replica. Each
// fault is checked by asking Redis, not by trusting the injector.
func TestInjectorOnProcesses(t *testing.T) {
	testenv.RequireRedis(t)
	ctx := context.Background()
	tg, err := compose.Up(ctx, compose.Spec{Provider: "process", Topology: "standalone", Replicas: 1, Persistence: "none"})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close(ctx)
	primary, replica := tg.Primary(), tg.DataNodes()[1]
	ping := func(n *compose.Node) error {
		c := tg.NodeClient(n)
		defer c.Close()
		pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		return c.Ping(pctx).Err()
	}

	steps := []Step{
		{At: 0, Action: "pause", Target: "replica", Duration: time.Hour}, // healed only by Heal
		// Picking "primary" asks every node its role; the paused replica
		// takes its 300 ms to time out, so these fire up to that late.
		{At: 100 * time.Millisecond, Action: "config", Target: "primary", Duration: 800 * time.Millisecond, Params: map[string]any{"maxmemory-policy": "allkeys-lru"}},
		{At: 1000 * time.Millisecond, Action: "kill", Target: "primary"},
		{At: 2200 * time.Millisecond, Action: "start", Target: "killed"},
	}
	var mu sync.Mutex
	var marks []Mark
	start := time.Now()
	in := New(tg, steps, 1, start, func(m Mark) { mu.Lock(); marks = append(marks, m); mu.Unlock() })
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { in.Run(runCtx, 2500*time.Millisecond); close(done) }()

	time.Sleep(500 * time.Millisecond)
	if ping(replica) == nil {
		t.Error("the paused replica answered PING")
	}
	c := tg.NodeClient(primary)
	if v, _ := c.ConfigGet(ctx, "maxmemory-policy").Result(); v["maxmemory-policy"] != "allkeys-lru" {
		t.Errorf("config step: maxmemory-policy %v", v)
	}
	c.Close()
	time.Sleep(time.Until(start.Add(1600 * time.Millisecond))) // after the kill at 1s (+300ms), before the start at 2.2s
	if ping(primary) == nil {
		mu.Lock()
		t.Errorf("the killed primary answered PING at %s; marks %+v", time.Since(start), marks)
		mu.Unlock()
	}
	<-done
	time.Sleep(200 * time.Millisecond) // the config's timed restore
	if err := ping(primary); err != nil {
		t.Errorf("the primary did not come back after start killed: %v", err)
	}
	c = tg.NodeClient(primary)
	if v, _ := c.ConfigGet(ctx, "maxmemory-policy").Result(); v["maxmemory-policy"] == "allkeys-lru" {
		t.Error("the timed config step was not restored")
	}
	c.Close()

	cancel() // the run is interrupted: Heal must still resume the replica
	if errs := in.Heal(context.WithoutCancel(runCtx)); len(errs) > 0 {
		t.Errorf("heal: %v", errs)
	}
	if err := ping(replica); err != nil {
		t.Errorf("the replica is still paused after Heal: %v", err)
	}
	fired := in.Fired()
	if len(fired) != len(steps) {
		t.Fatalf("%d shots fired, want %d: %+v", len(fired), len(steps), fired)
	}
	for i, f := range fired {
		if f.Err != "" {
			t.Errorf("shot %d (%s): %s", i, f.Step.Action, f.Err)
		}
	}
	if fired[0].Node != replica.Name || fired[0].Role != "replica" || fired[0].HealedAt == 0 {
		t.Errorf("pause replica: %+v", fired[0])
	}
	if fired[2].Node != primary.Name || fired[2].Role != "primary" {
		t.Errorf("kill primary hit %s (%s)", fired[2].Node, fired[2].Role)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(marks) < len(steps) {
		t.Errorf("only %d timeline marks: %+v", len(marks), marks)
	}
}

// A planned failover on each replicated topology: the injector asks for it
// and Watch sees a replica of the same shard become primary.
func TestFailoverIsWatched(t *testing.T) {
	testenv.RequireRedis(t)
	for _, spec := range []compose.Spec{
		{Provider: "process", Topology: "standalone", Replicas: 1},
		{Provider: "process", Topology: "sentinel", Replicas: 1, Sentinels: 3,
			Sentinel: compose.SentinelSpec{DownAfter: time.Second, FailoverTimeout: 5 * time.Second}},
		{Provider: "process", Topology: "cluster", Shards: 3, Replicas: 1, ClusterNodeTimeout: time.Second},
	} {
		t.Run(spec.Topology, func(t *testing.T) {
			ctx := context.Background()
			tg, err := compose.Up(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close(ctx)
			target := "primary"
			if spec.Topology == "cluster" {
				target = "random-primary"
			}
			in := New(tg, []Step{{Action: "failover", Target: target}}, 7, time.Now(), nil)
			wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			go in.Watch(wctx, 100*time.Millisecond)
			in.Run(ctx, time.Second)
			for wctx.Err() == nil {
				if f := in.Fired(); len(f) == 1 && (f[0].Promoted != "" || f[0].Err != "") {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			f := in.Fired()[0]
			if f.Err != "" || f.Promoted == "" || f.Promoted == f.Node {
				t.Fatalf("failover of %s: %+v", f.Node, f)
			}
			if n := tg.Node(f.Promoted); n == nil || n.Shard != f.Shard {
				t.Errorf("promoted %s is not of the failed-over shard %d", f.Promoted, f.Shard)
			}
			t.Logf("%s: %s -> %s after %s", spec.Topology, f.Node, f.Promoted, f.PromotedAt-f.At)
		})
	}
}

// debug-sleep stalls the server for its duration; client-pause, bgsave and
// restart run after it without error.
func TestStallSaveRestart(t *testing.T) {
	testenv.RequireRedis(t)
	ctx := context.Background()
	tg, err := compose.Up(ctx, compose.Spec{Provider: "process", Topology: "standalone", Persistence: "rdb"})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close(ctx)
	in := New(tg, []Step{
		{At: 0, Action: "debug-sleep", Target: "primary", Duration: 700 * time.Millisecond},
		{At: 800 * time.Millisecond, Action: "client-pause", Target: "primary", Duration: 100 * time.Millisecond, Params: map[string]any{"mode": "ALL"}},
		{At: 900 * time.Millisecond, Action: "bgsave", Target: "primary"},
		{At: time.Second, Action: "restart", Target: "primary"},
	}, 1, time.Now(), nil)
	done := make(chan struct{})
	go func() { in.Run(ctx, 2*time.Second); close(done) }()
	time.Sleep(200 * time.Millisecond)
	c := tg.NodeClient(tg.Primary())
	pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	if err := c.Ping(pctx).Err(); err == nil {
		t.Error("the server answered PING during DEBUG SLEEP")
	}
	cancel()
	c.Close()
	<-done
	in.Heal(ctx)
	for i, f := range in.Fired() {
		if f.Err != "" {
			t.Errorf("shot %d (%s): %s", i, f.Step.Action, f.Err)
		}
	}
	c = tg.NodeClient(tg.Primary())
	defer c.Close()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Errorf("not back after restart: %v", err)
	}
}

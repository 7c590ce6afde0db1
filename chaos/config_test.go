package chaos

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/testenv"
)

// Config faults against a server squall did not start (the external
// provider, as on a user's Redis): whatever they change is back when Heal
// returns, whether the step had a duration or not, when timed faults on
// one parameter overlap, and when a step fails half-way; a parameter squall
// cannot read back is never changed.
func TestConfigFaultsAreRestored(t *testing.T) {
	addr := testenv.StartRedis(t)
	ctx := context.Background()
	tg, err := compose.Up(ctx, compose.Spec{Provider: "external", Addrs: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	c := tg.NodeClient(tg.Primary())
	defer c.Close()
	before, err := c.ConfigGet(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}

	steps := []Step{
		// Overlapping timed faults on one parameter: the first heals first,
		// restoring noeviction; the second then "restores" the first's
		// allkeys-lru. Heal must still leave the original value.
		{At: 0, Action: "config", Target: "primary", Duration: 500 * time.Millisecond, Params: map[string]any{"maxmemory-policy": "allkeys-lru"}},
		{At: 200 * time.Millisecond, Action: "config", Target: "primary", Duration: 1200 * time.Millisecond,
			Params: map[string]any{"maxmemory-policy": "allkeys-random", "maxmemory": "100mb"}},
		// No duration: restored at teardown.
		{At: 300 * time.Millisecond, Action: "config", Target: "primary", Params: map[string]any{"hz": 50, "activedefrag": false}},
		// A pattern: CONFIG GET names several parameters, none of them "maxmemory*".
		{At: 400 * time.Millisecond, Action: "config", Target: "primary", Params: map[string]any{"maxmemory*": 1}},
		// The second parameter fails: the first, already set, is put back at once.
		{At: 500 * time.Millisecond, Action: "config", Target: "primary",
			Params: map[string]any{"lazyfree-lazy-eviction": "yes", "zset-max-listpack-entries": "not-a-number"}},
	}
	in := New(tg, steps, 1, time.Now(), nil)
	in.Run(ctx, 2*time.Second)

	now, _ := c.ConfigGet(ctx, "*").Result()
	if now["hz"] != "50" || now["maxmemory"] != "104857600" || now["activedefrag"] != "no" {
		t.Errorf("during the run: hz %s, maxmemory %s; want 50 and 104857600 (the faults did not fire)", now["hz"], now["maxmemory"])
	}
	for deadline := time.Now().Add(10 * time.Second); now["maxmemory"] != before["maxmemory"] && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond) // until the second step's timed heal
		now, _ = c.ConfigGet(ctx, "*").Result()
	}
	if now["lazyfree-lazy-eviction"] != before["lazyfree-lazy-eviction"] {
		t.Errorf("a half-applied config step left lazyfree-lazy-eviction %s", now["lazyfree-lazy-eviction"])
	}
	if now["maxmemory-policy"] == before["maxmemory-policy"] {
		t.Errorf("maxmemory-policy is %s already: the overlapping timed heals did not leave the stale value this test means to catch", now["maxmemory-policy"])
	}

	if errs := in.Heal(ctx); len(errs) > 0 {
		t.Errorf("heal: %v", errs)
	}
	after, err := c.ConfigGet(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("CONFIG GET %s: %q after the faults, %q before", k, after[k], v)
		}
	}
	if len(after) != len(before) {
		t.Errorf("CONFIG GET * has %d parameters after, %d before", len(after), len(before))
	}

	fired := in.Fired()
	if len(fired) != len(steps) {
		t.Fatalf("%d shots, want %d", len(fired), len(steps))
	}
	for i, want := range []string{"", "", "", "returned no value", "not-a-number"} {
		if got := fired[i].Err; (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("shot %d: error %q, want %q", i, got, want)
		}
	}
	if fired[2].HealedAt == 0 {
		t.Errorf("the config step without duration has no heal time: %+v", fired[2])
	}
}

package runner

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/scenarios"
)

// A 2,000-slot reshard on a 3-shard process cluster at 2,000 events/s:
// the slots' keys move with MIGRATE while producers and consumers run, and
// squall's producers follow ASK and MOVED, so every acknowledged event
// arrives (lost 0, received = acked) and no write fails. The moved slots
// hold some of the 32 keys (every shard's lowest 2,000 slots do), so the
// producers' first write to each after the handover is redirected: moved
// is counted; ask only when a write falls between a key's MIGRATE and its
// slot's handover, which the test logs but cannot force.
func TestReshardUnderLoad(t *testing.T) {
	testenv.RequireRedis(t)
	for _, pattern := range []string{"stream", "list-reliable"} {
		t.Run(pattern, func(t *testing.T) {
			// 9 s after the fault: the move takes about 1 s on an idle
			// machine, several on a starved one, and a move the run's end
			// cuts off fails the test.
			res := run(t, `
warmup: 1s
duration: 12s
drain: 5s
target: {provider: process, topology: cluster, shards: 3, replicas: 0, persistence: none}
workload: {pattern: `+pattern+`, producers: 3, consumers: 3, rate: 2000, payload: 128, keys: 32}
client: {read_timeout: 1s, write_timeout: 1s}
chaos:
  - {at: 3s, action: reshard, target: random-primary, params: {slots: 2000}}
`)
			c := res.Cells[0]
			e := c.Events
			if e.Lost != 0 || e.Received != e.Acked || e.Acked == 0 {
				t.Errorf("events %+v: want lost 0 and received = acked", e)
			}
			if e.Failed != 0 || e.Indeterminate != 0 {
				t.Errorf("events %+v: a followed redirect must not fail a write", e)
			}
			if c.Errors["moved"] == 0 {
				t.Errorf("errors %v: no MOVED counted, though slots holding keys changed hands", c.Errors)
			}
			t.Logf("redirects: moved %d, ask %d, tryagain %d; consumers' reads unblocked by MIGRATE %d",
				c.Errors["moved"], c.Errors["ask"], c.Errors["tryagain"], c.Errors["unblocked"])
			if len(c.Faults) != 1 {
				t.Fatalf("faults %+v, want the reshard", c.Faults)
			}
			if f := c.Faults[0]; f.Error != "" || f.HealedAtS <= f.AtS {
				t.Errorf("reshard %+v: want it done without error, healed_at_s after at_s", f)
			}
		})
	}
}

// remove-shard: all of one primary's slots move to the other two, it is
// forgotten and stopped, and nothing acknowledged is lost. At half the
// rate and with a longer phase than the reshard's, so that 5,461 slots
// move within it under the race detector on a loaded machine.
func TestRemoveShardUnderLoad(t *testing.T) {
	testenv.RequireRedis(t)
	res := run(t, clusterUnderLoad("12s", 1000, "{at: 2s, action: remove-shard, target: node:redis-0}"))
	c := res.Cells[0]
	if e := c.Events; e.Lost != 0 || e.Received != e.Acked || e.Acked == 0 || e.Failed != 0 || e.Indeterminate != 0 {
		t.Errorf("events %+v: want lost 0, received = acked, no write failed", e)
	}
	if c.Errors["moved"] == 0 {
		t.Errorf("errors %v: no MOVED counted, though every slot of redis-0 changed hands", c.Errors)
	}
	if len(c.Faults) != 1 || c.Faults[0].Error != "" || c.Faults[0].HealedAtS <= c.Faults[0].AtS {
		t.Errorf("faults %+v: want remove-shard done without error", c.Faults)
	}
}

// add-shard: a spare node started with the target joins the 3-shard
// cluster at 2,000 events/s and each primary hands it a quarter of its
// slots (lowest first, so some of the 32 keys move): nothing
// acknowledged is lost, the producers' writes to the moved keys are
// redirected (moved > 0), and the timeline's mark says the new node took
// 1/4 of the slots. The result lists the spare among the nodes. The
// phase leaves time for the join (Redis's rejoin delay, cluster-node-timeout
// 5 s) and the move under the race detector on a loaded machine.
func TestAddShardUnderLoad(t *testing.T) {
	testenv.RequireRedis(t)
	out := t.TempDir()
	sc, cells, err := scenarios.Parse(t.Name()+".yaml", []byte(clusterUnderLoad("14s", 2000, "{at: 2s, action: add-shard, target: spare}")), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := Run(context.Background(), sc, cells, Options{Out: out, Quiet: true})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	c := res.Cells[0]
	t.Logf("events %+v errors %v faults %+v", c.Events, c.Errors, c.Faults)
	if e := c.Events; e.Lost != 0 || e.Received != e.Acked || e.Acked == 0 || e.Failed != 0 || e.Indeterminate != 0 {
		t.Errorf("events %+v: want lost 0, received = acked, no write failed", e)
	}
	if c.Errors["moved"] == 0 {
		t.Errorf("errors %v: no MOVED counted, though slots holding keys moved to the new node", c.Errors)
	}
	if len(c.Faults) != 1 || c.Faults[0].Error != "" || c.Faults[0].Node != "redis-3" || c.Faults[0].HealedAtS <= c.Faults[0].AtS {
		t.Fatalf("faults %+v: want add-shard of redis-3 done without error", c.Faults)
	}
	if n := c.Target.Nodes; len(n) != 4 || n[3].Name != "redis-3" || n[3].Role != "spare" || n[3].Shard != 3 {
		t.Errorf("nodes %+v: want redis-3, role spare, shard 3, last", n)
	}
	slots := addShardSlots(t, out)
	// Each primary gives len/4 of its 5,461 or 5,462 slots: 3 × 1,365.
	if slots != 3*1365 {
		t.Errorf("the new node took %d slots, want 3 × 1365 (about 1/4 of 16384)", slots)
	}
}

// addShardSlots reads the slot count from the add-shard mark in the run
// directory's files.
func addShardSlots(t *testing.T, dir string) int {
	t.Helper()
	re := regexp.MustCompile(`add-shard done: redis-3 joined in [0-9.]+s; ([0-9]+) slots, ([0-9]+) keys`)
	found := -1
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found >= 0 {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if m := re.FindSubmatch(b); m != nil {
			found, _ = strconv.Atoi(string(m[1]))
			t.Logf("%s: %s", filepath.Base(path), m[0])
		}
		return nil
	})
	if found < 0 {
		t.Fatalf("no add-shard mark in %s", dir)
	}
	return found
}

// clusterUnderLoad is a scenario: a stream over 32 keys on a 3-shard
// process cluster for duration at rate events/s, with one chaos step.
func clusterUnderLoad(duration string, rate int, step string) string {
	return fmt.Sprintf(`
warmup: 1s
duration: %s
drain: 5s
target: {provider: process, topology: cluster, shards: 3, replicas: 0, persistence: none}
workload: {pattern: stream, producers: 3, consumers: 3, rate: %d, payload: 128, keys: 32}
client: {read_timeout: 1s, write_timeout: 1s}
chaos:
  - %s
`, duration, rate, step)
}

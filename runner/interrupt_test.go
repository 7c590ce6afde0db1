package runner

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/scenarios"
)

// A capacity search interrupted while its first cell's cluster is coming
// up is an interrupted run (ErrInterrupted, result marked), and leaves no
// server or temp dir behind.
func TestCapacityInterruptedDuringBringUp(t *testing.T) {
	testenv.RequireRedis(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	sc, cells, err := scenarios.Parse("cap.yaml", []byte(`
duration: 2s
target: {provider: process, topology: cluster, shards: 3}
workload: {pattern: stream, rate: {search: {from: 100, to: 1000, objective: e2e_p99, steps: 2}}}
slo: {e2e_p99: 50ms}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		defer cancel()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if pids, _ := filepath.Glob(filepath.Join(tmp, "squall-*", "*", "redis.pid")); len(pids) > 0 {
				return
			}
		}
	}()
	res, _, err := Run(ctx, sc, cells, Options{Out: t.TempDir(), Quiet: true})
	if !errors.Is(err, ErrInterrupted) || res == nil || !res.Interrupted {
		t.Fatalf("err %v, result %+v; want an interrupted run", err, res)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "squall-*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	if ps, _ := exec.Command("pgrep", "-af", tmp).Output(); len(ps) > 0 {
		t.Errorf("servers of the interrupted run still running:\n%s", ps)
	}
}

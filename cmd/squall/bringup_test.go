package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/internal/testenv"
)

// An interrupt while the target is still coming up is an interrupted run:
// exit 130, result.json says interrupted, and nothing of the target is
// left running or on disk. It comes once the first server has started, and
// once every server has (the sentinels agreeing or the cluster settling).
func TestInterruptDuringBringUpExits130(t *testing.T) {
	testenv.RequireRedis(t)
	for _, tc := range []struct {
		topology, target string
		nodes            int
	}{
		{"sentinel", "{provider: process, topology: sentinel, replicas: 1, sentinels: 3}", 5},
		{"cluster", "{provider: process, topology: cluster, shards: 3, replicas: 1}", 6},
	} {
		for _, when := range []string{"first", "all"} {
			t.Run(tc.topology+"/"+when, func(t *testing.T) {
				tmp := t.TempDir()
				t.Setenv("TMPDIR", tmp)
				out := filepath.Join(t.TempDir(), "run")
				want := 1
				if when == "all" {
					want = tc.nodes
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				go func() {
					defer cancel()
					for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
						if pids, _ := filepath.Glob(filepath.Join(tmp, "squall-*", "*", "redis.pid")); len(pids) >= want {
							return
						}
					}
				}()
				code, stdout, stderr := squall(ctx, "run", "quickstart", "--duration", "30s", "--set", "target="+tc.target, "--out", out, "--quiet")
				if code != exitInterrupted {
					t.Fatalf("exit %d, want 130\n%s\n%s", code, stdout, stderr)
				}
				res := readResult(t, out)
				if res["interrupted"] != true {
					t.Errorf("result.json: interrupted %v, error %v", res["interrupted"], res["error"])
				}
				if cells, _ := res["cells"].([]any); len(cells) == 1 {
					cell := cells[0].(map[string]any)
					ev, _ := cell["events"].(map[string]any)
					t.Logf("cell error: %v; events sent %v", cell["error"], ev["sent"])
					if sent, _ := ev["sent"].(float64); sent > 0 {
						t.Logf("the target was up before the interrupt (a fast machine): the bring-up was not interrupted this time")
					}
				}
				if !strings.Contains(stderr, "interrupted") {
					t.Errorf("stderr does not say interrupted: %q", stderr)
				}
				assertNoLeftovers(t)
				if ps, _ := exec.Command("pgrep", "-af", tmp).Output(); len(ps) > 0 {
					t.Errorf("servers of the interrupted run still running:\n%s", ps)
				}
				if _, err := os.Stat(out); err != nil {
					t.Errorf("no run directory: %v", err)
				}
			})
		}
	}
}

// squall target up interrupted while its target comes up exits 130 too,
// and leaves no target (nor a state file for target down) behind.
func TestTargetUpInterruptedExits130(t *testing.T) {
	testenv.RequireRedis(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
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
	code, stdout, stderr := squall(ctx, "target", "up", "quickstart", "--set", "target={provider: process, topology: cluster, shards: 3, replicas: 1}")
	if code != exitInterrupted {
		t.Fatalf("exit %d, want 130\n%s\n%s", code, stdout, stderr)
	}
	if states, _ := filepath.Glob(filepath.Join(tmp, "squall-targets", "*.json")); len(states) > 0 {
		t.Errorf("state files left: %v", states)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "squall-*"))
	for _, l := range left {
		if filepath.Base(l) != "squall-targets" {
			t.Errorf("left behind: %s", l)
		}
	}
	if ps, _ := exec.Command("pgrep", "-af", tmp).Output(); len(ps) > 0 {
		t.Errorf("servers still running:\n%s", ps)
	}
}

// squall target up prints the squall run command that drives a scenario
// through what it started, and that command runs.
func TestTargetUpPrintsRunCommand(t *testing.T) {
	testenv.RequireRedis(t)
	t.Setenv("TMPDIR", t.TempDir())
	ctx := context.Background()
	code, stdout, stderr := squall(ctx, "target", "up", "quickstart", "--provider", "process")
	if code != exitOK {
		t.Fatalf("target up = %d\n%s\n%s", code, stdout, stderr)
	}
	defer squall(ctx, "target", "down")
	_, line, ok := strings.Cut(stdout, "run a scenario against it: ")
	line, _, _ = strings.Cut(line, "\n")
	if !ok || !strings.HasPrefix(line, "squall run quickstart --url redis://127.0.0.1:") {
		t.Fatalf("no run command in:\n%s", stdout)
	}
	args := append(strings.Fields(line)[1:], "--duration", "1s", "--set", "warmup=0s", "--set", "drain=1s", "--set", "slo={lost_max: 0}", "--out", filepath.Join(t.TempDir(), "run"), "--quiet")
	if code, stdout, stderr := squall(ctx, args...); code != exitOK {
		t.Errorf("%v = %d\n%s\n%s", args, code, stdout, stderr)
	}
	if code, stdout, _ := squall(ctx, "target", "down"); code != exitOK || !strings.Contains(stdout, "is down") {
		t.Errorf("target down = %d %s", code, stdout)
	}
}

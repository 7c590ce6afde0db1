package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/squall-bench/squall/internal/testenv"
)

// squall runs the CLI in-process and returns its exit code and output.
func squall(ctx context.Context, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageAndUnknownCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "Usage"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"run"}, exitUsage, "run takes one SCENARIO"},
		{[]string{"run", "quickstart", "--provider", "cloud"}, exitUsage, "--provider"},
		{[]string{"run", "no-such-scenario.yaml"}, exitUsage, "no-such-scenario"},
		{[]string{"run", "quickstart", "--bogus"}, exitUsage, "bogus"},
		{[]string{"validate", "partition-primary", "--set", "target.provider=process"}, exitUsage, "partition needs target.provider docker"},
		{[]string{"validate", "quickstart", "--set", "chaos=[{at: 1s, action: failover, target: primary}]"}, exitUsage, "failover needs a replica"},
		{[]string{"validate", "quickstart", "--set", "chaos=[{at: 1s, action: kill, target: 'node:redis-3'}]"}, exitUsage, "no node \"redis-3\", so the fault would never fire; its nodes are redis-0"},
		{[]string{"validate", "quickstart", "--set", "target.provider=external", "--set", "target.addrs=[127.0.0.1:1]", "--set", "target.tls.ca_file=/dev/null"}, exitUsage, "target.tls: target.tls.ca_file: /dev/null holds no PEM certificate"},
		{[]string{"validate"}, exitUsage, "validate takes"},
		{[]string{"run", "quickstart", "--metrics-addr", ":9464"}, exitUsage, "expected HOST:PORT, e.g. 127.0.0.1:9464"},
		{[]string{"run", "quickstart", "--metrics-addr", "127.0.0.1"}, exitUsage, "expected HOST:PORT"},
		{[]string{"run", "quickstart", "--metrics-linger", "5s"}, exitUsage, "--metrics-linger needs --metrics-addr"},
		{[]string{"run", "quickstart", "--metrics-addr", "127.0.0.1:9464", "--metrics-linger", "1h"}, exitUsage, "expected 0 to 10m0s"},
		{[]string{"validate", "quickstart", "--set", "target.server=/nonexistent/valkey-server"}, exitUsage, `target.server: "/nonexistent/valkey-server" does not exist`},
		{[]string{"validate", "quickstart", "--set", "target.data_path=proxy"}, exitUsage, `unknown data_path "proxy"`},
		{[]string{"validate", "partition-primary", "--set", "target.provider=auto", "--set", "target.server=redis-server"}, exitUsage,
			"server redis-server runs on the process provider, but the scenario needs docker for chaos partition"},
	} {
		code, _, stderr := squall(context.Background(), tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("squall %v = %d, stderr %q; want %d containing %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

func TestListAndValidateShipped(t *testing.T) {
	code, out, stderr := squall(context.Background(), "list")
	if code != 0 || !strings.Contains(out, "quickstart") {
		t.Fatalf("list = %d %q %q", code, out, stderr)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] { // under the header
		names = append(names, strings.Fields(line)[0])
	}
	code, out, stderr = squall(context.Background(), append([]string{"validate"}, names...)...)
	if code != 0 {
		t.Fatalf("validate shipped = %d\n%s\n%s", code, out, stderr)
	}
}

func TestValidateBadScenarioNamesFileLineKey(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(p, []byte("name: x\nworkload:\n  producers: 2\n  rate: -5\n"), 0o644)
	code, _, stderr := squall(context.Background(), "validate", p)
	if code != exitUsage || !strings.Contains(stderr, p+":4:") || !strings.Contains(stderr, "workload.rate") {
		t.Fatalf("validate = %d, stderr %q; want exit 2 naming %s:4: and workload.rate", code, stderr, p)
	}
}

// readResult loads a run directory's result.json as generic JSON.
func readResult(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRunQuickstartWritesRunDir(t *testing.T) {
	testenv.RequireRedis(t)
	t.Setenv("TMPDIR", t.TempDir())
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := squall(context.Background(), "run", "quickstart", "--duration", "2s",
		"--set", "warmup=500ms", "--set", "drain=2s", "--set", "slo={lost_max: 0}", "--out", out, "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"result.json", "summary.md", "timeline.csv", "scenario.yaml", "publish.hlog", "end_to_end.hlog", "send_delay.hlog"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	res := readResult(t, out)
	cell := res["cells"].([]any)[0].(map[string]any)
	ev := cell["events"].(map[string]any)
	if ev["lost"].(float64) != 0 || ev["sent"].(float64) == 0 || ev["received"] != ev["sent"] {
		t.Errorf("events %v", ev)
	}
	if !strings.Contains(stdout, "PASS") {
		t.Errorf("summary lacks a verdict:\n%s", stdout)
	}
	assertNoLeftovers(t)
}

// The quickstart must work where no Docker engine answers: provider auto
// falls back to local processes, and the result says so.
func TestQuickstartWithoutDocker(t *testing.T) {
	testenv.RequireRedis(t)
	t.Setenv("TMPDIR", t.TempDir())
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := squall(context.Background(), "run", "quickstart", "--duration", "1s",
		"--set", "warmup=200ms", "--set", "drain=2s", "--set", "slo={lost_max: 0}", "--out", out, "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	cell := readResult(t, out)["cells"].([]any)[0].(map[string]any)
	if p := cell["target"].(map[string]any)["provider"]; p != "process" {
		t.Errorf("provider %v, want process", p)
	}
	assertNoLeftovers(t)
}

// provider auto takes docker for what only containers do, and says so
// before anything starts when no engine answers.
func TestAutoNeedsDockerExits3(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	code, _, stderr := squall(context.Background(), "run", "partition-primary", "--set", "target.provider=auto", "--out", t.TempDir())
	if code != exitInfra || !strings.Contains(stderr, "needs docker for chaos partition") {
		t.Errorf("exit %d, stderr %q; want 3 saying the partition needs docker", code, stderr)
	}
}

// TestServerKilledMidRunExits3 kills redis-server under a running scenario:
// the run must end with exit 3 and a clear message within seconds, keep
// what it measured, and leave nothing behind.
func TestServerKilledMidRunExits3(t *testing.T) {
	testenv.RequireRedis(t)
	t.Setenv("TMPDIR", t.TempDir())
	out := filepath.Join(t.TempDir(), "run")
	killed := make(chan time.Time, 1)
	go func() {
		pid := waitForServerPid(t, 10*time.Second)
		time.Sleep(1500 * time.Millisecond)
		killed <- time.Now()
		if pid > 0 { // 0 would signal this test's own process group
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}()
	code, stdout, stderr := squall(context.Background(), "run", "quickstart", "--duration", "30s",
		"--provider", "process", "--set", "warmup=0s", "--out", out, "--quiet")
	elapsed := time.Since(<-killed)
	if code != exitInfra {
		t.Fatalf("exit %d, want 3\n%s\n%s", code, stdout, stderr)
	}
	if elapsed > 5*time.Second {
		t.Errorf("took %s after the kill to exit", elapsed)
	}
	if !strings.Contains(stderr, "exited unexpectedly") {
		t.Errorf("stderr does not say what happened: %q", stderr)
	}
	res := readResult(t, out)
	if res["error"] == nil || res["pass"] != false {
		t.Errorf("result.json lacks the error: %v", res["error"])
	}
	assertNoLeftovers(t)
}

func TestInterruptedRunExits130WithPartialResults(t *testing.T) {
	testenv.RequireRedis(t)
	t.Setenv("TMPDIR", t.TempDir())
	out := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(2500*time.Millisecond, cancel)
	code, stdout, stderr := squall(ctx, "run", "quickstart", "--duration", "30s", "--set", "warmup=0s", "--out", out, "--quiet")
	if code != exitInterrupted {
		t.Fatalf("exit %d, want 130\n%s\n%s", code, stdout, stderr)
	}
	res := readResult(t, out)
	if res["interrupted"] != true {
		t.Errorf("result not marked interrupted: %v", res)
	}
	cell := res["cells"].([]any)[0].(map[string]any)
	if cell["events"].(map[string]any)["sent"].(float64) == 0 {
		t.Errorf("partial results lost: %v", cell["events"])
	}
	assertNoLeftovers(t)
}

// waitForServerPid finds the redis-server this process started (under the
// test's TMPDIR).
func waitForServerPid(t *testing.T, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(os.TempDir(), "squall-*", "*", "redis.pid"))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
					return pid
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Error("no redis-server pid file appeared")
	return 0
}

func assertNoLeftovers(t *testing.T) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(os.TempDir(), "squall-*"))
	if len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/rundir"
)

// runShards runs the scenario as n shard processes against addr with one
// common start and returns their run directories.
func runShards(t *testing.T, scenario, addr string, n int, args ...string) []string {
	t.Helper()
	bin := squallBinary(t)
	dir := t.TempDir()
	sc := filepath.Join(dir, "scenario.yaml")
	if err := os.WriteFile(sc, []byte(scenario), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(4 * time.Second).UTC().Format(time.RFC3339Nano)
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	var dirs []string
	for i := range n {
		d := filepath.Join(dir, fmt.Sprintf("shard-%d", i))
		dirs = append(dirs, d)
		cmd := exec.Command(bin, "run", sc, "--quiet", "--set", "target.provider=external", "--set", "target.addrs=["+addr+"]",
			"--start-at", start, "--out", d)
		cmd.Args = append(cmd.Args, args...)
		// Shard 0 from the flag, the others as an Indexed Job's pods see it.
		if i == 0 {
			cmd.Args = append(cmd.Args, "--shard", fmt.Sprintf("0/%d", n))
		} else {
			cmd.Env = append(os.Environ(), fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i), fmt.Sprintf("SQUALL_SHARDS=%d", n))
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, outs[i])
		}
	}
	return dirs
}

func xaddCalls(t *testing.T, addr string) int64 {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_xadd:"); ok {
			var n int64
			fmt.Sscanf(rest, "calls=%d", &n)
			return n
		}
	}
	return 0
}

// spills counts the spills in a shard's receipts file.
func spills(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rundir.ReceiptsFile))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n"))[1:] {
		var l struct {
			E   uint64 `json:"e"`
			End bool   `json:"end"`
		}
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatal(err)
		}
		if !l.End {
			seen[l.E] = true
		}
	}
	return len(seen)
}

// mergeOK merges dirs, which must succeed, and returns the merged result
// and its directory.
func mergeOK(t *testing.T, dirs ...string) (*result.Result, string) {
	t.Helper()
	code, out, stderr := merge(t, dirs...)
	if code != exitOK {
		t.Fatalf("merge exit %d: %s", code, stderr)
	}
	m, err := rundir.ReadResult(out)
	if err != nil {
		t.Fatal(err)
	}
	return m, out
}

func merge(t *testing.T, dirs ...string) (int, string, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "merged")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append(append([]string{"merge"}, dirs...), "--out", out), &stdout, &stderr)
	return code, out, stderr.String()
}

const shardScenario = `name: shards
warmup: 0s
duration: 2s
drain: 2s
workload: {pattern: stream, producers: %d, consumers: %d, rate: %d, keys: 4}
slo: {lost_max: 0}
`

// TestShardsMergeExact runs three shards against one redis-server and
// checks the merged run against the server's own count and against a
// histogram holding every shard's samples.
func TestShardsMergeExact(t *testing.T) {
	addr := testenv.StartRedis(t)
	before := xaddCalls(t, addr)
	dirs := runShards(t, fmt.Sprintf(shardScenario, 3, 3, 1500), addr, 3)
	xadds := xaddCalls(t, addr) - before
	m, out := mergeOK(t, dirs[2], dirs[0], dirs[1]) // any order
	c := m.Cells[0]
	var sentSum int64
	all := [record.NumKinds]*hdrhistogram.Histogram{}
	for k := range all {
		all[k] = record.NewHistogram()
	}
	for i, d := range dirs {
		r, err := rundir.ReadResult(d)
		if err != nil {
			t.Fatal(err)
		}
		if r.Shard == nil || r.Shard.Index != i || r.Shard.Count != 3 || r.Shard.Clock == nil {
			t.Fatalf("shard %d's result: %+v", i, r.Shard)
		}
		sentSum += r.Cells[0].Events.Sent
		cd := rundir.ReadCell(d, []string{""})
		for k, h := range cd.Hist {
			if h != nil {
				all[k].Merge(h)
			}
		}
	}
	for i, d := range dirs {
		// A spill writes what arrived before the previous one: in 2 s of
		// sending and 2 s of drain, at least the spills at 2 s and 3 s.
		if n := spills(t, d); n < 2 {
			t.Errorf("shard %d wrote receipts in %d spills in a 4 s load, want at least 2", i, n)
		}
	}
	ev := c.Events
	if ev.Sent != sentSum || ev.Sent != xadds || ev.Sent != 1500*2 {
		t.Errorf("merged sent %d, shards' sum %d, server's XADD calls %d, scheduled %d", ev.Sent, sentSum, xadds, 1500*2)
	}
	if ev.Received != ev.Acked || ev.Lost != 0 || ev.Duplicated != 0 || ev.Acked != ev.Sent {
		t.Errorf("merged events %+v", ev)
	}
	l := c.Latency
	if l.Publish.Count != ev.Acked || l.EndToEnd.Count != ev.Received || l.SendDelay.Count != ev.Sent {
		t.Errorf("histogram counts publish %d end-to-end %d send delay %d, events %+v", l.Publish.Count, l.EndToEnd.Count, l.SendDelay.Count, ev)
	}
	for k, got := range map[record.Kind]result.Summary{record.Publish: l.Publish, record.EndToEnd: l.EndToEnd, record.SendDelay: l.SendDelay} {
		if want := record.Summarize(all[k]); got != want {
			t.Errorf("%s: merged %+v, one histogram of every sample %+v", record.KindNames[k], got, want)
		}
	}
	if len(m.Shards) != 3 || !m.Pass {
		t.Errorf("merged: %d shards, pass %v", len(m.Shards), m.Pass)
	}
	// report and compare read the merged directory as any run's.
	var stdout, stderr2 bytes.Buffer
	if code := run(context.Background(), []string{"report", out, "--format", "md"}, &stdout, &stderr2); code != exitOK {
		t.Errorf("report: exit %d: %s", code, stderr2.String())
	}
	if code := run(context.Background(), []string{"compare", out, out}, &stdout, &stderr2); code != exitOK {
		t.Errorf("compare: exit %d: %s", code, stderr2.String())
	}

	t.Run("refusals", func(t *testing.T) {
		other := t.TempDir()
		for _, tc := range []struct {
			name string
			dirs []string
			want string
		}{
			{"missing", dirs[:2], "shard(s) 2 of 3 missing"},
			{"repeated", []string{dirs[0], dirs[0], dirs[1]}, "shard 0 given twice"},
			{"not a shard", []string{other}, "no such file"},
		} {
			code, _, stderr := merge(t, tc.dirs...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("%s: exit %d, stderr %q, want exit 2 and %q", tc.name, code, stderr, tc.want)
			}
		}
	})
}

// TestShardConsumersDrainOtherShards runs two shards where shard 0 has a
// producer and no consumer: every event it produced is received by shard
// 1's consumer, and the merge counts it received, not lost. Its directories
// from another start are refused beside the first run's.
func TestShardConsumersDrainOtherShards(t *testing.T) {
	addr := testenv.StartRedis(t)
	dirs := runShards(t, fmt.Sprintf(shardScenario, 2, 1, 1000), addr, 2)
	r0, err := rundir.ReadResult(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if r0.Shard.Consumers != [2]int{0, 0} || r0.Cells[0].Events.Sent != 1000 || r0.Cells[0].Events.Received != 0 {
		t.Fatalf("shard 0 should produce 1000 events and receive none: %+v %+v", r0.Shard, r0.Cells[0].Events)
	}
	m, _ := mergeOK(t, dirs...)
	if ev := m.Cells[0].Events; ev.Sent != 2000 || ev.Received != 2000 || ev.Lost != 0 || ev.Duplicated != 0 {
		t.Errorf("merged events %+v", ev)
	}

	again := runShards(t, fmt.Sprintf(shardScenario, 2, 1, 1000), addr, 2)
	if code, _, stderr := merge(t, dirs[0], again[1]); code != exitUsage || !strings.Contains(stderr, "not one run") {
		t.Errorf("mismatched start: exit %d, %s", code, stderr)
	}
	third := runShards(t, fmt.Sprintf(shardScenario, 2, 2, 1000), addr, 2)
	if code, _, stderr := merge(t, dirs[0], third[1]); code != exitUsage || !strings.Contains(stderr, "resolved the scenario differently") && !strings.Contains(stderr, "not one run") {
		t.Errorf("mismatched scenario: exit %d, %s", code, stderr)
	}
}

// TestShardFaultsMerged runs two shards of a load with a fault: shard 0
// runs it and writes its producers' watermarks as it struck; the merge
// reckons the fault's lost_acked on the merged receipts (none lost here)
// and says whose events it counts.
func TestShardFaultsMerged(t *testing.T) {
	addr := testenv.StartRedis(t)
	sc := fmt.Sprintf(shardScenario, 4, 2, 1000) + "chaos: [{at: 1s, action: client-pause, target: primary, duration: 300ms}]\n"
	dirs := runShards(t, sc, addr, 2, "--allow-destructive")
	var h struct {
		Struck []int `json:"struck"`
	}
	b, err := os.ReadFile(filepath.Join(dirs[0], rundir.SendsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(bytes.SplitN(b, []byte("\n"), 2)[0], &h); err != nil || len(h.Struck) != 1 {
		t.Fatalf("shard 0's sends header %s: want the one fault's watermarks (%v)", bytes.SplitN(b, []byte("\n"), 2)[0], err)
	}
	m, _ := mergeOK(t, dirs...)
	c := m.Cells[0]
	if ev := c.Events; ev.Sent+ev.Dropped != 2000 || ev.Received != ev.Acked || ev.Lost != 0 || len(c.Faults) != 1 || c.Faults[0].LostAcked != 0 || c.Faults[0].Node == "" {
		t.Errorf("merged events %+v, faults %+v", ev, c.Faults)
	}
	if !strings.Contains(strings.Join(c.Notes, "\n"), "lost events of shard 0's producers only (2 of 4: producers 0–2)") {
		t.Errorf("merged notes %q: want the one on whose losses lost_acked counts", c.Notes)
	}
}

func TestShardOf(t *testing.T) {
	env := func(kv ...string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1], true
				}
			}
			return "", false
		}
	}
	for _, tc := range []struct {
		name, flag, start string
		env               func(string) (string, bool)
		want              string // "" nil; "i/n" a shard; else an error substring
	}{
		{"none", "", "", env(), ""},
		{"flag", "1/3", "2030-01-01T00:00:00Z", env(), "1/3"},
		{"indexed job", "", "", env("JOB_COMPLETION_INDEX", "2", "SQUALL_SHARDS", "4", "SQUALL_START_AT", "2030-01-01T00:00:00Z"), "2/4"},
		{"index out of range", "3/3", "2030-01-01T00:00:00Z", env(), "expected I/N"},
		{"no start", "0/2", "", env(), "needs the common start"},
		{"bad start", "0/2", "tomorrow", env(), "expected RFC3339"},
		{"index without count", "", "", env("JOB_COMPLETION_INDEX", "0"), "SQUALL_SHARDS is not"},
		{"start without shard", "", "2030-01-01T00:00:00Z", env(), "give --shard"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh, err := shardOf(tc.flag, tc.start, tc.env)
			got := ""
			switch {
			case err != nil:
				got = err.Error()
			case sh != nil:
				got = fmt.Sprintf("%d/%d", sh.Index, sh.Count)
			}
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/scenarios"
)

var update = flag.Bool("update", false, "rewrite the testdata/hostile/*.err golden files")

// Limits a hostile scenario runs under (see squallLimited). The address
// space is limited by scripts/memlimit, as CI's fuzzers are (3 GiB: Go 1.26
// on linux/amd64 reserves about 1.2 GiB at start; strace showed a plain
// squall validate peak at 1,204 MiB of mappings, and it failed at random
// under 1.25 GiB), so an allocation bomb fails the test with "out of
// memory", not the machine; what a refused scenario may actually touch is
// bounded far lower by hostileMaxRSS. The binary is built without cgo: with
// it, each thread's glibc stack reserves 8 MiB more.
const (
	hostileMaxRSS = 256 << 20 // a normal validate peaks near 20 MB
	hostileCPU    = time.Second
	hostileWall   = 5 * time.Second // CPU time is the scenario's cost; wall time also waits for a loaded machine
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// TestMain removes the CLI the hostile tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// squallBinary builds cmd/squall once per test process, without cgo.
func squallBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "squall-hostile-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "squall")
		gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(gobin); err != nil {
			gobin = "go"
		}
		cmd := exec.Command(gobin, "build", "-o", builtBin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// limitedRun is one run of the CLI under the hostile limits.
type limitedRun struct {
	code           int
	stdout, stderr string
	wall, cpu      time.Duration
	maxRSS         int64 // bytes
	floorRSS       int64 // this process's peak: see selfPeakRSS
}

// squallLimited runs the built CLI in dir through scripts/memlimit (sh's
// ulimit -v, then exec: the rusage is squall's own) with a hang guard, and
// reports what it cost.
func squallLimited(t *testing.T, dir string, env []string, args ...string) limitedRun {
	t.Helper()
	bin := squallBinary(t) // built before the clock starts
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	memlimit, err := filepath.Abs(filepath.Join("..", "..", "scripts", "memlimit"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, memlimit, append([]string{bin}, args...)...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err = cmd.Run()
	r := limitedRun{stdout: out.String(), stderr: errb.String(), wall: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("squall %v did not exit within 10s", args)
	}
	if cmd.ProcessState == nil {
		t.Fatalf("squall %v: %v", args, err)
	}
	r.code = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		r.maxRSS = ru.Maxrss << 10
	}
	r.floorRSS = selfPeakRSS()
	return r
}

// selfPeakRSS is this test process's peak resident set (VmHWM). os/exec
// starts a child with vfork, sharing this process's memory until exec, and
// Linux records that shared peak in the child's ru_maxrss: a child's
// figure below this floor says nothing about the child (under -race the
// test binary itself peaks near 400 MB).
func selfPeakRSS() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// hostileEnv is the environment hostile scenarios run in: a private TMPDIR,
// and SQUALL_HOSTILE_UNSET_PASSWORD unset whatever the caller's has.
func hostileEnv(t *testing.T) []string {
	env := []string{"TMPDIR=" + t.TempDir(), "HOME=" + t.TempDir()}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "SQUALL_HOSTILE_") && !strings.HasPrefix(e, "TMPDIR=") && !strings.HasPrefix(e, "HOME=") {
			env = append(env, e)
		}
	}
	return env
}

// crashed matches what a Go panic, fatal error or runtime abort prints.
var crashed = regexp.MustCompile(`(?m)^(panic:|fatal error:|goroutine \d+ \[|runtime: |SIGABRT|SIGSEGV)`)

// checkRefused checks the common contract: exit 2, no crash, within the
// limits.
func checkRefused(t *testing.T, what string, r limitedRun) {
	t.Helper()
	t.Logf("%s: exit %d, %s CPU, %s wall, peak %d MB resident (floor %d MB)", what, r.code, r.cpu, r.wall.Round(time.Millisecond), r.maxRSS>>20, r.floorRSS>>20)
	if r.code != exitUsage {
		t.Errorf("%s: exit %d, want 2\nstdout: %s\nstderr: %s", what, r.code, r.stdout, r.stderr)
	}
	if crashed.MatchString(r.stderr) {
		t.Errorf("%s crashed:\n%s", what, r.stderr)
	}
	if r.cpu > hostileCPU || r.wall > hostileWall {
		t.Errorf("%s took %s of CPU, %s of wall time; want under %s and %s", what, r.cpu, r.wall, hostileCPU, hostileWall)
	}
	if limit := max(hostileMaxRSS, r.floorRSS); r.maxRSS > limit {
		t.Errorf("%s peaked at %d MB resident; want under %d MB", what, r.maxRSS>>20, limit>>20)
	}
}

// TestHostileScenarios runs each testdata/hostile/*.yaml through the built
// CLI as a user would, under scripts/memlimit: `squall validate`
// must exit 2 with the golden message (file:line:col and key where there is
// a place to point at), without a crash, in under a second of CPU; and
// `squall run` must refuse it the same way without writing a run directory.
// A file's "# set: PATH=VALUE" lines become --set flags, "# provider: P"
// becomes --provider.
func TestHostileScenarios(t *testing.T) {
	dir := filepath.Join("testdata", "hostile")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s/*.yaml: %v", dir, err)
	}
	env := hostileEnv(t)
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			flags := hostileFlags(data)
			r := squallLimited(t, dir, env, append(append([]string{"validate"}, flags...), name)...)
			checkRefused(t, "validate", r)
			golden := strings.TrimSuffix(file, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(r.stderr), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if want, err := os.ReadFile(golden); err != nil {
				t.Fatalf("%v (run go test -run TestHostileScenarios -update to create it)", err)
			} else if r.stderr != string(want) {
				t.Errorf("squall validate %s:\n%s\nwant:\n%s", name, r.stderr, want)
			}

			out := filepath.Join(t.TempDir(), "run")
			cwd := t.TempDir()
			abs, _ := filepath.Abs(file)
			r = squallLimited(t, cwd, env, append(append([]string{"run", "--out", out, "--quiet"}, flags...), abs)...)
			checkRefused(t, "run", r)
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("squall run wrote %s for a refused scenario", out)
			}
			if ents, _ := os.ReadDir(cwd); len(ents) > 0 {
				t.Errorf("squall run left %d entries in its working directory (runs/?)", len(ents))
			}
		})
	}
}

// hostileFlags reads a test file's "# set:" and "# provider:" lines.
func hostileFlags(data []byte) []string {
	var flags []string
	for _, line := range strings.Split(string(data), "\n") {
		if s, ok := strings.CutPrefix(line, "# set: "); ok {
			flags = append(flags, "--set", s)
		}
		if s, ok := strings.CutPrefix(line, "# provider: "); ok {
			flags = append(flags, "--provider", s)
		}
	}
	return flags
}

// TestHostileFiles feeds squall validate what is not a scenario file at
// all, built at test time: a 50 MB file (parsed whole before the limit, it
// took 1.2 GB and 10 s), an endless file, 1 MiB of nesting, of aliases and
// of keys.
func TestHostileFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return name
	}
	var aliases, keys strings.Builder
	aliases.WriteString("name: x\nbase: &b {a: 1, b: [1, 2, 3, 4, 5, 6, 7, 8]}\nlist:\n")
	for aliases.Len() < scenarios.MaxFileSize-16 {
		aliases.WriteString("  - *b\n")
	}
	keys.WriteString("name: x\n")
	for i := 0; keys.Len() < scenarios.MaxFileSize-32; i++ {
		fmt.Fprintf(&keys, "k%d: 1\n", i)
	}
	for _, tc := range []struct {
		file, want string
	}{
		{writeBig(t, dir, "big.yaml", 50<<20), "big.yaml: scenario file is larger than 1048576 bytes (1 MiB)"},
		{"/dev/zero", "/dev/zero: scenario file is larger than 1048576 bytes (1 MiB)"},
		{write("nesting.yaml", "name: x\ndescription: "+strings.Repeat("[", scenarios.MaxFileSize-64)+"\n"), "nesting.yaml:2:1: not valid YAML: exceeded max depth"},
		{write("block-nesting.yaml", "name: x\ndescription:\n"+blockNesting(1400)), "too deeply nested"},
		{write("aliases.yaml", aliases.String()), "document too large"},
		{write("keys.yaml", keys.String()), "keys.yaml:5000:8: document too large"},
		{write("long-line.yaml", "name: x\ndescription: "+strings.Repeat("y", scenarios.MaxFileSize-64)+"\nworkload: {keys: 0}\n"), "keys must be >= 1"},
		{write("nul.yaml", "name: x\x00\n"), "nul.yaml:1:8: control character U+0000"},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			r := squallLimited(t, dir, hostileEnv(t), "validate", tc.file)
			checkRefused(t, "validate "+tc.file, r)
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %.300q, want it to contain %q", r.stderr, tc.want)
			}
		})
	}
}

// writeBig writes a valid scenario padded with comments to size bytes, a
// chunk at a time (so this process's own peak memory stays low).
func writeBig(t *testing.T, dir, name string, size int) string {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("name: big\n")
	line := []byte("# " + strings.Repeat("x", 1021) + "\n")
	for n := 0; n < size; n += len(line) {
		if _, err := f.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	return name
}

// blockNesting is n levels of block-style lists.
func blockNesting(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(strings.Repeat(" ", i) + "-\n")
	}
	return b.String()
}

// TestLimitsAgree: the limits validation enforces are the ones the packages
// that allocate rely on.
func TestLimitsAgree(t *testing.T) {
	if scenarios.MaxKeys != loadgen.MaxKeys {
		t.Errorf("scenarios.MaxKeys %d, loadgen.MaxKeys %d", scenarios.MaxKeys, loadgen.MaxKeys)
	}
	if scenarios.MaxServers != compose.MaxServers {
		t.Errorf("scenarios.MaxServers %d, compose.MaxServers %d", scenarios.MaxServers, compose.MaxServers)
	}
}

// TestProviderOverrideChecksTargetSize: an external target's counts are not
// servers squall starts, but --provider process makes them so; the run is
// refused before it writes anything.
func TestProviderOverrideChecksTargetSize(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big.yaml")
	os.WriteFile(p, []byte("name: big\ntarget: {provider: external, addrs: [\"127.0.0.1:1\"], topology: cluster, shards: 64, replicas: 1}\n"), 0o644)
	if code, _, stderr := squall(context.Background(), "validate", p); code != exitOK {
		t.Fatalf("validate = %d: %s", code, stderr)
	}
	out := filepath.Join(dir, "run")
	code, _, stderr := squall(context.Background(), "run", p, "--provider", "process", "--out", out)
	if code != exitUsage || !strings.Contains(stderr, p+":2:73: target.shards: topology cluster with shards 64, replicas 1 and sentinels 0 needs 128 servers; provider process starts at most 64") {
		t.Errorf("run --provider process = %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused run wrote %s", out)
	}
}

package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/report"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/rundir"
)

// TestHelpEveryCommand: every command and subcommand answers -h, --help and
// squall help NAME on stdout with exit 0: a usage line with its arguments,
// its flags (booleans without a value), and examples.
func TestHelpEveryCommand(t *testing.T) {
	for name, d := range docs {
		words := strings.Fields(name)
		for _, args := range [][]string{
			append(append([]string{}, words...), "--help"),
			append(append([]string{}, words...), "-h"),
			append([]string{"help"}, words...),
		} {
			code, out, stderr := squall(context.Background(), args...)
			if code != exitOK || stderr != "" {
				t.Errorf("squall %v = %d, stderr %q; want 0 and nothing on stderr", args, code, stderr)
				continue
			}
			if want := "Usage:\n  squall " + strings.TrimSpace(name+" "+d.args) + "\n"; !strings.Contains(out, want) {
				t.Errorf("squall %v lacks %q:\n%s", args, want, out)
			}
			if len(d.examples) < 2 || !strings.Contains(out, "Examples:\n  squall ") {
				t.Errorf("squall %v: want two or more examples:\n%s", args, out)
			}
			if strings.Contains(out, "[=true|false]") || strings.Contains(out, "pflag") {
				t.Errorf("squall %v shows pflag's own usage:\n%s", args, out)
			}
		}
	}
}

// TestHelpFlags: the flags a command takes are in its help, shared ones
// with the same text everywhere.
func TestHelpFlags(t *testing.T) {
	for _, tc := range []struct {
		cmd  []string
		want []string
	}{
		{[]string{"run"}, []string{"--set PATH=VALUE", "--provider P", "--duration D", "--url URL", "--out DIR", "  --quiet  ", "--allow-destructive", "--keep-keys", "chaos.0.at=3s"}},
		{[]string{"validate"}, []string{"--set PATH=VALUE", "--provider P", "--duration D", "--url URL"}},
		{[]string{"target", "up"}, []string{"--set PATH=VALUE", "--provider P", "--duration D", "--url URL"}},
		{[]string{"report"}, []string{"--format F", "(default text)"}},
		{[]string{"compare"}, []string{"--tolerance SPEC", "--format F"}},
	} {
		_, out, _ := squall(context.Background(), append(tc.cmd, "--help")...)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("squall %v --help lacks %q:\n%s", tc.cmd, w, out)
			}
		}
	}
}

func TestUsageOnStdout(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, out, stderr := squall(context.Background(), args...)
		if code != exitOK || stderr != "" || !strings.Contains(out, "Commands:\n  run ") || !strings.Contains(out, "squall help COMMAND") {
			t.Errorf("squall %v = %d\n%s\nstderr %q", args, code, out, stderr)
		}
	}
	if code, _, stderr := squall(context.Background(), "help", "frobnicate"); code != exitUsage || !strings.Contains(stderr, `no help for "frobnicate"`) {
		t.Errorf("help frobnicate = %d %q", code, stderr)
	}
	if code, _, stderr := squall(context.Background(), "run", "--bogus"); code != exitUsage || !strings.Contains(stderr, "unknown flag: --bogus (see squall help run)") {
		t.Errorf("run --bogus = %d %q", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := squall(context.Background(), args...)
		if code != exitOK || !strings.HasPrefix(out, "squall ") {
			t.Errorf("squall %v = %d %q", args, code, out)
		}
	}
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/squall-bench/squall", Version: "v1.2.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "1d364b18540f246f6b1ea420c5b500e7a7a20fec"}, {Key: "vcs.time", Value: "2025-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := versionLine(bi), "squall v1.2.0 (revision 1d364b18540f246f6b1ea420c5b500e7a7a20fec with local changes, committed 2025-01-02T03:04:05Z, go1.26.8)"; got != want {
		t.Errorf("versionLine =\n %s\nwant\n %s", got, want)
	}
	bi = &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/squall-bench/squall"}}
	if got, want := versionLine(bi), "squall (devel) (revision unknown (not built from a checkout), go1.26.8)"; got != want {
		t.Errorf("versionLine = %s, want %s", got, want)
	}
}

// TestScenarioFlags: --provider, --duration and --url are --sets, the same
// whatever the order on the command line; a flag and a --set of one key are
// refused; --url never takes or echoes a password.
func TestScenarioFlags(t *testing.T) {
	env := func(vars ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(vars); i += 2 {
				if vars[i] == k {
					return vars[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name     string
		f        scenarioFlags
		env      func(string) string
		sets     []string
		provider string
		err      string
	}{
		{name: "none", f: scenarioFlags{}, env: env()},
		{name: "duration", f: scenarioFlags{sets: []string{"workload.rate=10"}, duration: "8s"}, env: env(),
			sets: []string{"workload.rate=10", "duration=8s"}},
		{name: "provider process", f: scenarioFlags{provider: "process"}, env: env(), provider: "process"},
		{name: "provider external with addrs", f: scenarioFlags{provider: "external", sets: []string{"target.addrs=[127.0.0.1:6379]"}}, env: env(),
			sets: []string{"target.addrs=[127.0.0.1:6379]", "target.provider=external"}, provider: "external"},
		{name: "url", f: scenarioFlags{url: "redis://10.0.0.5:6380"}, env: env(),
			sets: []string{`target.addrs=["10.0.0.5:6380"]`, "target.provider=external"}, provider: "external"},
		{name: "url default port, user, db, tls, REDISCLI_AUTH", f: scenarioFlags{url: "rediss://app@cache.example.com/2"}, env: env("REDISCLI_AUTH", "s3cret"),
			sets: []string{"target.tls.enabled=true", `target.addrs=["cache.example.com:6379"]`, `target.username="app"`, "target.db=2", "target.password_env=REDISCLI_AUTH", "target.provider=external"}, provider: "external"},
		{name: "url ipv6, password_env named", f: scenarioFlags{url: "redis://[::1]:7000", sets: []string{"target.password_env=MY_PW"}}, env: env("REDISCLI_AUTH", "x"),
			sets: []string{"target.password_env=MY_PW", `target.addrs=["[::1]:7000"]`, "target.provider=external"}, provider: "external"},
		{name: "url with password", f: scenarioFlags{url: "redis://app:hunter2@host:6379"}, env: env(), err: "--url: the URL holds a password"},
		{name: "url with bad port", f: scenarioFlags{url: "redis://app:hunter2@host:x"}, env: env(), err: "--url: expected redis://"},
		{name: "url scheme", f: scenarioFlags{url: "http://host:6379"}, env: env(), err: `got scheme "http"`},
		{name: "url query", f: scenarioFlags{url: "redis://host:6379?ssl=1"}, env: env(), err: "TLS files and other settings are target keys"},
		{name: "url db", f: scenarioFlags{url: "redis://host:6379/x"}, env: env(), err: "database number"},
		{name: "url and provider", f: scenarioFlags{url: "redis://host", provider: "docker"}, env: env(), err: "--provider docker stands up squall's own"},
		{name: "conflict", f: scenarioFlags{duration: "8s", sets: []string{"duration=10s"}}, env: env(), err: "--duration and --set duration=10s both set duration"},
		{name: "conflict url", f: scenarioFlags{url: "redis://h", sets: []string{"target.addrs=[a:1]"}}, env: env(), err: "--url and --set target.addrs=[a:1] both set target.addrs"},
		{name: "bad provider", f: scenarioFlags{provider: "cloud"}, env: env(), err: "--provider: expected auto, docker, process or external"},
	} {
		sets, provider, err := tc.f.resolve(tc.env)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("%s: the error echoes the password: %v", tc.name, err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case !reflect.DeepEqual(sets, tc.sets) || provider != tc.provider:
			t.Errorf("%s: sets %q provider %q, want %q %q", tc.name, sets, provider, tc.sets, tc.provider)
		}
	}
}

// TestFlagsAnyOrder: flags and --set give the same resolved scenario in
// any order, on run, validate and target up alike.
func TestFlagsAnyOrder(t *testing.T) {
	orders := [][]string{
		{"quickstart", "--duration", "5s", "--set", "workload.rate=100", "--url", "redis://127.0.0.1:1"},
		{"--url", "redis://127.0.0.1:1", "quickstart", "--set", "workload.rate=100", "--duration", "5s"},
		{"--set", "workload.rate=100", "--url", "redis://127.0.0.1:1", "--duration", "5s", "quickstart"},
	}
	for _, args := range orders {
		code, out, stderr := squall(context.Background(), append([]string{"validate"}, args...)...)
		if code != exitOK || !strings.Contains(out, "quickstart: ok") {
			t.Errorf("validate %v = %d %q %q", args, code, out, stderr)
		}
	}
}

// TestRefusedRunWritesNothing: a scenario refused for what the flags made
// of it exits 2 before the run directory exists.
func TestRefusedRunWritesNothing(t *testing.T) {
	for _, args := range [][]string{
		{"quickstart", "--provider", "external"}, // no addresses
		{"quickstart", "--url", "redis://127.0.0.1:1/3", "--set", "target.topology=cluster"},
		{"failover-sentinel-stream", "--duration", "8s"},           // its fault is at 10s
		{"quickstart", "--duration", "5s", "--set", "duration=6s"}, // one key twice
	} {
		out := filepath.Join(t.TempDir(), "run")
		code, _, stderr := squall(context.Background(), append([]string{"run", "--out", out}, args...)...)
		if code != exitUsage {
			t.Errorf("run %v = %d, want 2: %s", args, code, stderr)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("run %v wrote %s", args, out)
		}
	}
}

// The --duration refusal for a fault scheduled later says how to move it.
func TestDurationRefusalSaysHow(t *testing.T) {
	code, _, stderr := squall(context.Background(), "validate", "failover-sentinel-stream", "--duration", "8s")
	if code != exitUsage || !strings.Contains(stderr, "--set chaos.0.at=") {
		t.Errorf("validate --duration 8s = %d %q; want the --set that moves the fault", code, stderr)
	}
	code, out, stderr := squall(context.Background(), "validate", "failover-sentinel-stream", "--duration", "8s", "--set", "chaos.0.at=3s")
	if code != exitOK {
		t.Errorf("with the fault moved: %d %s %s", code, out, stderr)
	}
}

func TestList(t *testing.T) {
	code, out, _ := squall(context.Background(), "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "TOPOLOGY") || !strings.Contains(lines[0], "PROVIDER") || !strings.Contains(lines[0], "LENGTH") {
		t.Fatalf("list = %d\n%s", code, out)
	}
	for _, want := range []string{"^quickstart +standalone +auto +20s ", "failover-cluster +cluster 3 shards +auto", "partition-primary +sentinel 1\\+1 +docker", "durability +standalone +auto +4 × "} {
		found := false
		for _, l := range lines {
			if ok, _ := regexp.MatchString(want, l); ok {
				found = true
			}
		}
		if !found {
			t.Errorf("list has no line like %q:\n%s", want, out)
		}
	}
}

// TestReportLatest: squall report without a RUN_DIR renders the newest run
// under ./runs.
func TestReportLatest(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if code, _, stderr := squall(context.Background(), "report"); code != exitUsage || !strings.Contains(stderr, "no run under runs/") {
		t.Errorf("report without runs = %d %q", code, stderr)
	}
	old, recent := compareResult(), compareResult()
	old.Scenario, recent.Scenario = "old-one", "recent-one"
	for i, r := range []*result.Result{recent, old} {
		d := filepath.Join("runs", r.Scenario)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(d, rundir.ResultFile)
		if err := report.WriteJSON(f, r); err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(-time.Duration(i) * time.Hour)
		if err := os.Chtimes(f, when, when); err != nil {
			t.Fatal(err)
		}
	}
	code, out, stderr := squall(context.Background(), "report", "--format", "json")
	if code != exitOK || !strings.Contains(out, `"recent-one"`) || !strings.Contains(stderr, filepath.Join("runs", "recent-one")) {
		t.Errorf("report = %d, stderr %q, out:\n%s", code, stderr, out)
	}
}

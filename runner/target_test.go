package runner

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/scenarios"
)

// A docker run goes to the containers' own addresses where the host
// reaches them, and through the published ports when told to; both carry
// every event, and result.json and the summary say which path the figures
// took.
func TestDockerDataPaths(t *testing.T) {
	testenv.RequireRedis(t)
	testenv.RequireDocker(t, compose.DockerAvailable)
	const yaml = `
warmup: 500ms
duration: 3s
drain: 2s
target: {provider: docker}
workload: {pattern: stream, producers: 2, consumers: 2, rate: 1000, payload: 64}
matrix:
  target.data_path: [auto, published]
`
	dir := t.TempDir()
	res := runIn(t, dir, yaml)
	for i, want := range []string{compose.PathDirect, compose.PathPublished} {
		c := res.Cells[i]
		if c.Error != "" {
			t.Fatalf("%s: %s", c.Name, c.Error)
		}
		if c.Target.DataPath != want || c.Target.DataPathNote == "" {
			t.Errorf("%s: data_path %q (%q), want %s with a note", c.Name, c.Target.DataPath, c.Target.DataPathNote, want)
		}
		if e := c.Events; e.Sent < 2000 || e.Acked != e.Sent || e.Received != e.Acked || e.Lost != 0 {
			t.Errorf("%s: events %+v, want every event carried", c.Name, e)
		}
		for _, n := range c.Target.Nodes {
			ap, err := netip.ParseAddrPort(n.Addr)
			if err != nil || ap.Addr().IsLoopback() != (want == compose.PathPublished) {
				t.Errorf("%s: node %s at %s: on the %s path clients dial %s", c.Name, n.Name, n.Addr, want,
					map[bool]string{true: "127.0.0.1", false: "the container's address"}[want == compose.PathPublished])
			}
		}
		if c.Target.ProviderNote != "target.provider docker" || c.Target.ServerName != "redis" || c.Target.ServerVersion == "" {
			t.Errorf("%s: provider note %q, server %q %q", c.Name, c.Target.ProviderNote, c.Target.ServerName, c.Target.ServerVersion)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(md), "THROUGH A PROXY"); n != 1 {
		t.Errorf("summary.md warns %d times that figures went through a proxy, want once (the published cell)", n)
	}
}

// provider auto stands up local processes where redis-server is
// installed, says so before the load starts, and records why.
func TestAutoPicksProcessesAndSaysWhy(t *testing.T) {
	testenv.RequireRedis(t)
	sc, cells, err := scenarios.Parse("auto.yaml", []byte(`
warmup: 200ms
duration: 1s
drain: 1s
workload: {pattern: list, producers: 1, consumers: 1, rate: 200, payload: 64}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	res, _, err := Run(context.Background(), sc, cells, Options{Out: t.TempDir(), Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	bin, _ := exec.LookPath("redis-server")
	if c.Target.Provider != "process" || !strings.Contains(c.Target.ProviderNote, "auto: "+bin) {
		t.Errorf("provider %s (%q), want process because %s is installed", c.Target.Provider, c.Target.ProviderNote, bin)
	}
	first, _, _ := strings.Cut(stderr.String(), "\n")
	if first != "provider: process ("+c.Target.ProviderNote+")" {
		t.Errorf("stderr begins %q, want the provider and why", first)
	}
	if c.Target.DataPath != compose.PathDirect || c.Target.Binary != bin {
		t.Errorf("data path %q, binary %q", c.Target.DataPath, c.Target.Binary)
	}
}

// target.server runs another redis-server-compatible executable; here the
// host's redis-server copied under another name and path, in a matrix
// beside the installed one. The result records what each server says it is
// (INFO server), not what its file is called.
func TestServerMatrix(t *testing.T) {
	testenv.RequireRedis(t)
	orig, _ := exec.LookPath("redis-server")
	body, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(t.TempDir(), "opt", "valkey-server-9.9")
	if err := os.MkdirAll(filepath.Dir(copied), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copied, body, 0o755); err != nil {
		t.Fatal(err)
	}
	res := runIn(t, t.TempDir(), `
warmup: 200ms
duration: 1s
drain: 1s
target: {topology: sentinel, replicas: 1, sentinels: 1}
workload: {pattern: list, producers: 1, consumers: 1, rate: 200, payload: 64}
matrix:
  target.server: [redis-server, `+copied+`]
`)
	out, err := exec.Command(orig, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	for i, bin := range []string{orig, copied} {
		c := res.Cells[i]
		tg := c.Target
		if c.Error != "" || c.Events.Received != c.Events.Acked || c.Events.Acked == 0 {
			t.Errorf("%s: error %q, events %+v", c.Name, c.Error, c.Events)
		}
		if tg.Provider != "process" || tg.Binary != bin {
			t.Errorf("%s: provider %s binary %s, want process running %s", c.Name, tg.Provider, tg.Binary, bin)
		}
		if tg.ServerName != "redis" || !strings.Contains(string(out), "v="+tg.ServerVersion+" ") || tg.RedisVersion != tg.ServerVersion || tg.IOThreads != 1 {
			t.Errorf("%s: server %q %q (redis_version %q, io-threads %d); want what INFO says: redis, as in %q",
				c.Name, tg.ServerName, tg.ServerVersion, tg.RedisVersion, tg.IOThreads, out)
		}
	}
}

// runIn runs a scenario with its run directory in dir.
func runIn(t *testing.T, dir, yaml string) *result.Result {
	t.Helper()
	sc, cells, err := scenarios.Parse(t.Name()+".yaml", []byte(yaml), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := Run(context.Background(), sc, cells, Options{Out: dir, Quiet: true})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

package compose

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	dc "github.com/ory/dockertest/v3/docker"
	"github.com/squall-bench/squall/internal/testenv"
)

func TestServerIdentity(t *testing.T) {
	for _, tc := range []struct {
		name          string
		info          map[string]string
		server, built string
	}{
		{"redis", map[string]string{"redis_version": "7.0.15", "gcc_version": "12.2.0"}, "redis", "7.0.15"},
		{"valkey names itself", map[string]string{"redis_version": "7.2.4", "server_name": "valkey", "valkey_version": "8.0.1", "gcc_version": "12"}, "valkey", "8.0.1"},
		{"a server with its own version field", map[string]string{"redis_version": "6.2.11", "dragonfly_version": "df-v1.21.2"}, "dragonfly", "df-v1.21.2"},
		{"server_name without its version", map[string]string{"redis_version": "7.4.0", "server_name": "redis"}, "redis", "7.4.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n, v := serverIdentity(tc.info); n != tc.server || v != tc.built {
				t.Errorf("serverIdentity = %s %s, want %s %s", n, v, tc.server, tc.built)
			}
		})
	}
}

func TestImageServer(t *testing.T) {
	for _, tc := range []struct {
		cmd, entry []string
		want       string
	}{
		{[]string{"redis-server"}, []string{"docker-entrypoint.sh"}, "redis-server"},
		{[]string{"valkey-server"}, []string{"docker-entrypoint.sh"}, "valkey-server"},
		{[]string{"/usr/local/bin/keydb-server", "/etc/keydb/keydb.conf"}, nil, "/usr/local/bin/keydb-server"},
		{nil, []string{"/bin/sh"}, "redis-server"},
	} {
		img := &dc.Image{Config: &dc.Config{Cmd: tc.cmd, Entrypoint: tc.entry}}
		if got := imageServer(img); got != tc.want {
			t.Errorf("imageServer(cmd %v, entrypoint %v) = %s, want %s", tc.cmd, tc.entry, got, tc.want)
		}
	}
	if got := imageServer(nil); got != "redis-server" {
		t.Errorf("imageServer(nil) = %s", got)
	}
	valkey := &dc.Image{Config: &dc.Config{Env: []string{"PATH=/usr/bin", "VALKEY_VERSION=8.0.1"}}}
	if got := imageMajor(valkey, "valkey/valkey:latest"); got != 8 {
		t.Errorf("imageMajor(VALKEY_VERSION=8.0.1) = %d, want 8", got)
	}
}

// TestServerUnderAnotherName runs the host's redis-server copied to another
// directory under a name that says it is something else, for a sentinel
// topology (the sentinels are the same executable with --sentinel): the
// target runs that copy, and says what the server itself reports in INFO,
// never what its file name suggests.
func TestServerUnderAnotherName(t *testing.T) {
	testenv.RequireRedis(t)
	t.Parallel()
	orig, _ := exec.LookPath("redis-server")
	body, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(t.TempDir(), "bin", "valkey-server-9.9")
	if err := os.MkdirAll(filepath.Dir(copied), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copied, body, 0o755); err != nil {
		t.Fatal(err)
	}
	want, err := binaryVersion(orig)
	if err != nil {
		t.Fatal(err)
	}
	tg := up(t, Spec{Provider: "process", Topology: "sentinel", Replicas: 1, Sentinels: 1, Server: copied})
	if tg.Binary != copied {
		t.Errorf("binary %s, want %s", tg.Binary, copied)
	}
	if tg.Server.Name != "redis" || tg.Server.Version != want || tg.Version != want {
		t.Errorf("server %s %s (redis_version %s); want redis %s, as INFO says", tg.Server.Name, tg.Server.Version, tg.Version, want)
	}
	if tg.Server.IOThreads != 1 {
		t.Errorf("io-threads %d, want the default 1", tg.Server.IOThreads)
	}
	for _, n := range tg.Nodes {
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", n.Pid))
		if err != nil {
			t.Fatal(err)
		}
		if exe != copied {
			t.Errorf("%s runs %s, want %s", n.Name, exe, copied)
		}
	}
	if _, err := Up(context.Background(), Spec{Provider: "process", Server: filepath.Join(t.TempDir(), "nothing-here")}); err == nil ||
		!strings.Contains(err.Error(), "nothing-here") {
		t.Errorf("a missing server: %v, want an error naming it", err)
	}
}

func TestCountProxies(t *testing.T) {
	proc := t.TempDir()
	write := func(pid string, args ...string) {
		dir := filepath.Join(proc, pid)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cmdline"), []byte(strings.Join(args, "\x00")+"\x00"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("101", "/usr/sbin/docker-proxy", "-proto", "tcp", "-host-ip", "127.0.0.1", "-host-port", "32768", "-container-ip", "172.18.0.10", "-container-port", "6379")
	write("102", "/usr/sbin/docker-proxy", "-proto", "tcp", "-host-ip", "127.0.0.1", "-host-port", "40000", "-container-ip", "172.18.0.11", "-container-port", "6379")
	write("103", "redis-server", "-host-port", "32768")
	write("self", "/usr/sbin/docker-proxy", "-host-port", "32768")
	if n := countProxies(proc, map[string]bool{"32768": true, "32769": true}); n != 1 {
		t.Errorf("countProxies = %d, want 1 (pid 101)", n)
	}
}

// TestChoose checks provider auto's policy on this machine, which has
// redis-server installed.
func TestChoose(t *testing.T) {
	testenv.RequireRedis(t)
	ctx := context.Background()
	c, err := Choose(ctx, "auto", Needs{})
	if err != nil || c.Provider != "process" || !strings.Contains(c.Why, "redis-server") {
		t.Errorf("auto with redis-server installed: %+v, %v; want process, saying why", c, err)
	}
	if c, err := Choose(ctx, "docker", Needs{}); err != nil || c.Provider != "docker" || c.Why != "" {
		t.Errorf("an explicit provider: %+v, %v", c, err)
	}
	if _, err := Choose(ctx, "auto", Needs{Server: "no-such-server-here"}); err == nil || !strings.Contains(err.Error(), "no-such-server-here") {
		t.Errorf("auto with a missing target.server: %v", err)
	}
	if _, err := Choose(ctx, "auto", Needs{Docker: []string{"chaos partition"}, Server: "redis-server"}); err == nil {
		t.Error("a target.server with a docker-only need was accepted")
	}
	if DockerAvailable(ctx) == nil {
		c, err := Choose(ctx, "auto", Needs{Docker: []string{"chaos partition"}})
		if err != nil || c.Provider != "docker" || !strings.Contains(c.Why, "chaos partition") {
			t.Errorf("auto needing docker: %+v, %v", c, err)
		}
	}
}

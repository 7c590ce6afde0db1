package compose

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/internal/testenv"

	dc "github.com/ory/dockertest/v3/docker"
	"github.com/redis/go-redis/v9"
)

// TestMain checks, after every test, that no squall container or network
// is left: the equivalent of `docker ps -a --filter label=squall=1` being
// empty.
func TestMain(m *testing.M) {
	testenv.QuietRedisLogs() // go-redis logs every redial; the tests say what failed
	code := m.Run()
	if code == 0 && DockerAvailable(context.Background()) == nil {
		pool, _ := dockerPool(context.Background())
		cs, err := pool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {"squall=1"}}})
		nets, _ := pool.Client.FilteredListNetworks(dc.NetworkFilterOpts{"label": {"squall=1": true}})
		// A target squall target up left running on purpose is not a leak.
		cs = slices.DeleteFunc(cs, func(c dc.APIContainers) bool { return c.Labels[labelOwner] == detachedOwner })
		nets = slices.DeleteFunc(nets, func(n dc.Network) bool { return n.Labels[labelOwner] == detachedOwner })
		if err != nil || len(cs) > 0 || len(nets) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: squall left %d containers and %d networks behind (%v)\n", len(cs), len(nets), err)
			code = 1
		}
	}
	os.Exit(code)
}

// variant is one way to stand a target up: a provider and, on docker, the
// data path clients take.
type variant struct {
	provider string
	path     string // docker: "" (auto) or PathPublished
}

// spec returns s on this variant's provider and data path.
func (v variant) spec(s Spec) Spec {
	s.Provider, s.DataPath = v.provider, v.path
	return s
}

func (v variant) docker() bool { return v.provider == "docker" }

// eachProvider runs f as a parallel subtest per variant: process always;
// docker when an engine answers, once with the data path auto chooses
// (direct: a local Linux engine, the machines these tests run on) and once
// forced onto the published ports. Every docker target still needs a
// redis-server on the host here, to build the image from.
func eachProvider(t *testing.T, f func(t *testing.T, v variant)) {
	t.Parallel()
	for _, v := range []variant{{"process", ""}, {"docker", ""}, {"docker", PathPublished}} {
		name := v.provider
		if v.path != "" {
			name += "/" + v.path
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testenv.RequireRedis(t)
			if v.docker() {
				testenv.RequireDocker(t, DockerAvailable)
			}
			f(t, v)
		})
	}
}

// wantPath is the data path a variant's target must end up on.
func (v variant) wantPath() string {
	if v.path != "" {
		return v.path
	}
	return PathDirect // process, and docker where the host reaches containers
}

// up stands a target up and registers its teardown and the check that
// nothing of it is left.
func up(t *testing.T, spec Spec) *Target {
	t.Helper()
	start := time.Now()
	tg, err := Up(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s up in %s (%d nodes; image %s; data path %s: %s)", tg.Provider, tg.Topology, time.Since(start).Round(time.Millisecond), len(tg.Nodes), tg.ImageNote, tg.DataPath, tg.DataPathNote)
	t.Cleanup(func() {
		if err := tg.Close(context.Background()); err != nil {
			t.Errorf("teardown: %v", err)
		}
		assertGone(t, tg)
	})
	return tg
}

// assertGone checks that a closed target left no process, dir, container
// or network.
func assertGone(t *testing.T, tg *Target) {
	t.Helper()
	switch l := tg.launcher.(type) {
	case *processLauncher:
		if _, err := os.Stat(l.dir); !os.IsNotExist(err) {
			t.Errorf("temp dir %s survived teardown", l.dir)
		}
		for _, n := range tg.Nodes {
			if processAlive(n.Pid) && isRedis(n.Pid) {
				t.Errorf("%s (pid %d) survived teardown", n.Name, n.Pid)
			}
		}
	case *dockerLauncher:
		cs, err := l.pool.Client.ListContainers(dc.ListContainersOptions{All: true,
			Filters: map[string][]string{"label": {labelRun + "=" + tg.Spec.RunID}}})
		if err != nil || len(cs) > 0 {
			t.Errorf("docker ps -a --filter label=%s=%s: %d containers left (%v)", labelRun, tg.Spec.RunID, len(cs), err)
		}
		nets, err := l.pool.Client.FilteredListNetworks(dc.NetworkFilterOpts{"label": {labelRun + "=" + tg.Spec.RunID: true}})
		if err != nil || len(nets) > 0 {
			t.Errorf("%d networks of run %s left (%v)", len(nets), tg.Spec.RunID, err)
		}
	}
}

// checkDataPath checks that clients reach tg's nodes the way v says: on
// the direct path each node's address is its own address on the run's pub
// network (not 127.0.0.1), and a connection the target's dialer makes
// arrives at the server from the very socket squall opened, so nothing sits
// in between; on the published path the address is the 127.0.0.1 port and
// a proxy's socket arrives instead. A dial to anything but the run's nodes
// is refused.
func checkDataPath(t *testing.T, tg *Target, v variant) {
	t.Helper()
	if tg.DataPath != v.wantPath() {
		t.Fatalf("data path %s (%s), want %s", tg.DataPath, tg.DataPathNote, v.wantPath())
	}
	if !v.docker() {
		return
	}
	l := tg.launcher.(*dockerLauncher)
	for _, n := range tg.Nodes {
		ip, err := netip.ParseAddrPort(n.Addr)
		switch {
		case err != nil:
			t.Errorf("%s: address %q: %v", n.Name, n.Addr, err)
		case v.wantPath() == PathDirect && (ip.Addr().IsLoopback() || !l.pubNet.Contains(ip.Addr())):
			t.Errorf("%s: clients dial %s, want its address on the run's network %s", n.Name, n.Addr, l.pubNet)
		case v.wantPath() == PathPublished && (n.Addr != n.Published || !ip.Addr().IsLoopback()):
			t.Errorf("%s: clients dial %s, want its published port %s", n.Name, n.Addr, n.Published)
		}
		if n.Internal == n.Addr {
			t.Errorf("%s: clients dial the announced address %s: a partition would cut them off", n.Name, n.Internal)
		}
	}
	ctx := context.Background()
	n := tg.Nodes[0]
	conn, err := tg.dialer(2*time.Second)(ctx, "tcp", n.Internal)
	if err != nil {
		t.Fatalf("dialing %s through the target's dialer: %v", n.Internal, err)
	}
	defer conn.Close()
	if got := conn.RemoteAddr().String(); got != n.Addr {
		t.Errorf("the dialer reached %s for %s, want %s", got, n.Internal, n.Addr)
	}
	cmd := resp("CLIENT", "INFO")
	if tg.Spec.Password != "" && n.Kind != "sentinel" {
		cmd = resp("AUTH", tg.Spec.Password) + cmd
	}
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := conn.Write([]byte(cmd)); err != nil {
		t.Fatal(err)
	}
	seen, r := "", bufio.NewReader(conn)
	for i := 0; i < 5 && seen == ""; i++ {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("CLIENT INFO on %s: %v", n.Name, err)
		}
		for _, f := range strings.Fields(line) {
			if a, ok := strings.CutPrefix(f, "addr="); ok {
				seen = a
			}
		}
	}
	switch {
	case seen == "":
		t.Errorf("CLIENT INFO on %s: no addr= in the reply", n.Name)
	case v.wantPath() == PathDirect && seen != conn.LocalAddr().String():
		t.Errorf("%s saw the client at %s, but squall's socket is %s: something sits in between", n.Name, seen, conn.LocalAddr())
	case v.wantPath() == PathPublished && seen == conn.LocalAddr().String():
		t.Errorf("%s saw squall's own socket %s on the published path", n.Name, seen)
	}
	if _, err := tg.dialer(time.Second)(ctx, "tcp", "127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "not a node of this run") {
		t.Errorf("dialing an address outside the run: %v, want a refusal", err)
	}
}

// resp encodes one command as a RESP array.
func resp(args ...string) string {
	s := fmt.Sprintf("*%d\r\n", len(args))
	for _, a := range args {
		s += fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)
	}
	return s
}

var testClientOptions = ClientOptions{DialTimeout: 2 * time.Second, ReadTimeout: 3 * time.Second, WriteTimeout: 3 * time.Second, MaxRetries: 3, PoolSize: 4}

// writeRead writes n keys through the target's client and reads them back.
func writeRead(t *testing.T, rdb redis.UniversalClient, prefix string, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		if err := rdb.Set(ctx, fmt.Sprintf("%s:%d", prefix, i), i, 0).Err(); err != nil {
			t.Fatalf("SET %s:%d: %v", prefix, i, err)
		}
	}
	for i := 0; i < n; i++ {
		v, err := rdb.Get(ctx, fmt.Sprintf("%s:%d", prefix, i)).Int()
		if err != nil || v != i {
			t.Fatalf("GET %s:%d = %d, %v", prefix, i, v, err)
		}
	}
}

// checkPersistence checks with CONFIG GET that every data node runs the
// persistence mode (and the extra directives) asked for.
func checkPersistence(t *testing.T, tg *Target, extra map[string]string) {
	t.Helper()
	want, err := PersistenceSettings(tg.Spec.Persistence)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range extra {
		want[k] = v
	}
	for _, n := range tg.DataNodes() {
		c := tg.NodeClient(n)
		for k, v := range want {
			got, err := c.ConfigGet(context.Background(), k).Result()
			if err != nil {
				t.Fatalf("%s CONFIG GET %s: %v", n.Name, k, err)
			}
			if got[k] != v {
				t.Errorf("%s CONFIG GET %s = %q, want %q", n.Name, k, got[k], v)
			}
		}
		c.Close()
	}
}

// roleCount counts the nodes Roles reports per role.
func roleCount(t *testing.T, tg *Target) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, r := range tg.Roles(context.Background()) {
		if r.Err != nil {
			t.Errorf("ROLE on %s: %v", r.Node.Name, r.Err)
		}
		m[r.Role]++
	}
	return m
}

// noUnexpected fails if the target reported a node death nobody asked for.
func noUnexpected(t *testing.T, tg *Target) {
	t.Helper()
	select {
	case err := <-tg.Unexpected():
		t.Errorf("unexpected exit reported: %v", err)
	default:
	}
}

// eventually polls cond until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

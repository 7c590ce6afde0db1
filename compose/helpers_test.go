package compose

import (
	"context"
	"fmt"
	"github.com/squall-bench/squall/internal/testenv"
	"os"
	"slices"
	"testing"
	"time"

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

// eachProvider runs f as a parallel subtest per provider: process always,
// docker when an engine answers. Every docker target still needs a
// redis-server on the host here, to build the image from.
func eachProvider(t *testing.T, f func(t *testing.T, provider string)) {
	t.Parallel()
	for _, p := range []string{"process", "docker"} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			testenv.RequireRedis(t)
			if p == "docker" {
				testenv.RequireDocker(t, DockerAvailable)
			}
			f(t, p)
		})
	}
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
	t.Logf("%s %s up in %s (%d nodes; image %s)", tg.Provider, tg.Topology, time.Since(start).Round(time.Millisecond), len(tg.Nodes), tg.ImageNote)
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

package compose

import (
	"context"
	"fmt"
	"github.com/squall-bench/squall/internal/testenv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestStandaloneWithReplicas(t *testing.T) {
	eachProvider(t, func(t *testing.T, v variant) {
		extra := map[string]string{"maxmemory-policy": "noeviction"}
		tg := up(t, v.spec(Spec{Topology: "standalone", Replicas: 2, Persistence: "rdb+aof-everysec", Config: extra}))
		if len(tg.Nodes) != 3 || tg.Primary() == nil || tg.Version == "" {
			t.Fatalf("nodes %d, primary %v, version %q", len(tg.Nodes), tg.Primary(), tg.Version)
		}
		sameNames(t, tg, NodeNames(v.provider, "standalone", 0, 2, 0, 0))
		rdb := tg.Client(testClientOptions)
		defer rdb.Close()
		writeRead(t, rdb, "standalone", 50)
		if got := roleCount(t, tg); got["primary"] != 1 || got["replica"] != 2 {
			t.Errorf("roles %v, want 1 primary and 2 replicas", got)
		}
		for _, r := range tg.Roles(context.Background()) {
			if r.Role == "replica" && r.Primary != tg.Primary() {
				t.Errorf("%s replicates from %v, want %s", r.Node.Name, r.Primary, tg.Primary().Name)
			}
		}
		checkPersistence(t, tg, extra)
		checkDataPath(t, tg, v)
		noUnexpected(t, tg)
	})
}

func TestSentinel(t *testing.T) {
	eachProvider(t, func(t *testing.T, v variant) {
		ctx := context.Background()
		tg := up(t, v.spec(Spec{Topology: "sentinel", Replicas: 1, Sentinels: 3, Persistence: "aof-everysec", Password: "s3cret pass",
			Sentinel: SentinelSpec{DownAfter: time.Second, FailoverTimeout: 5 * time.Second}}))
		if len(tg.Sentinels()) != 3 || len(tg.DataNodes()) != 2 {
			t.Fatalf("nodes: %d sentinels, %d data", len(tg.Sentinels()), len(tg.DataNodes()))
		}
		sameNames(t, tg, NodeNames(v.provider, "sentinel", 0, 1, 3, 0))
		checkDataPath(t, tg, v)
		old := tg.Primary()
		for _, s := range tg.Sentinels() {
			c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr})
			addr, err := c.GetMasterAddrByName(ctx, MasterName).Result()
			cfg, err2 := c.Master(ctx, MasterName).Result()
			c.Close()
			if err != nil || err2 != nil || strings.Join(addr, ":") != old.Internal {
				t.Fatalf("%s get-master-addr-by-name = %v, %v; want %s", s.Name, addr, err, old.Internal)
			}
			if cfg["down-after-milliseconds"] != "1000" || cfg["failover-timeout"] != "5000" || cfg["quorum"] != "2" {
				t.Errorf("%s: down-after %s failover-timeout %s quorum %s", s.Name, cfg["down-after-milliseconds"], cfg["failover-timeout"], cfg["quorum"])
			}
		}
		if got := roleCount(t, tg); got["primary"] != 1 || got["replica"] != 1 || got["sentinel"] != 3 {
			t.Errorf("roles %v", got)
		}
		checkPersistence(t, tg, nil)
		rdb := tg.Client(testClientOptions)
		defer rdb.Close()
		writeRead(t, rdb, "before", 20)

		// The FailoverClient follows a failover to the promoted replica.
		if err := tg.Kill(ctx, old); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		eventually(t, 30*time.Second, "sentinels promoting the replica", func() error {
			p, err := tg.SentinelPrimary(ctx)
			if err != nil {
				return err
			}
			if p == old {
				return fmt.Errorf("still %s", p.Name)
			}
			return nil
		})
		t.Logf("failover took %s", time.Since(start).Round(time.Millisecond))
		eventually(t, 15*time.Second, "writing through the FailoverClient after the failover", func() error {
			return rdb.Set(ctx, "after", 1, 0).Err()
		})
		writeRead(t, rdb, "after", 20)
		if v, err := rdb.Get(ctx, "before:19").Int(); err != nil || v != 19 {
			t.Errorf("a write from before the failover: %d, %v", v, err)
		}
		// The old primary comes back and Sentinel turns it into a replica.
		if err := tg.Start(ctx, old); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, "the old primary rejoining as a replica", func() error {
			for _, r := range tg.Roles(ctx) {
				if r.Node == old && (r.Role != "replica" || r.Link != "connected") {
					return fmt.Errorf("%s is %s (%s)", old.Name, r.Role, r.Link)
				}
			}
			return nil
		})
		noUnexpected(t, tg)
	})
}

func TestCluster(t *testing.T) {
	eachProvider(t, func(t *testing.T, v variant) {
		ctx := context.Background()
		tg := up(t, v.spec(Spec{Topology: "cluster", Shards: 3, Replicas: 1, Persistence: "aof-always", Password: "s3cret",
			ClusterNodeTimeout: time.Second}))
		if len(tg.Nodes) != 6 {
			t.Fatalf("%d nodes, want 6", len(tg.Nodes))
		}
		sameNames(t, tg, NodeNames(v.provider, "cluster", 3, 1, 0, 0))
		checkDataPath(t, tg, v)
		for _, n := range tg.Nodes {
			c := tg.NodeClient(n)
			info, err := c.ClusterInfo(ctx).Result()
			cfg, err2 := c.ConfigGet(ctx, "cluster-node-timeout").Result()
			c.Close()
			if err != nil || err2 != nil {
				t.Fatalf("%s: %v %v", n.Name, err, err2)
			}
			f := parseInfo(info)
			if f["cluster_state"] != "ok" || f["cluster_slots_assigned"] != "16384" || f["cluster_known_nodes"] != "6" {
				t.Errorf("%s CLUSTER INFO: state %s slots %s nodes %s", n.Name, f["cluster_state"], f["cluster_slots_assigned"], f["cluster_known_nodes"])
			}
			if cfg["cluster-node-timeout"] != "1000" {
				t.Errorf("%s cluster-node-timeout %s", n.Name, cfg["cluster-node-timeout"])
			}
		}
		if got := roleCount(t, tg); got["primary"] != 3 || got["replica"] != 3 {
			t.Errorf("roles %v", got)
		}
		checkPersistence(t, tg, nil)
		o := testClientOptions
		o.ClusterReloadInterval = time.Second
		rdb := tg.Client(o)
		defer rdb.Close()
		writeRead(t, rdb, "cluster", 200)
		// Every shard got some of the keys: the client really routes.
		for _, p := range tg.Primaries(ctx) {
			c := tg.NodeClient(p)
			n, err := c.DBSize(ctx).Result()
			c.Close()
			if err != nil || n == 0 {
				t.Errorf("%s holds %d keys (%v)", p.Name, n, err)
			}
		}
		// A replica takes over a killed primary's slots, and the client
		// follows it through the announced address of the promoted node.
		old := tg.Node("redis-0")
		if err := tg.Kill(ctx, old); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		eventually(t, 30*time.Second, "a replica taking over shard 0", func() error {
			for _, p := range tg.Primaries(ctx) {
				if p.Shard == 0 {
					return nil
				}
			}
			return fmt.Errorf("no primary for shard 0")
		})
		t.Logf("cluster failover took %s", time.Since(start).Round(time.Millisecond))
		eventually(t, 15*time.Second, "writing to every shard after the failover", func() error {
			for i := 0; i < 50; i++ {
				if err := rdb.Set(ctx, fmt.Sprintf("failover:%d", i), i, 0).Err(); err != nil {
					return err
				}
			}
			return nil
		})
		if v, err := rdb.Get(ctx, "cluster:199").Int(); err != nil || v != 199 {
			t.Errorf("a key written before the failover: %d, %v", v, err)
		}
		noUnexpected(t, tg)
	})
}

// TestExternal describes a running target from its addresses alone, and
// leaves it untouched on Close.
func TestExternal(t *testing.T) {
	testenv.RequireRedis(t)
	t.Parallel()
	ctx := context.Background()
	for _, topo := range []string{"standalone", "sentinel", "cluster"} {
		t.Run(topo, func(t *testing.T) {
			tg := up(t, Spec{Provider: "process", Topology: topo, Shards: 1, Sentinels: 1, Sentinel: SentinelSpec{DownAfter: time.Second}, ClusterNodeTimeout: time.Second})
			var addrs []string
			if topo == "sentinel" {
				addrs = []string{tg.Sentinels()[0].Addr}
			} else {
				addrs = []string{tg.Primary().Addr}
			}
			ext, err := Up(ctx, Spec{Provider: "external", Addrs: addrs})
			if err != nil {
				t.Fatal(err)
			}
			if ext.Topology != topo || ext.Version != tg.Version {
				t.Errorf("external detected %s %s, want %s %s", ext.Topology, ext.Version, topo, tg.Version)
			}
			names := NodeNames("external", topo, 0, 0, 0, len(addrs))
			for _, n := range ext.Nodes {
				if !slices.Contains(names, n.Name) {
					t.Errorf("external node %s is not among NodeNames %v", n.Name, names)
				}
			}
			rdb := ext.Client(testClientOptions)
			writeRead(t, rdb, "external", 10)
			rdb.Close()
			if err := ext.Kill(ctx, ext.Nodes[0]); err == nil {
				t.Error("Kill on an external target succeeded")
			}
			if err := ext.Close(ctx); err != nil {
				t.Fatal(err)
			}
			c := tg.NodeClient(tg.Primary())
			defer c.Close()
			if err := c.Ping(ctx).Err(); err != nil {
				t.Errorf("closing the external target touched it: %v", err)
			}
		})
	}
	if _, err := Up(ctx, Spec{Provider: "external", Topology: "sentinel", Addrs: []string{"127.0.0.1:1"}}); err == nil {
		t.Error("an unreachable external target came up")
	}
}

func TestSpecErrorsBeforeStart(t *testing.T) {
	for _, s := range []Spec{
		{Provider: "process", Topology: "ring"},
		{Provider: "process", Topology: "cluster", Shards: -1},
		{Provider: "process", Topology: "cluster", Shards: 40, Replicas: 1},
		{Provider: "process", Topology: "cluster", Shards: 32, Replicas: 1, Spares: 1},
		{Provider: "process", Topology: "standalone", Spares: 1},
		{Provider: "process", Topology: "cluster", Spares: -1},
		{Provider: "process", Persistence: "aof-sometimes"},
		{Provider: "auto"},
		{Provider: "external"},
		{Provider: "kubernetes"},
	} {
		if _, err := Up(context.Background(), s); err == nil || !strings.Contains(err.Error(), ErrUnsupported.Error()) {
			t.Errorf("%+v: got %v, want an unsupported error", s, err)
		}
	}
	if p, err := Resolve("auto"); err != nil || (p != "docker" && p != "process") {
		t.Errorf("Resolve(auto) = %q, %v", p, err)
	}
	if _, err := Resolve("kubernetes"); err == nil {
		t.Error("Resolve accepted an unknown provider")
	}
}

// sameNames checks that NodeNames, which validation uses to check
// node:NAME targets before anything starts, names the nodes a target got.
func sameNames(t *testing.T, tg *Target, want []string) {
	t.Helper()
	var got []string
	for _, n := range tg.Nodes {
		got = append(got, n.Name)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("nodes %v, NodeNames says %v", got, want)
	}
}

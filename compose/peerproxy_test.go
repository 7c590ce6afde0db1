package compose

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	dc "github.com/ory/dockertest/v3/docker"
	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/netproxy"
	"github.com/squall-bench/squall/internal/testenv"
)

// TestPeerProxy: on a docker Sentinel target with peer proxies, the nodes
// announce their relays, so a fault on the primary's relay hits its peers
// and not its clients. 200 ms latency there makes the replica's offset lag
// and WAIT take the delay while clients' PING stays fast; a blackhole longer
// than down-after makes Sentinel promote the replica while clients still
// write to the old primary (a split brain the proxy made); lifted, Sentinel
// turns the old primary into a replica.
func TestPeerProxy(t *testing.T) {
	testenv.RequireRedis(t)
	testenv.RequireDocker(t, DockerAvailable)
	ctx := context.Background()
	tg := up(t, Spec{Provider: "docker", Topology: "sentinel", Replicas: 1, Sentinels: 1, Persistence: "none", PeerProxy: true,
		Sentinel: SentinelSpec{DownAfter: time.Second, FailoverTimeout: 10 * time.Second}})
	primary, replica := tg.DataNodes()[0], tg.DataNodes()[1]
	for _, n := range tg.DataNodes() {
		if p := tg.PeerProxy(n); p == nil || n.Internal != p.Addr() || p.Upstream() == n.Addr {
			t.Fatalf("%s announces %s; its peer proxy %v", n.Name, n.Internal, p)
		}
	}
	if tg.PeerProxy(tg.Sentinels()[0]) != nil || tg.PeerPathNote() == "" {
		t.Errorf("a sentinel has a peer proxy, or the note is missing: %q", tg.PeerPathNote())
	}
	pc, rc := tg.admin(primary), tg.admin(replica)
	defer pc.Close()
	defer rc.Close()
	sc := redis.NewSentinelClient(&redis.Options{Addr: tg.Sentinels()[0].Addr, MaxRetries: -1, DisableIdentity: true})
	defer sc.Close()

	lift := tg.PeerProxy(primary).Add(netproxy.Fault{Delay: 200 * time.Millisecond})
	if err := pc.Set(ctx, "peerproxy:k", strings.Repeat("x", 1000), 0).Err(); err != nil {
		t.Fatal(err)
	}
	master := infoInt(t, pc, "master_repl_offset")
	lagging := infoInt(t, rc, "slave_repl_offset")
	if lagging >= master {
		t.Errorf("replica offset %d right after a write, primary's %d: no lag under 200ms peer latency", lagging, master)
	}
	start := time.Now()
	if n, err := pc.Wait(ctx, 1, 2000).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT 1: %d, %v", n, err)
	}
	took := time.Since(start)
	if took < 180*time.Millisecond {
		t.Errorf("WAIT took %v under 200ms peer latency", took)
	}
	p50 := medianPing(t, pc)
	if p50 > 20*time.Millisecond {
		t.Errorf("client PING p50 %v while only peers are delayed", p50)
	}
	t.Logf("200ms on %s's peers: replica offset %d behind, WAIT 1 took %v, client PING p50 %v", primary.Name, master-lagging, took.Round(time.Millisecond), p50)
	lift()

	blackhole := time.Now()
	lift = tg.PeerProxy(primary).Add(netproxy.Fault{Blackhole: true})
	defer lift()
	if err := waitFor(ctx, 20*time.Second, "Sentinel promoting "+replica.Name, func() (bool, string) {
		a, err := sc.GetMasterAddrByName(ctx, MasterName).Result()
		got := strings.Join(a, ":")
		return err == nil && got == replica.Internal, got
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("Sentinel promoted %s %v after the blackhole began", replica.Name, time.Since(blackhole).Round(100*time.Millisecond))
	if err := pc.Set(ctx, "peerproxy:k", "split", 0).Err(); err != nil {
		t.Errorf("a client writing to the old primary during the split brain: %v", err)
	}
	if r := role(t, pc); r != "master" {
		t.Errorf("old primary's role %q during the blackhole, want master (split brain)", r)
	}
	lift()
	if err := waitFor(ctx, 20*time.Second, "Sentinel demoting "+primary.Name, func() (bool, string) {
		r := role(t, pc)
		return r == "slave", r
	}); err != nil {
		t.Error(err)
	}

	// A partition still cuts the node off: off the peer network, it can
	// route to the relays' host address over the pub network, but the
	// relays admit only the peer network's addresses.
	relay := primary.Internal
	host, port := splitHostPort(relay)
	if out := execIn(t, tg, replica, "redis-cli", "-h", host, "-p", port, "PING"); !strings.Contains(out, "PONG") {
		t.Fatalf("%s to %s's relay before the partition: %q", replica.Name, primary.Name, out)
	}
	if err := tg.Disconnect(ctx, replica); err != nil {
		t.Fatal(err)
	}
	out := execIn(t, tg, replica, "redis-cli", "-h", host, "-p", port, "PING")
	t.Logf("partitioned %s to %s: %q", replica.Name, relay, strings.TrimSpace(out))
	if strings.Contains(out, "PONG") {
		t.Errorf("%s reached %s's relay %s while partitioned: %q", replica.Name, primary.Name, relay, out)
	}
	if err := tg.Reconnect(ctx, replica); err != nil {
		t.Fatal(err)
	}
}

// execIn runs cmd in n's container and returns its output.
func execIn(t *testing.T, tg *Target, n *Node, cmd ...string) string {
	t.Helper()
	l := tg.launcher.(*dockerLauncher)
	b, _, err := l.current(n)
	if err != nil {
		t.Fatal(err)
	}
	e, err := l.pool.Client.CreateExec(dc.CreateExecOptions{Container: b.id, Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := l.pool.Client.StartExec(e.ID, dc.StartExecOptions{OutputStream: &out, ErrorStream: &out}); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func infoInt(t *testing.T, c *redis.Client, field string) int64 {
	t.Helper()
	info, err := c.Info(context.Background(), "replication").Result()
	if err != nil {
		t.Fatal(err)
	}
	v, err := strconv.ParseInt(parseInfo(info)[field], 10, 64)
	if err != nil {
		t.Fatalf("INFO replication %s: %v", field, err)
	}
	return v
}

func role(t *testing.T, c *redis.Client) string {
	t.Helper()
	r, err := c.Do(context.Background(), "ROLE").Slice()
	if err != nil { // once more on a fresh connection: the admin client does not retry
		r, err = c.Do(context.Background(), "ROLE").Slice()
	}
	if err != nil || len(r) == 0 {
		t.Fatalf("ROLE: %v", err)
	}
	s, _ := r[0].(string)
	return s
}

// medianPing is the median of 21 PINGs over c.
func medianPing(t *testing.T, c *redis.Client) time.Duration {
	t.Helper()
	var ds []time.Duration
	for range 21 {
		start := time.Now()
		if err := c.Ping(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// TestPeerProxyCluster: on a docker cluster with peer proxies, each node
// announces its relays for both its port and its bus, so the slot map
// clients read names the relays and their dialers still reach every shard;
// a blackhole on a primary's relays longer than cluster-node-timeout makes
// the cluster fail it over to its replica while the old primary still
// answers its clients.
func TestPeerProxyCluster(t *testing.T) {
	testenv.RequireRedis(t)
	testenv.RequireDocker(t, DockerAvailable)
	ctx := context.Background()
	tg := up(t, Spec{Provider: "docker", Topology: "cluster", Shards: 3, Replicas: 1, Persistence: "none", PeerProxy: true,
		ClusterNodeTimeout: time.Second})
	for _, n := range tg.DataNodes() {
		p, bus := tg.PeerProxy(n), tg.BusProxy(n)
		if p == nil || bus == nil || n.Internal != p.Addr() || n.busPort() == 0 {
			t.Fatalf("%s announces %s (bus %d); its peer proxy %v, bus proxy %v", n.Name, n.Internal, n.busPort(), p, bus)
		}
	}
	if !strings.Contains(tg.PeerPathNote(), "cluster bus") {
		t.Errorf("note %q", tg.PeerPathNote())
	}
	c := tg.Client(ClientOptions{})
	defer c.Close()
	for i := range 30 { // keys on every shard: the data path maps the relays back
		if err := c.Set(ctx, "peerproxy:"+strconv.Itoa(i), "v", 0).Err(); err != nil {
			t.Fatalf("cluster client SET through announced relays: %v", err)
		}
	}
	primary := tg.Primary()
	var replica *Node
	for _, r := range tg.Roles(ctx) {
		if r.Role == "replica" && r.Primary == primary {
			replica = r.Node
		}
	}
	if replica == nil {
		t.Fatalf("no replica of %s", primary.Name)
	}
	pc, rc := tg.admin(primary), tg.admin(replica)
	defer pc.Close()
	defer rc.Close()

	blackhole := time.Now()
	lift1 := tg.PeerProxy(primary).Add(netproxy.Fault{Blackhole: true})
	lift2 := tg.BusProxy(primary).Add(netproxy.Fault{Blackhole: true})
	lift3 := tg.AddOutbound(primary, netproxy.Fault{Blackhole: true})
	defer lift1()
	defer lift2()
	defer lift3()
	if err := waitFor(ctx, 20*time.Second, "the cluster promoting "+replica.Name, func() (bool, string) {
		r := role(t, rc)
		return r == "master", r
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("the cluster promoted %s %v after the blackhole on %s's peers began", replica.Name, time.Since(blackhole).Round(100*time.Millisecond), primary.Name)
	if err := pc.Ping(ctx).Err(); err != nil {
		t.Errorf("a client reaching the old primary during the blackhole: %v", err)
	}
	if r := role(t, pc); r != "master" {
		t.Errorf("old primary's role %q during the blackhole, want master (cut off, not told)", r)
	}
	lift1()
	lift2()
	lift3()
	if err := waitFor(ctx, 20*time.Second, primary.Name+" rejoining as a replica", func() (bool, string) {
		r := role(t, pc)
		return r == "slave", r
	}); err != nil {
		t.Error(err)
	}
}

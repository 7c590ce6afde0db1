package runner

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/result"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/scenarios"
)

// These tests run real faults against real Redis (local processes, and
// containers when a Docker engine answers) and check what the run reports
// against what the fault must have done.

func TestMain(m *testing.M) {
	testenv.QuietRedisLogs()
	os.Exit(m.Run())
}

// run parses a scenario, runs every cell and returns the result.
func run(t *testing.T, yaml string, sets ...string) *result.Result {
	t.Helper()
	sc, cells, err := scenarios.Parse(t.Name()+".yaml", []byte(yaml), sets)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := Run(context.Background(), sc, cells, Options{Out: t.TempDir(), Quiet: true})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, c := range res.Cells {
		t.Logf("%s: events %+v errors %v", c.Name, c.Events, c.Errors)
		for _, f := range c.Faults {
			t.Logf("  fault %+v", f)
		}
	}
	return res
}

// The durability table's two ends: a SIGKILLed standalone restarted from
// aof-always keeps every acknowledged job; with persistence none it loses
// exactly the jobs that were acknowledged and waiting (delay 1 s at
// 1000/s: about 1000), and the kill accounts for every one of them (each
// was acknowledged before it struck and not yet received; the start that
// follows loses nothing). A claim in flight when the server dies is
// written (the job left the queue) but its reply never reaches the
// consumer: at most one job per consumer (batch 1) is lost that way even
// with aof-always, and the run rightly counts it.
func TestKillRestartDurability(t *testing.T) {
	const yaml = `
warmup: 1s
duration: 8s
drain: 4s
target: {topology: standalone}
workload: {pattern: zset, producers: 2, consumers: 2, rate: 1000, payload: 64, keys: 2, options: {delay: 1s, batch: 1}}
chaos:
  - {at: 3s, action: kill, target: primary}
  - {at: 4s, action: start, target: killed}
matrix:
  target.persistence: [aof-always, none]
`
	for _, provider := range []string{"process", "docker"} {
		t.Run(provider, func(t *testing.T) {
			if provider == "docker" {
				testenv.RequireDocker(t, compose.DockerAvailable)
			}
			testenv.RequireRedis(t)
			res := run(t, yaml, "target.provider="+provider)
			always, none := res.Cells[0], res.Cells[1]
			if always.Events.Lost > 2 {
				t.Errorf("aof-always: lost %d, want 0 (at most one in-flight claim per consumer)", always.Events.Lost)
			}
			if k := always.Faults[0]; k.Action != "kill" || k.Role != "primary" || k.Error != "" || k.UnavailableS < 0.5 {
				t.Errorf("aof-always: kill fault %+v: want a primary kill with an outage", k)
			}
			lost := none.Events.Lost
			if lost < 900 || lost > 1100 || none.Events.Stranded != 0 {
				t.Errorf("none: lost %d stranded %d, want about 1000 lost (1 s of acknowledged, delayed jobs) and none left in Redis", lost, none.Events.Stranded)
			}
			for _, c := range []result.Cell{always, none} {
				if k, s := c.Faults[0], c.Faults[1]; k.LostAcked != c.Events.Lost || s.LostAcked != 0 {
					t.Errorf("%s: the kill accounts for %d and the start for %d of %d lost events, want all of them the kill's",
						c.Name, k.LostAcked, s.LostAcked, c.Events.Lost)
				}
			}
		})
	}
}

// A Sentinel primary kill: the run goes on to the end, a replica is
// promoted and named, and the outage is at least down_after and not much
// longer than down_after plus election and reconfiguration.
func TestSentinelPrimaryKill(t *testing.T) {
	testenv.RequireDocker(t, compose.DockerAvailable)
	res := run(t, `
warmup: 1s
duration: 14s
drain: 5s
target: {provider: docker, topology: sentinel, replicas: 1, persistence: none, sentinel: {down_after: 2s, failover_timeout: 10s}}
workload: {pattern: stream, producers: 2, consumers: 2, rate: 1000, payload: 64}
client: {read_timeout: 1s, write_timeout: 1s}
chaos:
  - {at: 4s, action: kill, target: primary}
`)
	c := res.Cells[0]
	if c.Error != "" || c.DurationS < 13.5 {
		t.Fatalf("the run did not go on to the end: %q, %.1fs", c.Error, c.DurationS)
	}
	f := c.Faults[0]
	if f.Promoted == "" || f.Promoted == f.Node {
		t.Errorf("no replica promoted in place of %s: %+v", f.Node, f)
	}
	if f.PromotedAtS < f.AtS+2 {
		t.Errorf("promoted at %.2fs, before down_after (2s) had passed since the kill at %.2fs", f.PromotedAtS, f.AtS)
	}
	if f.ProducersUnavailableS < 2 || f.ProducersUnavailableS > 9 {
		t.Errorf("producers unavailable %.2fs; want between down_after (2s) and down_after + 7s", f.ProducersUnavailableS)
	}
	if f.RecoveredS <= 0 {
		t.Errorf("recovered_s %.2f: throughput should dip and come back", f.RecoveredS)
	}
}

// A cluster primary kill: the shard's replica takes over, and the other
// shards' keys keep flowing through the window. That needs
// cluster-require-full-coverage no: with Redis's default, every shard
// answers CLUSTERDOWN once the dead primary's slots are uncovered.
func TestClusterPrimaryKill(t *testing.T) {
	testenv.RequireDocker(t, compose.DockerAvailable)
	res := run(t, `
warmup: 1s
duration: 14s
drain: 5s
target: {provider: docker, topology: cluster, shards: 3, replicas: 1, persistence: none, cluster: {node_timeout: 2s},
  config: {cluster-require-full-coverage: "no"}}
workload: {pattern: stream, producers: 3, consumers: 3, rate: 1500, payload: 64, keys: 6, pipeline: 1}
client: {read_timeout: 1s, write_timeout: 1s}
chaos:
  - {at: 4s, action: kill, target: random-primary}
`)
	f := res.Cells[0].Faults[0]
	if f.Promoted == "" || f.Promoted == f.Node {
		t.Errorf("no replica took over from %s: %+v", f.Node, f)
	}
	if len(f.Shards) != 3 {
		t.Fatalf("per-shard availability for %d shards, want 3: %+v", len(f.Shards), f.Shards)
	}
	hit := -1
	for _, n := range res.Cells[0].Target.Nodes {
		if n.Name == f.Node {
			hit = n.Shard
		}
	}
	for _, s := range f.Shards {
		switch {
		case s.Shard == hit && s.UnavailableS < 1:
			t.Errorf("shard %d (killed primary) unavailable %.2fs; want >= 1s", s.Shard, s.UnavailableS)
		case s.Shard != hit && s.UnavailableS > 0.5:
			t.Errorf("shard %d (untouched) unavailable %.2fs; its keys should keep flowing", s.Shard, s.UnavailableS)
		}
	}
}

// A timeout on a cluster primary's peers (its replication and bus links,
// through the peer relays) longer than node_timeout: the other nodes fail
// it and its replica takes over, while clients still reach it.
func TestClusterPeerTimeout(t *testing.T) {
	testenv.RequireDocker(t, compose.DockerAvailable)
	res := run(t, `
warmup: 1s
duration: 10s
drain: 3s
target: {provider: docker, topology: cluster, shards: 3, replicas: 1, persistence: none, cluster: {node_timeout: 1s},
  config: {cluster-require-full-coverage: "no"}}
workload: {pattern: stream, producers: 3, consumers: 3, rate: 600, payload: 64, keys: 6, pipeline: 1}
client: {read_timeout: 1s, write_timeout: 1s}
chaos:
  - {at: 3s, action: timeout, target: primary, duration: 5s, params: {traffic: peers}}
`)
	f := res.Cells[0].Faults[0]
	t.Logf("timeout on %s's peers: %+v", f.Node, f)
	if f.Promoted == "" || f.Promoted == f.Node {
		t.Errorf("no replica took over from %s: %+v", f.Node, f)
	}
}

// A primary paused for twice down_after is failed over; once resumed it
// rejoins as a replica, and the writes it took just before the pause that
// never reached the replica are reported lost. Sentinel demotes the woken
// primary at its next INFO poll of it, up to 10 s later, hence the length.
func TestPausePrimaryFailsOver(t *testing.T) {
	testenv.RequireDocker(t, compose.DockerAvailable)
	res := run(t, `
warmup: 1s
duration: 20s
drain: 5s
target: {provider: docker, topology: sentinel, replicas: 1, persistence: none, sentinel: {down_after: 2s, failover_timeout: 10s}}
workload: {pattern: list, producers: 2, consumers: 2, rate: 1000, payload: 64}
client: {read_timeout: 1s, write_timeout: 1s}
chaos:
  - {at: 3s, action: pause, target: primary, duration: 4s}
`)
	c := res.Cells[0]
	f := c.Faults[0]
	if f.Promoted == "" || f.Promoted == f.Node {
		t.Errorf("no failover during a pause of 2x down_after: %+v", f)
	}
	if f.HealedAtS < f.AtS+3.9 {
		t.Errorf("healed at %.2fs, want about %.2fs", f.HealedAtS, f.AtS+4)
	}
	if f.RejoinedAs != "replica" {
		t.Errorf("old primary rejoined as %q, want replica", f.RejoinedAs)
	}
	if f.LostAcked != c.Events.Lost {
		t.Errorf("the pause's loss window holds %d of %d lost events", f.LostAcked, c.Events.Lost)
	}
	if f.ProducersUnavailableS < 2 {
		t.Errorf("producers unavailable %.2fs; a frozen primary stalls them for at least down_after", f.ProducersUnavailableS)
	}
}

// An interrupted run still heals its faults: a primary paused for an hour
// is resumed at teardown, and the run reports the interruption.
func TestInterruptHealsFaults(t *testing.T) {
	testenv.RequireRedis(t)
	sc, cells, err := scenarios.Parse("interrupt.yaml", []byte(`
warmup: 0s
duration: 30s
drain: 1s
target: {provider: process}
workload: {pattern: list, producers: 1, consumers: 1, rate: 200, payload: 64}
chaos:
  - {at: 1s, action: pause, target: primary, duration: 1h}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	res, _, err := Run(ctx, sc, cells, Options{Out: t.TempDir(), Quiet: true})
	if err == nil || !res.Interrupted {
		t.Fatalf("want an interrupted run, got err %v", err)
	}
	f := res.Cells[0].Faults
	if len(f) != 1 || f[0].HealedAtS == 0 {
		t.Fatalf("the pause was not healed at teardown: %+v", f)
	}
	if !strings.Contains(res.Error, "interrupted") {
		t.Errorf("error %q does not say interrupted", res.Error)
	}
}

// TestUnfiredFaultFails: a fault aimed at a node that does not exist never
// happens; validation rejects it before anything starts, and a run that
// gets it anyway (here: Run called directly) fails instead of passing a
// failover validation whose schedule did not execute.
func TestUnfiredFaultFails(t *testing.T) {
	testenv.RequireRedis(t)
	const yaml = `
warmup: 500ms
duration: 2s
drain: 1s
target: {provider: process, topology: standalone}
workload: {pattern: list, producers: 1, consumers: 1, rate: 500, payload: 64, keys: 1}
chaos:
  - {at: 500ms, action: pause, target: "node:redis-9", duration: 200ms}
slo: {lost_max: 0}
`
	res := run(t, yaml)
	c := res.Cells[0]
	if res.Pass || c.Pass {
		t.Fatalf("a run whose fault never fired passed: %+v", c.SLO)
	}
	last := c.SLO[len(c.SLO)-1]
	if last.Name != "faults_fired" || last.Pass || last.Observed != "0 of 1" {
		t.Errorf("verdict on the schedule %+v, want faults_fired failing with 0 of 1", last)
	}
	if len(c.Faults) != 1 || c.Faults[0].Error == "" {
		t.Errorf("faults %+v, want the unfired one with its reason", c.Faults)
	}
}

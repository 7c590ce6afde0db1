package chaos

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/internal/catalog"
)

func TestExpand(t *testing.T) {
	s := time.Second
	steps := []Step{
		{At: 5 * s, Action: "kill", Target: "primary"},
		{At: 2 * s, Every: 3 * s, Action: "pause", Target: "replica", Duration: s},
		{At: 9 * s, Action: "start", Target: "killed"},
	}
	got := Expand(steps, 10*s)
	want := []Shot{
		{Step: 1, Index: 0, At: 2 * s},
		{Step: 0, Index: 0, At: 5 * s},
		{Step: 1, Index: 1, At: 5 * s},
		{Step: 1, Index: 2, At: 8 * s},
		{Step: 2, Index: 0, At: 9 * s},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Expand:\n got %+v\nwant %+v", got, want)
	}
	if got := Expand([]Step{{At: 10 * s, Action: "kill"}}, 10*s); len(got) != 0 {
		t.Errorf("a step at the end of the measured phase fired: %+v", got)
	}
}

func TestCheck(t *testing.T) {
	docker := Shape{Provider: "docker", Topology: "sentinel", Replicas: 1, Sentinels: 3}
	process := Shape{Provider: "process", Topology: "standalone"}
	cluster := Shape{Provider: "process", Topology: "cluster", Replicas: 1}
	external := Shape{Provider: "external", Topology: "standalone"}
	named := Shape{Provider: "process", Topology: "sentinel", Replicas: 1, Sentinels: 1, Nodes: []string{"redis-0", "redis-1", "sentinel-0"}}
	shards := Shape{Provider: "process", Topology: "cluster", Nodes: []string{"redis-0", "redis-1", "redis-2"}}
	slots := func(v any) map[string]any { return map[string]any{"slots": v} }
	for _, tc := range []struct {
		name  string
		step  Step
		shape Shape
		want  string // substring of the reason; "" means accepted
	}{
		{"kill primary", Step{Action: "kill", Target: "primary"}, process, ""},
		{"partition on docker", Step{Action: "partition", Target: "primary", Duration: time.Second}, docker, ""},
		{"partition on processes", Step{Action: "partition", Target: "primary", Duration: time.Second}, process, "needs target.provider docker"},
		{"partition with auto (auto picks docker for it)", Step{Action: "partition", Target: "primary", Duration: time.Second}, Shape{Provider: "auto", Topology: "standalone"}, ""},
		{"kill on external", Step{Action: "kill", Target: "primary"}, external, "external target"},
		{"client-pause on external", Step{Action: "client-pause", Target: "primary", Duration: time.Second}, external, ""},
		{"sentinel target without sentinels", Step{Action: "kill", Target: "sentinel"}, process, "no sentinels"},
		{"replica target without replicas", Step{Action: "pause", Target: "replica", Duration: time.Second}, process, "no replicas"},
		{"random-primary outside a cluster", Step{Action: "kill", Target: "random-primary"}, docker, "cluster's primaries"},
		{"random-primary on a cluster", Step{Action: "kill", Target: "random-primary"}, cluster, ""},
		{"failover of a lone standalone", Step{Action: "failover", Target: "primary"}, process, "needs a replica"},
		{"failover under sentinel", Step{Action: "failover", Target: "primary"}, docker, ""},
		{"cluster takeover", Step{Action: "failover", Target: "primary", Params: map[string]any{"mode": "takeover"}}, cluster, ""},
		{"sentinel takes no mode", Step{Action: "failover", Target: "primary", Params: map[string]any{"mode": "force"}}, docker, "params.mode"},
		{"failover of a replica", Step{Action: "failover", Target: "replica"}, docker, "acts on a primary"},
		{"start needs a down node", Step{Action: "start", Target: "primary"}, process, "killed or stopped"},
		{"client-pause mode", Step{Action: "client-pause", Target: "primary", Duration: time.Second, Params: map[string]any{"mode": "reads"}}, process, "WRITE or ALL"},
		{"config without params", Step{Action: "config", Target: "primary"}, process, "needs params"},
		{"bgsave on a sentinel", Step{Action: "bgsave", Target: "sentinel"}, docker, "does not apply to a sentinel"},
		{"a node that exists", Step{Action: "kill", Target: "node:redis-1"}, named, ""},
		{"a node that does not exist", Step{Action: "kill", Target: "node:redis-7"}, named, "would never fire; its nodes are redis-0, redis-1, sentinel-0"},
		{"node names unknown", Step{Action: "kill", Target: "node:anything"}, process, ""},
		{"2000 slots off a random primary", Step{Action: "reshard", Target: "random-primary", Params: slots(2000)}, shards, ""},
		{"to a named node", Step{Action: "reshard", Target: "node:redis-0", Params: map[string]any{"slots": 10, "to": "redis-2"}}, shards, ""},
		{"outside a cluster", Step{Action: "reshard", Target: "primary", Params: slots(10)}, Shape{Provider: "process", Topology: "standalone"}, "topology is standalone"},
		{"on an external cluster", Step{Action: "reshard", Target: "primary", Params: slots(10)}, Shape{Provider: "external", Topology: "cluster"}, "external target"},
		{"without slots", Step{Action: "reshard", Target: "primary"}, shards, "needs params.slots"},
		{"no slots", Step{Action: "reshard", Target: "primary", Params: slots(0)}, shards, "from 1 to 16383"},
		{"every slot", Step{Action: "reshard", Target: "primary", Params: slots(16384)}, shards, "from 1 to 16383"},
		{"slots not a number", Step{Action: "reshard", Target: "primary", Params: slots("many")}, shards, `got "many"`},
		{"off a replica", Step{Action: "reshard", Target: "replica", Params: slots(10)}, Shape{Provider: "process", Topology: "cluster", Replicas: 1}, "away from a primary"},
		{"to a node that does not exist", Step{Action: "reshard", Target: "primary", Params: map[string]any{"slots": 10, "to": "redis-9"}}, shards, `no node "redis-9"`},
		{"to itself", Step{Action: "reshard", Target: "node:redis-1", Params: map[string]any{"slots": 10, "to": "redis-1"}}, shards, "also the node"},
		{"an unknown parameter", Step{Action: "reshard", Target: "primary", Params: map[string]any{"slots": 10, "from": "redis-1"}}, shards, "params.from: unknown"},
		{"remove-shard", Step{Action: "remove-shard", Target: "node:redis-2"}, shards, ""},
		{"remove-shard outside a cluster", Step{Action: "remove-shard", Target: "primary"}, process, "takes a shard out of a cluster"},
		{"remove-shard of a replica", Step{Action: "remove-shard", Target: "replica"}, cluster, "removes a primary"},
		{"remove-shard takes no params", Step{Action: "remove-shard", Target: "primary", Params: slots(10)}, shards, "params.slots: unknown"},
		{"add-shard", Step{Action: "add-shard", Target: "spare"}, shards, ""},
		{"add-shard on docker", Step{Action: "add-shard", Target: "spare"}, Shape{Provider: "docker", Topology: "cluster"}, ""},
		{"add-shard outside a cluster", Step{Action: "add-shard", Target: "spare"}, process, "adds a primary to a cluster; the topology is standalone"},
		{"add-shard on an external cluster", Step{Action: "add-shard", Target: "spare"}, Shape{Provider: "external", Topology: "cluster"}, "external target"},
		{"add-shard of a primary", Step{Action: "add-shard", Target: "primary"}, shards, "use target spare"},
		{"add-shard repeated", Step{Action: "add-shard", Target: "spare", Every: time.Second}, shards, "fires once"},
		{"add-shard takes no params", Step{Action: "add-shard", Target: "spare", Params: slots(10)}, shards, "params.slots: unknown"},
		{"a spare for another fault", Step{Action: "kill", Target: "spare"}, shards, "only add-shard takes it"},
		{"latency on processes", Step{Action: "latency", Target: "primary", Duration: time.Second, Params: map[string]any{"delay": "100ms", "jitter": "10ms"}}, process, ""},
		{"latency on external", Step{Action: "latency", Target: "primary", Duration: time.Second, Params: map[string]any{"delay": "100ms"}}, external, ""},
		{"latency without delay", Step{Action: "latency", Target: "primary", Duration: time.Second}, process, "needs params.delay"},
		{"latency on a sentinel", Step{Action: "latency", Target: "sentinel", Duration: time.Second, Params: map[string]any{"delay": "1ms"}}, docker, "does not apply to a sentinel"},
		{"bandwidth", Step{Action: "bandwidth", Target: "all", Duration: time.Second, Params: map[string]any{"rate": "1.5MB/s"}}, cluster, ""},
		{"bandwidth without a unit", Step{Action: "bandwidth", Target: "primary", Duration: time.Second, Params: map[string]any{"rate": 1000}}, process, "expected a rate like 64KB/s"},
		{"bandwidth of nothing", Step{Action: "bandwidth", Target: "primary", Duration: time.Second, Params: map[string]any{"rate": "0KB/s"}}, process, "expected a rate"},
		{"timeout", Step{Action: "timeout", Target: "primary", Duration: time.Second, Params: map[string]any{"after": "500ms"}}, process, ""},
		{"timeout after nonsense", Step{Action: "timeout", Target: "primary", Duration: time.Second, Params: map[string]any{"after": "soon"}}, process, "params.after"},
		{"reset once", Step{Action: "reset", Target: "primary"}, external, ""},
		{"slow-close without delay", Step{Action: "slow-close", Target: "primary", Duration: time.Second}, process, "needs params.delay"},
		{"timeout on the peers of a docker primary", Step{Action: "timeout", Target: "primary", Duration: time.Second, Params: onTraffic("peers")}, docker, ""},
		{"latency on clients and peers", Step{Action: "latency", Target: "replica", Duration: time.Second, Params: map[string]any{"delay": "1ms", "traffic": "both"}}, docker, ""},
		{"clients only anywhere", Step{Action: "reset", Target: "primary", Params: onTraffic("clients")}, external, ""},
		{"peers with auto (auto picks docker)", Step{Action: "reset", Target: "primary", Params: onTraffic("peers")}, Shape{Provider: "auto", Topology: "sentinel", Sentinels: 1}, ""},
		{"peers on processes", Step{Action: "reset", Target: "primary", Params: onTraffic("peers")}, process, "params.traffic: peers needs target.provider docker"},
		{"peers on a docker cluster", Step{Action: "reset", Target: "primary", Params: onTraffic("both")}, Shape{Provider: "docker", Topology: "cluster"}, ""},
		{"traffic misspelt", Step{Action: "reset", Target: "primary", Params: onTraffic("peer")}, docker, `params.traffic: expected clients, peers or both, got "peer"`},
		{"kill-consumer on external", Step{Action: "kill-consumer", Target: "consumer"}, external, ""},
		{"pause-consumer", Step{Action: "pause-consumer", Target: "consumer", Duration: time.Second}, process, ""},
		{"kill-consumer of a primary", Step{Action: "kill-consumer", Target: "primary"}, process, "its target is consumer"},
		{"kill of a consumer", Step{Action: "kill", Target: "consumer"}, process, "target consumer is for the consumer faults"},
		{"client-pause of a consumer", Step{Action: "client-pause", Target: "consumer", Duration: time.Second}, external, "kill-consumer, pause-consumer or restart-consumer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Check([]Step{tc.step}, tc.shape)[0]
			switch {
			case tc.want == "" && got != "":
				t.Errorf("rejected: %s", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("reason %q, want it to say %q", got, tc.want)
			}
		})
	}
}

func onTraffic(v string) map[string]any { return map[string]any{"traffic": v} }

// TestNeedsPeerProxy: docker targets put proxy faults on the peers' path
// unless a step says clients; a process target and netem-shaped latency
// never need the peer proxy.
func TestNeedsPeerProxy(t *testing.T) {
	reset := Step{Action: "reset"}
	for _, tc := range []struct {
		steps              []Step
		provider, topology string
		want               bool
	}{
		{[]Step{reset}, "docker", "sentinel", true},
		{[]Step{reset}, "docker", "standalone", true},
		{[]Step{{Action: "reset", Params: onTraffic("clients")}}, "docker", "sentinel", false},
		{[]Step{reset}, "docker", "cluster", true},
		{[]Step{{Action: "reset", Params: onTraffic("clients")}}, "docker", "cluster", false},
		{[]Step{reset}, "process", "standalone", false},
		{[]Step{{Action: "kill"}, {Action: "partition"}}, "docker", "sentinel", false},
		{[]Step{{Action: "latency", Params: onTraffic("peers")}}, "docker", "sentinel", true},
		{[]Step{{Action: "latency"}}, "docker", "sentinel", netemAvailable() != nil},
	} {
		if got := NeedsPeerProxy(tc.steps, tc.provider, tc.topology); got != tc.want {
			t.Errorf("%v on %s %s: peer proxy %v, want %v", tc.steps, tc.provider, tc.topology, got, tc.want)
		}
	}
	if NeedsProxy([]Step{{Action: "timeout", Params: onTraffic("peers")}}, "docker") {
		t.Error("the client proxy for a fault on the peers' traffic only")
	}
}

func TestParamRate(t *testing.T) {
	for v, want := range map[string]int64{"64KB/s": 64000, "1.5MB/s": 1500000, "512B/s": 512, "2GB/s": 2e9} {
		got, err := paramRate(Step{Action: "bandwidth", Params: map[string]any{"rate": v}})
		if err != nil || got != want {
			t.Errorf("rate %s: %d, %v; want %d", v, got, err, want)
		}
	}
}

// TestNeedsProxy: the proxy joins the data path for the network faults it
// carries out, never for the others; latency on docker goes to netem
// where the kernel has it.
func TestNeedsProxy(t *testing.T) {
	lat := []Step{{Action: "latency"}}
	if !NeedsProxy(lat, "process") || !NeedsProxy([]Step{{Action: "kill"}, {Action: "reset"}}, "docker") {
		t.Error("a proxy fault without the proxy")
	}
	if NeedsProxy([]Step{{Action: "kill"}, {Action: "loss"}, {Action: "partition"}}, "docker") {
		t.Error("the proxy for faults it does not carry out")
	}
	if got, want := NeedsProxy(lat, "docker"), netemAvailable() != nil; got != want {
		t.Errorf("latency on docker via the proxy: %v; netem missing: %v", got, want)
	}
}

func TestNetemArgs(t *testing.T) {
	got, err := netemArgs(Step{Action: "latency", Params: map[string]any{"delay": "100ms", "jitter": "20ms"}})
	if err != nil || !reflect.DeepEqual(got, []string{"delay", "100ms", "20ms"}) {
		t.Errorf("latency: %v %v", got, err)
	}
	got, err = netemArgs(Step{Action: "loss", Params: map[string]any{"percent": "5%"}})
	if err != nil || !reflect.DeepEqual(got, []string{"loss", "5%"}) {
		t.Errorf("loss: %v %v", got, err)
	}
	if _, err := netemArgs(Step{Action: "loss", Params: map[string]any{"percent": 150}}); err == nil {
		t.Error("loss of 150% accepted")
	}
}

// TestRegistry: every catalog action has an implementation and nothing
// else does (init panics otherwise; this says which), and the facts the
// validation messages list follow from the catalog.
func TestRegistry(t *testing.T) {
	for _, a := range catalog.Actions() {
		im, ok := impls[a.Name]
		if !ok || im.inject == nil && !a.Consumer { // consumer faults act on the generator (consumer.go)
			t.Errorf("catalog action %s has no inject in chaos", a.Name)
		}
	}
	if len(impls) != len(catalog.Actions()) {
		t.Errorf("chaos implements %d actions, the catalog lists %d", len(impls), len(catalog.Actions()))
	}
	for _, tc := range []struct{ got, want string }{
		{Check([]Step{{Action: "kill", Target: "primary"}}, Shape{Provider: "external"})[0],
			"kill needs control of the nodes; on an external target only Redis-level and network faults run (latency, bandwidth, timeout, reset, slow-close, failover, client-pause, debug-sleep, bgsave, bgrewriteaof, config)"},
		{Check([]Step{{Action: "bgsave", Target: "sentinel"}}, Shape{Provider: "docker", Topology: "sentinel"})[0],
			"bgsave does not apply to a sentinel (kill, stop, restart, pause or partition do)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got  %q\nwant %q", tc.got, tc.want)
		}
	}
}

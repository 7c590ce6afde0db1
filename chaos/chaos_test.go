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
			"kill needs control of the nodes; on an external target only Redis-level faults run (failover, client-pause, debug-sleep, bgsave, bgrewriteaof, config)"},
		{Check([]Step{{Action: "bgsave", Target: "sentinel"}}, Shape{Provider: "docker", Topology: "sentinel"})[0],
			"bgsave does not apply to a sentinel (kill, stop, restart, pause or partition do)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got  %q\nwant %q", tc.got, tc.want)
		}
	}
}

package chaos

import (
	"strings"
	"testing"
)

// TestCheckReshard: validate refuses a reshard that could not run, with
// the reason, before anything is stood up.
func TestCheckReshard(t *testing.T) {
	cluster := Shape{Provider: "process", Topology: "cluster", Nodes: []string{"redis-0", "redis-1", "redis-2"}}
	slots := func(v any) map[string]any { return map[string]any{"slots": v} }
	for _, tc := range []struct {
		name  string
		step  Step
		shape Shape
		want  string // substring of the reason; "" means accepted
	}{
		{"2000 slots off a random primary", Step{Action: "reshard", Target: "random-primary", Params: slots(2000)}, cluster, ""},
		{"to a named node", Step{Action: "reshard", Target: "node:redis-0", Params: map[string]any{"slots": 10, "to": "redis-2"}}, cluster, ""},
		{"outside a cluster", Step{Action: "reshard", Target: "primary", Params: slots(10)}, Shape{Provider: "process", Topology: "standalone"}, "topology is standalone"},
		{"on an external cluster", Step{Action: "reshard", Target: "primary", Params: slots(10)}, Shape{Provider: "external", Topology: "cluster"}, "external target"},
		{"without slots", Step{Action: "reshard", Target: "primary"}, cluster, "needs params.slots"},
		{"no slots", Step{Action: "reshard", Target: "primary", Params: slots(0)}, cluster, "from 1 to 16383"},
		{"every slot", Step{Action: "reshard", Target: "primary", Params: slots(16384)}, cluster, "from 1 to 16383"},
		{"slots not a number", Step{Action: "reshard", Target: "primary", Params: slots("many")}, cluster, `got "many"`},
		{"off a replica", Step{Action: "reshard", Target: "replica", Params: slots(10)}, Shape{Provider: "process", Topology: "cluster", Replicas: 1}, "away from a primary"},
		{"to a node that does not exist", Step{Action: "reshard", Target: "primary", Params: map[string]any{"slots": 10, "to": "redis-9"}}, cluster, `no node "redis-9"`},
		{"to itself", Step{Action: "reshard", Target: "node:redis-1", Params: map[string]any{"slots": 10, "to": "redis-1"}}, cluster, "also the node"},
		{"an unknown parameter", Step{Action: "reshard", Target: "primary", Params: map[string]any{"slots": 10, "from": "redis-1"}}, cluster, "params.from: unknown"},
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

package chaos

import (
	"fmt"
	"slices"
	"strings"

	"github.com/squall-bench/squall/internal/catalog"
)

// Shape is what validation needs to know about the target.
type Shape struct {
	Provider  string // auto, docker, process, external
	Topology  string // standalone, sentinel, cluster
	Replicas  int
	Sentinels int
	// Nodes are the names the target's nodes will have (compose.NodeNames);
	// a node:NAME target must be one of them. Nil skips the check.
	Nodes []string
}

// Check returns, per step index, why a step cannot run on this target; a
// scenario with any is rejected by validate before anything is stood up.
func Check(steps []Step, sh Shape) map[int]string {
	bad := map[int]string{}
	for i, s := range steps {
		if msg := check(s, sh); msg != "" {
			bad[i] = msg
		}
	}
	return bad
}

func check(s Step, sh Shape) string {
	a, known := actions[s.Action] // an unknown action was refused with the scenario
	if known && sh.Provider == "external" && a.Node() {
		return fmt.Sprintf("%s needs control of the nodes; on an external target only Redis-level and network faults run (%s)",
			s.Action, strings.Join(catalog.ActionNames(func(a catalog.Action) bool { return !a.Node() && !a.Consumer }), ", "))
	}
	if s.Target == catalog.ConsumerTarget && known && !a.Consumer {
		return fmt.Sprintf("target %s is for the consumer faults (%s); %s acts on a node", s.Target,
			orList(catalog.ActionNames(func(a catalog.Action) bool { return a.Consumer })), s.Action)
	}
	if a.DockerOnly() && sh.Provider != "docker" && sh.Provider != "auto" { // auto picks docker for them
		return fmt.Sprintf("%s needs target.provider docker (a container's network to cut or shape); provider is %s", s.Action, sh.Provider)
	}
	if a.host != nil {
		if msg := a.host(s); msg != "" {
			return msg
		}
	}
	if name, ok := strings.CutPrefix(s.Target, "node:"); ok && sh.Nodes != nil && !slices.Contains(sh.Nodes, name) {
		return fmt.Sprintf("target node:%s: the target has no node %q, so the fault would never fire; its nodes are %s",
			name, name, strings.Join(sh.Nodes, ", "))
	}
	switch s.Target {
	case "sentinel":
		if sh.Topology != "sentinel" {
			return fmt.Sprintf("target sentinel: the topology is %s, which has no sentinels", sh.Topology)
		}
	case "replica":
		if sh.Replicas == 0 {
			return "target replica: the target has no replicas (target.replicas is 0)"
		}
	case "spare":
		if s.Action != "add-shard" {
			return "target spare is the empty node squall starts for add-shard; only add-shard takes it"
		}
	case "random-primary":
		if sh.Topology != "cluster" {
			return fmt.Sprintf("target random-primary picks one of a cluster's primaries; the topology is %s (use primary)", sh.Topology)
		}
	}
	if a.check != nil {
		if msg := a.check(s, sh); msg != "" {
			return msg
		}
	}
	if s.Target == "sentinel" && !a.Sentinel {
		return fmt.Sprintf("%s does not apply to a sentinel (%s do)", s.Action,
			orList(catalog.ActionNames(func(a catalog.Action) bool { return a.Sentinel })))
	}
	return ""
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

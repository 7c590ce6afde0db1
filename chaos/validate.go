package chaos

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
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

// nodeActions act on a node's process or container: squall never does that
// to an external target.
var nodeActions = map[string]bool{"kill": true, "stop": true, "start": true, "restart": true, "pause": true,
	"partition": true, "latency": true, "loss": true}

// dockerOnly need a container's network.
var dockerOnly = map[string]bool{"partition": true, "latency": true, "loss": true}

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
	if sh.Provider == "external" && nodeActions[s.Action] {
		return fmt.Sprintf("%s needs control of the nodes; on an external target only Redis-level faults run (failover, client-pause, debug-sleep, bgsave, bgrewriteaof, config)", s.Action)
	}
	if dockerOnly[s.Action] && sh.Provider != "docker" && sh.Provider != "auto" { // auto picks docker for them
		return fmt.Sprintf("%s needs target.provider docker (a container's network to cut or shape); provider is %s", s.Action, sh.Provider)
	}
	if s.Action == "latency" || s.Action == "loss" {
		if err := netemAvailable(); err != nil {
			return fmt.Sprintf("%s needs tc netem: %v", s.Action, err)
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
	case "random-primary":
		if sh.Topology != "cluster" {
			return fmt.Sprintf("target random-primary picks one of a cluster's primaries; the topology is %s (use primary)", sh.Topology)
		}
	}
	switch s.Action {
	case "start":
		if s.Target != "killed" && s.Target != "stopped" && !strings.HasPrefix(s.Target, "node:") {
			return "start brings back a killed or stopped node: use target killed, stopped or node:NAME"
		}
	case "failover":
		switch {
		case sh.Topology == "standalone" && sh.Replicas == 0:
			return "failover needs a replica to promote: set target.replicas, or use topology sentinel or cluster"
		case s.Target != "primary" && s.Target != "random-primary" && !strings.HasPrefix(s.Target, "node:"):
			return "failover acts on a primary: use target primary, random-primary (cluster) or node:NAME"
		}
		mode := strings.ToUpper(s.param("mode"))
		switch {
		case mode == "":
		case sh.Topology == "cluster" && (mode == "FORCE" || mode == "TAKEOVER"):
		case sh.Topology == "standalone" && mode == "FORCE":
		default:
			return fmt.Sprintf("failover params.mode %q: cluster takes FORCE or TAKEOVER, standalone FORCE, sentinel none", s.param("mode"))
		}
	case "client-pause":
		if m := strings.ToUpper(s.param("mode")); m != "" && m != "WRITE" && m != "ALL" {
			return fmt.Sprintf("client-pause params.mode %q: expected WRITE or ALL", s.param("mode"))
		}
	case "latency":
		if _, err := paramDuration(s, "delay", true); err != nil {
			return err.Error()
		}
		if _, err := paramDuration(s, "jitter", false); err != nil {
			return err.Error()
		}
	case "loss":
		if _, err := paramPercent(s); err != nil {
			return err.Error()
		}
	case "config":
		if len(s.Params) == 0 {
			return "config needs params: the directives to CONFIG SET, e.g. {appendfsync: always}"
		}
	}
	if s.Target == "sentinel" && s.Action != "kill" && s.Action != "stop" && s.Action != "restart" && s.Action != "pause" && s.Action != "partition" {
		return fmt.Sprintf("%s does not apply to a sentinel (kill, stop, restart, pause or partition do)", s.Action)
	}
	return ""
}

func paramDuration(s Step, name string, required bool) (time.Duration, error) {
	v := s.param(name)
	if v == "" {
		if required {
			return 0, fmt.Errorf("%s needs params.%s, e.g. 100ms", s.Action, name)
		}
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s params.%s: expected a duration like 100ms, got %q", s.Action, name, v)
	}
	return d, nil
}

func paramPercent(s Step) (float64, error) {
	v := strings.TrimSuffix(s.param("percent"), "%")
	if v == "" {
		return 0, fmt.Errorf("loss needs params.percent, e.g. 5")
	}
	p, err := strconv.ParseFloat(v, 64)
	if err != nil || p <= 0 || p > 100 {
		return 0, fmt.Errorf("loss params.percent: expected a number in (0, 100], got %q", s.param("percent"))
	}
	return p, nil
}

// Package catalog holds what is known of squall's fault actions and load
// patterns before any target exists: their names and the facts validation
// needs (does a fault need a duration, on which providers does it run, does
// a pattern fan out). It imports nothing of squall's, so that scenario
// validation can read it without pulling in the packages that carry the
// faults out (chaos) and drive the patterns (loadgen); each of those keeps
// a table of its own implementations, checked against this one by its
// tests, and the tables of actions and patterns in docs/chaos.md and
// docs/patterns.md are checked against
// it here.
package catalog

import "slices"

// The providers a fault runs on.
var (
	anywhere   = []string{"docker", "process", "external"}
	ownNodes   = []string{"docker", "process"} // squall's own nodes: never an external target
	dockerOnly = []string{"docker"}            // a container's network
)

// An Action is one kind of fault a chaos step may name.
type Action struct {
	Name string
	// Timed faults last a while and then heal, so a step needs a duration.
	Timed bool
	// Providers are those it runs on; auto picks docker when a fault
	// needs it. A fault that does not run on external acts on a node's
	// process or container (see Node).
	Providers []string
	// Promotes: after it a replica may take over from a primary it hit.
	Promotes bool
	// Sentinel: it may target a sentinel.
	Sentinel bool
	// Consumer: it acts on squall's own consumers (target consumer), not
	// on a node; it touches nothing of the target's but squall's keys, so
	// it runs on every provider.
	Consumer bool
}

// actions is every fault action, in the order messages list them.
var actions = []Action{
	{Name: "kill", Providers: ownNodes, Promotes: true, Sentinel: true},
	{Name: "stop", Providers: ownNodes, Promotes: true, Sentinel: true},
	{Name: "start", Providers: ownNodes},
	{Name: "restart", Providers: ownNodes, Promotes: true, Sentinel: true},
	{Name: "pause", Timed: true, Providers: ownNodes, Promotes: true, Sentinel: true},
	{Name: "partition", Timed: true, Providers: dockerOnly, Promotes: true, Sentinel: true},
	{Name: "latency", Timed: true, Providers: anywhere},
	{Name: "loss", Timed: true, Providers: dockerOnly},
	{Name: "bandwidth", Timed: true, Providers: anywhere},
	{Name: "timeout", Timed: true, Providers: anywhere},
	{Name: "reset", Providers: anywhere},
	{Name: "slow-close", Timed: true, Providers: anywhere},
	{Name: "failover", Providers: anywhere, Promotes: true},
	{Name: "client-pause", Timed: true, Providers: anywhere},
	{Name: "debug-sleep", Timed: true, Providers: anywhere, Promotes: true},
	{Name: "bgsave", Providers: anywhere},
	{Name: "bgrewriteaof", Providers: anywhere},
	{Name: "config", Providers: anywhere},
	// Cluster operations: squall does not move slots back, so never on an
	// external target.
	{Name: "reshard", Providers: ownNodes},
	{Name: "remove-shard", Providers: ownNodes},
	// add-shard joins a spare node squall started with the target.
	{Name: "add-shard", Providers: ownNodes},

	// Consumer faults: squall's own consumers crash or stall.
	{Name: "kill-consumer", Providers: anywhere, Consumer: true},
	{Name: "pause-consumer", Timed: true, Providers: anywhere, Consumer: true},
	{Name: "restart-consumer", Providers: anywhere, Consumer: true},
}

// RunsOn reports whether the fault runs on provider (docker, process,
// external; not auto, which resolves to one of them).
func (a Action) RunsOn(provider string) bool { return slices.Contains(a.Providers, provider) }

// Node reports whether the fault acts on a node's process or container,
// which squall never does to an external target.
func (a Action) Node() bool { return !a.RunsOn("external") }

// DockerOnly reports whether only the docker provider can carry the fault
// out (it needs a container's network).
func (a Action) DockerOnly() bool { return slices.Equal(a.Providers, dockerOnly) }

// Actions lists every fault action, in the order messages list them.
func Actions() []Action { return slices.Clone(actions) }

// LookupAction returns the action named name.
func LookupAction(name string) (Action, bool) {
	return lookup(actions, func(a Action) bool { return a.Name == name })
}

// ActionNames lists the actions' names in catalog order; filter, when not
// nil, keeps only those it accepts.
func ActionNames(filter func(Action) bool) []string {
	var names []string
	for _, a := range actions {
		if filter == nil || filter(a) {
			names = append(names, a.Name)
		}
	}
	return names
}

// Targets lists what a step may aim at by role, or by what an earlier step
// did to a node; node:NAME, besides these, names one node. spare is a
// cluster node squall started empty for add-shard.
func Targets() []string {
	return append([]string{"primary", "replica", "sentinel", "random-primary", "all", "killed", "paused", "stopped", "spare"}, ConsumerTarget)
}

// ConsumerTarget is the target of the consumer faults (Action.Consumer),
// and theirs only.
const ConsumerTarget = "consumer"

// A Pattern is one way events travel through Redis (workload.pattern).
type Pattern struct {
	Name string
	// FanOut: every consumer receives every producer's events, and squall
	// keeps a ledger per producer and consumer pair.
	FanOut bool
}

// atLeastOnce are the patterns that redeliver what a dead consumer read
// but never acknowledged; the others lose it.
var atLeastOnce = []string{"list-reliable", "stream"}

// AtLeastOnce reports whether pattern redelivers a dead consumer's
// unacknowledged events (and so loses none to a consumer fault).
func AtLeastOnce(pattern string) bool { return slices.Contains(atLeastOnce, pattern) }

// patterns is every pattern, in the order messages list them.
var patterns = []Pattern{
	{Name: "pubsub", FanOut: true},
	{Name: "spubsub", FanOut: true},
	{Name: "list"},
	{Name: "list-reliable"},
	{Name: "stream"},
	{Name: "zset"},
	{Name: "set"},
	{Name: "string"},
	{Name: "hash"},
}

// Patterns lists every pattern, in the order messages list them.
func Patterns() []Pattern { return slices.Clone(patterns) }

// LookupPattern returns the pattern named name.
func LookupPattern(name string) (Pattern, bool) {
	return lookup(patterns, func(p Pattern) bool { return p.Name == name })
}

// lookup returns the entry of list that is, and whether there is one.
func lookup[T any](list []T, is func(T) bool) (T, bool) {
	var zero T
	i := slices.IndexFunc(list, is)
	if i < 0 {
		return zero, false
	}
	return list[i], true
}

// PatternNames lists the patterns' names in catalog order.
func PatternNames() []string {
	names := make([]string, len(patterns))
	for i, p := range patterns {
		names[i] = p.Name
	}
	return names
}

package chaos

import (
	"context"
	"fmt"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/catalog"
)

// The fault registry. internal/catalog lists every action with what
// validation knows of it before a target exists (timed, which providers,
// whether a replica may take over after it, whether it applies to a
// sentinel); the table below adds how chaos checks a step's parameters
// and injects the fault. Each family of faults has a file:
//
//	process.go  kill, stop, start, restart, pause: the node's process or container
//	network.go  partition, latency, loss: the container's network
//	proxy.go    latency, bandwidth, timeout, reset, slow-close: the fault proxy on the client↔node path
//	server.go   failover, client-pause, debug-sleep, bgsave, bgrewriteaof: commands to the server
//	config.go   config: CONFIG SET, and putting the old values back
//	cluster.go  reshard, remove-shard, add-shard: hash slots moved between a cluster's primaries
//	consumer.go kill-consumer, pause-consumer, restart-consumer: squall's own consumers
//
// A new fault is a row in the catalog, a row here and its functions in its
// family's file; init refuses a catalog action without a row here, or the
// reverse.
var impls = map[string]impl{
	"kill":    {inject: (*Injector).kill},
	"stop":    {inject: (*Injector).stop},
	"start":   {check: checkStart, inject: (*Injector).start},
	"restart": {inject: (*Injector).restart},
	"pause":   {inject: (*Injector).pause},

	"partition": {inject: (*Injector).partition},
	"latency":   {check: checkProxied, inject: (*Injector).latency},
	"loss":      {host: needsNetem, check: checkLoss, inject: (*Injector).shape},

	"bandwidth":  {check: checkProxied, inject: (*Injector).proxied},
	"timeout":    {check: checkProxied, inject: (*Injector).proxied},
	"reset":      {check: checkProxied, inject: (*Injector).proxied},
	"slow-close": {check: checkProxied, inject: (*Injector).proxied},

	"failover":     {check: checkFailover, inject: (*Injector).failover},
	"client-pause": {check: checkClientPause, inject: (*Injector).clientPause},
	"debug-sleep":  {inject: (*Injector).debugSleep},
	"bgsave":       {inject: (*Injector).bgsave},
	"bgrewriteaof": {inject: (*Injector).bgrewriteaof},

	"config": {check: checkConfig, inject: (*Injector).config},

	"reshard":      {check: checkReshard, inject: (*Injector).reshard},
	"remove-shard": {check: checkRemoveShard, inject: (*Injector).removeShard},
	"add-shard":    {check: checkAddShard, inject: (*Injector).addShard},

	// Consumer faults act on the load generator, not a node: fire hands
	// them to fireConsumers (consumer.go), so they inject nothing here.
	"kill-consumer":    {check: checkConsumer},
	"pause-consumer":   {check: checkConsumer},
	"restart-consumer": {check: checkConsumer},
}

// impl is how chaos carries out one action.
type impl struct {
	// host says what the machine running squall lacks to inject the
	// fault ("" when nothing); nil: it needs nothing of its own.
	host func(s Step) string
	// check says why a step's parameters or target do not fit the action
	// ("" when they do); nil: any do.
	check func(s Step, sh Shape) string
	// inject injects the fault into one node and returns how to undo it
	// (nil: nothing to undo).
	inject func(in *Injector, ctx context.Context, s Step, n *compose.Node) (undoFunc, error)
}

// action is a catalog action with its implementation.
type action struct {
	catalog.Action
	impl
}

// actions is the registry, by name.
var actions = func() map[string]action {
	m := map[string]action{}
	for _, a := range catalog.Actions() {
		im, ok := impls[a.Name]
		if !ok {
			panic("chaos: catalog action " + a.Name + " has no implementation")
		}
		m[a.Name] = action{a, im}
	}
	for name := range impls {
		if _, ok := m[name]; !ok {
			panic("chaos: action " + name + " is not in the catalog")
		}
	}
	return m
}()

// undoFunc heals a fault; nil means the fault needs no healing.
type undoFunc func(context.Context) error

// act injects one step's fault into one node and returns how to undo it.
func (in *Injector) act(ctx context.Context, s Step, n *compose.Node) (undoFunc, error) {
	a, ok := actions[s.Action]
	if !ok {
		return nil, fmt.Errorf("unknown action %q", s.Action)
	}
	return a.inject(in, ctx, s, n)
}

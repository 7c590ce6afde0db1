package loadgen

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// Consumers own the keys as a consumer group's members own partitions:
// every key has exactly one owning consumer, and it alone reclaims what
// dead consumers left in that key (XAUTOCLAIM, list-reliable's processing
// lists). workload.options.assign says what a consumer reads:
//
//   - split: its own keys only, as workers sharding queues between them do
//     (a consumer beyond the keys owns none and helps on key id mod keys);
//   - all: every key, as the members of a stream consumer group each
//     XREADGROUP every stream, or pub/sub subscribers each hear every
//     channel. Ownership still decides who reclaims.
//
// With several groups (stream, options.groups) the consumers are split
// into blocks, one per group (Span), and each group's members own every
// key among themselves: only a member of the group can claim its pending
// entries.
//
// A consumer that dies (killConsumer) leaves the group: its keys are
// handed to the live consumers, spread over them, and handed back when it
// rejoins (a replacement after the restart delay), so that no key is left
// without an owner to read and reclaim it.

// Assignment modes.
const (
	assignSplit = "split"
	assignAll   = "all"
)

// An assigner is a pattern that says how its consumers may read the keys:
// the modes it supports, the first its default on the given client.
type assigner interface {
	assignModes(c redis.UniversalClient) []string
}

// assignModes of the queue patterns: a worker per share of the queues.
func splitFirst(redis.UniversalClient) []string { return []string{assignSplit, assignAll} }

func (*list) assignModes(c redis.UniversalClient) []string         { return splitFirst(c) }
func (*reliableList) assignModes(c redis.UniversalClient) []string { return splitFirst(c) }
func (*zset) assignModes(c redis.UniversalClient) []string         { return splitFirst(c) }
func (*set) assignModes(c redis.UniversalClient) []string          { return splitFirst(c) }
func (*hash) assignModes(c redis.UniversalClient) []string         { return splitFirst(c) }

// The string register's readers poll every entity, whatever the keys.
func (s *str) assignModes(c redis.UniversalClient) []string {
	if s.register {
		return []string{assignAll}
	}
	return splitFirst(c)
}

// Subscribers fan out: each hears every channel (the accounting counts a
// delivery group per subscriber).
func (*pubsub) assignModes(redis.UniversalClient) []string { return []string{assignAll} }

// A stream consumer group's members each read every stream, the group
// handing each entry to one of them; reclaim is the owner's. On a cluster
// XREADGROUP takes the streams of one slot only, so reading every stream
// would hold a blocked connection per consumer and stream: there the
// default is split.
func (*stream) assignModes(c redis.UniversalClient) []string {
	if _, cluster := c.(*redis.ClusterClient); cluster {
		return []string{assignSplit, assignAll}
	}
	return []string{assignAll, assignSplit}
}

// assignMode reads options.assign for a pattern.
func assignMode(p Pattern, c redis.UniversalClient, o *Options) string {
	modes := []string{assignSplit}
	if a, ok := p.(assigner); ok {
		modes = a.assignModes(c)
	}
	mode := o.String("assign", modes[0], assignSplit, assignAll)
	if !slices.Contains(modes, mode) {
		o.Fail("assign", "%s is not supported by this pattern (supported: %s)", mode, strings.Join(modes, ", "))
		return modes[0]
	}
	return mode
}

// assignment is which consumer owns which keys, and which are alive.
type assignment struct {
	keys, consumers int
	groups          int // delivery groups whose members own the keys among themselves (>= 1)
	all             bool
	dying           func(id int) bool // a kill is pending for consumer id

	mu    sync.Mutex
	live  []bool
	owned [][]int // per consumer, the keys it owns, ascending
	every []int   // all: every key, the keys each consumer reads
	gen   atomic.Uint64
}

func newAssignment(keys, consumers, groups int, mode string) *assignment {
	a := &assignment{keys: keys, consumers: consumers, groups: max(groups, 1), all: mode == assignAll, live: make([]bool, consumers)}
	if a.all {
		a.every = make([]int, keys)
		for i := range a.every {
			a.every[i] = i
		}
	}
	for i := range a.live {
		a.live[i] = true
	}
	a.rebalance()
	return a
}

// rebalance recomputes owned from live (with mu held, or before sharing).
// Key k's home is consumer k mod C; when its home is dead, it goes to the
// live consumers in turn, so a dead consumer's keys spread over them. A
// consumer about to die (a kill pending: dying) takes none over.
func (a *assignment) rebalance() {
	owned := make([][]int, a.consumers)
	for g := range a.groups {
		lo, hi := Span(a.consumers, g, a.groups)
		n := hi - lo
		var alive []int
		for i := lo; i < hi; i++ {
			if a.live[i] && (a.dying == nil || !a.dying(i)) {
				alive = append(alive, i)
			}
		}
		for k := 0; k < a.keys; k++ {
			home := lo + k%n
			owner := home
			if !a.live[home] && len(alive) > 0 {
				owner = alive[(k/n+home-lo)%len(alive)]
			}
			owned[owner] = append(owned[owner], k)
		}
	}
	a.owned = owned
	a.gen.Add(1)
}

// setLive marks consumer id alive or dead and hands its keys over.
func (a *assignment) setLive(id int, live bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.live[id] == live {
		return
	}
	a.live[id] = live
	a.rebalance()
}

// view returns what consumer id reads and owns now, and the generation of
// the assignment it comes from. The slices are shared: do not modify them.
func (a *assignment) view(id int) (reads, owns []int, gen uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	owns, gen = a.owned[id], a.gen.Load()
	switch {
	case a.all:
		reads = a.every
	case len(owns) > 0:
		reads = owns
	default:
		reads = []int{id % a.keys} // more consumers than keys: a helper on a key it does not own
	}
	return reads, owns, gen
}

// owners returns each key's owner (for tests and reports).
func (a *assignment) owners() []int {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]int, a.keys)
	for c, ks := range a.owned {
		for _, k := range ks {
			out[k] = c
		}
	}
	return out
}

// groupOf returns the delivery group of consumer id when consumers are
// split into groups blocks (Span): with one group per consumer (fan-out)
// each is its own.
func groupOf(id, consumers, groups int) int {
	for g := range groups {
		if _, hi := Span(consumers, g, groups); id < hi {
			return g
		}
	}
	return 0
}

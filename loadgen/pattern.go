package loadgen

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"
)

// Env is what a pattern's producers and consumers share.
type Env struct {
	Client    redis.UniversalClient
	Keys      []string // one base key per partition
	Producers int
	Consumers int
	Run       uint32
}

// A Pattern carries events through one Redis structure: how an event is
// written, how consumers take it, and what delivery that gives.
type Pattern interface {
	// Setup prepares the keys before any load, e.g. creates consumer groups.
	Setup(ctx context.Context, env *Env) error
	// Groups is the number of independent receivers of the event stream:
	// 1 for a work queue, one per consumer for fan-out.
	Groups(consumers int) int
	// Queue adds the commands that write one event to pipe and returns how
	// many it added; the event is acked when all of them succeed.
	Queue(ctx context.Context, pipe redis.Pipeliner, part int, ev []byte) int
	// NewReader returns the reader for consumer id (0-based).
	NewReader(env *Env, id int) Reader
}

// A Reader is one consumer's view of the pipeline.
type Reader interface {
	// Read waits a short while for events, hands each raw event to got, and
	// acknowledges them the way the pattern does. It returns nil when the
	// wait simply timed out.
	Read(ctx context.Context, got func(raw string)) error
}

// newPattern builds the named pattern from its options.
type newPattern func(env *Env, o *Options) (Pattern, error)

var patterns = map[string]newPattern{
	"list":   newList,
	"stream": newStream,
}

// Patterns lists the pattern names this build implements.
func Patterns() []string {
	names := make([]string, 0, len(patterns))
	for n := range patterns {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// partitionsFor returns the partitions consumer id reads: every consumer
// gets at least one, and partitions are spread evenly.
func partitionsFor(id, consumers, keys int) []int {
	if consumers >= keys {
		return []int{id % keys}
	}
	var parts []int
	for p := id; p < keys; p += consumers {
		parts = append(parts, p)
	}
	return parts
}

func buildPattern(name string, env *Env, opts map[string]any) (Pattern, error) {
	mk, ok := patterns[name]
	if !ok {
		return nil, fmt.Errorf("pattern %q is not implemented (have %v)", name, Patterns())
	}
	o := NewOptions(opts)
	p, err := mk(env, o)
	if err != nil {
		return nil, err
	}
	if err := o.Err(); err != nil {
		return nil, fmt.Errorf("workload.options for %s: %w", name, err)
	}
	return p, nil
}

// blockDefault is how long a consumer's blocking read waits: short, so that
// consumers notice the end of the run promptly.
const blockDefault = 100 * time.Millisecond

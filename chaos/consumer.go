package chaos

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/catalog"
)

// Consumer faults (kill-consumer, pause-consumer, restart-consumer) act on
// squall's own consumers through the load generator, never on a node: a
// consumer crashes mid-batch, leaving what it read unacknowledged, or
// stalls. They touch no server of the target's and nothing but squall's
// keys, so they run on every provider; an external target still needs
// --allow-destructive for any chaos, as for the rest.

// Consumers is what the consumer faults act on: the load generator.
type Consumers interface {
	// KillConsumer crashes consumer i at its next event; a replacement
	// starts after restartAfter, never when it is < 0.
	KillConsumer(i int, restartAfter time.Duration) error
	// PauseConsumer stalls consumer i for d; ResumeConsumer ends it.
	PauseConsumer(i int, d time.Duration) error
	ResumeConsumer(i int) error
	// ConsumerSpan is the consumers [lo, hi) this process runs.
	ConsumerSpan() (lo, hi int)
}

// SetConsumers gives the injector the consumers its consumer faults act
// on; call it before Run. Without it those faults fail (Fired.Err).
func (in *Injector) SetConsumers(c Consumers) { in.consumers = c }

// checkConsumer: a consumer fault aims at target consumer, and its params
// name consumers the workload has (checked with the scenario, where their
// number is known).
func checkConsumer(s Step, _ Shape) string {
	if s.Target != catalog.ConsumerTarget {
		return fmt.Sprintf("%s acts on squall's consumers: its target is %s, not %s", s.Action, catalog.ConsumerTarget, s.Target)
	}
	return ""
}

// consumerName is how a fault names the consumer it hit: c3 is consumer 3
// (its name in Redis; a replacement is c3.1, c3.2, ...).
func consumerName(i int) string { return fmt.Sprintf("c%d", i) }

// fireConsumers runs one shot of a consumer fault against the consumers
// its params select: those named by which, or count of the consumers not
// killed for good, at random.
func (in *Injector) fireConsumers(ctx context.Context, sh Shot, step Step) {
	ids, err := in.pickConsumers(step)
	if err != nil {
		in.missed(sh, step, err)
		return
	}
	for _, id := range ids {
		f := &Fired{Shot: sh, Step: step, Node: consumerName(id), Role: catalog.ConsumerTarget}
		f.At = in.since()
		idx := in.record(f)
		var undo undoFunc
		switch step.Action {
		case "kill-consumer":
			err = in.consumers.KillConsumer(id, -1)
			if err == nil {
				in.mu.Lock()
				in.deadConsumers = append(in.deadConsumers, id)
				in.mu.Unlock()
			}
		case "restart-consumer":
			err = in.consumers.KillConsumer(id, 0)
		case "pause-consumer":
			err = in.consumers.PauseConsumer(id, step.Duration)
			undo = func(context.Context) error { return in.consumers.ResumeConsumer(id) }
		default:
			err = fmt.Errorf("%s is not a consumer fault", step.Action)
		}
		in.strike(idx)
		in.settleShot(ctx, f, &compose.Node{Name: f.Node}, fmt.Sprintf("%s %s", step.Action, f.Node), undo, err)
	}
}

// pickConsumers returns the consumers a step hits now.
func (in *Injector) pickConsumers(step Step) ([]int, error) {
	if in.consumers == nil {
		return nil, fmt.Errorf("%s: no consumers to act on", step.Action)
	}
	lo, hi := in.consumers.ConsumerSpan()
	count, which, key, msg := catalog.ConsumerParams(step.Params, hi-lo)
	if msg != "" {
		if key != "" {
			msg = "params." + key + ": " + msg
		}
		return nil, fmt.Errorf("%s", msg)
	}
	in.mu.Lock()
	dead := slices.Clone(in.deadConsumers)
	in.mu.Unlock()
	if which != nil {
		for i := range which {
			which[i] += lo
			if slices.Contains(dead, which[i]) {
				return nil, fmt.Errorf("consumer %d was killed for good earlier", which[i])
			}
		}
		return which, nil
	}
	var live []int
	for i := lo; i < hi; i++ {
		if !slices.Contains(dead, i) {
			live = append(live, i)
		}
	}
	if len(live) < count {
		return nil, fmt.Errorf("%d consumers asked for, %d left running", count, len(live))
	}
	in.rng.Shuffle(len(live), func(a, b int) { live[a], live[b] = live[b], live[a] })
	live = live[:count]
	slices.Sort(live)
	return live, nil
}

package chaos

import (
	"context"
	"strings"

	"github.com/squall-bench/squall/compose"
)

// Faults on a node's process or container: kill, stop, start, restart and
// pause. Killed and stopped nodes are remembered so that a later step can
// start them (target killed, stopped) and the teardown knows what is down.

func (in *Injector) kill(ctx context.Context, s Step, n *compose.Node) (undoFunc, error) {
	if err := in.tg.Kill(ctx, n); err != nil {
		return nil, err
	}
	in.down(&in.killed, n, true)
	return in.startAgain(s, n, &in.killed), nil
}

func (in *Injector) stop(ctx context.Context, s Step, n *compose.Node) (undoFunc, error) {
	if err := in.tg.Stop(ctx, n); err != nil {
		return nil, err
	}
	in.down(&in.stopped, n, true)
	return in.startAgain(s, n, &in.stopped), nil
}

func (in *Injector) start(ctx context.Context, _ Step, n *compose.Node) (undoFunc, error) {
	in.down(&in.killed, n, false)
	in.down(&in.stopped, n, false)
	return nil, in.tg.Start(ctx, n)
}

// checkStart: start brings back what an earlier step took down.
func checkStart(s Step, _ Shape) string {
	if s.Target != "killed" && s.Target != "stopped" && !strings.HasPrefix(s.Target, "node:") {
		return "start brings back a killed or stopped node: use target killed, stopped or node:NAME"
	}
	return ""
}

// restart stops and starts a node; one that is down is only started.
func (in *Injector) restart(ctx context.Context, _ Step, n *compose.Node) (undoFunc, error) {
	if isDown(n, in.snapshot(&in.killed), in.snapshot(&in.stopped)) {
		in.down(&in.killed, n, false)
		in.down(&in.stopped, n, false)
		return nil, in.tg.Start(ctx, n)
	}
	if err := in.tg.Stop(ctx, n); err != nil {
		return nil, err
	}
	return nil, in.tg.Start(ctx, n)
}

func (in *Injector) pause(ctx context.Context, _ Step, n *compose.Node) (undoFunc, error) {
	tg := in.tg
	if err := tg.Pause(ctx, n); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return tg.Resume(ctx, n) }, nil
}

// startAgain is the undo of a timed kill or stop: start the node with its
// data. Untimed ones stay down until a later step (or the teardown).
func (in *Injector) startAgain(s Step, n *compose.Node, list *[]*compose.Node) undoFunc {
	if s.Duration == 0 {
		return nil
	}
	return func(ctx context.Context) error {
		if !isDown(n, in.snapshot(list)) {
			return nil // a later step started it
		}
		in.down(list, n, false)
		return in.tg.Start(ctx, n)
	}
}

func (in *Injector) snapshot(list *[]*compose.Node) []*compose.Node {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]*compose.Node(nil), (*list)...)
}

// down adds n to (or removes it from) a list of nodes that are down.
func (in *Injector) down(list *[]*compose.Node, n *compose.Node, add bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := (*list)[:0]
	for _, d := range *list {
		if d != n {
			out = append(out, d)
		}
	}
	if add {
		out = append(out, n)
	}
	*list = out
}

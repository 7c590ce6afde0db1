package compose

import (
	"context"
	"fmt"
	"time"
)

// The node operations below are what faults are made of. They work on the
// process and docker providers alike; squall's own kills and stops are never
// reported on Unexpected. An external target refuses them all.

// stopGrace is how long Stop waits for a graceful exit before SIGKILL.
const stopGrace = 10 * time.Second

// Kill sends SIGKILL to a node and waits until it is gone: a crash, with
// whatever the persistence mode had not yet written lost.
func (t *Target) Kill(ctx context.Context, n *Node) error {
	return t.op(ctx, n, "kill", func(s *nodeState) error {
		if s.down {
			return fmt.Errorf("%s is not running", n.Name)
		}
		return nil
	}, func() error { return t.launcher.kill(ctx, n) }, func(s *nodeState) { s.down, s.paused = true, false })
}

// Stop sends SIGTERM and waits for a graceful exit (SIGKILL after 10 s): a
// planned restart, where Redis flushes its AOF or RDB first.
func (t *Target) Stop(ctx context.Context, n *Node) error {
	return t.op(ctx, n, "stop", func(s *nodeState) error {
		if s.down {
			return fmt.Errorf("%s is not running", n.Name)
		}
		return nil
	}, func() error { return t.launcher.stop(ctx, n, stopGrace) }, func(s *nodeState) { s.down, s.paused = true, false })
}

// Start starts a killed or stopped node again with the same config, data
// and host port, so clients reconnect to the address they had, and waits
// until it answers PING.
func (t *Target) Start(ctx context.Context, n *Node) error {
	return t.op(ctx, n, "start", func(s *nodeState) error {
		if !s.down {
			return fmt.Errorf("%s is already running", n.Name)
		}
		return nil
	}, func() error { return t.launcher.restart(ctx, t, n) }, func(s *nodeState) { s.down = false })
}

// Pause freezes a node (SIGSTOP; docker pause): it keeps its connections but
// answers nothing, like a node stuck in a long GC or a saturated disk.
func (t *Target) Pause(ctx context.Context, n *Node) error {
	return t.op(ctx, n, "pause", func(s *nodeState) error {
		if s.down || s.paused {
			return fmt.Errorf("%s is not running or already paused", n.Name)
		}
		return nil
	}, func() error { return t.launcher.pause(ctx, n) }, func(s *nodeState) { s.paused = true })
}

// Resume lets a paused node run again (SIGCONT; docker unpause).
func (t *Target) Resume(ctx context.Context, n *Node) error {
	return t.op(ctx, n, "resume", func(s *nodeState) error {
		if !s.paused {
			return fmt.Errorf("%s is not paused", n.Name)
		}
		return nil
	}, func() error { return t.launcher.resume(ctx, n) }, func(s *nodeState) { s.paused = false })
}

// Disconnect cuts a node off from its peers (docker only): replication,
// the cluster bus and sentinels lose it, while clients on the host still
// reach it through its published port, so a partitioned primary keeps
// accepting writes it may later lose.
func (t *Target) Disconnect(ctx context.Context, n *Node) error {
	return t.op(ctx, n, "disconnect", func(s *nodeState) error {
		if s.disconnected {
			return fmt.Errorf("%s is already disconnected", n.Name)
		}
		return nil
	}, func() error { return t.launcher.disconnect(ctx, n) }, func(s *nodeState) { s.disconnected = true })
}

// Reconnect heals Disconnect: the node rejoins its peers at the same
// address. Connections that were open across the partition did not resume
// on Docker 20.10: a replica resyncs only once repl-timeout
// (60 s by default) ends its old link; the cluster bus drops and redials a
// silent link after half of cluster-node-timeout.
func (t *Target) Reconnect(ctx context.Context, n *Node) error {
	return t.op(ctx, n, "reconnect", func(s *nodeState) error {
		if !s.disconnected {
			return fmt.Errorf("%s is not disconnected", n.Name)
		}
		return nil
	}, func() error { return t.launcher.reconnect(ctx, n) }, func(s *nodeState) { s.disconnected = false })
}

// op checks a node's state, runs the provider's operation and records the
// new state. Operations on one target are not meant to race; the lock only
// keeps the state consistent.
func (t *Target) op(ctx context.Context, n *Node, name string, pre func(*nodeState) error, do func() error, post func(*nodeState)) error {
	if t.launcher == nil {
		return unsupportedErr("%s %s: squall does not touch the nodes of an external target", name, n.Name)
	}
	if t.Node(n.Name) != n {
		return fmt.Errorf("%s: %s is not a node of this target", name, n.Name)
	}
	t.mu.Lock()
	err := pre(&n.state)
	t.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := do(); err != nil {
		return fmt.Errorf("%s %s: %w", name, n.Name, err)
	}
	t.mu.Lock()
	post(&n.state)
	t.mu.Unlock()
	return nil
}

// ContainerPid returns the host pid of a docker node's container, for
// faults that enter its network namespace (tc netem).
func (t *Target) ContainerPid(n *Node) (int, error) {
	d, ok := t.launcher.(*dockerLauncher)
	if !ok {
		return 0, unsupportedErr("%s: only docker nodes have a network namespace of their own", n.Name)
	}
	return d.pid(n)
}

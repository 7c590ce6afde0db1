package compose

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	dc "github.com/ory/dockertest/v3/docker"
	"github.com/redis/go-redis/v9"
)

func TestNodeOps(t *testing.T) {
	eachProvider(t, func(t *testing.T, v variant) {
		ctx := context.Background()
		// repl-timeout bounds how long a replica whose link died silently in
		// the partition takes to notice and resync (60 s by default).
		tg := up(t, v.spec(Spec{Topology: "standalone", Replicas: 1, Persistence: "aof-always",
			Config: map[string]string{"repl-timeout": "5"}}))
		p := tg.Primary()
		var replica *Node
		for _, n := range tg.Nodes {
			if n.Role == "replica" {
				replica = n
			}
		}
		addr := p.Addr
		rdb := tg.Client(testClientOptions)
		defer rdb.Close()
		get := func(key string) error { return rdb.Get(ctx, key).Err() }

		// Stop is graceful; Start brings the same data back on the same port.
		if err := rdb.Set(ctx, "stopped", 1, 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := tg.Stop(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := tg.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		if p.Addr != addr {
			t.Errorf("Start moved %s from %s to %s", p.Name, addr, p.Addr)
		}
		eventually(t, 5*time.Second, "reading after stop/start", func() error { return get("stopped") })

		// Kill loses nothing acknowledged under aof-always, and squall's own
		// kill is not reported as unexpected.
		if err := rdb.Set(ctx, "killed", 1, 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := tg.Kill(ctx, p); err != nil {
			t.Fatal(err)
		}
		c := tg.NodeClient(p)
		if err := c.Ping(ctx).Err(); err == nil {
			t.Error("a killed node answers PING")
		}
		c.Close()
		if err := tg.Kill(ctx, p); err == nil {
			t.Error("killing a dead node succeeded")
		}
		if err := tg.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := tg.Start(ctx, p); err == nil {
			t.Error("starting a running node succeeded")
		}
		eventually(t, 5*time.Second, "reading after kill/start", func() error { return get("killed") })

		// Pause: the node keeps its port but answers nothing until Resume.
		if err := tg.Pause(ctx, p); err != nil {
			t.Fatal(err)
		}
		slow := redis.NewClient(&redis.Options{Addr: p.Addr, ReadTimeout: 300 * time.Millisecond, MaxRetries: -1, DisableIdentity: true})
		if err := slow.Ping(ctx).Err(); err == nil {
			t.Error("a paused node answers PING")
		}
		slow.Close()
		if err := tg.Resume(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := tg.Resume(ctx, p); err == nil {
			t.Error("resuming a running node succeeded")
		}
		eventually(t, 5*time.Second, "reading after resume", func() error { return get("killed") })

		// A paused node can still be killed and started.
		if err := tg.Pause(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := tg.Kill(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := tg.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		eventually(t, 5*time.Second, "reading after pause/kill/start", func() error { return get("killed") })

		// Disconnect partitions a replica from its primary while clients on
		// the host still reach it.
		if v.docker() {
			if err := tg.Disconnect(ctx, replica); err != nil {
				t.Fatal(err)
			}
			if err := rdb.Set(ctx, "partitioned", 1, 0).Err(); err != nil {
				t.Fatal(err)
			}
			rc := tg.NodeClient(replica)
			if err := rc.Ping(ctx).Err(); err != nil {
				t.Errorf("a disconnected replica is unreachable from the host: %v", err)
			}
			time.Sleep(500 * time.Millisecond)
			if err := rc.Get(ctx, "partitioned").Err(); err != redis.Nil {
				t.Errorf("a disconnected replica got a write: %v", err)
			}
			if err := tg.Reconnect(ctx, replica); err != nil {
				t.Fatal(err)
			}
			healed := time.Now()
			eventually(t, 30*time.Second, "the replica catching up after reconnect", func() error { return rc.Get(ctx, "partitioned").Err() })
			t.Logf("the replica caught up %s after Reconnect", time.Since(healed).Round(time.Millisecond))
			rc.Close()
		} else if err := tg.Disconnect(ctx, replica); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Disconnect on process: %v, want ErrUnsupported", err)
		}
		noUnexpected(t, tg)

		// A death squall did not cause is reported.
		switch l := tg.launcher.(type) {
		case *processLauncher:
			_ = syscall.Kill(replica.Pid, syscall.SIGKILL)
		case *dockerLauncher:
			_ = l.pool.Client.KillContainer(dc.KillContainerOptions{ID: replica.Container})
		}
		select {
		case err := <-tg.Unexpected():
			if !errors.Is(err, ErrInfra) {
				t.Errorf("want ErrInfra, got %v", err)
			}
			t.Log(err)
		case <-time.After(10 * time.Second):
			t.Error("a replica killed behind squall's back was not reported")
		}
	})
}

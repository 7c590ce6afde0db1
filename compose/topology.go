package compose

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// bringUpTimeout bounds each wait of a bring-up (replication, sentinel
// agreement, cluster convergence); a healthy target needs a few seconds.
const bringUpTimeout = 90 * time.Second

// up stands the topology up over the launcher; the same code serves every
// provider.
func (t *Target) up(ctx context.Context) error {
	var err error
	switch t.Topology {
	case "standalone":
		_, err = t.upReplicated(ctx)
	case "sentinel":
		err = t.upSentinel(ctx)
	case "cluster":
		err = t.upCluster(ctx)
	}
	if err != nil {
		return err
	}
	t.hostAddrs = map[string]string{}
	for _, n := range t.Nodes {
		t.hostAddrs[n.Internal] = n.Addr
	}
	switch l := t.launcher.(type) {
	case *dockerLauncher:
		t.DataPath, t.DataPathNote = l.path, l.pathNote
	case *processLauncher:
		t.DataPath, t.Binary = PathDirect, l.bin
	}
	return t.describe(ctx, t.Primary().Addr, nil)
}

// addNode records a node before it starts, so Nodes keeps a stable order
// whatever order parallel starts finish in.
func (t *Target) addNode(name, kind, role string, shard int) *Node {
	n := &Node{Name: name, Kind: kind, Role: role, Shard: shard}
	t.Nodes = append(t.Nodes, n)
	return n
}

// startAll starts nodes in parallel and returns the first error.
func (t *Target) startAll(ctx context.Context, nodes []*Node, conf func(*Node) confFunc) error {
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = t.launcher.start(ctx, t, n, conf(n))
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// dataConf renders a data node's config; replicaOf (nil for a primary) is
// written as a replicaof directive so a restarted replica rejoins.
func (t *Target) dataConf(replicaOf *Node, topology ...string) confFunc {
	return func(p place) ([]string, error) {
		lines := append([]string(nil), topology...)
		if replicaOf != nil {
			host, port := splitHostPort(replicaOf.Internal)
			lines = append(lines, "replicaof "+host+" "+port)
		}
		return serverConf(t.Spec, p, t.launcher.major(), lines)
	}
}

// upReplicated starts a primary and Spec.Replicas replicas of it and waits
// until every replica's link is up.
func (t *Target) upReplicated(ctx context.Context) (*Node, error) {
	primary := t.addNode("redis-0", "redis", "primary", 0)
	if err := t.launcher.start(ctx, t, primary, t.dataConf(nil)); err != nil {
		return nil, err
	}
	var replicas []*Node
	for i := 1; i <= t.Spec.Replicas; i++ {
		replicas = append(replicas, t.addNode(fmt.Sprintf("redis-%d", i), "redis", "replica", 0))
	}
	if err := t.startAll(ctx, replicas, func(*Node) confFunc { return t.dataConf(primary) }); err != nil {
		return nil, err
	}
	return primary, t.waitReplicas(ctx, primary, replicas)
}

// waitReplicas waits until every replica reports master_link_status:up and
// the primary counts them all.
func (t *Target) waitReplicas(ctx context.Context, primary *Node, replicas []*Node) error {
	if len(replicas) == 0 {
		return nil
	}
	return waitFor(ctx, bringUpTimeout, "replicas of "+primary.Name+" in sync", func() (bool, string) {
		for _, r := range replicas {
			info, err := infoFields(ctx, adminClient(r.Addr, t.Spec.Username, t.Spec.Password, nil, nil), "replication")
			if err != nil {
				return false, r.Name + ": " + err.Error()
			}
			if info["master_link_status"] != "up" {
				return false, r.Name + " master_link_status:" + info["master_link_status"]
			}
		}
		info, err := infoFields(ctx, adminClient(primary.Addr, t.Spec.Username, t.Spec.Password, nil, nil), "replication")
		if err != nil {
			return false, primary.Name + ": " + err.Error()
		}
		if want := fmt.Sprint(len(replicas)); info["connected_slaves"] != want {
			return false, primary.Name + " connected_slaves:" + info["connected_slaves"]
		}
		return true, ""
	})
}

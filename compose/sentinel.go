package compose

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// upSentinel starts a replicated primary, then Spec.Sentinels sentinels
// monitoring it as MasterName, and waits until every sentinel names the
// primary, knows every replica and every other sentinel, and can reach
// quorum: before that a fault would test Sentinel's discovery, not failover.
func (t *Target) upSentinel(ctx context.Context) error {
	primary, err := t.upReplicated(ctx)
	if err != nil {
		return err
	}
	t.masterName = MasterName
	var sentinels []*Node
	for i := 0; i < t.Spec.Sentinels; i++ {
		sentinels = append(sentinels, t.addNode(fmt.Sprintf("sentinel-%d", i), "sentinel", "sentinel", 0))
	}
	conf := func(*Node) confFunc {
		return func(p place) ([]string, error) { return sentinelConf(t.Spec, p, primary.Internal), nil }
	}
	if err := t.startAll(ctx, sentinels, conf); err != nil {
		return err
	}
	return t.waitSentinels(ctx, primary, sentinels)
}

func (t *Target) waitSentinels(ctx context.Context, primary *Node, sentinels []*Node) error {
	return waitFor(ctx, bringUpTimeout, "sentinels agreeing on "+primary.Name, func() (bool, string) {
		for _, s := range sentinels {
			if ok, state := sentinelAgrees(ctx, s, primary, t.Spec.Replicas, len(sentinels)); !ok {
				return false, s.Name + ": " + state
			}
		}
		return true, ""
	})
}

// sentinelAgrees checks one sentinel's view of the master.
func sentinelAgrees(ctx context.Context, s, primary *Node, replicas, sentinels int) (bool, string) {
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DisableIdentity: true})
	defer c.Close()
	addr, err := c.GetMasterAddrByName(ctx, MasterName).Result()
	if err != nil {
		return false, "get-master-addr-by-name: " + err.Error()
	}
	if got := strings.Join(addr, ":"); got != primary.Internal {
		return false, "master at " + got + ", want " + primary.Internal
	}
	peers, err := c.Sentinels(ctx, MasterName).Result()
	if err != nil {
		return false, "sentinels: " + err.Error()
	}
	if len(peers) != sentinels-1 {
		return false, fmt.Sprintf("knows %d other sentinels, want %d", len(peers), sentinels-1)
	}
	reps, err := c.Replicas(ctx, MasterName).Result()
	if err != nil {
		return false, "replicas: " + err.Error()
	}
	up := 0
	for _, r := range reps {
		if f := r["flags"]; f == "slave" && r["master-link-status"] == "ok" {
			up++
		}
	}
	if up != replicas {
		return false, fmt.Sprintf("sees %d healthy replicas, want %d", up, replicas)
	}
	if err := c.CkQuorum(ctx, MasterName).Err(); err != nil {
		return false, "ckquorum: " + err.Error()
	}
	return true, ""
}

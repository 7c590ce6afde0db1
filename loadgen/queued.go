package loadgen

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// A queue keeps events in Redis until a consumer takes them. When a run
// ends with acknowledged events never received, how many its keys still
// hold is a first sign of consumer lag (queued_at_end); Settle counts
// exactly which of the missing events are there and which are gone.
type queue interface {
	// queued counts the events still waiting in the pattern's keys, warmup
	// events included; false when the pattern keeps none (pub/sub, the
	// string register).
	queued(ctx context.Context, c redis.UniversalClient, keys []string) (int64, bool, error)
}

// Queued returns how many events were still waiting in the pipeline's keys,
// and false when the pattern does not keep events or Redis did not answer.
func (g *Generator) Queued(ctx context.Context) (int64, bool) {
	q, ok := g.pattern.(queue)
	if !ok {
		return 0, false
	}
	n, ok, err := q.queued(ctx, g.env.Client, g.env.Keys)
	return n, ok && err == nil
}

// sumLens pipelines one length command per key and sums the replies.
func sumLens(ctx context.Context, c redis.UniversalClient, keys []string, length func(redis.Pipeliner, string) *redis.IntCmd) (int64, bool, error) {
	cmds := make([]*redis.IntCmd, len(keys))
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = length(p, k)
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	var n int64
	for _, cmd := range cmds {
		n += cmd.Val()
	}
	return n, true, nil
}

func llen(p redis.Pipeliner, k string) *redis.IntCmd { return p.LLen(context.Background(), k) }

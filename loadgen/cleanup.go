package loadgen

import (
	"context"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// DeleteKeys removes every key matching KeyGlob (the pattern's base keys
// and the keys under them) from the server, on every primary of a
// cluster, and returns how many it removed. It is what leaves a user's own
// Redis as squall found it at the end of a run; it touches no other key.
func (g *Generator) DeleteKeys(ctx context.Context) (int64, error) {
	var n atomic.Int64
	del := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.Scan(ctx, 0, g.KeyGlob(), 1000).Iterator()
		pipe := c.Pipeline()
		var cmds []*redis.IntCmd
		flush := func() error {
			_, err := pipe.Exec(ctx)
			for _, cmd := range cmds {
				n.Add(cmd.Val())
			}
			cmds = cmds[:0]
			return err
		}
		for iter.Next(ctx) {
			cmds = append(cmds, pipe.Unlink(ctx, iter.Val())) // one key each: keys of different slots
			if len(cmds) == 500 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		return flush()
	}
	var err error
	if cc, ok := g.env.Client.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return del(ctx, c) })
	} else {
		err = del(ctx, g.env.Client)
	}
	return n.Load(), err
}

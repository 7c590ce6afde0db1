package loadgen

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// What each pattern's keys still hold for a consumer (see keeper). Every
// read names one key, so a cluster client routes it to the key's node.
// Pub/sub and the string register keep nothing.

// Lists hold an event per element.
func (l *list) remains(ctx context.Context, env *Env, chunk int64, found func(string)) error {
	return eachKey(env.Keys, func(k string) error { return rangeList(ctx, env.Client, k, chunk, each(found)) })
}

// A reliable list's events wait in the list and in the processing lists of
// consumers that took them and did not acknowledge them (they go back to
// the list when their consumer is presumed dead).
func (l *reliableList) remains(ctx context.Context, env *Env, chunk int64, found func(string)) error {
	c := env.Client
	return eachKey(env.Keys, func(k string) error {
		if err := rangeList(ctx, c, k, chunk, each(found)); err != nil {
			return err
		}
		procs, err := scanNear(ctx, c, k, globEscape(k)+":processing:*")
		if err != nil {
			return err
		}
		return eachKey(procs, func(p string) error { return rangeList(ctx, c, p, chunk, each(found)) })
	})
}

// A sorted set holds an event per member, due or not.
func (z *zset) remains(ctx context.Context, env *Env, chunk int64, found func(string)) error {
	return eachKey(env.Keys, func(k string) error {
		for start := int64(0); ; start += chunk {
			if err := ctx.Err(); err != nil {
				return err
			}
			ms, err := env.Client.ZRange(ctx, k, start, start+chunk-1).Result()
			if err != nil {
				return err
			}
			each(found)(ms)
			if int64(len(ms)) < chunk {
				return nil
			}
		}
	})
}

// A set holds an event per member.
func (s *set) remains(ctx context.Context, env *Env, chunk int64, found func(string)) error {
	return eachKey(env.Keys, func(k string) error {
		var cursor uint64
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			ms, next, err := env.Client.SScan(ctx, k, cursor, "", chunk).Result()
			if err != nil {
				return err
			}
			each(found)(ms)
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	})
}

// A stream keeps its entries after XACK, so being in the stream is not
// being in the pipeline: what waits for the group is what it has not read
// (after its last-delivered ID) and what it read and did not acknowledge
// (pending; a consumer may have died before handling it). Entries deleted
// or trimmed are gone, even when still pending. With several groups
// (options.groups) what any group still waits for counts as held: the
// ledger keeps one record of what Redis held, for every group.
func (s *stream) remains(ctx context.Context, env *Env, chunk int64, found func(string)) error {
	c := env.Client
	return eachKey(env.Keys, func(k string) error {
		if n, err := c.Exists(ctx, k).Result(); err != nil || n == 0 {
			return err // no stream: nothing held
		}
		groups, err := c.XInfoGroups(ctx, k).Result()
		if err != nil {
			return err
		}
		for gi := range s.groups {
			name, last := s.groupName(gi), "0-0" // a stream without the group: all of it is unread
			for _, g := range groups {
				if g.Name == name {
					last = g.LastDeliveredID
				}
			}
			if err := s.unread(ctx, c, k, last, chunk, found); err != nil {
				return err
			}
			if err := s.pending(ctx, c, k, name, chunk, found); err != nil {
				return err
			}
		}
		return nil
	})
}

// unread hands found the entries of stream k after ID last.
func (s *stream) unread(ctx context.Context, c redis.UniversalClient, k, last string, chunk int64, found func(string)) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		msgs, err := c.XRangeN(ctx, k, "("+last, "+", chunk).Result()
		if err != nil {
			return err
		}
		for _, m := range msgs {
			v, _ := m.Values[streamField].(string)
			found(v)
		}
		if int64(len(msgs)) < chunk {
			return nil
		}
		last = msgs[len(msgs)-1].ID
	}
}

// pending hands found the entries of stream k pending in the group that
// are still in the stream.
func (s *stream) pending(ctx context.Context, c redis.UniversalClient, k, group string, chunk int64, found func(string)) error {
	start := "-"
	pipe := c.Pipeline()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		ps, err := c.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: k, Group: group, Start: start, End: "+", Count: chunk}).Result()
		if err != nil {
			if redis.HasErrorPrefix(err, "NOGROUP") {
				return nil
			}
			return err
		}
		if len(ps) == 0 {
			return nil
		}
		cmds := make([]*redis.XMessageSliceCmd, len(ps))
		for i, p := range ps {
			cmds[i] = pipe.XRangeN(ctx, k, p.ID, p.ID, 1)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		for _, cmd := range cmds {
			for _, m := range cmd.Val() {
				v, _ := m.Values[streamField].(string)
				found(v)
			}
		}
		if int64(len(ps)) < chunk {
			return nil
		}
		start = "(" + ps[len(ps)-1].ID
	}
}

// The string pattern's queue holds ids whose events are string keys: an
// event is still there when its id is queued and its key exists (a key
// that expired or was deleted is gone, its id notwithstanding).
func (s *str) remains(ctx context.Context, env *Env, chunk int64, found func(string)) error {
	if s.register {
		return nil
	}
	return remainingRecords(ctx, env, chunk, found, func(p redis.Pipeliner, key string) *redis.StringCmd {
		return p.GetRange(ctx, key, 0, HeaderSize-1)
	})
}

// The hash pattern's queue holds ids whose events are hash records.
func (h *hash) remains(ctx context.Context, env *Env, chunk int64, found func(string)) error {
	return remainingRecords(ctx, env, chunk, found, func(p redis.Pipeliner, key string) *redis.StringCmd {
		return p.HGet(ctx, key, "head")
	})
}

// remainingRecords reads the id lists and, per chunk of ids, the envelope
// of each event's record in one pipeline (get).
func remainingRecords(ctx context.Context, env *Env, chunk int64, found func(string), get func(redis.Pipeliner, string) *redis.StringCmd) error {
	c := env.Client
	pipe := c.Pipeline()
	var cmds []*redis.StringCmd
	return eachKey(env.Keys, func(base string) error {
		return rangeList(ctx, c, base, chunk, func(ids []string) error {
			cmds = cmds[:0]
			for _, id := range ids {
				cmds = append(cmds, get(pipe, base+eventInfix+id))
			}
			_, _ = pipe.Exec(ctx)
			for _, cmd := range cmds {
				v, err := cmd.Result()
				switch {
				case err == redis.Nil: // the record is gone
				case err != nil:
					return err
				default:
					found(v)
				}
			}
			return nil
		})
	})
}

// rangeList hands handle the elements of list k, chunk at a time.
func rangeList(ctx context.Context, c redis.UniversalClient, k string, chunk int64, handle func([]string) error) error {
	for start := int64(0); ; start += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		vs, err := c.LRange(ctx, k, start, start+chunk-1).Result()
		if err != nil {
			return err
		}
		if err := handle(vs); err != nil {
			return err
		}
		if int64(len(vs)) < chunk {
			return nil
		}
	}
}

// each turns found into a chunk handler.
func each(found func(string)) func([]string) error {
	return func(vs []string) error {
		for _, v := range vs {
			found(v)
		}
		return nil
	}
}

func eachKey(keys []string, f func(string) error) error {
	for _, k := range keys {
		if err := f(k); err != nil {
			return err
		}
	}
	return nil
}

// scanNear returns the keys matching the glob on the node that serves
// key near (all of them on a standalone server).
func scanNear(ctx context.Context, c redis.UniversalClient, near, match string) ([]string, error) {
	var node redis.Cmdable = c
	if cc, ok := c.(*redis.ClusterClient); ok {
		n, err := cc.MasterForKey(ctx, near)
		if err != nil {
			return nil, err
		}
		node = n
	}
	var keys []string
	iter := node.Scan(ctx, 0, match, 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	return keys, iter.Err()
}

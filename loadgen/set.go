package loadgen

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// set is an unordered work pool on Redis sets: producers SADD the event
// itself as a member, consumers SPOP up to batch members from each of their
// partitions per round trip, sleeping poll when all were empty. Delivery is
// at-most-once: SPOP removes what it returns, so a consumer that crashes
// loses the rest of its batch. Duplicates are impossible by construction: a
// member is unique within a set (a retried SADD of the same event adds
// nothing) and SPOP hands each member to exactly one consumer. There is no
// order: reordered counts how often that shows. Options: batch (SPOP count,
// default 64), poll (default 5ms).
type set struct {
	env   *Env
	batch int
	poll  time.Duration
}

func newSet(env *Env, o *Options) (Pattern, error) {
	s := &set{env: env, batch: o.Int("batch", 64), poll: o.Duration("poll", pollDefault)}
	if s.batch < 1 {
		return nil, fmt.Errorf("batch must be at least 1")
	}
	return s, nil
}

func (s *set) Setup(ctx context.Context, env *Env) error {
	// SPOP with a count: Redis 3.2.
	if err := requires(ctx, env.Client, "pattern set", 3, 2, "sadd", "spop"); err != nil {
		return err
	}
	return delKeys(ctx, env.Client, env.Keys)
}

func (s *set) Groups(int) int { return 1 }

func (s *set) Queue(b *Batch, e Envelope, ev []byte) {
	b.Cmd(3, "sadd").Str(s.env.Keys[e.Partition]).Bytes(ev)
}

func (s *set) NewReader(env *Env, id int, _ string) Reader {
	r := &setReader{s: s, pipe: env.Client.Pipeline()}
	for _, p := range partitionsFor(id, env.Consumers, len(env.Keys)) {
		r.keys = append(r.keys, env.Keys[p])
	}
	return r
}

type setReader struct {
	s    *set
	keys []string
	pipe redis.Pipeliner
	cmds []*redis.StringSliceCmd
}

func (r *setReader) Read(ctx context.Context, got Got) error {
	r.cmds = r.cmds[:0]
	for _, k := range r.keys {
		r.cmds = append(r.cmds, r.pipe.SPopN(ctx, k, int64(r.s.batch)))
	}
	_, _ = r.pipe.Exec(ctx)
	n := 0
	var firstErr error
	for _, cmd := range r.cmds {
		v, err := cmd.Result()
		if err != nil && err != redis.Nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		for _, m := range v {
			n++
			if !got(m, 0) {
				return nil // crashed: the rest of the batch is lost
			}
		}
	}
	if n == 0 && firstErr == nil {
		time.Sleep(r.s.poll)
	}
	return firstErr
}

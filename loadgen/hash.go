package loadgen

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// hash stores each event as a record: one hash per event (the job-record
// model of many work queues, rather than fields in per-partition hashes, so
// a record is created, read whole and deleted as one key). A producer HSETs
// BASE:event:ID with two fields, head (the 32-byte envelope) and body (the
// payload padding), and RPUSHes ID to the list BASE in one pipeline; the
// event is acked only when both succeed. A consumer pops up to batch ids
// (BLMPOP; BLPOP before Redis 7.0), then HGETALL and DEL of each record, all
// in one round trip. Delivery is at-most-once: the popped id is the claim.
// Options: batch (default 64), block (default 100ms).
type hash struct {
	env   *Env
	block time.Duration
	batch int // ids per pop asked for
	pop   int // ... on this server (Setup)
}

func newHash(env *Env, o *Options) (Pattern, error) {
	h := &hash{env: env, block: o.Duration("block", blockDefault), batch: o.Int("batch", 64), pop: 1}
	if h.batch < 1 || h.batch > 1000 {
		return nil, fmt.Errorf("batch must be between 1 and 1000")
	}
	return h, nil
}

func (h *hash) Setup(ctx context.Context, env *Env) error {
	// HSET with several fields: Redis 4.0.
	if err := requires(ctx, env.Client, "pattern hash", 4, 0, "hset", "rpush", "blpop", "hgetall", "unlink"); err != nil {
		return err
	}
	h.pop = popBatch(ctx, env.Client, h.batch)
	return clearKeys(ctx, env)
}

func (h *hash) Groups(int) int { return 1 }

func (h *hash) Queue(b *Batch, e Envelope, ev []byte) {
	base := h.env.Keys[e.Partition]
	key := eventKey(base, &e)
	b.Cmd(6, "hset").Str(key).Str("head").Bytes(ev[:HeaderSize]).Str("body").Bytes(ev[HeaderSize:])
	b.Cmd(3, "rpush").Str(base).Str(key[len(base)+len(eventInfix):])
}

func (h *hash) NewReader(env *Env, id int, _ string) Reader {
	return newNotifyReader(env, id, h.block, h.pop, func(ctx context.Context, pipe redis.Pipeliner, key string) func() (string, error) {
		get := pipe.HGetAll(ctx, key)
		pipe.Del(ctx, key)
		return func() (string, error) {
			rec, err := get.Result()
			if err != nil {
				return "", err
			}
			head, ok := rec["head"]
			if !ok {
				return "", redis.Nil
			}
			return head, nil
		}
	})
}

package loadgen

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// hash stores each event as a record: one hash per event (the job-record
// model of many work queues, rather than fields in per-partition hashes, so
// a record is created, read whole and deleted as one key). A producer HSETs
// BASE:event:ID with two fields, head (the 32-byte envelope) and body (the
// payload padding), and RPUSHes ID to the list BASE in one pipeline; the
// event is acked only when both succeed. A consumer BLPOPs an id, then
// HGETALL and DEL of the record in one round trip. Delivery is
// at-most-once: the popped id is the claim. Options: block (default 100ms).
type hash struct {
	env   *Env
	block time.Duration
}

func newHash(env *Env, o *Options) (Pattern, error) {
	return &hash{env: env, block: o.Duration("block", blockDefault)}, nil
}

func (h *hash) Setup(ctx context.Context, env *Env) error { return clearKeys(ctx, env) }

func (h *hash) Groups(int) int { return 1 }

func (h *hash) Queue(b *Batch, e Envelope, ev []byte) {
	base := h.env.Keys[e.Partition]
	key := eventKey(base, &e)
	b.Cmd(6, "hset").Str(key).Str("head").Bytes(ev[:HeaderSize]).Str("body").Bytes(ev[HeaderSize:])
	b.Cmd(3, "rpush").Str(base).Str(key[len(base)+len(eventInfix):])
}

func (h *hash) NewReader(env *Env, id int, _ string) Reader {
	c := env.Client
	pipe := c.Pipeline()
	return newNotifyReader(env, id, h.block, func(ctx context.Context, key string) (string, error) {
		get := pipe.HGetAll(ctx, key)
		pipe.Del(ctx, key)
		if _, err := pipe.Exec(ctx); err != nil {
			return "", err
		}
		head, ok := get.Val()["head"]
		if !ok {
			return "", redis.Nil
		}
		return head, nil
	})
}

package loadgen

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
)

// hash stores each event as a record: one hash per event (the job-record
// model of many work queues, rather than fields in per-partition hashes, so
// a record is created, read whole and deleted as one key). A producer HSETs
// BASE:event:ID with two fields, head (the 32-byte envelope) and body (the
// payload padding), and RPUSHes ID to the list BASE in one pipeline; the
// event is acked only when both succeed. A consumer pops up to batch ids
// (BLMPOP; BLPOP before Redis 7.0), then HGETALL and DEL of each record, all
// in one round trip. Delivery is at-most-once: the popped id is the claim.
// Options: batch (default 64), block (default 100ms; longer with over 1,000 consumers, see defaultBlock).
type hash struct {
	env   *Env
	block time.Duration
	batch int  // ids per pop asked for
	pop   int  // ... on this server (Setup)
	multi bool // the server has LMPOP (Redis ≥ 7.0)
}

func newHash(env *Env, o *Options) (Pattern, error) {
	h := &hash{env: env, block: o.block(defaultBlock(env.Consumers)), batch: o.IntIn("batch", 64, 1, 1000), pop: 1}
	return h, nil
}

func (h *hash) Setup(ctx context.Context, env *Env) error {
	// HSET with several fields: Redis 4.0.
	if err := requires(ctx, env.Client, "pattern hash", 4, 0, "hset", "rpush", "blpop", "hgetall", "unlink"); err != nil {
		return err
	}
	h.pop, h.multi = popBatch(ctx, env.Client, h.batch)
	return clearKeys(ctx, env)
}

func (h *hash) Groups(int) int { return 1 }

func (h *hash) Queue(b *Batch, e Envelope, ev []byte) {
	base := h.env.Keys[e.Partition]
	key := eventKey(base, &e)
	b.Cmd(6, "hset").Str(key).Str("head").Bytes(ev[:HeaderSize]).Str("body").Bytes(ev[HeaderSize:])
	b.Cmd(3, "rpush").Str(base).Str(key[len(base)+len(eventInfix):])
}

func (h *hash) NewReader(env *Env, _ int, _ string) Reader {
	return newNotifyReader(env, h.block, readCount(h.pop, env.PayloadMax), h.multi, func(b *Batch, key []byte) int {
		b.Cmd(2, "hgetall").Bytes(key)
		b.Cmd(2, "del").Bytes(key)
		return 2
	}, recordHead)
}

// recordHead reads the head field of an HGETALL reply: a flat [field,
// value, ...] (RESP2) or pairs [[field, value], ...] (a RESP3 map, as the
// go-redis link gives it); false when the record is gone.
func recordHead(rep *resp.Replies, first int) (string, bool) {
	cur := rep.Cursor(first)
	top := cur.Next()
	if top.Kind != '*' {
		return "", false
	}
	for i := int64(0); i < top.N; i++ {
		f := cur.Next()
		if f.Kind == '*' { // a pair
			if f.N != 2 {
				cur.Skip(f)
				continue
			}
			f = cur.Next()
			if v := cur.Next(); rep.Str(f) == "head" && v.Kind == '$' {
				return rep.Str(v), true
			}
			continue
		}
		v := cur.Next()
		i++
		if rep.Str(f) == "head" && v.Kind == '$' {
			return rep.Str(v), true
		}
	}
	return "", false
}

// queued counts the notification list's elements, an event id each.
func (*hash) queued(ctx context.Context, c redis.UniversalClient, keys []string) (int64, bool, error) {
	return sumLens(ctx, c, keys, llen)
}

// splitReads: on a cluster a consumer reads each of its keys with a
// reader of its own (see keySplitter).
func (*hash) splitReads() bool { return true }

package loadgen

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// list is a work queue on Redis lists: producers LPUSH, consumers pop from
// the other end (FIFO), each consumer on its share of the partitions, up to
// batch events per pop (BLMPOP ... COUNT; BRPOP before Redis 7.0). Delivery
// is at-most-once: the pop is the acknowledgement, so what a consumer popped
// and had not processed when it crashed is gone. Options: push
// (lpush|rpush; the pop side is the other end), batch (default 64), block
// (pop wait, default 100ms; longer with over 1,000 consumers, see defaultBlock).
type list struct {
	env   *Env
	right bool // RPUSH + BLPOP instead of LPUSH + BRPOP
	block time.Duration
	batch int  // asked for
	pop   int  // per pop on this server (Setup): batch, or 1 before 7.0
	multi bool // the server has LMPOP (Redis ≥ 7.0)
}

func newList(env *Env, o *Options) (Pattern, error) {
	l := &list{
		env:   env,
		right: o.String("push", "lpush", "lpush", "rpush") == "rpush",
		block: o.block(defaultBlock(env.Consumers)),
		batch: o.IntIn("batch", 64, 1, 1000),
		pop:   1,
	}
	return l, nil
}

func (l *list) Setup(ctx context.Context, env *Env) error {
	if err := requires(ctx, env.Client, "pattern list", 2, 0, "lpush", "rpush", "brpop", "blpop"); err != nil {
		return err
	}
	l.pop, l.multi = popBatch(ctx, env.Client, l.batch)
	return delKeys(ctx, env.Client, env.Keys)
}

func (l *list) Groups(int) int { return 1 }

func (l *list) Queue(b *Batch, e Envelope, ev []byte) {
	push := "lpush"
	if l.right {
		push = "rpush"
	}
	b.Cmd(3, push).Str(l.env.Keys[e.Partition]).Bytes(ev)
}

func (l *list) NewReader(env *Env, _ int, _ string) Reader {
	cmds := popRight
	if l.right {
		cmds = popLeft
	}
	return &listReader{pop: newPopper(env, cmds, l.block, readCount(l.pop, env.PayloadMax), l.multi)}
}

type listReader struct {
	pop *popper
}

func (r *listReader) Read(ctx context.Context, got Got) error {
	err := r.pop.pop(ctx)
	for _, ev := range r.pop.elems {
		if !got(ev, 0) {
			return nil // crashed: popped is acknowledged, processed or not
		}
	}
	return err
}

// Close closes the reader's connection.
func (r *listReader) Close() error { r.pop.close(); return nil }

// queued counts the list's elements, an event each.
func (*list) queued(ctx context.Context, c redis.UniversalClient, keys []string) (int64, bool, error) {
	return sumLens(ctx, c, keys, llen)
}

// splitReads: on a cluster a consumer reads each of its keys with a
// reader of its own (see keySplitter).
func (*list) splitReads() bool { return true }

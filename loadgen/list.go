package loadgen

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// list is a work queue on Redis lists: producers LPUSH, consumers pop from
// the other end (FIFO), each consumer on its share of the partitions, up to
// batch events per pop (BLMPOP ... COUNT; BRPOP before Redis 7.0). Delivery
// is at-most-once: the pop is the acknowledgement, so what a consumer popped
// and had not processed when it crashed is gone. Options: push
// (lpush|rpush; the pop side is the other end), batch (default 64), block
// (pop wait, default 100ms).
type list struct {
	env   *Env
	right bool // RPUSH + BLPOP instead of LPUSH + BRPOP
	block time.Duration
	batch int // asked for
	pop   int // per pop on this server (Setup): batch, or 1 before 7.0
}

func newList(env *Env, o *Options) (Pattern, error) {
	l := &list{
		env:   env,
		right: o.String("push", "lpush", "lpush", "rpush") == "rpush",
		block: o.Duration("block", blockDefault),
		batch: o.Int("batch", 64),
		pop:   1,
	}
	if l.batch < 1 || l.batch > 1000 {
		return nil, fmt.Errorf("batch must be between 1 and 1000")
	}
	return l, nil
}

func (l *list) Setup(ctx context.Context, env *Env) error {
	if err := requires(ctx, env.Client, "pattern list", 2, 0, "lpush", "rpush", "brpop", "blpop"); err != nil {
		return err
	}
	l.pop = popBatch(ctx, env.Client, l.batch)
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

func (l *list) NewReader(env *Env, id int, _ string) Reader {
	pop := "brpop"
	if l.right {
		pop = "blpop"
	}
	return &listReader{pop: newBlockingPop(env, id, pop, l.block, l.pop)}
}

type listReader struct {
	pop *blockingPop
}

func (r *listReader) Read(ctx context.Context, got Got) error {
	_, events, err := r.pop.pop(ctx)
	if err == redis.Nil {
		return nil
	}
	if err != nil {
		return err
	}
	for _, ev := range events {
		if !got(ev, 0) {
			return nil // crashed: popped is acknowledged, processed or not
		}
	}
	return nil
}

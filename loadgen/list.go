package loadgen

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// list is a work queue on Redis lists: producers LPUSH, consumers BRPOP
// (FIFO), each consumer on its share of the partitions. Delivery is
// at-most-once: the pop is the acknowledgement, so an event popped by a
// consumer that then crashes is gone. Options: push (lpush|rpush; the pop
// side is the other end), block (BRPOP wait, default 100ms).
type list struct {
	env   *Env
	right bool // RPUSH + BLPOP instead of LPUSH + BRPOP
	block time.Duration
}

func newList(env *Env, o *Options) (Pattern, error) {
	return &list{
		env:   env,
		right: o.String("push", "lpush", "lpush", "rpush") == "rpush",
		block: o.Duration("block", blockDefault),
	}, nil
}

func (l *list) Setup(ctx context.Context, env *Env) error {
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
	return &listReader{l: l, pop: newBlockingPop(env, id, pop, l.block)}
}

type listReader struct {
	l   *list
	pop *blockingPop
}

func (r *listReader) Read(ctx context.Context, got Got) error {
	v, err := r.pop.pop(ctx, r.l.env.Client)
	if err == redis.Nil {
		return nil
	}
	if err != nil {
		return err
	}
	got(v[1], 0) // [key, value]; popped is acknowledged, even by a crashing consumer
	return nil
}

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
	parts := partitionsFor(id, env.Consumers, len(env.Keys))
	keys := make([]string, len(parts))
	for i, p := range parts {
		keys[i] = env.Keys[p]
	}
	pop := "brpop"
	if l.right {
		pop = "blpop"
	}
	args := make([]any, len(keys)+2)
	args[0], args[len(args)-1] = pop, secs(l.block)
	return &listReader{l: l, keys: keys, args: args}
}

type listReader struct {
	l    *list
	keys []string
	args []any // pop key... timeout; keys rotated each call so no partition starves
	turn int
}

func (r *listReader) Read(ctx context.Context, got Got) error {
	n := len(r.keys)
	for i := range r.keys {
		r.args[1+i] = r.keys[(r.turn+i)%n]
	}
	r.turn++
	cmd := redis.NewStringSliceCmd(ctx, r.args...)
	_ = r.l.env.Client.Process(ctx, cmd)
	v, err := cmd.Result()
	if err == redis.Nil {
		return nil
	}
	if err != nil {
		return err
	}
	got(v[1], 0) // [key, value]; popped is acknowledged, even by a crashing consumer
	return nil
}

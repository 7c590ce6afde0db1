package loadgen

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// list is a work queue on Redis lists: producers LPUSH, consumers BRPOP
// (FIFO). Delivery is at-most-once: an event popped by a consumer that then
// crashes is gone. Options: push (lpush|rpush; the pop side is the other
// end), block (BRPOP wait, default 100ms).
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
	return env.Client.Del(ctx, env.Keys...).Err()
}

func (l *list) Groups(int) int { return 1 }

func (l *list) Queue(ctx context.Context, pipe redis.Pipeliner, part int, ev []byte) int {
	if l.right {
		pipe.RPush(ctx, l.env.Keys[part], ev)
	} else {
		pipe.LPush(ctx, l.env.Keys[part], ev)
	}
	return 1
}

func (l *list) NewReader(env *Env, id int) Reader {
	parts := partitionsFor(id, env.Consumers, len(env.Keys))
	keys := make([]string, len(parts))
	for i, p := range parts {
		keys[i] = env.Keys[p]
	}
	pop := "brpop"
	if l.right {
		pop = "blpop"
	}
	// go-redis rounds blocking timeouts up to whole seconds; Redis ≥ 6 takes
	// fractions, and a short block lets consumers stop promptly.
	args := make([]any, len(keys)+2)
	args[0], args[len(args)-1] = pop, strconv.FormatFloat(l.block.Seconds(), 'f', -1, 64)
	return &listReader{l: l, keys: keys, args: args}
}

type listReader struct {
	l    *list
	keys []string
	args []any // pop key... timeout; keys rotated each call so no partition starves
	turn int
}

func (r *listReader) Read(ctx context.Context, got func(string)) error {
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
	got(v[1]) // [key, value]
	return nil
}

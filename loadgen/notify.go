package loadgen

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The string and hash patterns store each event under its own key,
// BASE:event:PRODUCER-SEQ, beside partition BASE, and RPUSH the event's id
// (PRODUCER-SEQ) to the list BASE to notify consumers. Both keys share
// BASE's hash tag, so they live in one cluster slot.

const eventInfix = ":event:"

// eventKey returns BASE:event:PRODUCER-SEQ; the id is its tail after
// len(base)+len(eventInfix).
func eventKey(base string, e *Envelope) string {
	var b strings.Builder
	b.Grow(len(base) + len(eventInfix) + 24)
	b.WriteString(base)
	b.WriteString(eventInfix)
	var num [20]byte
	b.Write(strconv.AppendUint(num[:0], uint64(e.Producer), 10))
	b.WriteByte('-')
	b.Write(strconv.AppendUint(num[:0], e.Seq, 10))
	return b.String()
}

// notifyReader is a consumer of a notification list: BLPOP (or BLMPOP)
// ids from its partitions' lists, then fetch (and delete) the events they
// name in one round trip.
type notifyReader struct {
	pop  *blockingPop
	pipe redis.Pipeliner
	// fetch queues on pipe the commands that read and delete the event
	// stored at key, and returns what reads it once the pipeline ran: the
	// event, or "" and redis.Nil when it is gone (expired, or never written).
	fetch func(ctx context.Context, pipe redis.Pipeliner, key string) func() (string, error)
	read  []func() (string, error)
}

func newNotifyReader(env *Env, id int, block time.Duration, batch int, fetch func(context.Context, redis.Pipeliner, string) func() (string, error)) *notifyReader {
	return &notifyReader{pipe: env.Client.Pipeline(), fetch: fetch, pop: newBlockingPop(env, id, "blpop", block, batch)}
}

func (r *notifyReader) Read(ctx context.Context, got Got) error {
	list, ids, err := r.pop.pop(ctx)
	if err == redis.Nil {
		return nil
	}
	if err != nil {
		return err
	}
	// The ids are popped, so from here on their events are this consumer's
	// alone (at-most-once).
	r.read = r.read[:0]
	for _, id := range ids {
		r.read = append(r.read, r.fetch(ctx, r.pipe, list+eventInfix+id))
	}
	_, _ = r.pipe.Exec(ctx)
	var firstErr error
	for _, read := range r.read {
		raw, err := read()
		switch {
		case err == redis.Nil:
			// the event's key expired before it was consumed: lost
		case err != nil:
			if firstErr == nil {
				firstErr = err
			}
		case !got(raw, 0):
			return nil // crashed: the rest of what was popped is lost
		}
	}
	return firstErr
}

// blockingPop is one consumer's blocking pop over its partitions' lists or
// sorted sets, rotating the keys each call so that no partition starves.
// With batch > 1 on Redis ≥ 7.0 it pops up to batch elements of one key per
// call (BLMPOP, BZMPOP); otherwise one (BLPOP/BRPOP, BZPOPMIN).
type blockingPop struct {
	client redis.UniversalClient
	keys   []string
	rot    []string // keys, rotated for this call
	cmd    string   // blpop | brpop | bzpopmin
	block  time.Duration
	batch  int64
	args   []any // a single pop: cmd key... timeout
	turn   int
}

func newBlockingPop(env *Env, id int, cmd string, block time.Duration, batch int) *blockingPop {
	b := &blockingPop{client: env.Client, cmd: cmd, block: block, batch: int64(batch)}
	for _, p := range partitionsFor(id, env.Consumers, len(env.Keys)) {
		b.keys = append(b.keys, env.Keys[p])
	}
	b.rot = make([]string, len(b.keys))
	b.args = make([]any, len(b.keys)+2)
	b.args[0], b.args[len(b.args)-1] = cmd, secs(block)
	return b
}

// pop blocks until one of the keys has elements and pops them: the key and
// the elements (sorted set members without their scores); redis.Nil when
// the wait timed out.
func (b *blockingPop) pop(ctx context.Context) (string, []string, error) {
	n := len(b.keys)
	for i := range b.keys {
		b.rot[i] = b.keys[(b.turn+i)%n]
	}
	b.turn++
	c := b.client
	switch {
	case b.cmd == "bzpopmin" && b.batch > 1:
		key, zs, err := c.BZMPop(ctx, b.block, "min", b.batch, b.rot...).Result()
		if err != nil {
			return "", nil, err
		}
		members := make([]string, len(zs))
		for i, z := range zs {
			members[i], _ = z.Member.(string)
		}
		return key, members, nil
	case b.cmd == "bzpopmin":
		z, err := c.BZPopMin(ctx, b.block, b.rot...).Result()
		if err != nil {
			return "", nil, err
		}
		m, _ := z.Member.(string)
		return z.Key, []string{m}, nil
	case b.batch > 1:
		dir := "left"
		if b.cmd == "brpop" {
			dir = "right"
		}
		return c.BLMPop(ctx, b.block, dir, b.batch, b.rot...).Result()
	}
	for i, k := range b.rot {
		b.args[1+i] = k
	}
	cmd := redis.NewStringSliceCmd(ctx, b.args...)
	_ = c.Process(ctx, cmd)
	v, err := cmd.Result()
	if err != nil {
		return "", nil, err
	}
	if len(v) != 2 {
		return "", nil, fmt.Errorf("%s: reply of %d elements, want 2", b.cmd, len(v))
	}
	return v[0], v[1:], nil
}

// popBatch is how many elements a blocking pop takes per call: batch where
// the server has the multi-pop commands (Redis ≥ 7.0), else 1. A server
// that does not say its version gets single pops.
func popBatch(ctx context.Context, c redis.UniversalClient, batch int) int {
	if v, err := serverVersion(ctx, c); err != nil || !versionAtLeast(v, 7, 0) {
		return 1
	}
	return batch
}

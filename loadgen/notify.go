package loadgen

import (
	"context"
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

// notifyReader is a consumer of a notification list: BLPOP an id from its
// partitions' lists, then fetch (and delete) the event it names.
type notifyReader struct {
	client redis.UniversalClient
	pop    *blockingPop
	// fetch reads and deletes the event stored at key, returning "" and
	// redis.Nil when it is gone (expired, or never written).
	fetch func(ctx context.Context, key string) (string, error)
}

func newNotifyReader(env *Env, id int, block time.Duration, fetch func(context.Context, string) (string, error)) *notifyReader {
	return &notifyReader{client: env.Client, fetch: fetch, pop: newBlockingPop(env, id, "blpop", block)}
}

func (r *notifyReader) Read(ctx context.Context, got Got) error {
	v, err := r.pop.pop(ctx, r.client)
	if err == redis.Nil {
		return nil
	}
	if err != nil {
		return err
	}
	// [list, id]: the id is popped, so from here on the event is this
	// consumer's alone (at-most-once).
	raw, err := r.fetch(ctx, v[0]+eventInfix+v[1])
	if err == redis.Nil {
		return nil // the event's key expired before it was consumed: lost
	}
	if err != nil {
		return err
	}
	got(raw, 0)
	return nil
}

// blockingPop is one consumer's BLPOP/BRPOP over its partitions' lists,
// rotating the keys each call so that no partition starves.
type blockingPop struct {
	keys []string
	args []any // pop key... timeout
	turn int
}

func newBlockingPop(env *Env, id int, cmd string, block time.Duration) *blockingPop {
	b := &blockingPop{}
	for _, p := range partitionsFor(id, env.Consumers, len(env.Keys)) {
		b.keys = append(b.keys, env.Keys[p])
	}
	b.args = make([]any, len(b.keys)+2)
	b.args[0], b.args[len(b.args)-1] = cmd, secs(block)
	return b
}

// pop blocks until one of the lists has an element: [key, element].
func (b *blockingPop) pop(ctx context.Context, c redis.UniversalClient) ([]string, error) {
	n := len(b.keys)
	for i := range b.keys {
		b.args[1+i] = b.keys[(b.turn+i)%n]
	}
	b.turn++
	cmd := redis.NewStringSliceCmd(ctx, b.args...)
	_ = c.Process(ctx, cmd)
	return cmd.Result()
}

package loadgen

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
)

// set is an unordered work pool on Redis sets: producers SADD the event
// itself as a member, consumers SPOP up to batch members from each of their
// partitions per round trip, sleeping poll when all were empty. Delivery is
// at-most-once: SPOP removes what it returns, so a consumer that crashes
// loses the rest of its batch. Duplicates are impossible by construction: a
// member is unique within a set (a retried SADD of the same event adds
// nothing) and SPOP hands each member to exactly one consumer. There is no
// order: reordered counts how often that shows. Options: batch (SPOP count,
// default 64), poll (default 5ms).
type set struct {
	env   *Env
	batch int
	poll  time.Duration
}

func newSet(env *Env, o *Options) (Pattern, error) {
	s := &set{env: env, batch: o.IntIn("batch", 64, 1, maxReadBatch), poll: o.poll(pollDefault)}
	return s, nil
}

func (s *set) Setup(ctx context.Context, env *Env) error {
	// SPOP with a count: Redis 3.2.
	if err := requires(ctx, env.Client, "pattern set", 3, 2, "sadd", "spop"); err != nil {
		return err
	}
	return delKeys(ctx, env.Client, env.Keys)
}

func (s *set) Groups(int) int { return 1 }

func (s *set) Queue(b *Batch, e Envelope, ev []byte) {
	b.Cmd(3, "sadd").Str(s.env.Keys[e.Partition]).Bytes(ev)
}

func (s *set) NewReader(env *Env, _ int, _ string) Reader {
	count := readCount(s.batch, env.PayloadMax)
	return &setReader{s: s, link: resp.NewLink(env.Client), keys: newSweep(env.Keys, windowFor(count, env.PayloadMax), perEventCommand, s.poll),
		count: int64(count)}
}

// setReader SPOPs each key of a window per round trip.
type setReader struct {
	s     *set
	link  resp.Link
	keys  *sweep[string]
	count int64
	b     Batch
	rep   resp.Replies
}

func (r *setReader) Read(ctx context.Context, got Got) error {
	if w := r.keys.pause(); w > 0 {
		time.Sleep(w)
	}
	keys := r.keys.window()
	r.b.Reset()
	for _, k := range keys {
		r.b.Cmd(3, "spop").Str(k).Int(r.count)
	}
	if err := r.link.Do(ctx, &r.b, 0, &r.rep); err != nil {
		return err
	}
	n := 0
	var firstErr error
	for i := range keys {
		if err := r.rep.Err(i); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		cur := r.rep.Cursor(i)
		top := cur.Next()
		for range max(top.N, 0) {
			m := cur.Next()
			if m.Kind != '$' || m.N < 0 {
				continue
			}
			n++
			if !got(r.rep.Str(m), 0) {
				return nil // crashed: the rest of the batch is lost
			}
		}
	}
	r.keys.found(n)
	if r.keys.idle() && firstErr == nil {
		// A whole sweep found nothing: poll per window, so that idle
		// sweeps cost the same per second whatever the keys.
		r.keys.restart()
		time.Sleep(r.s.poll * time.Duration(r.keys.windows()))
	}
	return firstErr
}

// Close closes the reader's connection.
func (r *setReader) Close() error { r.link.Close(); return nil }

// queued counts the sets' members, an event each.
func (*set) queued(ctx context.Context, c redis.UniversalClient, keys []string) (int64, bool, error) {
	return sumLens(ctx, c, keys, func(p redis.Pipeliner, k string) *redis.IntCmd { return p.SCard(context.Background(), k) })
}

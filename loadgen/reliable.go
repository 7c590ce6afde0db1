package loadgen

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// reliableList is the reliable-queue pattern on Redis lists: producers
// LPUSH; a consumer BLMOVEs each event from the tail of the list to the head
// of its own processing list, processes it, then LREMs it from there as its
// acknowledgement. Delivery is at-least-once: a consumer that dies leaves
// its unacknowledged events in its processing list, and whenever a consumer
// starts, and every claim_idle/2 while it runs, it moves back to the source
// list what consumers presumed dead (no heartbeat for claim_idle) left
// there, to be delivered again (duplicates if they had been processed).
//
// Keys of partition i share the hash tag of its list L, so they live in one
// cluster slot: the processing lists L:processing:NAME, the heartbeats
// L:alive:NAME (SET … PX claim_idle, refreshed every claim_idle/4), and the
// registry of consumers L:consumers (a set). A consumer moves up to batch
// events per read, spread over its partitions, in one pipeline of LMOVE,
// and blocks on one partition in turn (BLMOVE) only when all are empty.
// Options: batch (default 64), block (default 100ms), claim_idle (default
// 5s, at least 4 × block).
type reliableList struct {
	env       *Env
	block     time.Duration
	claimIdle time.Duration
	batch     int
}

func newReliableList(env *Env, o *Options) (Pattern, error) {
	l := &reliableList{env: env, block: o.Duration("block", blockDefault), claimIdle: o.Duration("claim_idle", 5*time.Second),
		batch: o.Int("batch", 64)}
	if l.batch < 1 || l.batch > 1000 {
		return nil, fmt.Errorf("batch must be between 1 and 1000")
	}
	if l.claimIdle < 4*l.block {
		return nil, fmt.Errorf("claim_idle (%s) must be at least 4 × block (%s): heartbeats are refreshed between blocking reads", l.claimIdle, l.block)
	}
	return l, nil
}

func (l *reliableList) Setup(ctx context.Context, env *Env) error {
	if err := requires(ctx, env.Client, "pattern list-reliable", 6, 2, "lpush", "blmove", "lmove", "lrem"); err != nil {
		return err
	}
	return clearKeys(ctx, env)
}

func (l *reliableList) Groups(int) int { return 1 }

func (l *reliableList) Queue(b *Batch, e Envelope, ev []byte) {
	b.Cmd(3, "lpush").Str(l.env.Keys[e.Partition]).Bytes(ev)
}

func (l *reliableList) NewReader(env *Env, id int, name string) Reader {
	r := &reliableReader{l: l, name: name}
	for _, p := range partitionsFor(id, env.Consumers, len(env.Keys)) {
		src := env.Keys[p]
		r.parts = append(r.parts, reliablePart{
			src:   src,
			proc:  src + ":processing:" + name,
			alive: src + ":alive:" + name,
			reg:   src + ":consumers",
		})
	}
	return r
}

type reliablePart struct{ src, proc, alive, reg string }

type reliableReader struct {
	l         *reliableList
	name      string
	parts     []reliablePart
	turn      int
	lastBeat  time.Time
	lastScan  time.Time
	moved     []*redis.StringCmd
	each      int   // LMOVEs per partition in the next read
	from      []int // per element of moved, its index in parts
	processed []int // indexes into moved of events processed this read
}

// Open registers the consumer and re-queues what dead consumers (and a
// previous consumer of the same name) left in their processing lists.
func (r *reliableReader) Open(ctx context.Context) error {
	if err := r.beat(ctx); err != nil {
		return err
	}
	c := r.l.env.Client
	for _, p := range r.parts {
		if err := r.requeue(ctx, p, p.proc); err != nil {
			return err
		}
		if err := c.SAdd(ctx, p.reg, r.name).Err(); err != nil {
			return err
		}
	}
	return r.scan(ctx)
}

// beat refreshes the consumer's heartbeats.
func (r *reliableReader) beat(ctx context.Context) error {
	r.lastBeat = time.Now()
	_, err := r.l.env.Client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, p := range r.parts {
			pipe.Set(ctx, p.alive, r.name, r.l.claimIdle)
		}
		return nil
	})
	return err
}

// scan re-queues the processing lists of registered consumers whose
// heartbeat expired, and forgets those consumers.
func (r *reliableReader) scan(ctx context.Context) error {
	r.lastScan = time.Now()
	c := r.l.env.Client
	for _, p := range r.parts {
		names, err := c.SMembers(ctx, p.reg).Result()
		if err != nil {
			return err
		}
		for _, n := range names {
			if n == r.name {
				continue
			}
			alive, err := c.Exists(ctx, p.src+":alive:"+n).Result()
			if err != nil {
				return err
			}
			if alive > 0 {
				continue
			}
			if err := r.requeue(ctx, p, p.src+":processing:"+n); err != nil {
				return err
			}
			if err := c.SRem(ctx, p.reg, n).Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// requeue moves everything in processing list proc back to the consuming
// end of p's source list, oldest last so it is taken first.
func (r *reliableReader) requeue(ctx context.Context, p reliablePart, proc string) error {
	for {
		err := r.l.env.Client.LMove(ctx, proc, p.src, "LEFT", "RIGHT").Err()
		if err == redis.Nil {
			return nil
		}
		if err != nil {
			return err
		}
		r.l.env.stats.reclaimed.Add(1)
	}
}

func (r *reliableReader) Read(ctx context.Context, got Got) error {
	if time.Since(r.lastBeat) >= r.l.claimIdle/4 {
		if err := r.beat(ctx); err != nil {
			return err
		}
	}
	if time.Since(r.lastScan) >= r.l.claimIdle/2 {
		if err := r.scan(ctx); err != nil {
			return err
		}
	}
	// Take up to batch events, spread over the partitions, in one round
	// trip of LMOVEs (there is no multi-element LMOVE). How many to ask
	// each partition for adapts: it doubles while every LMOVE finds an
	// event and halves when most come back empty, so a light load does not
	// cost the server a batch of empty LMOVEs per event.
	c := r.l.env.Client
	pipe := c.Pipeline()
	r.moved, r.from = r.moved[:0], r.from[:0]
	r.each = min(max(1, r.each), max(1, r.l.batch/len(r.parts)))
	for i, p := range r.parts {
		for range r.each {
			r.moved = append(r.moved, pipe.LMove(ctx, p.src, p.proc, "RIGHT", "LEFT"))
			r.from = append(r.from, i)
		}
	}
	_, _ = pipe.Exec(ctx)
	r.processed = r.processed[:0]
	var firstErr error
	for i, cmd := range r.moved {
		v, err := cmd.Result()
		if err == redis.Nil {
			continue
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if !got(v, 0) {
			return nil // crashed: nothing of this read is acknowledged
		}
		r.processed = append(r.processed, i)
	}
	switch found := len(r.processed); {
	case found == len(r.moved):
		r.each *= 2
	case 2*found < len(r.moved):
		r.each /= 2
	}
	if len(r.processed) > 0 {
		for _, i := range r.processed {
			pipe.LRem(ctx, r.parts[r.from[i]].proc, 1, r.moved[i].Val())
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		return firstErr
	}
	if firstErr != nil {
		return firstErr
	}
	// All empty: block on one partition in turn, briefly.
	p := r.parts[r.turn%len(r.parts)]
	r.turn++
	return r.blockingMove(ctx, got, p, max(r.l.block/time.Duration(len(r.parts)), 10*time.Millisecond))
}

// blockingMove waits up to wait for one event on p, moves it to p's
// processing list, hands it to got and, once processed, removes it there.
func (r *reliableReader) blockingMove(ctx context.Context, got Got, p reliablePart, wait time.Duration) error {
	c := r.l.env.Client
	cmd := redis.NewStringCmd(ctx, "blmove", p.src, p.proc, "RIGHT", "LEFT", secs(wait))
	_ = c.Process(ctx, cmd)
	v, err := cmd.Result()
	if err == redis.Nil {
		return nil
	}
	if err != nil {
		return err
	}
	if !got(v, 0) {
		return nil // crashed: v stays in the processing list
	}
	return c.LRem(ctx, p.proc, 1, v).Err()
}

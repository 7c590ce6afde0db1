package loadgen

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
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
// Options: batch (default 64), block (default 100ms; longer with over 1,000 consumers, see defaultBlock), claim_idle (default
// 5s, at least 4 × block).
type reliableList struct {
	env       *Env
	block     time.Duration
	claimIdle time.Duration
	batch     int
}

func newReliableList(env *Env, o *Options) (Pattern, error) {
	l := &reliableList{env: env, block: o.block(defaultBlock(env.Consumers)), claimIdle: o.Duration("claim_idle", 5*time.Second),
		batch: o.IntIn("batch", 64, 1, 1000)}
	if l.claimIdle < 4*l.block {
		o.Fail("claim_idle", "must be at least 4 × block (%s): heartbeats are refreshed between blocking reads, got %s", l.block, l.claimIdle)
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

func (l *reliableList) NewReader(env *Env, _ int, name string) Reader {
	r := &reliableReader{l: l, name: name, link: resp.NewLink(env.Client), batch: readCount(l.batch, env.PayloadMax)}
	part := func(src string) reliablePart {
		return reliablePart{src: src, proc: src + ":processing:" + name, alive: src + ":alive:" + name, reg: src + ":consumers"}
	}
	for _, src := range env.Keys {
		r.parts = append(r.parts, part(src))
	}
	for _, src := range env.Owned {
		r.owned = append(r.owned, part(src))
	}
	r.keys = newSweep(r.parts, windowFor(1, env.PayloadMax), perEventCommand, l.block)
	return r
}

type reliablePart struct{ src, proc, alive, reg string }

// reliableReader moves events on its own link; its upkeep (heartbeats,
// the scan for dead consumers) goes through the shared client.
type reliableReader struct {
	l         *reliableList
	name      string
	parts     []reliablePart // the keys it reads: it keeps a processing list and a heartbeat in each
	owned     []reliablePart // those it owns: it re-queues what dead consumers left there
	keys      *sweep[reliablePart]
	link      resp.Link
	turn      int
	lastBeat  time.Time
	lastScan  time.Time
	batch     int // events per read at most
	each      int // LMOVEs per partition in the next read
	b         Batch
	rep       resp.Replies
	from      []int    // per LMOVE of the read, its partition (an index into the window)
	processed []string // events processed this read (views into rep)
	procOf    []string // ... and the processing list each is in
}

// Open registers the consumer and re-queues what dead consumers (and a
// previous consumer of the same name) left in its processing lists.
func (r *reliableReader) Open(ctx context.Context) error {
	if err := r.beat(ctx); err != nil {
		return err
	}
	c := r.l.env.Client
	lens := make([]*redis.IntCmd, 0, len(r.parts))
	if err := pipelineChunks(ctx, c, r.parts, func(pipe redis.Pipeliner, p reliablePart) {
		lens = append(lens, pipe.LLen(ctx, p.proc))
	}); err != nil {
		return err
	}
	for i, p := range r.parts {
		if lens[i].Val() == 0 {
			continue
		}
		if err := r.requeue(ctx, p, p.proc); err != nil {
			return err
		}
	}
	if err := pipelineChunks(ctx, c, r.parts, func(pipe redis.Pipeliner, p reliablePart) {
		pipe.SAdd(ctx, p.reg, r.name)
	}); err != nil {
		return err
	}
	return r.scan(ctx)
}

// beat refreshes the consumer's heartbeats.
func (r *reliableReader) beat(ctx context.Context) error {
	r.lastBeat = time.Now()
	return pipelineChunks(ctx, r.l.env.Client, r.parts, func(pipe redis.Pipeliner, p reliablePart) {
		pipe.Set(ctx, p.alive, r.name, r.l.claimIdle)
	})
}

// scan re-queues the processing lists that consumers whose heartbeat
// expired left in the keys this consumer owns, and forgets those
// consumers. Only the owner scans a key, so the scans cost each key once
// per claim_idle/2, not once per consumer.
func (r *reliableReader) scan(ctx context.Context) error {
	r.lastScan = time.Now()
	c := r.l.env.Client
	members := make([]*redis.StringSliceCmd, len(r.owned))
	i := 0
	if err := pipelineChunks(ctx, c, r.owned, func(pipe redis.Pipeliner, p reliablePart) {
		members[i] = pipe.SMembers(ctx, p.reg)
		i++
	}); err != nil {
		return err
	}
	for i, p := range r.owned {
		for _, n := range members[i].Val() {
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

// pipelineChunks queues one command per element of xs with add, sending
// them a window at a time.
func pipelineChunks[T any](ctx context.Context, c redis.UniversalClient, xs []T, add func(redis.Pipeliner, T)) error {
	for len(xs) > 0 {
		n := min(len(xs), windowKeys)
		if _, err := c.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for _, x := range xs[:n] {
				add(pipe, x)
			}
			return nil
		}); err != nil {
			return err
		}
		xs = xs[n:]
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
	if r.keys.idle() {
		// A whole sweep found every partition empty: block on one in turn,
		// briefly.
		r.keys.restart()
		p := r.parts[r.turn%len(r.parts)]
		r.turn++
		return r.blockingMove(ctx, got, p, max(r.l.block/time.Duration(len(r.parts)), 10*time.Millisecond))
	}
	// Take up to batch events, spread over a window of partitions, in one
	// round trip of LMOVEs (there is no multi-element LMOVE). How many to
	// ask each partition for adapts: it doubles while every LMOVE finds an
	// event and halves when most come back empty, so a light load does not
	// cost the server a batch of empty LMOVEs per event.
	if w := r.keys.pause(); w > 0 {
		time.Sleep(w)
	}
	win := r.keys.window()
	r.b.Reset()
	r.from = r.from[:0]
	r.each = min(max(1, r.each), max(1, r.batch/len(win)))
	for i, p := range win {
		for range r.each {
			r.b.Cmd(5, "lmove").Str(p.src).Str(p.proc).Str("right").Str("left")
			r.from = append(r.from, i)
		}
	}
	if err := r.link.Do(ctx, &r.b, 0, &r.rep); err != nil {
		return err
	}
	r.processed, r.procOf = r.processed[:0], r.procOf[:0]
	var firstErr error
	for i, from := range r.from {
		if err := r.rep.Err(i); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		cur := r.rep.Cursor(i)
		t := cur.Next()
		if t.Kind != '$' || t.N < 0 {
			continue
		}
		v := r.rep.Str(t)
		if !got(v, 0) {
			return nil // crashed: nothing of this read is acknowledged
		}
		r.processed = append(r.processed, v)
		r.procOf = append(r.procOf, win[from].proc)
	}
	switch found := len(r.processed); {
	case found == len(r.from):
		r.each *= 2
	case 2*found < len(r.from):
		r.each /= 2
	}
	if firstErr != nil {
		r.keys.restart()
	} else {
		r.keys.found(len(r.processed))
	}
	if len(r.processed) > 0 {
		r.b.Reset()
		for i, v := range r.processed {
			r.b.Cmd(4, "lrem").Str(r.procOf[i]).Int(1).Str(v)
		}
		// The acks' replies replace the moves' (and so the events'
		// views) only once the acks are encoded.
		if err := r.link.Do(ctx, &r.b, 0, &r.rep); err != nil {
			return err
		}
		for i := range r.processed {
			if err := r.rep.Err(i); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}

// blockingMove waits up to wait for one event on p, moves it to p's
// processing list, hands it to got and, once processed, removes it there.
func (r *reliableReader) blockingMove(ctx context.Context, got Got, p reliablePart, wait time.Duration) error {
	r.b.Reset()
	r.b.Cmd(6, "blmove").Str(p.src).Str(p.proc).Str("right").Str("left").Str(secs(wait))
	if err := r.link.Do(ctx, &r.b, wait, &r.rep); err != nil {
		return err
	}
	if err := r.rep.Err(0); err != nil {
		return err
	}
	cur := r.rep.Cursor(0)
	t := cur.Next()
	if t.Kind != '$' || t.N < 0 {
		return nil
	}
	v := r.rep.Str(t)
	if !got(v, 0) {
		return nil // crashed: v stays in the processing list
	}
	r.keys.restart()
	r.b.Reset()
	r.b.Cmd(4, "lrem").Str(p.proc).Int(1).Str(v)
	if err := r.link.Do(ctx, &r.b, 0, &r.rep); err != nil {
		return err
	}
	return r.rep.Err(0)
}

// Close closes the reader's connection.
func (r *reliableReader) Close() error { r.link.Close(); return nil }

// queued counts the pending list's elements, an event each.
func (*reliableList) queued(ctx context.Context, c redis.UniversalClient, keys []string) (int64, bool, error) {
	return sumLens(ctx, c, keys, llen)
}

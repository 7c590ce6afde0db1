package loadgen

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
)

// str is the string pattern, in one of two modes.
//
// mode queue (default): events as individual string keys. A producer SETs
// BASE:event:ID (with PX ttl when ttl is set) and RPUSHes ID to the list
// BASE in one pipeline; the event is acked only when both succeed. A
// consumer pops up to batch ids (BLMPOP; BLPOP before Redis 7.0) and
// GETDELs (Redis ≥ 6.2) their keys in one round trip. Delivery is
// at-most-once: the popped id is the claim, and an event whose key expired
// before it was consumed is lost. Options: ttl (default none), batch
// (default 64), block (default 100ms; longer with over 1,000 consumers, see defaultBlock).
//
// mode register: a key per entity holding the latest value, as a cache or
// state register. Entity n (options.entities, default 64, at least one per
// producer) lives at BASE:entity:n with BASE = Keys[n % keys] and has one
// writer, producer n % producers, which SETs it to its events in turn, so
// each entity's value only grows. Consumers do not receive events: they GET
// batch entities per round trip (default 16, sleeping poll, default 1ms,
// between rounds) and count a read stale when it returned an older value
// than the latest write acknowledged before the read was sent, and
// backwards when older than a value the same reader had seen (monotonic
// reads broken: a failover to a lagging replica, a restored backup).
// Guarantee: on one primary, no stale or backwards reads; received stays 0.
type str struct {
	env   *Env
	ttl   time.Duration
	block time.Duration

	register bool
	entities []string        // register: entity keys
	latest   []atomic.Uint64 // register: per entity, seq+1 of the latest acknowledged write
	batch    int             // queue: ids per pop asked for; register: entities per read
	pop      int             // queue: ids per pop on this server (Setup)
	multi    bool            // queue: the server has LMPOP (Redis ≥ 7.0)
	poll     time.Duration
}

func newString(env *Env, o *Options) (Pattern, error) {
	s := &str{env: env, register: o.String("mode", "queue", "queue", "register") == "register"}
	if !s.register {
		s.ttl = o.Duration("ttl", 0)
		s.block = o.block(defaultBlock(env.Consumers))
		s.batch, s.pop = o.IntIn("batch", 64, 1, 1000), 1
		if s.ttl > 0 && s.ttl < time.Millisecond {
			o.Fail("ttl", "must be 0 (none) or at least 1ms, got %s", s.ttl)
		}
		return s, nil
	}
	n := o.IntIn("entities", 64, 1, MaxOptionCount)
	s.batch = o.IntIn("batch", 16, 1, maxReadBatch)
	s.poll = o.poll(time.Millisecond)
	if n < env.Producers {
		o.Fail("entities", "must be at least the number of producers (%d): each entity has one writer, got %d", env.Producers, n)
		return s, nil
	}
	s.batch = min(s.batch, n)
	s.latest = make([]atomic.Uint64, n)
	for i := 0; i < n; i++ {
		s.entities = append(s.entities, env.Keys[i%len(env.Keys)]+":entity:"+strconv.Itoa(i))
	}
	return s, nil
}

func (s *str) Setup(ctx context.Context, env *Env) error {
	if s.register {
		if err := requires(ctx, env.Client, "pattern string (mode register)", 1, 0, "set", "get"); err != nil {
			return err
		}
	} else {
		if err := requires(ctx, env.Client, "pattern string", 6, 2, "set", "rpush", "blpop", "getdel"); err != nil {
			return err
		}
		s.pop, s.multi = popBatch(ctx, env.Client, s.batch)
	}
	return clearKeys(ctx, env)
}

func (s *str) Groups(consumers int) int {
	if s.register {
		return 0
	}
	return 1
}

// entity returns the entity producer p's event seq writes: p owns entities
// p, p+P, p+2P, … and writes them in turn.
func (s *str) entity(e *Envelope) int {
	p, np := int(e.Producer), s.env.Producers
	owned := (len(s.entities) - p + np - 1) / np
	return p + np*int(e.Seq%uint64(owned))
}

func (s *str) Queue(b *Batch, e Envelope, ev []byte) {
	if s.register {
		b.Cmd(3, "set").Str(s.entities[s.entity(&e)]).Bytes(ev)
		return
	}
	base := s.env.Keys[e.Partition]
	key := eventKey(base, &e)
	if s.ttl > 0 {
		b.Cmd(5, "set").Str(key).Bytes(ev).Str("px").Int(s.ttl.Milliseconds())
	} else {
		b.Cmd(3, "set").Str(key).Bytes(ev)
	}
	b.Cmd(3, "rpush").Str(base).Str(key[len(base)+len(eventInfix):])
}

// Acked records the latest acknowledged value of a register entity.
func (s *str) Acked(e Envelope) {
	if s.register {
		s.latest[s.entity(&e)].Store(e.Seq + 1)
	}
}

func (s *str) NewReader(env *Env, id int, _ string) Reader {
	if s.register {
		return &registerReader{s: s, seen: make([]uint64, len(s.entities)), link: resp.NewLink(env.Client),
			want: make([]uint64, s.batch), turn: id * s.batch % len(s.entities)}
	}
	return newNotifyReader(env, s.block, readCount(s.pop, env.PayloadMax), s.multi, func(b *Batch, key []byte) int {
		b.Cmd(2, "getdel").Bytes(key)
		return 1
	}, func(rep *resp.Replies, first int) (string, bool) {
		c := rep.Cursor(first)
		t := c.Next()
		return rep.Str(t), t.Kind == '$' && t.N >= 0
	})
}

// registerReader reads register entities in turn, batch GETs per round
// trip.
type registerReader struct {
	s    *str
	seen []uint64 // per entity, seq+1 of the newest value this reader saw
	want []uint64 // per read of the round, the latest acknowledged seq+1 when sent
	link resp.Link
	b    Batch
	rep  resp.Replies
	ents []int
	turn int
}

func (r *registerReader) Read(ctx context.Context, got Got) error {
	s, env := r.s, r.s.env
	measured := env.now() >= int64(env.Warmup)
	r.b.Reset()
	r.ents = r.ents[:0]
	for i := 0; i < s.batch; i++ {
		ent := (r.turn + i) % len(s.entities)
		r.want[i] = s.latest[ent].Load() // before the read is sent
		r.ents = append(r.ents, ent)
		r.b.Cmd(2, "get").Str(s.entities[ent])
	}
	r.turn = (r.turn + s.batch) % len(s.entities)
	if err := r.link.Do(ctx, &r.b, 0, &r.rep); err != nil {
		return err
	}
	var reads, stale, backwards int64
	var firstErr error
	for i, ent := range r.ents {
		if err := r.rep.Err(i); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		var have uint64 // seq+1 of the value read; 0: none
		cur := r.rep.Cursor(i)
		if t := cur.Next(); t.Kind == '$' && t.N >= 0 {
			e, err := DecodeString(r.rep.Str(t), env.Run)
			if err != nil {
				continue // not this run's value
			}
			have = e.Seq + 1
		}
		reads++
		if have < r.want[i] {
			stale++
		}
		if have < r.seen[ent] {
			backwards++
		} else {
			r.seen[ent] = have
		}
	}
	if measured {
		env.stats.reads.Add(reads)
		env.stats.stale.Add(stale)
		env.stats.backwards.Add(backwards)
	}
	if s.poll > 0 {
		time.Sleep(s.poll)
	}
	return firstErr
}

// Close closes the reader's connection.
func (r *registerReader) Close() error { r.link.Close(); return nil }

// queued counts the notification list's elements; a register keeps
// no queue.
func (s *str) queued(ctx context.Context, c redis.UniversalClient, keys []string) (int64, bool, error) {
	if s.register {
		return 0, false, nil
	}
	return sumLens(ctx, c, keys, llen)
}

// splitReads: see keySplitter; register readers use one key per GET.
func (s *str) splitReads() bool { return !s.register }

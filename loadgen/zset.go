package loadgen

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
)

// zset is a delayed (or priority) queue on sorted sets: producers ZADD each
// event with its due time as the score (Unix milliseconds, fractional:
// intended send time + delay), consumers claim the events that are due
// atomically. Without a delay they pop up to batch members (BZMPOP;
// BZPOPMIN before Redis 7.0); with one, a Lua script
// (EVALSHA) takes up to batch members scoring at most "now" with
// ZRANGEBYSCORE and ZREMs them in one step, and reports the next due time
// so the consumer sleeps just until then (at most poll). Delivery is
// at-most-once per claim: a claimed event is gone from the set, so a
// consumer that crashes after claiming loses the rest of its claim.
// End-to-end latency is measured from the due time (the score), not the send
// time. The drain must outlast the longest delay: events still waiting when
// it ends count as lost. Options: delay (fixed "200ms" or a seeded range {min, max}, default
// 0), batch (default 64), block (BZPOPMIN wait, default 100ms; longer with over 1,000 consumers, see defaultBlock), poll (longest
// sleep between claims, default 5ms).
type zset struct {
	env         *Env
	lo, hi      time.Duration
	batch       int
	pop         int  // without a delay: members per pop on this server (Setup)
	multi       bool // the server has ZMPOP (Redis ≥ 7.0)
	block, poll time.Duration
	delayed     bool
}

// claimDue claims due members of one zset: KEYS[1] the set, ARGV[1] now
// (a score), ARGV[2] the most to take. It returns {1, member, score, ...}
// for what it claimed, or {0, member, score} naming the next due member (not
// claimed), or {0} when the set is empty.
var claimDue = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then
  local members = {}
  for i = 1, #due, 2 do members[#members + 1] = due[i] end
  redis.call('ZREM', KEYS[1], unpack(members))
  table.insert(due, 1, 1)
  return due
end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
table.insert(nxt, 1, 0)
return nxt
`)

func newZSet(env *Env, o *Options) (Pattern, error) {
	z := &zset{env: env, batch: o.IntIn("batch", 64, 1, 1000), pop: 1, block: o.block(defaultBlock(env.Consumers)), poll: o.poll(pollDefault)}
	z.lo, z.hi = o.DurationRange("delay", 0)
	z.delayed = z.hi > 0
	return z, nil
}

func (z *zset) Setup(ctx context.Context, env *Env) error {
	var err error
	if z.delayed {
		err = requires(ctx, env.Client, "pattern zset (mode delayed)", 2, 6, "zadd", "evalsha", "script")
	} else {
		err = requires(ctx, env.Client, "pattern zset", 5, 0, "zadd", "bzpopmin")
	}
	if err != nil {
		return err
	}
	if err := delKeys(ctx, env.Client, env.Keys); err != nil {
		return err
	}
	if !z.delayed {
		z.pop, z.multi = popBatch(ctx, env.Client, z.batch)
		return nil
	}
	return loadScript(ctx, env.Client, claimDue)
}

// loadScript loads s on every primary, so that EVALSHA finds it.
func loadScript(ctx context.Context, c redis.UniversalClient, s *redis.Script) error {
	if cc, ok := c.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return s.Load(ctx, n).Err() })
	}
	return s.Load(ctx, c).Err()
}

func (z *zset) Groups(int) int { return 1 }

// delay returns event e's delay: fixed, or drawn from [lo, hi] by a hash of
// its producer and sequence, so it is reproducible.
func (z *zset) delay(e *Envelope) time.Duration {
	if z.lo == z.hi {
		return z.lo
	}
	x := uint64(e.Producer)<<48 ^ e.Seq
	x ^= x >> 33 // splitmix64 finaliser
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return z.lo + time.Duration(x%uint64(z.hi-z.lo+1))
}

// score renders a time since the epoch as the sorted set's score: Unix
// milliseconds with a fraction, as delayed-job queues commonly use.
func (z *zset) score(sinceEpoch int64) float64 {
	return float64(z.env.Epoch.UnixNano()+sinceEpoch) / 1e6
}

// sinceEpoch is score's inverse.
func (z *zset) sinceEpoch(score float64) int64 {
	return int64(math.Round(score*1e6)) - z.env.Epoch.UnixNano()
}

func (z *zset) Queue(b *Batch, e Envelope, ev []byte) {
	due := e.Intended + int64(z.delay(&e))
	b.Cmd(4, "zadd").Str(z.env.Keys[e.Partition]).Float(z.score(due)).Bytes(ev)
}

func (z *zset) NewReader(env *Env, _ int, _ string) Reader {
	count := readCount(z.batch, env.PayloadMax)
	if !z.delayed {
		return &zsetReader{z: z, pop: newPopper(env, popMin, z.block, readCount(z.pop, env.PayloadMax), z.multi)}
	}
	return &zsetReader{z: z, link: resp.NewLink(env.Client), keys: newSweep(env.Keys, windowFor(count, env.PayloadMax), perEventCommand, z.poll), count: int64(count),
		next: math.MaxInt64}
}

type zsetReader struct {
	z   *zset
	pop *popper // without a delay

	// With one: a claimDue per key of a window per round trip.
	link  resp.Link
	keys  *sweep[string]
	count int64
	b     Batch
	rep   resp.Replies
	next  int64 // the earliest due time the sweep saw, not yet claimed
}

func (r *zsetReader) Read(ctx context.Context, got Got) error {
	if !r.z.delayed {
		err := r.pop.pop(ctx)
		for _, m := range r.pop.elems { // due = intended send time
			if !got(m, 0) {
				return nil // crashed: the rest of the pop is lost
			}
		}
		return err
	}
	if w := r.keys.pause(); w > 0 {
		time.Sleep(w)
	}
	keys := r.keys.window()
	var num [32]byte
	now := strconv.AppendFloat(num[:0], r.z.score(r.z.env.now()), 'f', -1, 64)
	r.b.Reset()
	for _, k := range keys {
		r.b.Cmd(6, "evalsha").Str(claimDue.Hash()).Str("1").Str(k).Bytes(now).Int(r.count)
	}
	if err := r.link.Do(ctx, &r.b, 0, &r.rep); err != nil {
		return err
	}
	claimed := 0
	for i := range keys {
		if err := r.rep.Err(i); err != nil {
			if strings.HasPrefix(err.Error(), "NOSCRIPT") { // e.g. the server restarted
				return loadScript(ctx, r.z.env.Client, claimDue)
			}
			return err
		}
		cur := r.rep.Cursor(i)
		top := cur.Next()
		if top.Kind != '*' || top.N < 3 {
			continue
		}
		if flag := cur.Next(); flag.N == 0 { // {0, member, score}: the next due member
			cur.Next()
			if s, ok := cur.Float(cur.Next()); ok {
				r.next = min(r.next, r.z.sinceEpoch(s))
			}
			continue
		}
		for j := int64(1); j+1 < top.N; j += 2 {
			claimed++
			member := cur.Next()
			due := int64(0)
			if s, ok := cur.Float(cur.Next()); ok {
				due = r.z.sinceEpoch(s)
			}
			if !got(r.rep.Str(member), due) {
				return nil // crashed: the rest of the claim is lost
			}
		}
	}
	r.keys.found(claimed)
	if r.keys.idle() {
		// A whole sweep claimed nothing: sleep until the next member falls
		// due, at most poll per window (so idle sweeps cost the same per
		// second whatever the keys).
		sleep := r.z.poll * time.Duration(r.keys.windows())
		if r.next != math.MaxInt64 {
			sleep = min(sleep, time.Duration(r.next-r.z.env.now()))
		}
		r.next = math.MaxInt64
		r.keys.restart()
		if sleep > 0 {
			time.Sleep(sleep)
		}
	}
	return nil
}

// Close closes the reader's connection.
func (r *zsetReader) Close() error {
	if r.pop != nil {
		r.pop.close()
	}
	if r.link != nil {
		r.link.Close()
	}
	return nil
}

// queued counts the sorted sets' members, an event each.
func (*zset) queued(ctx context.Context, c redis.UniversalClient, keys []string) (int64, bool, error) {
	return sumLens(ctx, c, keys, func(p redis.Pipeliner, k string) *redis.IntCmd { return p.ZCard(context.Background(), k) })
}

// splitReads: see keySplitter; delayed claims go one key per script.
func (z *zset) splitReads() bool { return !z.delayed }

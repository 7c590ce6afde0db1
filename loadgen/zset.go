package loadgen

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
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
// 0), batch (default 64), block (BZPOPMIN wait, default 100ms), poll (longest
// sleep between claims, default 5ms).
type zset struct {
	env         *Env
	lo, hi      time.Duration
	batch       int
	pop         int // without a delay: members per pop on this server (Setup)
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
	z := &zset{env: env, batch: o.Int("batch", 64), pop: 1, block: o.Duration("block", blockDefault), poll: o.Duration("poll", pollDefault)}
	z.lo, z.hi = o.DurationRange("delay", 0)
	z.delayed = z.hi > 0
	if z.batch < 1 || z.batch > 1000 {
		return nil, fmt.Errorf("batch must be between 1 and 1000")
	}
	if z.poll < 100*time.Microsecond {
		return nil, fmt.Errorf("poll must be at least 100µs")
	}
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
		z.pop = popBatch(ctx, env.Client, z.batch)
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

func (z *zset) NewReader(env *Env, id int, _ string) Reader {
	r := &zsetReader{z: z}
	if !z.delayed {
		r.pop = newBlockingPop(env, id, "bzpopmin", z.block, z.pop)
		return r
	}
	for _, p := range partitionsFor(id, env.Consumers, len(env.Keys)) {
		r.keys = append(r.keys, env.Keys[p])
	}
	r.batch = strconv.Itoa(z.batch)
	return r
}

type zsetReader struct {
	z     *zset
	pop   *blockingPop // without a delay
	keys  []string     // with one
	batch string
	cmds  []*redis.Cmd
	pipe  redis.Pipeliner
}

func (r *zsetReader) Read(ctx context.Context, got Got) error {
	c := r.z.env.Client
	if !r.z.delayed {
		_, members, err := r.pop.pop(ctx)
		if err == redis.Nil {
			return nil
		}
		if err != nil {
			return err
		}
		for _, m := range members { // due = intended send time
			if !got(m, 0) {
				return nil // crashed: the rest of the pop is lost
			}
		}
		return nil
	}
	if r.pipe == nil {
		r.pipe = c.Pipeline()
	}
	now := strconv.FormatFloat(r.z.score(r.z.env.now()), 'f', -1, 64)
	r.cmds = r.cmds[:0]
	for _, k := range r.keys {
		r.cmds = append(r.cmds, claimDue.EvalSha(ctx, r.pipe, []string{k}, now, r.batch))
	}
	_, _ = r.pipe.Exec(ctx)
	next := int64(math.MaxInt64)
	claimed := false
	for _, cmd := range r.cmds {
		v, err := cmd.Slice()
		if err != nil {
			if redis.HasErrorPrefix(err, "NOSCRIPT") { // e.g. the server restarted
				return loadScript(ctx, c, claimDue)
			}
			return err
		}
		if len(v) < 3 {
			continue
		}
		if flag, _ := v[0].(int64); flag == 0 {
			if s, err := strconv.ParseFloat(asString(v[2]), 64); err == nil {
				next = min(next, r.z.sinceEpoch(s))
			}
			continue
		}
		claimed = true
		for i := 1; i+1 < len(v); i += 2 {
			s, err := strconv.ParseFloat(asString(v[i+1]), 64)
			due := int64(0)
			if err == nil {
				due = r.z.sinceEpoch(s)
			}
			if !got(asString(v[i]), due) {
				return nil // crashed: the rest of the claim is lost
			}
		}
	}
	if !claimed {
		sleep := r.z.poll
		if next != math.MaxInt64 {
			sleep = min(sleep, time.Duration(next-r.z.env.now()))
		}
		if sleep > 0 {
			time.Sleep(sleep)
		}
	}
	return nil
}

func asString(v any) string { s, _ := v.(string); return s }

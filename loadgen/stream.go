package loadgen

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// stream is a consumer-group pipeline on Redis streams: producers XADD,
// consumers XREADGROUP and XACK what they processed. Delivery is
// at-least-once: entries read but not acked stay pending, and every
// consumer regularly (and on start) takes over with XAUTOCLAIM the pending
// entries that have been idle longer than claim_idle, which is how a dead
// consumer's entries are redelivered (as duplicates when it had processed
// them). Options: group (name, default "squall"), batch (COUNT, default 64),
// block (default 100ms), maxlen (approximate MAXLEN trim on XADD, 0 = none;
// trimming unread entries loses them, and squall counts that), claim_idle
// (default 5s; a consumer slower than that has its entries claimed too).
type stream struct {
	env       *Env
	group     string
	batch     int
	block     time.Duration
	maxlen    int
	claimIdle time.Duration
}

// streamField is the single field each entry carries the event in.
const streamField = "e"

func newStream(env *Env, o *Options) (Pattern, error) {
	s := &stream{
		env:       env,
		group:     o.Text("group", "squall"),
		batch:     o.Int("batch", 64),
		block:     o.Duration("block", blockDefault),
		maxlen:    o.Int("maxlen", 0),
		claimIdle: o.Duration("claim_idle", 5*time.Second),
	}
	if s.batch < 1 {
		return nil, fmt.Errorf("batch must be at least 1")
	}
	if s.claimIdle < time.Millisecond {
		return nil, fmt.Errorf("claim_idle must be at least 1ms")
	}
	return s, nil
}

func (s *stream) Setup(ctx context.Context, env *Env) error {
	if err := requireVersion(ctx, env.Client, 6, 2, "pattern stream (XAUTOCLAIM)"); err != nil {
		return err
	}
	if err := delKeys(ctx, env.Client, env.Keys); err != nil {
		return err
	}
	for _, k := range env.Keys {
		err := env.Client.XGroupCreateMkStream(ctx, k, s.group, "0").Err()
		if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
			return fmt.Errorf("XGROUP CREATE %s %s: %w", k, s.group, err)
		}
	}
	return nil
}

func (s *stream) Groups(int) int { return 1 }

func (s *stream) Queue(ctx context.Context, pipe redis.Pipeliner, e Envelope, ev []byte) int {
	a := &redis.XAddArgs{Stream: s.env.Keys[e.Partition], Values: []any{streamField, ev}}
	if s.maxlen > 0 {
		a.MaxLen, a.Approx = int64(s.maxlen), true
	}
	pipe.XAdd(ctx, a)
	return 1
}

func (s *stream) NewReader(env *Env, id int, name string) Reader {
	parts := partitionsFor(id, env.Consumers, len(env.Keys))
	streams := make([]string, 0, 2*len(parts))
	for _, p := range parts {
		streams = append(streams, env.Keys[p])
	}
	for range parts {
		streams = append(streams, ">")
	}
	return &streamReader{s: s, name: name, keys: streams[:len(parts)], args: &redis.XReadGroupArgs{
		Group:    s.group,
		Consumer: name,
		Streams:  streams,
		Count:    int64(s.batch),
		Block:    s.block,
	}}
}

type streamReader struct {
	s         *stream
	name      string
	keys      []string
	args      *redis.XReadGroupArgs
	ids       []string
	lastClaim time.Time // zero: claim on the first read
}

func (r *streamReader) Read(ctx context.Context, got Got) error {
	if time.Since(r.lastClaim) >= r.s.claimIdle/2 {
		r.lastClaim = time.Now()
		for _, k := range r.keys {
			if ok, err := r.claim(ctx, k, got); !ok || err != nil {
				return err
			}
		}
	}
	res, err := r.s.env.Client.XReadGroup(ctx, r.args).Result()
	if err == redis.Nil {
		return nil
	}
	if err != nil {
		return err
	}
	for _, st := range res {
		if ok, err := r.process(ctx, st.Stream, st.Messages, got); !ok || err != nil {
			return err
		}
	}
	return nil
}

// claim takes over the entries of key pending longer than claim_idle
// (those of dead consumers) and processes them; false means crashed.
func (r *streamReader) claim(ctx context.Context, key string, got Got) (bool, error) {
	start := "0-0"
	for range 16 { // bounded per read, continued at the next claim
		msgs, next, err := r.s.env.Client.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: key, Group: r.s.group, Consumer: r.name,
			MinIdle: r.s.claimIdle, Start: start, Count: int64(r.s.batch),
		}).Result()
		if err != nil {
			return true, err
		}
		r.s.env.stats.reclaimed.Add(int64(len(msgs)))
		if ok, err := r.process(ctx, key, msgs, got); !ok || err != nil {
			return ok, err
		}
		if next == "0-0" || next == "" {
			break
		}
		start = next
	}
	return true, nil
}

// process hands entries to got and acks them; false means crashed (then
// nothing is acked).
func (r *streamReader) process(ctx context.Context, key string, msgs []redis.XMessage, got Got) (bool, error) {
	r.ids = r.ids[:0]
	for _, m := range msgs {
		v, _ := m.Values[streamField].(string)
		if !got(v, 0) {
			return false, nil
		}
		r.ids = append(r.ids, m.ID)
	}
	if len(r.ids) == 0 {
		return true, nil
	}
	return true, r.s.env.Client.XAck(ctx, key, r.s.group, r.ids...).Err()
}

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
// at-least-once: entries read but not acked stay pending for redelivery.
// Options: group (name, default "squall"), batch (COUNT, default 64),
// block (default 100ms), maxlen (approximate MAXLEN trim on XADD, 0 = none;
// trimming unread entries loses them, and squall counts that).
type stream struct {
	env    *Env
	group  string
	batch  int
	block  time.Duration
	maxlen int
}

// streamField is the single field each entry carries the event in.
const streamField = "e"

func newStream(env *Env, o *Options) (Pattern, error) {
	s := &stream{
		env:    env,
		group:  "squall",
		batch:  o.Int("batch", 64),
		block:  o.Duration("block", blockDefault),
		maxlen: o.Int("maxlen", 0),
	}
	if v, ok := o.m["group"].(string); ok && v != "" {
		s.group = v
	}
	o.used["group"] = true
	if s.batch < 1 {
		return nil, fmt.Errorf("workload.options.batch must be at least 1")
	}
	return s, nil
}

func (s *stream) Setup(ctx context.Context, env *Env) error {
	if err := env.Client.Del(ctx, env.Keys...).Err(); err != nil {
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

func (s *stream) Queue(ctx context.Context, pipe redis.Pipeliner, part int, ev []byte) int {
	a := &redis.XAddArgs{Stream: s.env.Keys[part], Values: []any{streamField, ev}}
	if s.maxlen > 0 {
		a.MaxLen, a.Approx = int64(s.maxlen), true
	}
	pipe.XAdd(ctx, a)
	return 1
}

func (s *stream) NewReader(env *Env, id int) Reader {
	parts := partitionsFor(id, env.Consumers, len(env.Keys))
	streams := make([]string, 0, 2*len(parts))
	for _, p := range parts {
		streams = append(streams, env.Keys[p])
	}
	for range parts {
		streams = append(streams, ">")
	}
	return &streamReader{s: s, args: &redis.XReadGroupArgs{
		Group:    s.group,
		Consumer: fmt.Sprintf("c%d", id), // stable: a restarted consumer finds its pending entries
		Streams:  streams,
		Count:    int64(s.batch),
		Block:    s.block,
	}}
}

type streamReader struct {
	s    *stream
	args *redis.XReadGroupArgs
	ids  []string
}

func (r *streamReader) Read(ctx context.Context, got func(string)) error {
	res, err := r.s.env.Client.XReadGroup(ctx, r.args).Result()
	if err == redis.Nil {
		return nil
	}
	if err != nil {
		return err
	}
	for _, st := range res {
		r.ids = r.ids[:0]
		for _, m := range st.Messages {
			if v, ok := m.Values[streamField].(string); ok {
				got(v)
			} else {
				got("")
			}
			r.ids = append(r.ids, m.ID)
		}
		if len(r.ids) > 0 {
			if err := r.s.env.Client.XAck(ctx, st.Stream, r.s.group, r.ids...).Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

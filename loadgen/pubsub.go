package loadgen

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
)

// pubsub is fan-out on Redis Pub/Sub: producers PUBLISH to the keys
// channels, every consumer SUBSCRIBEs to all of them (or PSUBSCRIBEs one
// pattern with psubscribe: true) and gets every event, so received is
// consumers × sent. Delivery is at-most-once: Redis keeps no copy, so a
// subscriber that is disconnected, crashes, or falls behind its
// client-output-buffer-limit loses what was published meanwhile. The
// generator starts publishing only once every subscription is confirmed.
// With shard: true (pattern spubsub) it uses SPUBLISH/SSUBSCRIBE (Redis ≥
// 7), whose channels live on the shard that owns their slot in a cluster.
// Options: psubscribe (pubsub only), block (receive wait, default 100ms; longer with over 1,000 consumers, see defaultBlock).
type pubsub struct {
	env     *Env
	shard   bool
	psub    bool
	block   time.Duration
	primary primary // behind Sentinel: which node the client takes for the primary
}

func newPubSub(env *Env, o *Options) (Pattern, error) {
	return &pubsub{env: env, psub: o.Bool("psubscribe", false), block: o.block(defaultBlock(env.Consumers))}, nil
}

func newSPubSub(env *Env, o *Options) (Pattern, error) {
	return &pubsub{env: env, shard: true, block: o.block(defaultBlock(env.Consumers))}, nil
}

func (p *pubsub) Setup(ctx context.Context, env *Env) error {
	if !p.shard {
		return requires(ctx, env.Client, "pattern pubsub", 2, 0, "publish", "subscribe")
	}
	return requires(ctx, env.Client, "pattern spubsub (use pattern pubsub on older servers)", 7, 0, "spublish", "ssubscribe")
}

func (p *pubsub) Groups(consumers int) int { return consumers }

func (p *pubsub) Queue(b *Batch, e Envelope, ev []byte) {
	publish := "publish"
	if p.shard {
		publish = "spublish"
	}
	b.Cmd(3, publish).Str(p.env.Keys[e.Partition]).Bytes(ev)
}

func (p *pubsub) NewReader(env *Env, _ int, _ string) Reader {
	if c, ok := env.Client.(*redis.Client); ok && subscribeDirectOK(c.Options()) {
		return &wireSubscriber{p: p, env: env, c: resp.NewConn(c.Options()), failover: c.Options().Addr == "FailoverClient"}
	}
	return &subscriber{p: p}
}

// subscriber is one fan-out consumer on a cluster, through go-redis: each
// shard channel needs its own subscription (SSUBSCRIBE takes channels of
// one slot), and go-redis knows which node serves which.
type subscriber struct {
	p    *pubsub
	subs []*redis.PubSub
	turn int
}

func (s *subscriber) Open(ctx context.Context) error {
	c := s.p.env.Client
	_, cluster := c.(*redis.ClusterClient)
	var groups [][]string
	switch {
	case s.p.psub:
		groups = [][]string{{s.p.env.KeyGlob}}
	case s.p.shard && cluster:
		for _, k := range s.p.env.Keys {
			groups = append(groups, []string{k})
		}
	default:
		groups = [][]string{s.p.env.Keys}
	}
	for _, chans := range groups {
		var ps *redis.PubSub
		switch {
		case s.p.psub:
			ps = c.PSubscribe(ctx, chans...)
		case s.p.shard:
			ps = c.SSubscribe(ctx, chans...)
		default:
			ps = c.Subscribe(ctx, chans...)
		}
		s.subs = append(s.subs, ps)
		if err := confirm(ctx, ps, len(chans)); err != nil {
			_ = s.Close()
			return err
		}
	}
	return nil
}

// confirm waits until the server confirmed n subscriptions on ps.
func confirm(ctx context.Context, ps *redis.PubSub, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		msg, err := ps.Receive(ctx)
		if err != nil {
			return fmt.Errorf("subscribing: %w", err)
		}
		if sub, ok := msg.(*redis.Subscription); ok && sub.Count >= n {
			return nil
		}
	}
}

func (s *subscriber) Read(ctx context.Context, got Got) error {
	wait := s.p.block
	if len(s.subs) > 1 { // poll the subscriptions in turn
		wait = max(wait/time.Duration(len(s.subs)), time.Millisecond)
	}
	ps := s.subs[s.turn%len(s.subs)]
	s.turn++
	msg, err := ps.ReceiveTimeout(ctx, wait)
	if err != nil {
		if isTimeout(err) {
			return nil
		}
		return err // go-redis reconnects and resubscribes at the next receive
	}
	if m, ok := msg.(*redis.Message); ok {
		got(m.Payload, 0)
	}
	return nil
}

// Close drops the subscriptions, as a dead process's socket would.
func (s *subscriber) Close() error {
	var errs []error
	for _, ps := range s.subs {
		errs = append(errs, ps.Close())
	}
	s.subs = nil
	return errors.Join(errs...)
}

package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
)

// On a standalone server and behind Sentinel a subscriber reads on a
// connection of its own, dialed with the client's dialer (behind Sentinel,
// go-redis's, which asks the sentinels for the primary), and parses each
// message in place: a go-redis PubSub allocates per message and, with a
// hundred subscribers, its receive goroutines starved the producers on a
// shared core.

// subscribeDirectOK reports whether a client's options let a subscriber
// dial its own connection: those of a plain standalone client, or of
// Sentinel's failover client.
func subscribeDirectOK(o *redis.Options) bool {
	failover := *o
	failover.Addr = "" // DirectOK refuses the failover client only for its address
	return o.Addr == "FailoverClient" && resp.DirectOK(&failover) || resp.DirectOK(o)
}

// failoverCheck is how often a subscriber behind Sentinel checks that it is
// still subscribed on the primary. A failover moves the producers (go-redis
// follows +switch-master) but not a subscription: one left on the demoted
// primary, or on an isolated one, would hear nothing the new primary
// publishes, so it resubscribes.
const failoverCheck = 250 * time.Millisecond

// confirmTimeout bounds how long a subscriber waits for its subscriptions
// to be confirmed.
const confirmTimeout = 5 * time.Second

// wireSubscriber is one fan-out consumer on its own connection.
type wireSubscriber struct {
	p        *pubsub
	env      *Env
	c        *resp.Conn
	failover bool
	node     string    // behind Sentinel: run_id of the node subscribed on
	checked  time.Time // when the node was last checked against the primary
	b        Batch
	rep      resp.Replies
}

// Open subscribes and waits for every subscription's confirmation.
func (s *wireSubscriber) Open(context.Context) error { return s.subscribe() }

func (s *wireSubscriber) subscribe() error {
	s.c.Close()
	s.b.Reset()
	if s.failover {
		s.b.Cmd(2, "info").Str("server")
	}
	chans := s.env.Keys
	cmd := "subscribe"
	switch {
	case s.p.psub:
		chans, cmd = []string{s.env.KeyGlob}, "psubscribe"
	case s.p.shard:
		cmd = "ssubscribe"
	}
	s.b.Cmd(1+len(chans), cmd)
	for _, ch := range chans {
		s.b.Str(ch)
	}
	if err := s.c.Send(&s.b, confirmTimeout); err != nil {
		return fmt.Errorf("subscribing: %w", err)
	}
	s.rep.Reset()
	if s.failover {
		if err := s.c.ReadReply(&s.rep); err != nil {
			s.c.Close()
			return fmt.Errorf("subscribing: %w", err)
		}
		if err := s.rep.Err(0); err != nil {
			s.c.Close()
			return fmt.Errorf("subscribing: INFO: %w", err)
		}
		cur := s.rep.Cursor(0)
		s.node, s.checked = runID(s.rep.Str(cur.Next())), time.Now()
	}
	for range chans { // a confirmation per channel: [subscribe, channel, count]
		s.rep.Reset()
		if err := s.c.ReadReply(&s.rep); err != nil {
			s.c.Close()
			return fmt.Errorf("subscribing: %w", err)
		}
		if err := s.rep.Err(0); err != nil {
			s.c.Close()
			return fmt.Errorf("subscribing: %w", err)
		}
	}
	s.c.Touch()
	return nil
}

// Read hands over the messages that arrive within block (one deadline
// for them all: setting one per message cost as much as the message).
// After an error it resubscribes at the next Read (what was published
// meanwhile is lost: pub/sub keeps nothing).
func (s *wireSubscriber) Read(ctx context.Context, got Got) error {
	if !s.c.Connected() {
		return s.subscribe()
	}
	if s.failover && time.Since(s.checked) >= failoverCheck {
		s.checked = time.Now()
		if id := s.p.primaryID(ctx, s.env.Client); id != "" && id != s.node {
			return s.subscribe() // a failover: subscribe on the new primary
		}
	}
	deadline := time.Now().Add(s.p.block)
	if err := s.c.SetReadDeadline(deadline); err != nil {
		s.c.Close()
		return err
	}
	for {
		if err := s.c.Await(); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil // the wait is over; nothing of a message was consumed
			}
			s.c.Close()
			return err
		}
		// A message has begun: leave it time to arrive whole, so that the
		// deadline never falls inside one (the Read ends after it).
		extended := false
		if now := time.Now(); deadline.Sub(now) < messageTime {
			extended = true
			if err := s.c.SetReadDeadline(now.Add(max(messageTime, s.c.ReadTimeout()))); err != nil {
				s.c.Close()
				return err
			}
		}
		s.rep.Reset()
		if err := s.c.ReadReply(&s.rep); err != nil {
			s.c.Close()
			return err
		}
		s.c.Touch()
		if payload, ok := s.message(); ok && !got(payload, 0) {
			return nil // crashed: what was read but not handled is lost
		}
		if extended {
			return nil // the wait is over
		}
	}
}

// messageTime is the least time a subscriber leaves a message it began
// reading to arrive whole.
const messageTime = 50 * time.Millisecond

// message reads a push: [message, channel, payload], [smessage, channel,
// payload] or [pmessage, pattern, channel, payload]; other pushes
// (confirmations) are not messages.
func (s *wireSubscriber) message() (string, bool) {
	cur := s.rep.Cursor(0)
	top := cur.Next()
	if top.Kind != '*' || top.N < 3 {
		return "", false
	}
	switch kind := s.rep.Str(cur.Next()); {
	case kind == "message" || kind == "smessage":
	case kind == "pmessage" && top.N == 4:
		cur.Next()
	default:
		return "", false
	}
	cur.Next() // the channel
	t := cur.Next()
	return s.rep.Str(t), t.Kind == '$'
}

// Close drops the subscription, as a dead process's socket would.
func (s *wireSubscriber) Close() error { s.c.Close(); return nil }

// runID reads run_id from an INFO server reply.
func runID(info string) string {
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "run_id:"); ok {
			return v
		}
	}
	return ""
}

// primary caches the run_id of the node the client takes for the primary,
// shared by a pattern's subscribers so that a hundred of them ask once.
type primary struct {
	mu sync.Mutex
	id string
	at time.Time
}

// primaryID returns the run_id of the node c sends commands to (behind
// Sentinel: the primary), at most failoverCheck old; "" when unknown.
func (p *pubsub) primaryID(ctx context.Context, c redis.UniversalClient) string {
	p.primary.mu.Lock()
	defer p.primary.mu.Unlock()
	if time.Since(p.primary.at) < failoverCheck {
		return p.primary.id
	}
	p.primary.at = time.Now()
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		p.primary.id = ""
		return ""
	}
	p.primary.id = runID(info)
	return p.primary.id
}

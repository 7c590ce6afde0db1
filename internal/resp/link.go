package resp

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A Link is how a consumer talks to Redis: a round trip of a Batch's
// commands, the replies read into tokens. On a standalone server it is the
// consumer's own connection (a Conn), read without allocating; on
// Sentinel and cluster targets it is the shared go-redis client, which
// follows failovers and routes by slot.
type Link interface {
	// Do sends b in one round trip and reads one reply per command into
	// rep (reset first). block is how long a blocking command in b may
	// wait, added to the read deadline. An error reply is a '-' token, not
	// an error; an I/O error (the connection is closed) is returned. No
	// command is sent twice (a MOVED or ASK, which did not run it, is
	// followed), so a take's reply is never replaced by another take's.
	Do(ctx context.Context, b *Batch, block time.Duration, rep *Replies) error
	Close()
}

// NewLink returns a consumer's link for client c.
func NewLink(c redis.UniversalClient) Link {
	if sc, ok := c.(*redis.Client); ok && DirectOK(sc.Options()) {
		return &wireLink{c: NewConn(sc.Options())}
	}
	return &clientLink{c: c}
}

// wireLink is a consumer's own connection.
type wireLink struct{ c *Conn }

func (l *wireLink) Do(_ context.Context, b *Batch, block time.Duration, rep *Replies) error {
	rep.Reset()
	if err := l.c.send(b.Wire(), block); err != nil {
		return err
	}
	for range b.Len() {
		if err := l.c.ReadReply(rep); err != nil {
			l.c.Close()
			return err
		}
	}
	l.c.used = time.Now()
	return nil
}

func (l *wireLink) Close() { l.c.Close() }

// clientLink runs a round trip as a go-redis pipeline, sent at most once
// (see onceCmd), as a wireLink's is.
type clientLink struct {
	c    redis.UniversalClient
	cmds []*redis.Cmd
}

// onceCmd is a command of a consumer's round trip: go-redis must not send
// it again. go-redis re-sends a whole pipeline (to a node, on a cluster)
// when its first reply is a retryable error (TRYAGAIN, CLUSTERDOWN,
// LOADING, READONLY) or the connection fails, and re-runs with it the
// commands that had succeeded: a take (LMOVE, a pop, XREADGROUP) run
// twice takes a second event, and the first one's reply is overwritten,
// so it is never received (issue 21: during a reshard, list-reliable's
// LMOVE answered TRYAGAIN ahead of another LMOVE that had moved an event
// into its processing list; the resend moved the next one). The reader
// gets the error instead and reads again. MOVED and ASK are still
// followed: go-redis does not gate them on NoRetry, and a redirected
// command did not run.
type onceCmd struct{ *redis.Cmd }

// NoRetry tells go-redis to send the round trip once.
func (onceCmd) NoRetry() bool { return true }

func (l *clientLink) Do(ctx context.Context, b *Batch, _ time.Duration, rep *Replies) error {
	rep.Reset()
	pipe := l.c.Pipeline()
	l.cmds = l.cmds[:0]
	for _, args := range b.Args() {
		cmd := redis.NewCmd(ctx, args...)
		l.cmds = append(l.cmds, cmd)
		_ = pipe.Process(ctx, onceCmd{cmd})
	}
	_, _ = pipe.Exec(ctx)
	for _, cmd := range l.cmds {
		v, err := cmd.Result()
		var re redis.Error
		switch {
		case err == redis.Nil:
			v, err = nil, nil
		case errors.As(err, &re):
		case err != nil:
			return err // not a reply: the round trip failed
		}
		rep.start = append(rep.start, len(rep.toks))
		if err != nil {
			rep.appendText('-', err.Error())
			continue
		}
		rep.appendValue(v, 0)
	}
	return nil
}

func (l *clientLink) Close() {}

// appendValue adds the tokens of a reply go-redis decoded into Go values
// (a RESP3 map as an array of [key, value] pairs).
func (r *Replies) appendValue(v any, depth int) {
	if depth > 8 {
		r.toks = append(r.toks, Tok{Kind: '*', N: -1})
		return
	}
	switch x := v.(type) {
	case nil:
		r.toks = append(r.toks, Tok{Kind: '$', N: -1})
	case string:
		r.appendText('$', x)
	case int64:
		r.toks = append(r.toks, Tok{Kind: ':', N: x})
	case bool:
		n := int64(0)
		if x {
			n = 1
		}
		r.toks = append(r.toks, Tok{Kind: ':', N: n})
	case float64:
		r.appendText('$', strconv.FormatFloat(x, 'f', -1, 64))
	case error:
		r.appendText('-', x.Error())
	case []any:
		r.toks = append(r.toks, Tok{Kind: '*', N: int64(len(x))})
		for _, e := range x {
			r.appendValue(e, depth+1)
		}
	case map[any]any: // as pairs, the shape of RESP2's XREADGROUP reply
		r.toks = append(r.toks, Tok{Kind: '*', N: int64(len(x))})
		for k, e := range x {
			r.toks = append(r.toks, Tok{Kind: '*', N: 2})
			r.appendValue(k, depth+1)
			r.appendValue(e, depth+1)
		}
	default:
		r.appendText('$', fmt.Sprint(x))
	}
}

func (r *Replies) appendText(kind byte, s string) {
	t := Tok{Kind: kind, N: int64(len(s)), lo: len(r.buf)}
	r.buf = append(r.buf, s...)
	t.hi = len(r.buf)
	r.toks = append(r.toks, t)
}

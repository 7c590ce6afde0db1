package loadgen

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unsafe"

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
	if err := requires(ctx, env.Client, "pattern stream", 6, 2, "xadd", "xgroup", "xreadgroup", "xack", "xautoclaim"); err != nil {
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

func (s *stream) Queue(b *Batch, e Envelope, ev []byte) {
	key := s.env.Keys[e.Partition]
	if s.maxlen > 0 {
		b.Cmd(8, "xadd").Str(key).Str("maxlen").Str("~").Int(int64(s.maxlen)).Str("*").Str(streamField).Bytes(ev)
		return
	}
	b.Cmd(5, "xadd").Str(key).Str("*").Str(streamField).Bytes(ev)
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
	r := &streamReader{s: s, name: name, keys: streams[:len(parts)], args: &redis.XReadGroupArgs{
		Group:    s.group,
		Consumer: name,
		Streams:  streams,
		Count:    int64(s.batch),
		Block:    s.block,
	}}
	if c, ok := env.Client.(*redis.Client); ok && directOK(c.Options()) {
		r.wire = &wireConn{opt: c.Options()}
		r.read.Cmd(9+len(streams), "xreadgroup").Str("group").Str(s.group).Str(name).
			Str("count").Int(int64(s.batch)).Str("block").Int(s.block.Milliseconds()).Str("streams")
		for _, st := range streams {
			r.read.Str(st)
		}
	}
	return r
}

type streamReader struct {
	s         *stream
	name      string
	keys      []string
	args      *redis.XReadGroupArgs
	ids       []string
	lastClaim time.Time // zero: claim on the first read

	// On a standalone server the reader reads and acknowledges on a
	// connection of its own (see readWire); claims go through the client.
	wire  *wireConn
	read  Batch         // the XREADGROUP command, the same every time
	acks  Batch         // XACK per stream of the last read, sent with the next one
	out   Batch         // acks + read
	res   []reply       // the XACK replies
	ents  []streamEntry // the last read's entries
	idBuf []byte        // their IDs
	vals  []byte        // their events
	tmp   []byte
}

// streamEntry is one entry of a read: its stream (an index into keys), and
// its ID and event as spans of idBuf and vals.
type streamEntry struct {
	key          int
	idLo, idHi   int
	valLo, valHi int
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
	if r.wire != nil {
		return r.readWire(got)
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

// readWire is one XREADGROUP on the reader's own connection, its reply
// parsed in place without allocating. The XACKs of the previous read's
// entries travel in the same write, so a read costs one round trip: an
// entry is acknowledged when the consumer asks for more, after handling it,
// as before; what is left at the end is acknowledged by Close.
func (r *streamReader) readWire(got Got) error {
	c := r.wire
	acks := r.acks.Len()
	r.out.Reset()
	r.out.append(&r.acks)
	r.out.append(&r.read)
	r.acks.Reset()
	if err := c.send(r.out.wire(), r.s.block); err != nil {
		return err // the acknowledgements are lost with it: the entries stay pending, to be claimed
	}
	if cap(r.res) < acks {
		r.res = make([]reply, acks)
	}
	res := r.res[:acks]
	if err := c.replies(res); err != nil {
		c.close()
		return err
	}
	var ackErr error
	for _, x := range res {
		ackErr = cmp.Or(ackErr, x.err)
	}
	if err := r.parse(); err != nil {
		if _, ok := err.(replyError); !ok {
			c.close()
		}
		return err
	}
	c.used = time.Now()
	for i := 0; i < len(r.ents); {
		key := r.ents[i].key
		j := i
		for j < len(r.ents) && r.ents[j].key == key {
			j++
		}
		for _, e := range r.ents[i:j] {
			if !got(unsafe.String(unsafe.SliceData(r.vals[e.valLo:e.valHi]), e.valHi-e.valLo), 0) {
				return ackErr // crashed: only the streams handled before are acknowledged (by Close)
			}
		}
		r.acks.Cmd(3+j-i, "xack").Str(r.keys[key]).Str(r.s.group)
		for _, e := range r.ents[i:j] {
			r.acks.Bytes(r.idBuf[e.idLo:e.idHi])
		}
		i = j
	}
	return ackErr
}

// parse reads an XREADGROUP reply into ents: nil (the block timed out), or
// per stream [key, [[id, [field, value, ...]], ...]].
func (r *streamReader) parse() error {
	c := r.wire
	r.ents, r.idBuf, r.vals = r.ents[:0], r.idBuf[:0], r.vals[:0]
	kind, streams, text, err := c.header()
	switch {
	case err != nil:
		return err
	case kind == '-':
		return replyError(text)
	case kind != '*':
		return errProtocol
	}
	for range streams {
		if n, err := r.expect('*'); err != nil || n != 2 {
			return cmp.Or(err, errProtocol)
		}
		n, err := r.expect('$')
		if err != nil {
			return err
		}
		if r.tmp, err = c.bulk(n, r.tmp[:0]); err != nil {
			return err
		}
		key := slices.Index(r.keys, string(r.tmp))
		if key < 0 {
			return errProtocol
		}
		entries, err := r.expect('*')
		if err != nil {
			return err
		}
		for range entries {
			if n, err := r.expect('*'); err != nil || n != 2 {
				return cmp.Or(err, errProtocol)
			}
			e := streamEntry{key: key, idLo: len(r.idBuf)}
			n, err := r.expect('$')
			if err != nil {
				return err
			}
			if r.idBuf, err = c.bulk(n, r.idBuf); err != nil {
				return err
			}
			e.idHi = len(r.idBuf)
			fields, err := r.expect('*') // -1: a deleted entry
			if err != nil || fields > 0 && fields%2 != 0 {
				return cmp.Or(err, errProtocol)
			}
			for f := int64(0); f < fields; f += 2 {
				n, err := r.expect('$')
				if err != nil {
					return err
				}
				if r.tmp, err = c.bulk(n, r.tmp[:0]); err != nil {
					return err
				}
				ours := string(r.tmp) == streamField && e.valHi == 0
				if n, err = r.expect('$'); err != nil {
					return err
				}
				if !ours {
					if r.tmp, err = c.bulk(n, r.tmp[:0]); err != nil {
						return err
					}
					continue
				}
				e.valLo = len(r.vals)
				if r.vals, err = c.bulk(n, r.vals); err != nil {
					return err
				}
				e.valHi = len(r.vals)
			}
			r.ents = append(r.ents, e)
		}
	}
	return nil
}

// expect reads a reply header that must be of kind and returns its number.
func (r *streamReader) expect(kind byte) (int64, error) {
	k, n, _, err := r.wire.header()
	if err == nil && k != kind {
		err = errProtocol
	}
	return n, err
}

// Close acknowledges what the last read handled and closes the reader's
// own connection.
func (r *streamReader) Close() error {
	if r.wire == nil {
		return nil
	}
	var err error
	if n := r.acks.Len(); n > 0 && r.wire.nc != nil {
		res := make([]reply, n)
		r.wire.exec(&r.acks, res)
		for _, x := range res {
			err = cmp.Or(err, x.err)
		}
	}
	r.wire.close()
	return err
}

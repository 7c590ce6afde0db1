package loadgen

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
)

// stream is a consumer-group pipeline on Redis streams: producers XADD,
// consumers XREADGROUP and XACK what they processed. Delivery is
// at-least-once: entries read but not acked stay pending, and every
// consumer regularly (and on start) takes over with XAUTOCLAIM the pending
// entries that have been idle longer than claim_idle, which is how a dead
// consumer's entries are redelivered (as duplicates when it had processed
// them). Options: group (name, default "squall"), batch (COUNT, default 64),
// block (default 100ms; longer with over 1,000 consumers, see defaultBlock), maxlen (approximate MAXLEN trim on XADD, 0 = none;
// trimming unread entries loses them, and squall counts that), claim_idle
// (default 5s; a consumer slower than that has its entries claimed too),
// groups (default 1: fan-out to that many consumer groups, each a service
// that receives every event; the consumers are split between them in
// blocks, and the groups after the first are named GROUP-1, GROUP-2, ...).
type stream struct {
	env       *Env
	group     string
	groups    int
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
		batch:     o.IntIn("batch", 64, 1, maxReadBatch),
		block:     o.block(defaultBlock(env.Consumers)),
		maxlen:    o.Int("maxlen", 0),
		claimIdle: o.DurationIn("claim_idle", 5*time.Second, time.Millisecond, MaxOptionDuration),
		groups:    o.IntIn("groups", 1, 1, maxGroups),
	}
	if env.Consumers > 0 && s.groups > env.Consumers {
		o.Fail("groups", "every group needs a consumer: %d groups for workload.consumers %d", s.groups, env.Consumers)
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
		for g := range s.groups {
			err := env.Client.XGroupCreateMkStream(ctx, k, s.groupName(g), "0").Err()
			if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
				return fmt.Errorf("XGROUP CREATE %s %s: %w", k, s.groupName(g), err)
			}
		}
	}
	return nil
}

// maxGroups bounds options.groups: each is a consumer group per stream,
// and a ledger of its own.
const maxGroups = 64

// groupName is the name of consumer group g (0-based).
func (s *stream) groupName(g int) string {
	if g == 0 {
		return s.group
	}
	return fmt.Sprintf("%s-%d", s.group, g)
}

// Groups: every group receives every event.
func (s *stream) Groups(int) int { return s.groups }

func (s *stream) Queue(b *Batch, e Envelope, ev []byte) {
	key := s.env.Keys[e.Partition]
	if s.maxlen > 0 {
		b.Cmd(8, "xadd").Str(key).Str("maxlen").Str("~").Int(int64(s.maxlen)).Str("*").Str(streamField).Bytes(ev)
		return
	}
	b.Cmd(5, "xadd").Str(key).Str("*").Str(streamField).Bytes(ev)
}

func (s *stream) NewReader(env *Env, id int, name string) Reader {
	// COUNT is per stream: a read of up to blockKeys streams stays within
	// readBudget, and so does a sweep's window.
	count := readCount(s.batch, env.PayloadMax*min(len(env.Keys), blockKeys))
	group := s.groupName(groupOf(id, env.Consumers, s.groups))
	return &streamReader{s: s, group: group, name: name, link: resp.NewLink(env.Client), count: count,
		keys: newRing(env.Keys, windowFor(count, env.PayloadMax), s.block), owned: env.Owned}
}

// streamReader reads its streams with XREADGROUP on its own link, the
// XACKs of what it handled travelling with its next round trip, and
// reclaims the streams it owns with XAUTOCLAIM. Its streams are a ring
// (see window.go): an XREADGROUP names at most a window of them, and
// blocks on at most blockKeys.
type streamReader struct {
	s         *stream
	group     string // its consumer group's name
	name      string
	link      resp.Link
	count     int
	keys      ring      // the streams it reads
	owned     []string  // the streams whose stale pending entries it takes over
	lastClaim time.Time // zero: claim on the first read
	acks      Batch     // XACK per stream handled, sent with the next round trip
	b         Batch
	rep       resp.Replies
	cursors   []string // claim: per owned stream of the chunk, the next start ("": done)
}

func (r *streamReader) Read(ctx context.Context, got Got) error {
	if time.Since(r.lastClaim) >= r.s.claimIdle/2 {
		r.lastClaim = time.Now()
		for chunk := r.owned; len(chunk) > 0; {
			n := min(len(chunk), windowFor(r.count, r.s.env.PayloadMax))
			if ok, err := r.claim(ctx, chunk[:n], got); !ok || err != nil {
				return err
			}
			chunk = chunk[n:]
		}
	}
	keys, blocking := r.keys.next()
	r.b.Reset()
	r.b.Append(&r.acks)
	acks := r.acks.Len()
	r.acks.Reset()
	argc := 7 + 2*len(keys)
	var block time.Duration
	if blocking {
		block = r.s.block
		argc += 2
	}
	r.b.Cmd(argc, "xreadgroup").Str("group").Str(r.group).Str(r.name).Str("count").Int(int64(r.count))
	if blocking {
		r.b.Str("block").Int(block.Milliseconds())
	}
	r.b.Str("streams")
	for _, k := range keys {
		r.b.Str(k)
	}
	for range keys {
		r.b.Str(">")
	}
	if err := r.link.Do(ctx, &r.b, block, &r.rep); err != nil {
		return err // the acknowledgements are lost with it: the entries stay pending, to be claimed
	}
	var ackErr error
	for i := range acks {
		ackErr = cmp.Or(ackErr, r.rep.Err(i))
	}
	if err := r.rep.Err(acks); err != nil {
		return err
	}
	cur := r.rep.Cursor(acks)
	top := cur.Next()
	for range max(top.N, 0) {
		if st := cur.Next(); st.Kind != '*' || st.N != 2 {
			cur.Skip(st)
			continue
		}
		key := r.rep.Str(cur.Next())
		n, ok := r.entries(&cur, key, got)
		if n > 0 {
			r.keys.served(key)
		}
		if !ok {
			return ackErr // crashed: only the streams handled before are acknowledged (by Close)
		}
	}
	r.keys.done()
	return ackErr
}

// entries hands got the entries of one stream's reply ([[id, [field,
// value, ...]], ...]) and queues their XACK; it returns how many, and
// false when the consumer crashed (then nothing of the stream is acked).
func (r *streamReader) entries(cur *resp.Cursor, key string, got Got) (int, bool) {
	list := cur.Next()
	mark := *cur
	n := 0
	for range max(list.N, 0) {
		e := cur.Next()
		if e.Kind != '*' || e.N < 2 {
			cur.Skip(e)
			continue
		}
		cur.Next() // the id
		event, ok := "", false
		for j := int64(1); j < e.N; j++ {
			fields := cur.Next() // nil: a deleted entry
			for f := int64(0); f < fields.N; f++ {
				name := cur.Next()
				if f++; f < fields.N {
					v := cur.Next()
					if !ok && r.rep.Str(name) == streamField {
						event, ok = r.rep.Str(v), true
					}
				}
			}
		}
		if !got(event, 0) { // an entry without the field is not an event: foreign
			return n, false
		}
		n++
	}
	if n == 0 {
		return 0, true
	}
	// Walk the entries again for their ids.
	r.acks.Cmd(3+n, "xack").Str(key).Str(r.group)
	c := cur.Since(mark)
	for range max(list.N, 0) {
		e := c.Next()
		if e.Kind != '*' || e.N < 2 {
			c.Skip(e)
			continue
		}
		r.acks.Str(r.rep.Str(c.Next()))
		for j := int64(1); j < e.N; j++ {
			c.Skip(c.Next())
		}
	}
	return n, true
}

// claim takes over the entries of keys pending longer than claim_idle
// (those of dead consumers), a page of each per round trip, and handles
// them; false means crashed.
func (r *streamReader) claim(ctx context.Context, keys []string, got Got) (bool, error) {
	r.cursors = r.cursors[:0]
	for range keys {
		r.cursors = append(r.cursors, "0-0")
	}
	for range 16 { // bounded per claim, continued at the next
		r.b.Reset()
		r.b.Append(&r.acks)
		acks := r.acks.Len()
		r.acks.Reset()
		var asked []int
		for i, k := range keys {
			if r.cursors[i] == "" {
				continue
			}
			asked = append(asked, i)
			r.b.Cmd(8, "xautoclaim").Str(k).Str(r.group).Str(r.name).Int(r.s.claimIdle.Milliseconds()).
				Str(r.cursors[i]).Str("count").Int(int64(r.count))
		}
		if len(asked) == 0 && acks == 0 {
			return true, nil
		}
		if err := r.link.Do(ctx, &r.b, 0, &r.rep); err != nil {
			return true, err
		}
		if len(asked) == 0 {
			return true, nil
		}
		for j, i := range asked {
			if err := r.rep.Err(acks + j); err != nil {
				return true, err
			}
			cur := r.rep.Cursor(acks + j)
			cur.Next() // [next, entries, deleted]
			next := r.rep.Str(cur.Next())
			n, ok := r.entries(&cur, keys[i], got)
			r.s.env.stats.reclaimed.Add(int64(n))
			if !ok {
				return false, nil
			}
			r.cursors[i] = strings.Clone(next)
			if next == "0-0" || next == "" {
				r.cursors[i] = ""
			}
		}
	}
	return true, nil
}

// Close acknowledges what the last read handled and closes the reader's
// link.
func (r *streamReader) Close() error {
	var err error
	if n := r.acks.Len(); n > 0 {
		r.b.Reset()
		r.b.Append(&r.acks)
		r.acks.Reset()
		if err = r.link.Do(context.Background(), &r.b, 0, &r.rep); err == nil {
			for i := range n {
				err = cmp.Or(err, r.rep.Err(i))
			}
		}
	}
	r.link.Close()
	return err
}

// queued is what the groups have not yet read: a stream keeps its
// entries, so its lag (XINFO GROUPS, Redis ≥ 7.0) is the queue; with
// several groups, the lags add up (an event two groups wait for counts
// twice).
func (s *stream) queued(ctx context.Context, c redis.UniversalClient, keys []string) (int64, bool, error) {
	if v, err := serverVersion(ctx, c); err != nil || !versionAtLeast(v, 7, 0) {
		return 0, false, nil // before 7.0 XINFO GROUPS has no lag
	}
	var n int64
	for _, k := range keys {
		groups, err := c.XInfoGroups(ctx, k).Result()
		if err != nil {
			return 0, false, err
		}
		found := 0
		for _, g := range groups {
			if s.ours(g.Name) {
				if g.Lag < 0 {
					return 0, false, nil // Redis could not tell (entries deleted or trimmed)
				}
				n, found = n+g.Lag, found+1
			}
		}
		if found != s.groups {
			return 0, false, nil
		}
	}
	return n, true, nil
}

// splitReads: on a cluster a consumer reads each of its keys with a
// reader of its own (see keySplitter).
func (*stream) splitReads() bool { return true }

// ours reports whether name is one of the run's consumer groups.
func (s *stream) ours(name string) bool {
	for g := range s.groups {
		if name == s.groupName(g) {
			return true
		}
	}
	return false
}

package loadgen

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
)

// The string and hash patterns store each event under its own key,
// BASE:event:PRODUCER-SEQ, beside partition BASE, and RPUSH the event's id
// (PRODUCER-SEQ) to the list BASE to notify consumers. Both keys share
// BASE's hash tag, so they live in one cluster slot.

const eventInfix = ":event:"

// eventKey returns BASE:event:PRODUCER-SEQ; the id is its tail after
// len(base)+len(eventInfix).
func eventKey(base string, e *Envelope) string {
	var b strings.Builder
	b.Grow(len(base) + len(eventInfix) + 24)
	b.WriteString(base)
	b.WriteString(eventInfix)
	var num [20]byte
	b.Write(strconv.AppendUint(num[:0], uint64(e.Producer), 10))
	b.WriteByte('-')
	b.Write(strconv.AppendUint(num[:0], e.Seq, 10))
	return b.String()
}

// notifyReader is a consumer of a notification list: pop ids from its
// keys' lists (BLMPOP, BLPOP), then fetch (and delete) the events they name
// in one round trip.
type notifyReader struct {
	pop *popper
	// fetch adds to b the commands that read and delete the event stored at
	// key, and returns how many; event reads the event from the replies of
	// those commands, the first of them command first ("" and false when
	// it is gone: expired, or never written).
	fetch func(b *Batch, key []byte) int
	event func(rep *resp.Replies, first int) (string, bool)
	b     Batch
	rep   resp.Replies
	key   []byte
}

func newNotifyReader(env *Env, block time.Duration, count int, multi bool, fetch func(b *Batch, key []byte) int,
	event func(rep *resp.Replies, first int) (string, bool)) *notifyReader {
	return &notifyReader{pop: newPopper(env, popLeft, block, count, multi), fetch: fetch, event: event}
}

func (r *notifyReader) Read(ctx context.Context, got Got) error {
	err := r.pop.pop(ctx)
	if len(r.pop.elems) == 0 {
		return err
	}
	// The ids are popped, so from here on their events are this consumer's
	// alone (at-most-once).
	r.b.Reset()
	per := 0
	for i, id := range r.pop.elems {
		r.key = eventKeyOf(r.key, r.pop.from[i], id)
		per = r.fetch(&r.b, r.key)
	}
	if ferr := r.pop.link.Do(ctx, &r.b, 0, &r.rep); ferr != nil {
		return ferr
	}
	var firstErr error
	for i := range r.pop.elems {
		first := i * per
		for j := first; j < first+per; j++ {
			if e := r.rep.Err(j); e != nil && firstErr == nil {
				firstErr = e
			}
		}
		raw, ok := r.event(&r.rep, first)
		if ok && !got(raw, 0) {
			return nil // crashed: the rest of what was popped is lost
		}
		// !ok: the event's key expired before it was consumed: lost
	}
	if firstErr == nil {
		firstErr = err
	}
	return firstErr
}

// Close closes the reader's connection.
func (r *notifyReader) Close() error { r.pop.close(); return nil }

// eventKeyOf appends BASE:event:ID to dst.
func eventKeyOf(dst []byte, base, id string) []byte {
	return append(append(append(dst[:0], base...), eventInfix...), id...)
}

// popBatch is how many elements a pop takes: batch where the server has
// the multi-pop commands (Redis ≥ 7.0: multi), else 1. A server that does
// not say its version gets single pops.
func popBatch(ctx context.Context, c redis.UniversalClient, batch int) (int, bool) {
	if v, err := serverVersion(ctx, c); err != nil || !versionAtLeast(v, 7, 0) {
		return 1, false
	}
	return batch, true
}

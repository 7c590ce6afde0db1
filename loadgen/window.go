package loadgen

import "time"

// A consumer that reads many keys names at most windowKeys of them per
// command (or per round trip, for commands that take one key each): Redis
// checks every key a read names, and registers the client on each while a
// blocking read waits, so naming them all would make every event cost
// time in proportion to the keys. Readers whose command names many keys
// (BLMPOP, BZMPOP, XREADGROUP) go round them as a ring: a hot window where
// events last arrived, and a sweep of the rest every block. Readers that
// send a command per key (SPOP, LMOVE, EVALSHA) sweep them a window per
// round trip, paced by what they find. Either way the work per event stays
// flat from a few keys to 100,000; what grows is how long an event away
// from where events last arrived waits (at most about a sweep interval).
const windowKeys = 1024

// readBudget bounds the bytes one read may bring back (keys × count ×
// payload): a consumer's memory is then bounded by the events in flight,
// not by batch × payload (64 × 1 MiB per stream per consumer before).
const readBudget = 4 << 20

// readCount is how many events one read may ask of one key: batch, or
// fewer when that many of the largest payload would exceed readBudget.
func readCount(batch, payloadMax int) int {
	return max(1, min(batch, readBudget/max(payloadMax, 1)))
}

// sweep walks the keys of a reader that sends a command per key, a window
// at a time; each visit to a window starts one key further into it.
//
// Sweeping costs the server a check of every key, events or not, so a
// sweep that found few events for its keys paces the next: it starts no
// sooner than the events found at the rate seen would pay for the sweep
// (perEvent keys checked per event), and no later than maxWait after the
// last. The work per event stays bounded whatever the keys; what grows
// with keys per consumer over the rate is how long an event waits.
type sweep[K any] struct {
	keys     []K
	size     int           // keys per window
	perEvent int           // keys a pass may check per event it finds
	maxWait  time.Duration // the longest pause between passes
	next     int           // first key of the next window
	turns    []int         // per window, the rotation of its next visit
	win      []K           // the window being read, rotated
	empty    int           // windows read in a row that found nothing

	passStart time.Time // when the pass under way began
	passFound int       // events it found so far
	wait      time.Duration
}

// newSweep returns a sweep of keys in windows of at most size keys.
func newSweep[K any](keys []K, size, perEvent int, maxWait time.Duration) *sweep[K] {
	size = max(1, min(size, len(keys)))
	return &sweep[K]{keys: keys, size: size, perEvent: perEvent, maxWait: maxWait, turns: make([]int, (len(keys)+size-1)/size)}
}

// perEventCommand is how many keys a sweep may check per event it found
// when each key costs a command (about a µs of server time).
const perEventCommand = 8

// windowFor is the window of a reader that sends a command per key, each
// bringing back up to count events: at most windowKeys keys, and fewer
// when count events of the largest payload per key would exceed
// readBudget.
func windowFor(count, payloadMax int) int {
	return max(1, min(windowKeys, readBudget/max(count*payloadMax, 1)))
}

// windows is how many windows the keys make.
func (s *sweep[K]) windows() int { return len(s.turns) }

// window returns the next window's keys, rotated (valid until the next
// call), and moves on.
func (s *sweep[K]) window() []K {
	if s.next == 0 && s.passStart.IsZero() {
		s.passStart = time.Now()
	}
	i := s.next / s.size
	w := s.keys[s.next:min(s.next+s.size, len(s.keys))]
	s.win = s.win[:0]
	r := s.turns[i] % len(w)
	s.win = append(append(s.win, w[r:]...), w[:r]...)
	s.turns[i]++
	s.next += s.size
	if s.next >= len(s.keys) {
		s.next = 0
	}
	return s.win
}

// found records how many events the window just read found. At the end
// of a pass over several windows that found some, it sets the pause
// before the next (see pause).
func (s *sweep[K]) found(n int) {
	if n > 0 {
		s.empty = 0
	} else {
		s.empty++
	}
	s.passFound += n
	if s.next != 0 || s.windows() == 1 {
		return
	}
	now := time.Now()
	elapsed := now.Sub(s.passStart)
	if target := len(s.keys) / s.perEvent; s.passFound > 0 && s.passFound < target {
		// At the rate seen, target events take target/rate to arrive.
		due := time.Duration(float64(elapsed) * float64(target) / float64(s.passFound))
		s.wait = min(due-elapsed, s.maxWait)
	}
	s.passStart, s.passFound = time.Time{}, 0
}

// pause returns how long to wait before the next pass, once.
func (s *sweep[K]) pause() time.Duration {
	w := s.wait
	s.wait = 0
	return w
}

// restart forgets the windows found empty: the next read sweeps again.
func (s *sweep[K]) restart() { s.empty = 0 }

// idle reports whether a whole sweep in a row found nothing (time to
// block or sleep, not to sweep again).
func (s *sweep[K]) idle() bool { return s.empty >= s.windows() }

// ring is how a consumer goes round many keys: mostly at the hot window,
// the keys from the last one served on (events arrive where they last did
// more often than not: squall's producers write the keys in turn),
// reading it without blocking while it serves events and blocking
// on it when it did not; and every maxWait a sweep of all the other keys,
// a window per round trip, so that an event anywhere waits at most about
// that long. A read names at most a window of keys however many the
// consumer reads, and the sweeps cost a round trip per window per
// maxWait, not per event. Over at most blockKeys keys it is a fair
// round-robin: every read blocks on them all, from just after the last
// served.
type ring struct {
	keys    []string
	index   map[string]int // key → position, when there are many keys
	size    int            // keys per window
	every   time.Duration  // a sweep of every key at least this often
	hot     int            // where the hot window starts
	found   bool           // the last read at the hot window served events
	at      int            // the first key of the window being read
	last    int            // ... the furthest key it served, as an offset from at; -1 none
	sweepAt int            // the next window of the sweep under way
	left    int            // keys the sweep has still to read; 0: none under way
	swept   time.Time      // when the last sweep began
	win     []string
}

func newRing(keys []string, size int, every time.Duration) ring {
	r := ring{keys: keys, size: max(1, min(size, len(keys))), every: every, last: -1}
	if len(keys) > 64 {
		r.index = make(map[string]int, len(keys))
		for i, k := range keys {
			r.index[k] = i
		}
	}
	return r
}

// whole reports whether a read names every key: few enough to block on.
func (r *ring) whole() bool { return len(r.keys) <= min(blockKeys, r.size) }

// next returns the next window's keys (valid until the next call) and
// whether to block on them.
func (r *ring) next() ([]string, bool) {
	block, n := false, min(blockKeys, r.size, len(r.keys))
	switch {
	case r.whole():
		r.at, block = r.hot, true
	case r.left == 0 && time.Since(r.swept) >= r.every:
		r.swept, r.left, r.sweepAt = time.Now(), len(r.keys)-n, (r.hot+n)%len(r.keys)
		fallthrough
	case r.left > 0:
		n = min(r.size, r.left)
		r.at = r.sweepAt
		r.sweepAt = (r.sweepAt + n) % len(r.keys)
		r.left -= n
	default:
		r.at, block = r.hot, !r.found
		if block {
			n = min(n, hotBlockKeys)
		}
	}
	r.win = r.win[:0]
	if end := r.at + n; end <= len(r.keys) {
		r.win = append(r.win, r.keys[r.at:end]...)
	} else {
		r.win = append(append(r.win, r.keys[r.at:]...), r.keys[:end-len(r.keys)]...)
	}
	r.last = -1
	return r.win, block
}

// blockKeys is how many keys a consumer blocks on at most: all of them,
// or the hot window's first. Blocking costs Redis a registration on every
// key named, and again to unblock: on 1,024 keys BLMPOP cost 360 µs of
// server time a call, XREADGROUP on 1,000 streams 600 µs.
const blockKeys = 64

// hotBlockKeys is how many keys of the hot window a consumer of many keys
// blocks on: the next event most often lands on one of the first few.
const hotBlockKeys = 16

// served records that key (one of the window's) was served.
func (r *ring) served(key string) {
	i, ok := -1, false
	if r.index != nil {
		i, ok = r.index[key]
	} else {
		for j, k := range r.keys {
			if k == key {
				i, ok = j, true
				break
			}
		}
	}
	if ok {
		r.last = max(r.last, (i-r.at+len(r.keys))%len(r.keys))
	}
}

// done ends the window's read: the hot window moves to just after the
// furthest key served.
func (r *ring) done() {
	switch {
	case r.last >= 0 && r.whole():
		r.hot, r.found = (r.at+r.last+1)%len(r.keys), true // a fair round-robin
	case r.last >= 0:
		// The key served may have more coming (squall's producers each
		// write to it at once): the hot window starts at it.
		r.hot, r.found = (r.at+r.last)%len(r.keys), true
	case r.at == r.hot:
		r.found = false
	}
}

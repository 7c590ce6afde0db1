package loadgen

// A consumer that reads many keys names at most windowKeys of them per
// command (or per round trip, for commands that take one key each): Redis
// checks every key a read names, and registers the client on each while a
// blocking read waits, so naming them all would make every event cost
// time in proportion to the keys. A consumer with more keys goes through
// them a window per round trip without blocking (a sweep) and blocks, or
// sleeps, only when a whole sweep found nothing; an event then waits at
// most about a sweep plus that wait, and the work per event stays flat
// from one key to 100,000.
const windowKeys = 1024

// readBudget bounds the bytes one read may bring back (count × payload):
// a consumer's memory is then bounded by the events in flight, not by
// batch × payload (64 × 1 MiB = 64 MiB per consumer before).
const readBudget = 4 << 20

// readCount is how many events one read may ask of one key: batch, or
// fewer when that many of the largest payload would exceed readBudget.
func readCount(batch, payloadMax int) int {
	return max(1, min(batch, readBudget/max(payloadMax, 1)))
}

// sweep walks a reader's keys a window at a time. Each visit to a window
// starts one key further into it, so that a read that serves the first
// non-empty key it names (BLMPOP, LMPOP) starves none of them.
type sweep[K any] struct {
	keys  []K
	size  int   // keys per window
	next  int   // first key of the next window
	turns []int // per window, the rotation of its next visit
	win   []K   // the window being read, rotated
	empty int   // windows read in a row that found nothing
}

// newSweep returns a sweep of keys in windows of at most size keys.
func newSweep[K any](keys []K, size int) *sweep[K] {
	size = max(1, min(size, len(keys)))
	return &sweep[K]{keys: keys, size: size, turns: make([]int, (len(keys)+size-1)/size)}
}

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

// found records whether the window just read found anything; idle reports
// whether a whole sweep in a row found nothing (time to wait, not poll).
func (s *sweep[K]) found(any bool) {
	if any {
		s.empty = 0
	} else {
		s.empty++
	}
}

func (s *sweep[K]) idle() bool { return s.empty >= s.windows() }

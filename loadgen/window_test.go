package loadgen

import (
	"fmt"
	"testing"
	"time"
)

func ringKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	return keys
}

// TestRingFewKeysRoundRobin: over at most blockKeys keys every read blocks
// on all of them, from just after the last key served.
func TestRingFewKeysRoundRobin(t *testing.T) {
	r := newRing(ringKeys(5), windowKeys, time.Hour)
	for _, tc := range []struct {
		serve string
		first string
	}{{"k2", "k0"}, {"", "k3"}, {"k4", "k3"}, {"k1", "k0"}} {
		win, block := r.next()
		if !block || len(win) != 5 || win[0] != tc.first {
			t.Fatalf("window %v block %v, want all 5 keys from %s, blocking", win, block, tc.first)
		}
		if tc.serve != "" {
			r.served(tc.serve)
		}
		r.done()
	}
}

// TestRingManyKeys: with many keys a read names at most a window, blocks
// on at most hotBlockKeys from the last key served, and a sweep of every
// other key, a window per read, comes round every maxWait.
func TestRingManyKeys(t *testing.T) {
	const n = 5000
	r := newRing(ringKeys(n), 1000, 50*time.Millisecond)
	seen := map[string]bool{}
	// The first reads sweep (none yet): every key but the hot window's.
	for range 5 {
		win, block := r.next()
		if block || len(win) > 1000 {
			t.Fatalf("sweep read of %d keys, block %v", len(win), block)
		}
		for _, k := range win {
			seen[k] = true
		}
		r.done()
	}
	if len(seen) != n-blockKeys {
		t.Errorf("the sweep read %d keys, want %d (all but the hot window)", len(seen), n-blockKeys)
	}
	win, block := r.next() // the hot window, nothing served yet: block on its first keys
	if !block || len(win) != hotBlockKeys || win[0] != "k0" {
		t.Fatalf("hot window %v block %v, want a block on k0.. (%d keys)", win, block, hotBlockKeys)
	}
	r.served("k7")
	r.done()
	win, block = r.next() // served: read on from the key served, without blocking
	if block || win[0] != "k7" || len(win) != blockKeys {
		t.Fatalf("after serving k7: window from %s (%d keys) block %v, want %d keys from k7 without blocking", win[0], len(win), block, blockKeys)
	}
	r.done()
	if win, block = r.next(); !block || win[0] != "k7" {
		t.Fatalf("nothing served: window from %s block %v, want a block from k7", win[0], block)
	}
	r.done()
	time.Sleep(60 * time.Millisecond)
	if win, block = r.next(); block || win[0] != fmt.Sprintf("k%d", 7+blockKeys) {
		t.Fatalf("after maxWait: window from %s block %v, want a sweep from just past the hot window", win[0], block)
	}
}

// TestSweepPacesSparsePasses: a pass over several windows that found few
// events for its keys waits before the next, at most maxWait.
func TestSweepPacesSparsePasses(t *testing.T) {
	s := newSweep(ringKeys(800), 100, perEventCommand, 30*time.Millisecond)
	for i := range s.windows() {
		s.window()
		s.found(map[bool]int{true: 1}[i == 0]) // one event in the whole pass
	}
	if w := s.pause(); w <= 0 || w > 30*time.Millisecond {
		t.Errorf("pause %s after a pass that found 1 event for 800 keys, want (0, 30ms]", w)
	}
	for range s.windows() {
		s.window()
		s.found(0)
	}
	if !s.idle() || s.pause() != 0 {
		t.Errorf("a pass that found nothing: idle %v, want idle (the reader blocks or sleeps)", s.idle())
	}
}

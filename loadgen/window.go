package loadgen

import (
	"sort"
	"time"
)

// has reports whether x is in the set.
func (s *seqSet) has(x uint64) bool {
	i := sort.Search(len(s.runs), func(i int) bool { return s.runs[i].hi > x })
	return i < len(s.runs) && s.runs[i].lo <= x
}

// LostIn counts, for each window [from, to) of intended send times (since
// the epoch), the acknowledged events some delivery group never received:
// where a fault's loss happened. Only open-loop runs have a fixed schedule
// that maps sequence numbers to times; closed-loop runs return nil. Call
// it after Run.
func (g *Generator) LostIn(windows [][2]time.Duration) []int64 {
	if g.cfg.Rate <= 0 || g.groups == 0 {
		return nil
	}
	out := make([]int64, len(windows))
	interval := float64(g.cfg.Producers) * 1e9 / g.cfg.Rate
	for p, s := range g.ledger.sends {
		offset := float64(p) * interval / float64(g.cfg.Producers)
		seqAt := func(t time.Duration) uint64 { // first seq intended at or after t
			x := (float64(t) - offset) / interval
			if x <= 0 {
				return 0
			}
			return uint64(x + 0.999999)
		}
		for w, win := range windows {
			lo, hi := max(seqAt(win[0]), s.first), min(seqAt(win[1]), s.next)
			if lo >= hi {
				continue
			}
			for grp := range g.ledger.books {
				b := &g.ledger.books[grp][p]
				b.mu.Lock()
				b.got.missing(lo, hi, func(seq uint64) bool {
					if !s.failed.has(seq) && !s.indet.has(seq) {
						out[w]++
					}
					return true
				})
				b.mu.Unlock()
			}
		}
	}
	return out
}

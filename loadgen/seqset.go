package loadgen

import "sort"

// seqSet is a set of sequence numbers kept as sorted, disjoint half-open
// runs [lo, hi). Events mostly arrive in order, so the set stays a handful of
// runs: its size grows with the gaps (lost or in-flight events), not with
// the length of the run.
type seqSet struct{ runs []seqRun }

type seqRun struct{ lo, hi uint64 }

// add inserts x and reports whether it was already present.
func (s *seqSet) add(x uint64) (dup bool) {
	n := len(s.runs)
	if n > 0 { // fast paths: extend or hit the last run
		last := &s.runs[n-1]
		switch {
		case x == last.hi:
			last.hi++
			return false
		case x >= last.lo && x < last.hi:
			return true
		case x > last.hi:
			s.runs = append(s.runs, seqRun{x, x + 1})
			return false
		}
	}
	// i is the first run that starts after x.
	i := sort.Search(n, func(i int) bool { return s.runs[i].lo > x })
	if i > 0 && x < s.runs[i-1].hi {
		return true
	}
	joinPrev := i > 0 && s.runs[i-1].hi == x
	joinNext := i < n && s.runs[i].lo == x+1
	switch {
	case joinPrev && joinNext:
		s.runs[i-1].hi = s.runs[i].hi
		s.runs = append(s.runs[:i], s.runs[i+1:]...)
	case joinPrev:
		s.runs[i-1].hi++
	case joinNext:
		s.runs[i].lo--
	default:
		s.runs = append(s.runs, seqRun{})
		copy(s.runs[i+1:], s.runs[i:])
		s.runs[i] = seqRun{x, x + 1}
	}
	return false
}

// count returns the number of members.
func (s *seqSet) count() uint64 {
	var n uint64
	for _, r := range s.runs {
		n += r.hi - r.lo
	}
	return n
}

// overlap returns |s ∩ o|.
func (s *seqSet) overlap(o *seqSet) uint64 {
	var n uint64
	i, j := 0, 0
	for i < len(s.runs) && j < len(o.runs) {
		a, b := s.runs[i], o.runs[j]
		lo, hi := max(a.lo, b.lo), min(a.hi, b.hi)
		if lo < hi {
			n += hi - lo
		}
		if a.hi < b.hi {
			i++
		} else {
			j++
		}
	}
	return n
}

// missing calls f for each number in [lo, hi) that is NOT in s, in order,
// until f returns false.
func (s *seqSet) missing(lo, hi uint64, f func(uint64) bool) {
	next := lo
	for _, r := range s.runs {
		if r.hi <= next {
			continue
		}
		for ; next < min(r.lo, hi); next++ {
			if !f(next) {
				return
			}
		}
		if r.hi > next {
			next = r.hi
		}
		if next >= hi {
			return
		}
	}
	for ; next < hi; next++ {
		if !f(next) {
			return
		}
	}
}

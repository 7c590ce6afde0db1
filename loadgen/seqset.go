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
func (s *seqSet) overlap(o *seqSet) uint64 { return overlapRuns(s.runs, o.runs) }

// has reports whether x is in the set.
func (s *seqSet) has(x uint64) bool {
	i := sort.Search(len(s.runs), func(i int) bool { return s.runs[i].hi > x })
	return i < len(s.runs) && s.runs[i].lo <= x
}

// The functions below work on sorted, disjoint runs of any origin: a
// set's, or those they return.

// countRuns returns the number of members of runs.
func countRuns(runs []seqRun) uint64 {
	var n uint64
	for _, r := range runs {
		n += r.hi - r.lo
	}
	return n
}

// overlapRuns returns |a ∩ b|.
func overlapRuns(a, b []seqRun) uint64 {
	var n uint64
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		x, y := a[i], b[j]
		lo, hi := max(x.lo, y.lo), min(x.hi, y.hi)
		if lo < hi {
			n += hi - lo
		}
		if x.hi < y.hi {
			i++
		} else {
			j++
		}
	}
	return n
}

// unionRuns returns a ∪ b as sorted, disjoint, non-adjacent runs.
func unionRuns(a, b []seqRun) []seqRun {
	out := make([]seqRun, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var r seqRun
		if j >= len(b) || i < len(a) && a[i].lo <= b[j].lo {
			r, i = a[i], i+1
		} else {
			r, j = b[j], j+1
		}
		if n := len(out); n > 0 && r.lo <= out[n-1].hi {
			out[n-1].hi = max(out[n-1].hi, r.hi)
		} else {
			out = append(out, r)
		}
	}
	return out
}

// gapsIn returns the runs of [lo, hi) that runs do not cover.
func gapsIn(lo, hi uint64, runs []seqRun) []seqRun {
	var out []seqRun
	next := lo
	for _, r := range runs {
		if r.lo >= hi {
			break
		}
		if r.hi <= next {
			continue
		}
		if r.lo > next {
			out = append(out, seqRun{next, r.lo})
		}
		next = r.hi
	}
	if next < hi {
		out = append(out, seqRun{next, hi})
	}
	return out
}

// countBelow returns the number of members of runs below x.
func countBelow(runs []seqRun, x uint64) uint64 {
	var n uint64
	for _, r := range runs {
		if r.lo >= x {
			break
		}
		n += min(r.hi, x) - r.lo
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

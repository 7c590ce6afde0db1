package scenarios

import (
	"strconv"
	"strings"
)

// closest returns the candidate nearest to s by edit distance, or "" when none
// is near enough to be a likely typo.
func closest(s string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := 2
	if len(s) <= 4 {
		limit = 1
	}
	if bestDist < 0 || bestDist > limit || bestDist >= len(s) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, over bytes
// (keys are ASCII; anything else is far from every key anyway).
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		if a == b {
			return 0
		}
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unknownMsg says got is not one of known: with a suggestion when one is
// close, else with the full list. what names the kind ("key", "topology").
func unknownMsg(what, got string, known []string) string {
	head := "unknown " + what
	if what != "key" {
		head += " " + quote(got)
	}
	if c := closest(got, known); c != "" {
		return head + ", did you mean " + strconv.Quote(c) + "?"
	}
	return head + " (known: " + strings.Join(known, ", ") + ")"
}

// quote quotes user text for a message, cut short so a huge value cannot
// flood the terminal.
func quote(s string) string {
	const max = 60
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

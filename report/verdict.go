package report

import (
	"fmt"
	"strings"
)

// passWord is an objective's outcome in one word.
func passWord(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// cellStatus is a cell's one-word outcome for comparison tables.
func cellStatus(c *Cell) string {
	if c.Error != "" {
		return "ERROR"
	}
	return passWord(Verdict([]Cell{*c}))
}

// tallyObjectives counts the objectives over all cells and how many failed.
func tallyObjectives(r *Result) (total, failed int) {
	for _, c := range r.Cells {
		for _, s := range c.SLO {
			total++
			if !s.Pass {
				failed++
			}
		}
	}
	return total, failed
}

// runIncomplete reports whether the run or a cell stopped short.
func runIncomplete(r *Result) bool {
	if r.Error != "" || r.Interrupted {
		return true
	}
	for _, c := range r.Cells {
		if c.Error != "" {
			return true
		}
	}
	return false
}

// runVerdict is the run's one-line outcome. A run that stopped short is not a
// pass even if what it measured met every objective.
func runVerdict(r *Result) (pass bool, line string) {
	if r.Capacity != nil && len(r.Cells) > 0 && !runIncomplete(r) {
		return capacityVerdict(r)
	}
	n, k := tallyObjectives(r)
	switch {
	case k > 0:
		return false, fmt.Sprintf("FAIL: %d of %d objectives failed", k, n)
	case runIncomplete(r) && n > 0:
		return false, fmt.Sprintf("FAIL: the run did not complete (all %d objectives met until it stopped)", n)
	case runIncomplete(r):
		return false, "FAIL: the run did not complete"
	case len(r.Cells) == 0:
		return false, "FAIL: no cells ran"
	case n == 0:
		return true, "no objectives set"
	}
	return true, fmt.Sprintf("PASS: all %d objectives met", n)
}

// verdictLines are the verdict and why the run stopped, if it did.
func verdictLines(r *Result) []string {
	_, v := runVerdict(r)
	out := wrapWords("", strings.Fields(v), " ", "    ", textWidth)
	switch {
	case r.Interrupted:
		out = append(out, wrapWords("INTERRUPTED: ", strings.Fields(interruption(r.Error)), " ", "    ", textWidth)...)
	case r.Error != "":
		out = append(out, wrapWords("ERROR: ", strings.Fields(r.Error), " ", "    ", textWidth)...)
	}
	return out
}

// interruption is why the run was interrupted, without repeating the word.
func interruption(err string) string {
	s := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(err, "interrupted"), ":"))
	if s == "" {
		return "partial results"
	}
	return s
}

// saidAtEnd reports whether a cell's error is the run's own and the run has
// no other cell, so the run-level line alone tells it.
func saidAtEnd(r *Result, c *Cell) bool {
	return len(r.Cells) == 1 && c.Error == r.Error
}

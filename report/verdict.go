package report

import (
	"fmt"
	"strings"

	"github.com/squall-bench/squall/internal/layout"
	"github.com/squall-bench/squall/internal/units"
)

// passWord is an objective's outcome in one word.
func passWord(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// outcome is a run's or a cell's verdict. A run with no objectives is
// neither a pass nor a fail: nothing was judged, so it shows a neutral
// verdict (its exit code still treats it as passing).
type outcome int

const (
	outcomePass outcome = iota
	outcomeFail
	outcomeNone // no objectives set: nothing judged
	outcomeError
)

// word is the outcome as shown in tables and badges.
func (o outcome) word() string {
	return [...]string{"PASS", "FAIL", "NO OBJECTIVES", "ERROR"}[o]
}

// class is the outcome's CSS class in the HTML report.
func (o outcome) class() string {
	return [...]string{"pass", "fail", "none", "error"}[o]
}

// cellOutcome is a cell's outcome for comparison tables and headings.
func cellOutcome(c *Cell) outcome {
	switch {
	case c.Error != "":
		return outcomeError
	case !Verdict([]Cell{*c}):
		return outcomeFail
	case len(c.SLO) == 0:
		return outcomeNone
	}
	return outcomePass
}

// cellStatus is a cell's one-word outcome for comparison tables.
func cellStatus(c *Cell) string { return cellOutcome(c).word() }

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
func runVerdict(r *Result) (outcome, string) {
	if r.Capacity != nil && len(r.Cells) > 0 && !runIncomplete(r) {
		return capacityVerdict(r)
	}
	n, k := tallyObjectives(r)
	switch {
	case k > 0:
		return outcomeFail, fmt.Sprintf("FAIL: %d of %d objectives failed", k, n)
	case runIncomplete(r) && n > 0:
		return outcomeFail, fmt.Sprintf("FAIL: the run did not complete (all %d objectives met until it stopped)", n)
	case runIncomplete(r):
		return outcomeFail, "FAIL: the run did not complete"
	case len(r.Cells) == 0:
		return outcomeFail, "FAIL: no cells ran"
	case n == 0:
		return outcomeNone, "NO OBJECTIVES: none set (slo:), so nothing was judged"
	}
	return outcomePass, fmt.Sprintf("PASS: all %d objectives met", n)
}

// verdictText is the verdict line without its leading word, for a badge
// that shows the word itself.
func verdictText(o outcome, line string) string {
	if rest, ok := strings.CutPrefix(line, o.word()+": "); ok {
		return rest
	}
	return line
}

// lossLine is the run's loss alarm, shown with the verdict whatever it
// is, so lost events are never left to a table further down; "" when no
// cell lost any.
func lossLine(r *Result) string {
	var lost int64
	cells := 0
	for i := range r.Cells {
		if c := &r.Cells[i]; hasConsumers(c) && c.Events.Lost > 0 {
			lost += c.Events.Lost
			cells++
		}
	}
	if lost == 0 {
		return ""
	}
	s := fmt.Sprintf("LOST: %s acknowledged %s never reached a consumer", units.FormatCount(lost), units.Plural(lost, "event", "events"))
	if len(r.Cells) > 1 {
		s += fmt.Sprintf(" (in %d of %d cells)", cells, len(r.Cells))
	}
	return s
}

// verdictLines are the verdict, the loss alarm and why the run stopped, if it did.
func verdictLines(r *Result) []string {
	_, v := runVerdict(r)
	out := layout.Wrap("", strings.Fields(v), " ", "    ", layout.TextWidth)
	if l := lossLine(r); l != "" {
		out = append(out, layout.Wrap("", strings.Fields(l), " ", "    ", layout.TextWidth)...)
	}
	switch {
	case r.Interrupted:
		out = append(out, layout.Wrap("INTERRUPTED: ", strings.Fields(interruption(r.Error)), " ", "    ", layout.TextWidth)...)
	case r.Error != "":
		out = append(out, layout.Wrap("ERROR: ", strings.Fields(r.Error), " ", "    ", layout.TextWidth)...)
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

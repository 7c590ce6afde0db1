package result

import (
	"fmt"
	"strings"

	"github.com/squall-bench/squall/internal/units"
)

// PassWord is an objective's outcome in one word.
func PassWord(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// Outcome is a run's or a cell's verdict. A run with no objectives is
// neither a pass nor a fail: nothing was judged, so it shows a neutral
// verdict (its exit code still treats it as passing).
type Outcome int

const (
	OutcomePass Outcome = iota
	OutcomeFail
	OutcomeNone // no objectives set: nothing judged
	OutcomeError
)

// Word is the outcome as shown in tables and badges.
func (o Outcome) Word() string {
	return [...]string{"PASS", "FAIL", "NO OBJECTIVES", "ERROR"}[o]
}

// CellOutcome is a cell's outcome for comparison tables and headings.
func CellOutcome(c *Cell) Outcome {
	switch {
	case c.Error != "":
		return OutcomeError
	case !Verdict([]Cell{*c}):
		return OutcomeFail
	case len(c.SLO) == 0:
		return OutcomeNone
	}
	return OutcomePass
}

// TallyObjectives counts the objectives over all cells and how many failed.
func TallyObjectives(r *Result) (total, failed int) {
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

// RunIncomplete reports whether the run or a cell stopped short.
func RunIncomplete(r *Result) bool {
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

// RunVerdict is the run's one-line outcome. A run that stopped short is not a
// pass even if what it measured met every objective.
func RunVerdict(r *Result) (Outcome, string) {
	if r.Capacity != nil && len(r.Cells) > 0 && !RunIncomplete(r) {
		return capacityVerdict(r)
	}
	n, k := TallyObjectives(r)
	switch {
	case k > 0:
		return OutcomeFail, fmt.Sprintf("FAIL: %d of %d objectives failed", k, n)
	case RunIncomplete(r) && n > 0:
		return OutcomeFail, fmt.Sprintf("FAIL: the run did not complete (all %d objectives met until it stopped)", n)
	case RunIncomplete(r):
		return OutcomeFail, "FAIL: the run did not complete"
	case len(r.Cells) == 0:
		return OutcomeFail, "FAIL: no cells ran"
	case n == 0:
		return OutcomeNone, "NO OBJECTIVES: none set (slo:), so nothing was judged"
	}
	return OutcomePass, fmt.Sprintf("PASS: all %d objectives met", n)
}

// LossLine is the run's loss alarm, shown with the verdict whatever it
// is, so lost events are never left to a table further down; "" when no
// cell lost any.
func LossLine(r *Result) string {
	var lost int64
	cells := 0
	for i := range r.Cells {
		if c := &r.Cells[i]; HasConsumers(c) && c.Events.Lost > 0 {
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

// Interruption is why the run was interrupted, without repeating the word.
func Interruption(err string) string {
	s := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(err, "interrupted"), ":"))
	if s == "" {
		return "partial results"
	}
	return s
}

package report

import (
	"strings"

	"github.com/squall-bench/squall/internal/layout"
	"github.com/squall-bench/squall/result"
)

// outcomeClass is the outcome's CSS class in the HTML report.
func outcomeClass(o result.Outcome) string {
	return [...]string{"pass", "fail", "none", "error"}[o]
}

// verdictText is the verdict line without its leading word, for a badge
// that shows the word itself.
func verdictText(o result.Outcome, line string) string {
	if rest, ok := strings.CutPrefix(line, o.Word()+": "); ok {
		return rest
	}
	return line
}

// verdictLines are the verdict, the loss alarm and why the run stopped, if it did.
func verdictLines(r *result.Result) []string {
	_, v := result.RunVerdict(r)
	out := layout.Wrap("", strings.Fields(v), " ", "    ", layout.TextWidth)
	if l := result.LossLine(r); l != "" {
		out = append(out, layout.Wrap("", strings.Fields(l), " ", "    ", layout.TextWidth)...)
	}
	switch {
	case r.Interrupted:
		out = append(out, layout.Wrap("INTERRUPTED: ", strings.Fields(result.Interruption(r.Error)), " ", "    ", layout.TextWidth)...)
	case r.Error != "":
		out = append(out, layout.Wrap("ERROR: ", strings.Fields(r.Error), " ", "    ", layout.TextWidth)...)
	}
	return out
}

// saidAtEnd reports whether a cell's error is the run's own and the run has
// no other cell, so the run-level line alone tells it.
func saidAtEnd(r *result.Result, c *result.Cell) bool {
	return len(r.Cells) == 1 && c.Error == r.Error
}

// cellStatus is a cell's one-word outcome for comparison tables.
func cellStatus(c *result.Cell) string { return result.CellOutcome(c).Word() }

package compare

import (
	"fmt"
	"io"
	"strings"

	"github.com/squall-bench/squall/internal/layout"
)

// CompareMarkdown writes the comparison for a pull request comment: the
// verdict and the regressions first, then a table per cell; cells within
// tolerance are folded away in <details>.
func CompareMarkdown(w io.Writer, c *Comparison) error {
	ew := layout.NewWriter(w)
	ew.Printf("### %s %s\n\n", layout.MDIcon(!c.Regressed()), layout.MDText(c.Headline()))
	label := func(r RunInfo) string {
		s := "`" + layout.MDCode(r.Label) + "`"
		if r.StartedAt != "" {
			s += " (" + layout.MDText(r.StartedAt) + ")"
		}
		return s
	}
	ew.Line(strings.Join([]string{"squall compare of `" + layout.MDCode(c.New.Scenario) + "`",
		"baseline " + label(c.Baseline), "new " + label(c.New)}, " · "))
	ew.Printf("\nTolerance: %s\n", layout.MDText(strings.Join(c.toleranceText(), " ")))
	if rs := c.Regressions(); len(rs) > 0 {
		ew.Line("")
		for _, s := range rs {
			ew.Printf("- ❌ %s\n", layout.MDText(s))
		}
	}
	if ws := c.warnings(); len(ws) > 0 {
		ew.Line("")
		for _, s := range ws {
			ew.Printf("- ⚠️ %s\n", layout.MDText(s))
		}
	}
	for i := range c.Cells {
		cc := &c.Cells[i]
		if cc.Status != CellCompared {
			continue
		}
		rows := [][]string{{"metric", "baseline", "new", "change", "limit", "verdict"}}
		for _, m := range cc.Metrics {
			v := map[MetricVerdict]string{VerdictOK: "✅ ok", VerdictBetter: "✅ better", VerdictRegressed: "❌ **regressed**", VerdictUngated: "not gated"}[m.Verdict]
			rows = append(rows, []string{"`" + m.Name + "`", m.BaseText(), m.NewText(), m.ChangeText(), m.LimitText(), v})
		}
		title := fmt.Sprintf("%s %s", layout.MDIcon(!cc.Regressed()), layout.MDText(cellLabel(c, cc)))
		ew.Line("")
		if cc.Regressed() {
			ew.Printf("#### %s\n\n", title)
			ew.Lines(layout.MDTable(rows, "lrrrrl"))
			continue
		}
		ew.Printf("<details><summary>%s: within tolerance</summary>\n\n", title)
		ew.Lines(layout.MDTable(rows, "lrrrrl"))
		ew.Line("\n</details>")
	}
	return ew.Err()
}

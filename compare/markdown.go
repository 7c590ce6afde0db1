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
		rows, align := mdRows(cc)
		title := fmt.Sprintf("%s %s", layout.MDIcon(!cc.Regressed()), layout.MDText(cellLabel(c, cc)))
		ew.Line("")
		if cc.Regressed() {
			ew.Printf("#### %s\n\n", title)
			ew.Lines(layout.MDTable(rows, align))
			if cc.sampled() {
				ew.Printf("\n%s\n", layout.MDText(sampledLegend(cc)))
			}
			continue
		}
		ew.Printf("<details><summary>%s: within tolerance</summary>\n\n", title)
		ew.Lines(layout.MDTable(rows, align))
		if cc.sampled() {
			ew.Printf("\n%s\n", layout.MDText(sampledLegend(cc)))
		}
		ew.Line("\n</details>")
	}
	return ew.Err()
}

// mdVerdicts are the verdicts as the Markdown tables show them.
var mdVerdicts = map[MetricVerdict]string{VerdictOK: "✅ ok", VerdictBetter: "✅ better", VerdictRegressed: "❌ **regressed**",
	VerdictUngated: "not gated", VerdictNoChange: "✅ ~ no significant change"}

// mdRows is a cell's table and its column alignment; a cell judged over
// samples also has each side's confidence interval and the p-value.
func mdRows(cc *CellComparison) ([][]string, string) {
	if !cc.sampled() {
		rows := [][]string{{"metric", "baseline", "new", "change", "limit", "verdict"}}
		for _, m := range cc.Metrics {
			rows = append(rows, []string{"`" + m.Name + "`", m.BaseText(), m.NewText(), m.ChangeText(), m.LimitText(), mdVerdicts[m.Verdict]})
		}
		return rows, "lrrrrl"
	}
	ci := fmt.Sprintf("%g%% CI", Confidence*100)
	rows := [][]string{{"metric", "baseline", ci, "new", ci, "change", "p", "limit", "verdict"}}
	for _, m := range cc.Metrics {
		p := "-"
		if m.Stats != nil {
			p = fmt.Sprintf("%.3f", m.Stats.P)
		}
		rows = append(rows, []string{"`" + m.Name + "`", m.BaseText(), m.IntervalText(true), m.NewText(), m.IntervalText(false),
			m.ChangeText(), p, m.LimitText(), mdVerdicts[m.Verdict]})
	}
	return rows, "lrrrrrrrl"
}

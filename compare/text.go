package compare

import (
	"fmt"
	"io"
	"strings"

	"github.com/squall-bench/squall/internal/layout"
)

// CompareFormats are the formats RenderComparison accepts.
var CompareFormats = []string{"text", "md", "junit"}

// RenderComparison writes c in the named format (text, md or junit); "" means text.
func RenderComparison(w io.Writer, c *Comparison, format string) error {
	switch format {
	case "", "text":
		return CompareText(w, c)
	case "md":
		return CompareMarkdown(w, c)
	case "junit":
		return CompareJUnit(w, c)
	}
	return fmt.Errorf("unknown format %q: valid formats are %s", format, strings.Join(CompareFormats, ", "))
}

// runLine describes one side: its label, then when and by what it ran.
func runLine(r RunInfo) []string {
	items := []string{r.Label}
	if r.Label == "" {
		items[0] = r.Scenario
	}
	if r.StartedAt != "" {
		items = append(items, "started "+r.StartedAt)
	}
	if r.Version != "" {
		items = append(items, "squall "+r.Version)
	}
	return items
}

// CompareText writes the comparison for a terminal or a CI log: per cell
// an aligned table of baseline, new, change, limit and verdict, then the
// verdict and each regression.
func CompareText(w io.Writer, c *Comparison) error {
	ew := layout.NewWriter(w)
	scen := c.New.Scenario
	if c.Baseline.Scenario != scen {
		scen = c.Baseline.Scenario + " → " + scen
	}
	ew.Line("squall compare · scenario " + scen)
	const lw = 11 // label width
	ew.Lines(layout.Wrap(layout.Pad("baseline", lw, false), runLine(c.Baseline), " · ", strings.Repeat(" ", lw), layout.TextWidth))
	ew.Lines(layout.Wrap(layout.Pad("new", lw, false), runLine(c.New), " · ", strings.Repeat(" ", lw), layout.TextWidth))
	ew.Lines(layout.Wrap(layout.Pad("tolerance", lw, false), c.toleranceText(), " ", strings.Repeat(" ", lw), layout.TextWidth))
	for i := range c.Cells {
		cc := &c.Cells[i]
		if cc.Status != CellCompared {
			continue
		}
		ew.Line("")
		head := "== " + cellLabel(c, cc)
		if cc.Error != "" {
			head += "  (new cell stopped early)"
		}
		ew.Line(head)
		ew.Line("")
		if cc.sampled() {
			sampledTable(ew, cc)
			continue
		}
		textTable(ew, cc, []string{"metric", "baseline", "new", "change", "limit"}, func(m MetricDelta) []string {
			return []string{m.Name, m.BaseText(), m.NewText(), m.ChangeText(), m.LimitText()}
		})
	}
	if ws := c.warnings(); len(ws) > 0 {
		ew.Line("")
		for _, s := range ws {
			ew.Lines(layout.Wrap("note: ", strings.Fields(s), " ", "      ", layout.TextWidth))
		}
	}
	ew.Line("")
	ew.Line(c.Headline())
	for _, s := range c.Regressions() {
		ew.Lines(layout.Wrap("  - ", strings.Fields(s), " ", "    ", layout.TextWidth))
	}
	return ew.Err()
}

// sampledTable is a cell judged over samples: medians ± their confidence
// interval, the change ("~" when not significant) and the test's p-value.
// The limits are in the regression lines; counts are totals over the
// repetitions and have no p.
func sampledTable(ew *layout.Writer, cc *CellComparison) {
	textTable(ew, cc, []string{"metric", "baseline", "new", "change", "p"}, func(m MetricDelta) []string {
		b, n, p := m.BaseText(), m.NewText(), "-"
		if st := m.Stats; st != nil {
			b += " " + ciText(st.Base)
			n += " " + ciText(st.New)
			p = fmt.Sprintf("%.3f", st.P)
		}
		return []string{m.Name, b, n, m.ChangeText(), p}
	})
	ew.Line("")
	ew.Lines(layout.Wrap("", strings.Fields(sampledLegend(cc)), " ", "", layout.TextWidth))
}

// textTable writes one row per metric: the numbers right aligned, the
// verdict left aligned after them.
func textTable(ew *layout.Writer, cc *CellComparison, head []string, row func(MetricDelta) []string) {
	rows := [][]string{head}
	verdicts := []string{"verdict"}
	for _, m := range cc.Metrics {
		v := string(m.Verdict)
		if m.Regressed() {
			v = "REGRESSED"
		}
		rows = append(rows, row(m))
		verdicts = append(verdicts, v)
	}
	for j, l := range layout.Table("", rows) {
		ew.Line(l + "  " + verdicts[j])
	}
}

// sampledLegend says how to read a sampled table.
func sampledLegend(cc *CellComparison) string {
	for _, m := range cc.Metrics {
		if st := m.Stats; st != nil {
			level := fmt.Sprintf("significant below α = %g", st.Alpha)
			if fam := family(cc); fam > 1 {
				level = fmt.Sprintf("the %d gated metrics tested held to α = %g together (Holm: the smallest p must be below α/%d, the next below α/%d, …)",
					fam, st.Alpha, fam, fam-1)
			}
			test := "Mann–Whitney U test"
			if st.Paired {
				test = fmt.Sprintf("Wilcoxon signed-rank test over the %d pairs of interleaved runs (run i of each side made one after the other, which takes out the drift they share)", st.N1)
			}
			return fmt.Sprintf("Medians of %s repetitions with their %g%% confidence intervals; p: %s, %s; ~: no significant change. Counts are totals over the repetitions.",
				sizes(st), Confidence*100, test, level)
		}
	}
	return ""
}

// blindText names the gated metrics whose repetitions spread too widely
// for the test to see a change the size of the tolerance, or "".
func blindText(cc *CellComparison) string {
	var ms []string
	why := "the baseline's own samples moved to the limit would not be significant"
	for _, m := range cc.Metrics {
		if st := m.Stats; st != nil && st.Blind {
			ms = append(ms, fmt.Sprintf("%s (baseline runs %s–%s)", m.Name, m.fmtValue(st.Lo, true), m.fmtValue(st.Hi, true)))
			if st.Paired {
				why = "the pairs' own changes moved to the limit would not be significant"
			}
		}
	}
	if len(ms) == 0 {
		return ""
	}
	return fmt.Sprintf("the test cannot see a change the size of the tolerance in %s: %s, so a regression that size passes. Run more repetitions, longer cells or on a quieter runner",
		strings.Join(ms, ", "), why)
}

// family is how many of the cell's metrics were held to α together.
func family(cc *CellComparison) int {
	for _, m := range cc.Metrics {
		if m.Stats != nil && m.Stats.Family > 0 {
			return m.Stats.Family
		}
	}
	return 0
}

// sizes is "6" or "6 and 5" repetitions.
func sizes(st *SampleStats) string {
	if st.N1 == st.N2 {
		return fmt.Sprint(st.N1)
	}
	return fmt.Sprintf("%d and %d", st.N1, st.N2)
}

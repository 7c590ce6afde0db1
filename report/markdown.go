package report

import (
	"io"
	"strings"

	"github.com/squall-bench/squall/internal/layout"
	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/result"
)

// Markdown writes summary.md: the verdict first, then the headline figures
// of each cell as GitHub-flavoured Markdown tables, to paste in a pull
// request or a CI job summary.
func Markdown(w io.Writer, r *result.Result) error {
	ew := layout.NewWriter(w)
	o, v := result.RunVerdict(r)
	ew.Printf("### %s %s\n\n", mdStatusIcon(o), layout.MDText(v))
	facts := append([]string{"squall run of `" + layout.MDCode(r.Scenario) + "`"}, layout.MDAll(runFacts(r))...)
	ew.Line(strings.Join(facts, " · "))
	if l := result.LossLine(r); l != "" {
		ew.Printf("\n> ⚠️ **%s**\n", layout.MDText(l))
	}
	if r.Interrupted {
		ew.Printf("\n> **Interrupted:** %s\n", layout.MDText(result.Interruption(r.Error)))
	} else if r.Error != "" {
		ew.Printf("\n> **Error:** %s\n", layout.MDText(r.Error))
	}
	if len(r.Cells) > 1 {
		offered, servers := anyOffered(r.Cells), serversDiffer(r.Cells)
		rows := [][]string{comparisonHeader(offered, servers)}
		for i := range r.Cells {
			c := &r.Cells[i]
			row := comparisonRow(c, layout.MDText(cellName(c)), offered, servers)
			row[len(row)-1] = mdStatusIcon(result.CellOutcome(c))
			rows = append(rows, row)
		}
		ew.Line("")
		ew.Lines(layout.MDTable(rows, "l"+strings.Repeat("r", len(rows[0])-2)+"c"))
	}
	if r.Capacity != nil {
		ew.Line("")
		mdCapacity(ew, r.Capacity)
	}
	for i := range r.Cells {
		ew.Line("")
		mdCell(ew, r, &r.Cells[i])
	}
	return ew.Err()
}

func mdCell(ew *layout.Writer, r *result.Result, c *result.Cell) {
	ew.Printf("#### %s %s\n\n", mdStatusIcon(result.CellOutcome(c)), layout.MDText(cellName(c)))
	ew.Line(strings.Join(layout.MDAll(cellFacts(c)), " · "))
	if c.Error != "" && !saidAtEnd(r, c) {
		if r.Interrupted && c.Error == r.Error {
			ew.Printf("\n> **Interrupted:** %s\n", layout.MDText(result.Interruption(c.Error)))
		} else {
			ew.Printf("\n> **Error:** %s\n", layout.MDText(c.Error))
		}
	}

	ew.Printf("\n**Throughput:** %s\n", strings.Join(throughputItems(c), " · "))
	if sat := result.SaturationText(c); sat != "" {
		ew.Printf("\n⚠️ **Saturated:** %s\n", layout.MDText(sat))
	}
	if w := proxyWarning(c); w != "" {
		ew.Printf("\n⚠️ %s\n", layout.MDText(w))
	}
	if c.Repeat > 1 {
		if rows := spreadRows(c); len(rows) > 0 {
			t := [][]string{{"per run", "lowest", "median", "highest", "each run"}}
			for _, r := range rows {
				t = append(t, []string{"`" + r.Name + "`", r.Lo, r.Median, r.Hi, r.Each})
			}
			ew.Printf("\n**Repeated:** %s (the figures below pool all runs; `squall compare` tests these):\n\n", layout.MDText(spreadTitle(c)))
			ew.Lines(layout.MDTable(t, "lrrrl"))
		}
	}
	ew.Line("")
	ew.Lines(layout.MDTable(latencyRows(c), "lrrrrrr"))
	if split := latencySplit(c); split != "" {
		ew.Printf("\n%s\n", layout.MDText(split))
	}

	e := c.Events
	names := []string{"sent", "dropped", "acked", "failed", "indeterminate", "received", "lost", "stranded", "recovered",
		"duplicated", "duplicate deliveries", "reordered"}
	counts := []int64{e.Sent, e.Dropped, e.Acked, e.Failed, e.Indeterminate, e.Received, e.Lost, e.Stranded, e.Recovered,
		e.Duplicated, e.DuplicateDeliveries, e.Reordered}
	if !result.HasConsumers(c) {
		names, counts = names[:5], counts[:5]
	}
	vals := make([]string, len(counts))
	for i, n := range counts {
		vals[i] = units.FormatCount(n)
		if n > 0 && (names[i] == "lost" || names[i] == "duplicated") {
			vals[i] = "**" + vals[i] + "**"
		}
	}
	ew.Line("")
	ew.Lines(layout.MDTable([][]string{names, vals}, strings.Repeat("r", len(names))))
	if result.HasConsumers(c) {
		for _, a := range result.DeliveryAlarms(c) {
			ew.Printf("\n⚠️ %s\n", layout.MDText(a))
		}
	}
	for _, a := range result.DeliveryWarnings(c) {
		ew.Printf("\n%s\n", layout.MDText(a))
	}
	if len(c.Errors) > 0 {
		ew.Printf("\n**Errors:** %s\n", strings.Join(layout.MDAll(errorItems(c.Errors)), " · "))
	}
	if len(c.SLO) > 0 {
		rows := [][]string{{"objective", "limit", "observed", "pass"}}
		for _, s := range c.SLO {
			rows = append(rows, []string{"`" + layout.MDCode(s.Name) + "`", layout.MDText(s.Limit), layout.MDText(result.ObservedText(c, s)), layout.MDIcon(s.Pass)})
		}
		ew.Line("")
		ew.Lines(layout.MDTable(rows, "lrrc"))
	}
	if len(c.Faults) > 0 {
		rows := [][]string{{"fault", "at", "healed", "unavailable", "recovered", "promoted", "lost", "error"}}
		for _, f := range c.Faults {
			rows = append(rows, []string{layout.MDText(faultName(f)), units.FormatAt(f.AtS), healedAt(f),
				units.FormatSeconds(f.UnavailableS), result.RecoveredText(c, f), layout.MDText(promotedText(f)), units.FormatCount(f.LostAcked), layout.MDText(f.Error)})
		}
		ew.Line("")
		ew.Lines(layout.MDTable(rows, "lrrrrlrl"))
		sep := "\n"
		for _, f := range c.Faults {
			if r := redeliveryText(f); r != "" {
				ew.Printf("%s- %s: %s\n", sep, layout.MDText(faultName(f)), layout.MDText(r))
				sep = ""
			}
		}
	}
	if len(c.Notes) > 0 {
		ew.Line("")
		for _, n := range c.Notes {
			ew.Printf("- %s\n", layout.MDText(n))
		}
	}
}

// mdCapacity is a capacity search's curve, highest passing rate and knee.
func mdCapacity(ew *layout.Writer, cp *result.Capacity) {
	ew.Line("#### Capacity")
	ew.Line("")
	ew.Printf("Search by `%s` · **max rate:** %s · **knee:** %s\n\n", layout.MDCode(cp.Objective),
		layout.MDText(strings.Join(maxRateText(cp), " ")), layout.MDText(kneeText(cp)[0]))
	ew.Lines(layout.MDTable(capacityRows(cp, layout.MDText, layout.MDIcon), "lrrrrc"))
	if cp.KneeRate > 0 {
		ew.Printf("\nKnee: %s.\n", kneeMeaning)
	}
}

// mdStatusIcon is a run's or a cell's outcome as an icon: a grey circle
// when there were no objectives to judge.
func mdStatusIcon(o result.Outcome) string {
	switch o {
	case result.OutcomePass:
		return "✅"
	case result.OutcomeNone:
		return "⚪"
	}
	return "❌"
}

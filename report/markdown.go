package report

import (
	"io"
	"strings"
)

// Markdown writes summary.md: the verdict first, then the headline figures
// of each cell as GitHub-flavoured Markdown tables, to paste in a pull
// request or a CI job summary.
func Markdown(w io.Writer, r *Result) error {
	ew := &errWriter{w: w}
	o, v := runVerdict(r)
	ew.printf("### %s %s\n\n", mdStatusIcon(o), mdText(v))
	facts := append([]string{"squall run of `" + mdCode(r.Scenario) + "`"}, mdAll(runFacts(r))...)
	ew.line(strings.Join(facts, " · "))
	if l := lossLine(r); l != "" {
		ew.printf("\n> ⚠️ **%s**\n", mdText(l))
	}
	if r.Interrupted {
		ew.printf("\n> **Interrupted:** %s\n", mdText(interruption(r.Error)))
	} else if r.Error != "" {
		ew.printf("\n> **Error:** %s\n", mdText(r.Error))
	}
	if len(r.Cells) > 1 {
		offered, servers := anyOffered(r.Cells), serversDiffer(r.Cells)
		rows := [][]string{comparisonHeader(offered, servers)}
		for i := range r.Cells {
			c := &r.Cells[i]
			row := comparisonRow(c, mdText(cellName(c)), offered, servers)
			row[len(row)-1] = mdStatusIcon(cellOutcome(c))
			rows = append(rows, row)
		}
		ew.line("")
		ew.lines(mdTable(rows, "l"+strings.Repeat("r", len(rows[0])-2)+"c"))
	}
	if r.Capacity != nil {
		ew.line("")
		mdCapacity(ew, r.Capacity)
	}
	for i := range r.Cells {
		ew.line("")
		mdCell(ew, r, &r.Cells[i])
	}
	return ew.err
}

func mdCell(ew *errWriter, r *Result, c *Cell) {
	ew.printf("#### %s %s\n\n", mdStatusIcon(cellOutcome(c)), mdText(cellName(c)))
	ew.line(strings.Join(mdAll(cellFacts(c)), " · "))
	if c.Error != "" && !saidAtEnd(r, c) {
		if r.Interrupted && c.Error == r.Error {
			ew.printf("\n> **Interrupted:** %s\n", mdText(interruption(c.Error)))
		} else {
			ew.printf("\n> **Error:** %s\n", mdText(c.Error))
		}
	}

	ew.printf("\n**Throughput:** %s\n", strings.Join(throughputItems(c), " · "))
	if sat := saturationText(c); sat != "" {
		ew.printf("\n⚠️ **Saturated:** %s\n", mdText(sat))
	}
	if w := proxyWarning(c); w != "" {
		ew.printf("\n⚠️ %s\n", mdText(w))
	}
	ew.line("")
	ew.lines(mdTable(latencyRows(c), "lrrrrrr"))
	if split := latencySplit(c); split != "" {
		ew.printf("\n%s\n", mdText(split))
	}

	e := c.Events
	names := []string{"sent", "dropped", "acked", "failed", "indeterminate", "received", "lost", "stranded", "recovered",
		"duplicated", "duplicate deliveries", "reordered"}
	counts := []int64{e.Sent, e.Dropped, e.Acked, e.Failed, e.Indeterminate, e.Received, e.Lost, e.Stranded, e.Recovered,
		e.Duplicated, e.DuplicateDeliveries, e.Reordered}
	if !hasConsumers(c) {
		names, counts = names[:5], counts[:5]
	}
	vals := make([]string, len(counts))
	for i, n := range counts {
		vals[i] = fmtCount(n)
		if n > 0 && (names[i] == "lost" || names[i] == "duplicated") {
			vals[i] = "**" + vals[i] + "**"
		}
	}
	ew.line("")
	ew.lines(mdTable([][]string{names, vals}, strings.Repeat("r", len(names))))
	if hasConsumers(c) {
		for _, a := range deliveryAlarms(c) {
			ew.printf("\n⚠️ %s\n", mdText(a))
		}
	}
	for _, a := range deliveryWarnings(c) {
		ew.printf("\n%s\n", mdText(a))
	}
	if len(c.Errors) > 0 {
		ew.printf("\n**Errors:** %s\n", strings.Join(mdAll(errorItems(c.Errors)), " · "))
	}
	if len(c.SLO) > 0 {
		rows := [][]string{{"objective", "limit", "observed", "pass"}}
		for _, s := range c.SLO {
			rows = append(rows, []string{"`" + mdCode(s.Name) + "`", mdText(s.Limit), mdText(observedText(c, s)), mdIcon(s.Pass)})
		}
		ew.line("")
		ew.lines(mdTable(rows, "lrrc"))
	}
	if len(c.Faults) > 0 {
		rows := [][]string{{"fault", "at", "healed", "unavailable", "recovered", "promoted", "lost", "error"}}
		for _, f := range c.Faults {
			rows = append(rows, []string{mdText(faultName(f)), fmtAt(f.AtS), healedAt(f),
				fmtSeconds(f.UnavailableS), recoveredText(c, f), mdText(promotedText(f)), fmtCount(f.LostAcked), mdText(f.Error)})
		}
		ew.line("")
		ew.lines(mdTable(rows, "lrrrrlrl"))
	}
	if len(c.Notes) > 0 {
		ew.line("")
		for _, n := range c.Notes {
			ew.printf("- %s\n", mdText(n))
		}
	}
}

// mdCapacity is a capacity search's curve, highest passing rate and knee.
func mdCapacity(ew *errWriter, cp *Capacity) {
	ew.line("#### Capacity")
	ew.line("")
	ew.printf("Search by `%s` · **max rate:** %s · **knee:** %s\n\n", mdCode(cp.Objective),
		mdText(strings.Join(maxRateText(cp), " ")), mdText(kneeText(cp)[0]))
	ew.lines(mdTable(capacityRows(cp, mdText, mdIcon), "lrrrrc"))
	if cp.KneeRate > 0 {
		ew.printf("\nKnee: %s.\n", kneeMeaning)
	}
}

// mdStatusIcon is a run's or a cell's outcome as an icon: a grey circle
// when there were no objectives to judge.
func mdStatusIcon(o outcome) string {
	switch o {
	case outcomePass:
		return "✅"
	case outcomeNone:
		return "⚪"
	}
	return "❌"
}

func mdIcon(pass bool) string {
	if pass {
		return "✅"
	}
	return "❌"
}

// mdTable writes rows (the first is the header) as a GFM table; align has
// one letter per column: l, r or c.
func mdTable(rows [][]string, align string) []string {
	var out []string
	for i, row := range rows {
		out = append(out, "| "+strings.Join(row, " | ")+" |")
		if i == 0 {
			seps := make([]string, len(row))
			for j := range row {
				switch align[j] {
				case 'r':
					seps[j] = "--:"
				case 'c':
					seps[j] = ":-:"
				default:
					seps[j] = ":--"
				}
			}
			out = append(out, "|"+strings.Join(seps, "|")+"|")
		}
	}
	return out
}

// mdEscaper neutralises the characters that would start Markdown syntax
// or end a table cell inside text taken from the result.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`",
	"<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`, "\n", " ", "\r", " ",
)

func mdText(s string) string { return mdEscaper.Replace(s) }

func mdAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = mdText(s)
	}
	return out
}

// mdCode makes s safe inside a single-backtick code span.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "\n", " ", "|", `\|`).Replace(s)
}

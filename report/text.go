package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/squall-bench/squall/internal/layout"
	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/result"
)

// labelWidth lines up the values after the labels of the one-line sections.
const labelWidth = 12

// Text writes the summary a person reads after a run: per cell its setup,
// throughput, latency, event accounting, errors, faults, objectives and
// notes; a comparison table when there are several cells; and a verdict.
// Plain text without colours, so it reads the same in a terminal, a CI log
// and a file.
func Text(w io.Writer, r *result.Result) error {
	ew := layout.NewWriter(w)
	ew.Lines(layout.Wrap("", append([]string{"scenario " + r.Scenario}, runFacts(r)...), " · ", "    ", layout.TextWidth))
	if len(r.Cells) == 0 {
		ew.Line("")
		ew.Line("no cells ran")
	}
	for i := range r.Cells {
		ew.Line("")
		textCell(ew, r, &r.Cells[i])
	}
	if len(r.Cells) > 1 {
		ew.Line("")
		ew.Lines(comparison(r.Cells))
	}
	if r.Capacity != nil {
		ew.Line("")
		textCapacity(ew, r.Capacity)
	}
	ew.Line("")
	ew.Lines(verdictLines(r))
	return ew.Err()
}

// textCapacity is a capacity search's curve as a table, then its highest
// passing rate and its knee.
func textCapacity(ew *layout.Writer, cp *result.Capacity) {
	ew.Lines(labelled("capacity", []string{"search by " + cp.Objective}))
	ew.Lines(layout.Table("", capacityRows(cp, func(s string) string { return s }, result.PassWord)))
	ew.Lines(labelled("max rate", maxRateText(cp)))
	ew.Lines(labelled("knee", kneeText(cp)))
}

// runFacts are the run-level facts after the scenario name.
func runFacts(r *result.Result) []string {
	var facts []string
	if r.StartedAt != "" {
		facts = append(facts, "started "+r.StartedAt)
	}
	if r.Version != "" {
		facts = append(facts, "squall "+r.Version)
	}
	return facts
}

func textCell(ew *layout.Writer, r *result.Result, c *result.Cell) {
	ew.Lines(layout.Wrap("", append([]string{"== " + cellName(c)}, cellFacts(c)...), " · ", "   ", layout.TextWidth))
	ew.Line("")

	ew.Lines(labelled("throughput", throughputItems(c)))
	indent := strings.Repeat(" ", labelWidth)
	if sat := result.SaturationText(c); sat != "" {
		ew.Lines(layout.Wrap(indent+"SATURATED: ", strings.Fields(sat), " ", indent+"    ", layout.TextWidth))
	}
	if w := proxyWarning(c); w != "" {
		ew.Lines(layout.Wrap(indent, strings.Fields(w), " ", indent+"    ", layout.TextWidth))
	}
	if c.Repeat > 1 {
		ew.Lines(labelled("repeated", spreadItems(c)))
	}
	ew.Line("")

	ew.Lines(layout.Table("", latencyRows(c)))
	if split := latencySplit(c); split != "" {
		ew.Lines(layout.Wrap("", strings.Fields(split), " ", "    ", layout.TextWidth))
	}
	ew.Line("")

	textEvents(ew, c)
	if len(c.Errors) > 0 {
		ew.Lines(labelled("errors", errorItems(c.Errors)))
	}
	if len(c.Faults) > 0 {
		ew.Line("")
		textFaults(ew, c)
	}
	if len(c.SLO) > 0 {
		ew.Line("")
		rows := [][]string{{"objective", "limit", "observed"}}
		for _, s := range c.SLO {
			rows = append(rows, []string{result.PassWord(s.Pass) + "  " + s.Name, s.Limit, result.ObservedText(c, s)})
		}
		ew.Lines(layout.Table("", rows))
	}
	if len(c.Notes) > 0 {
		ew.Line("")
		ew.Line("notes")
		for _, n := range c.Notes {
			ew.Lines(layout.Wrap("  - ", strings.Fields(n), " ", "    ", layout.TextWidth))
		}
	}
	if c.Error != "" && !saidAtEnd(r, c) {
		ew.Line("")
		ew.Lines(cellErrorLines(r, c))
	}
}

// cellErrorLines say why a cell stopped; the run's Interruption reads as
// one, not as an error.
func cellErrorLines(r *result.Result, c *result.Cell) []string {
	if r.Interrupted && c.Error == r.Error {
		return layout.Wrap("INTERRUPTED: ", strings.Fields(result.Interruption(c.Error)), " ", "    ", layout.TextWidth)
	}
	return layout.Wrap("ERROR: ", strings.Fields(c.Error), " ", "    ", layout.TextWidth)
}

// throughputItems are the per-second rates: what the schedule offered (open
// loop only), then what was carried; received only where consumers ran.
func throughputItems(c *result.Cell) []string {
	var tp []string
	if c.Throughput.OfferedPerS > 0 {
		tp = append(tp, "offered "+units.FormatRate(c.Throughput.OfferedPerS))
	}
	tp = append(tp, "sent "+units.FormatRate(c.Throughput.SentPerS), "acked "+units.FormatRate(c.Throughput.AckedPerS))
	if c.Workload.Consumers > 0 {
		tp = append(tp, "received "+units.FormatRate(c.Throughput.ReceivedPerS))
	}
	return tp
}

// cellName is the cell's name, or a stand-in so the header never starts blank.
func cellName(c *result.Cell) string {
	if c.Name == "" {
		return "(unnamed cell)"
	}
	return c.Name
}

// cellFacts describe what ran: the target, then the workload.
func cellFacts(c *result.Cell) []string {
	var f []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			f = append(f, s)
		}
	}
	t, wl := c.Target, c.Workload
	add(t.Provider + " " + t.Topology)
	if t.Provider == "docker" && t.DataPath != "" {
		add("data path " + t.DataPath)
	}
	if t.Persistence != "" {
		add("persistence " + t.Persistence)
	}
	add(result.ServerText(t))
	if wl.Pattern != "" || wl.Producers > 0 {
		rate := "at " + units.FormatRate(wl.Rate)
		if wl.Rate <= 0 {
			rate = "at max rate"
		}
		add(fmt.Sprintf("%s %d×%d %s", wl.Pattern, wl.Producers, wl.Consumers, rate))
	}
	if wl.Payload != "" {
		add("payload " + wl.Payload + " B")
	}
	if c.DurationS > 0 {
		add(units.FormatSeconds(c.DurationS))
	}
	return f
}

// labelled lays out "label   item  item  item", wrapped under the items.
func labelled(label string, items []string) []string {
	indent := strings.Repeat(" ", labelWidth)
	return layout.Wrap(layout.Pad(label, labelWidth, false), items, "  ", indent, layout.TextWidth)
}

func latencyRows(c *result.Cell) [][]string {
	rows := [][]string{{"latency", "count", "p50", "p90", "p99", "p99.9", "max"}}
	for _, k := range []struct {
		name string
		s    result.Summary
	}{
		{"publish", c.Latency.Publish},
		{"service", c.Latency.Service},
		{"end-to-end", c.Latency.EndToEnd},
		{"send delay", c.Latency.SendDelay},
	} {
		rows = append(rows, append([]string{k.name}, summaryCells(k.s)...))
	}
	return rows
}

// summaryCells are a histogram's count and percentiles as table cells;
// an empty histogram shows dashes, not zeros that look like fast replies.
func summaryCells(s result.Summary) []string {
	if s.Count == 0 {
		return []string{"0", "-", "-", "-", "-", "-"}
	}
	return []string{units.FormatCount(s.Count),
		units.FormatMicros(float64(s.P50)), units.FormatMicros(float64(s.P90)), units.FormatMicros(float64(s.P99)),
		units.FormatMicros(float64(s.P999)), units.FormatMicros(float64(s.Max))}
}

func textEvents(ew *layout.Writer, c *result.Cell) {
	e := c.Events
	sent := []string{"sent " + units.FormatCount(e.Sent)}
	if e.Dropped > 0 { // a row of zeros elsewhere; here it would push the line past 80 columns
		sent = append(sent, "dropped "+units.FormatCount(e.Dropped))
	}
	ew.Lines(labelled("events", append(sent, "acked "+units.FormatCount(e.Acked),
		"failed "+units.FormatCount(e.Failed), "indeterminate "+units.FormatCount(e.Indeterminate))))
	indent := strings.Repeat(" ", labelWidth)
	if !result.HasConsumers(c) {
		ew.Line(indent + "no consumers (producer-only): delivery not checked")
	} else {
		items := []string{"received " + units.FormatCount(e.Received), "lost " + units.FormatCount(e.Lost)}
		if e.Stranded > 0 {
			items = append(items, "stranded "+units.FormatCount(e.Stranded))
		}
		dup := "duplicated " + units.FormatCount(e.Duplicated)
		if e.DuplicateDeliveries > 0 {
			dup += fmt.Sprintf(" (%s extra %s)", units.FormatCount(e.DuplicateDeliveries), units.Plural(e.DuplicateDeliveries, "delivery", "deliveries"))
		}
		items = append(items, "recovered "+units.FormatCount(e.Recovered), dup, "reordered "+units.FormatCount(e.Reordered))
		ew.Lines(layout.Wrap(indent, items, "  ", indent, layout.TextWidth))
		for _, s := range result.DeliveryAlarms(c) {
			ew.Lines(layout.Wrap(indent, strings.Fields(s), " ", indent+"    ", layout.TextWidth))
		}
	}
	for _, s := range result.DeliveryWarnings(c) {
		if !result.HasConsumers(c) && strings.HasPrefix(s, "STRANDED") {
			continue
		}
		ew.Lines(layout.Wrap(indent, strings.Fields(s), " ", indent+"    ", layout.TextWidth))
	}
}

// errorItems are "class count", the most frequent first.
func errorItems(errs map[string]int64) []string {
	classes := sortedErrorClasses(errs)
	items := make([]string, len(classes))
	for i, k := range classes {
		items[i] = k + " " + units.FormatCount(errs[k])
	}
	return items
}

func sortedErrorClasses(errs map[string]int64) []string {
	classes := make([]string, 0, len(errs))
	for k := range errs {
		classes = append(classes, k)
	}
	sort.Slice(classes, func(i, j int) bool {
		a, b := classes[i], classes[j]
		if errs[a] != errs[b] {
			return errs[a] > errs[b]
		}
		return a < b
	})
	return classes
}

func textFaults(ew *layout.Writer, c *result.Cell) {
	rows := [][]string{{"fault", "at", "healed", "unavailable", "recovered", "lost"}}
	var failed, details []string
	for _, f := range c.Faults {
		rows = append(rows, []string{faultName(f), units.FormatAt(f.AtS), healedAt(f),
			units.FormatSeconds(f.UnavailableS), result.RecoveredText(c, f), units.FormatCount(f.LostAcked)})
		if f.Promoted != "" {
			details = append(details, fmt.Sprintf("%s: promoted %s", faultName(f), promotedText(f)))
		}
		if r := redeliveryText(f); r != "" {
			details = append(details, faultName(f)+": "+r)
		}
		if len(f.Shards) > 0 {
			var per []string
			for _, s := range f.Shards {
				per = append(per, fmt.Sprintf("shard %d %s", s.Shard, units.FormatSeconds(s.UnavailableS)))
			}
			details = append(details, fmt.Sprintf("%s: unavailable per shard: %s", faultName(f), strings.Join(per, ", ")))
		}
		if f.Error != "" {
			failed = append(failed, fmt.Sprintf("%s at %s: %s", faultName(f), units.FormatAt(f.AtS), f.Error))
		}
	}
	ew.Lines(layout.Table("", rows))
	for _, s := range details {
		ew.Lines(layout.Wrap("  ", strings.Fields(s), " ", "    ", layout.TextWidth))
	}
	for _, s := range failed {
		ew.Lines(layout.Wrap("  fault error: ", strings.Fields(s), " ", "    ", layout.TextWidth))
	}
}

// faultName is "action target", with the node it hit when that adds news.
func faultName(f result.FaultResult) string {
	s := strings.TrimSpace(f.Action + " " + f.Target)
	if f.Node != "" && f.Node != f.Target {
		s += " (" + f.Node + ")"
	}
	return s
}

// promotedText names the new primary, when, and how the old one came back.
func promotedText(f result.FaultResult) string {
	if f.Promoted == "" {
		return "-"
	}
	s := fmt.Sprintf("%s at %s", f.Promoted, units.FormatAt(f.PromotedAtS))
	if f.RejoinedAs != "" {
		s += ", old primary back as " + f.RejoinedAs
	}
	return s
}

// healedAt is the heal time, or "-" for a fault nothing healed.
func healedAt(f result.FaultResult) string {
	if f.HealedAtS <= 0 {
		return "-"
	}
	return units.FormatAt(f.HealedAtS)
}

// comparison is one row per cell with the figures people compare.
func comparison(cells []result.Cell) []string {
	offered, servers := anyOffered(cells), serversDiffer(cells)
	rows := [][]string{comparisonHeader(offered, servers)}
	for i := range cells {
		c := &cells[i]
		rows = append(rows, comparisonRow(c, cellName(c), offered, servers))
	}
	return layout.Table("", rows)
}

// anyOffered reports whether any cell ran on a schedule (open loop), so
// the comparison has an offered rate to show.
func anyOffered(cells []result.Cell) bool {
	for _, c := range cells {
		if c.Throughput.OfferedPerS > 0 {
			return true
		}
	}
	return false
}

// comparisonHeader heads the comparison table: offered/s when a cell ran on
// a schedule, server when the cells ran different servers (or one
// differently: provider, data path).
func comparisonHeader(offered, servers bool) []string {
	h := []string{"cell", "sent/s", "received/s", "publish p99", "e2e p99", "lost", "pass"}
	if offered {
		h = append([]string{"cell", "offered/s"}, h[1:]...)
	}
	if servers {
		h = append([]string{"cell", "server"}, h[1:]...)
	}
	return h
}

func comparisonRow(c *result.Cell, name string, offered, servers bool) []string {
	recv, e2e, lost := "-", "-", "-"
	if result.HasConsumers(c) {
		recv, lost = units.FormatNumber(c.Throughput.ReceivedPerS), units.FormatCount(c.Events.Lost)
		if c.Latency.EndToEnd.Count > 0 {
			e2e = units.FormatMicros(float64(c.Latency.EndToEnd.P99))
		}
	}
	pub := "-"
	if c.Latency.Publish.Count > 0 {
		pub = units.FormatMicros(float64(c.Latency.Publish.P99))
	}
	row := []string{name, units.FormatNumber(c.Throughput.SentPerS), recv, pub, e2e, lost, cellStatus(c)}
	if offered {
		o := "-"
		if c.Throughput.OfferedPerS > 0 {
			o = units.FormatNumber(c.Throughput.OfferedPerS)
		}
		row = append([]string{name, o}, row[1:]...)
	}
	if servers {
		row = append([]string{name, serverRunText(c.Target)}, row[1:]...)
	}
	return row
}

// spreadItems say how a repeated cell's figures spread over its
// repetitions: each gated-by-default metric's lowest and highest.
func spreadItems(c *result.Cell) []string {
	items := []string{spreadTitle(c) + ":"}
	for _, r := range spreadRows(c) {
		items = append(items, fmt.Sprintf("%s %s–%s", r.Name, r.Lo, r.Hi))
	}
	return items
}

// spreadRow is one metric of a repeated cell over its repetitions.
type spreadRow struct{ Name, Lo, Median, Hi, Each string }

// spreadTitle says what the spread is of.
func spreadTitle(c *result.Cell) string {
	return fmt.Sprintf("%d runs, each a fresh target; per-run range", c.Repeat)
}

// spreadRows are the sampled metrics of a repeated cell (p99.9 left out:
// a run's far tail is a handful of events) with their lowest, median and
// highest repetition, and every repetition's figure in order. The
// figures above them are over all repetitions pooled; these are what
// compare's significance test sees.
func spreadRows(c *result.Cell) []spreadRow {
	var rows []spreadRow
	for _, m := range result.Metrics {
		vs := m.Samples(c)
		if len(vs) == 0 || strings.HasSuffix(m.Name, "p999") {
			continue
		}
		each := make([]string, len(vs))
		for i, v := range vs {
			each[i] = m.Unit.Format(v)
		}
		s := slices.Clone(vs)
		slices.Sort(s)
		med := (s[(len(s)-1)/2] + s[len(s)/2]) / 2
		rows = append(rows, spreadRow{m.Name, m.Unit.Format(s[0]), m.Unit.Format(med), m.Unit.Format(s[len(s)-1]), strings.Join(each, " ")})
	}
	return rows
}

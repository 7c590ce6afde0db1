package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// textWidth is the terminal width the text summary is laid out for.
const textWidth = 80

// labelWidth lines up the values after the labels of the one-line sections.
const labelWidth = 12

// Text writes the summary a person reads after a run: per cell its setup,
// throughput, latency, event accounting, errors, faults, objectives and
// notes; a comparison table when there are several cells; and a verdict.
// Plain text without colours, so it reads the same in a terminal, a CI log
// and a file.
func Text(w io.Writer, r *Result) error {
	ew := &errWriter{w: w}
	ew.lines(wrapWords("", append([]string{"scenario " + r.Scenario}, runFacts(r)...), " · ", "    ", textWidth))
	if len(r.Cells) == 0 {
		ew.line("")
		ew.line("no cells ran")
	}
	for i := range r.Cells {
		ew.line("")
		textCell(ew, r, &r.Cells[i])
	}
	if len(r.Cells) > 1 {
		ew.line("")
		ew.lines(comparison(r.Cells))
	}
	if r.Capacity != nil {
		ew.line("")
		textCapacity(ew, r.Capacity)
	}
	ew.line("")
	ew.lines(verdictLines(r))
	return ew.err
}

// textCapacity is a capacity search's curve as a table, then its highest
// passing rate and its knee.
func textCapacity(ew *errWriter, cp *Capacity) {
	ew.lines(labelled("capacity", []string{"search by " + cp.Objective}))
	ew.lines(alignTable("", capacityRows(cp, func(s string) string { return s }, passWord)))
	ew.lines(labelled("max rate", maxRateText(cp)))
	ew.lines(labelled("knee", kneeText(cp)))
}

// runFacts are the run-level facts after the scenario name.
func runFacts(r *Result) []string {
	var facts []string
	if r.StartedAt != "" {
		facts = append(facts, "started "+r.StartedAt)
	}
	if r.Version != "" {
		facts = append(facts, "squall "+r.Version)
	}
	return facts
}

func textCell(ew *errWriter, r *Result, c *Cell) {
	ew.lines(wrapWords("", append([]string{"== " + cellName(c)}, cellFacts(c)...), " · ", "   ", textWidth))
	ew.line("")

	ew.lines(labelled("throughput", throughputItems(c)))
	indent := strings.Repeat(" ", labelWidth)
	if sat := saturationText(c); sat != "" {
		ew.lines(wrapWords(indent+"SATURATED: ", strings.Fields(sat), " ", indent+"    ", textWidth))
	}
	if w := proxyWarning(c); w != "" {
		ew.lines(wrapWords(indent, strings.Fields(w), " ", indent+"    ", textWidth))
	}
	ew.line("")

	ew.lines(alignTable("", latencyRows(c)))
	if split := latencySplit(c); split != "" {
		ew.lines(wrapWords("", strings.Fields(split), " ", "    ", textWidth))
	}
	ew.line("")

	textEvents(ew, c)
	if len(c.Errors) > 0 {
		ew.lines(labelled("errors", errorItems(c.Errors)))
	}
	if len(c.Faults) > 0 {
		ew.line("")
		textFaults(ew, c)
	}
	if len(c.SLO) > 0 {
		ew.line("")
		rows := [][]string{{"objective", "limit", "observed"}}
		for _, s := range c.SLO {
			rows = append(rows, []string{passWord(s.Pass) + "  " + s.Name, s.Limit, observedText(c, s)})
		}
		ew.lines(alignTable("", rows))
	}
	if len(c.Notes) > 0 {
		ew.line("")
		ew.line("notes")
		for _, n := range c.Notes {
			ew.lines(wrapWords("  - ", strings.Fields(n), " ", "    ", textWidth))
		}
	}
	if c.Error != "" && !saidAtEnd(r, c) {
		ew.line("")
		ew.lines(cellErrorLines(r, c))
	}
}

// cellErrorLines say why a cell stopped; the run's interruption reads as
// one, not as an error.
func cellErrorLines(r *Result, c *Cell) []string {
	if r.Interrupted && c.Error == r.Error {
		return wrapWords("INTERRUPTED: ", strings.Fields(interruption(c.Error)), " ", "    ", textWidth)
	}
	return wrapWords("ERROR: ", strings.Fields(c.Error), " ", "    ", textWidth)
}

// throughputItems are the per-second rates: what the schedule offered (open
// loop only), then what was carried; received only where consumers ran.
func throughputItems(c *Cell) []string {
	var tp []string
	if c.Throughput.OfferedPerS > 0 {
		tp = append(tp, "offered "+fmtRate(c.Throughput.OfferedPerS))
	}
	tp = append(tp, "sent "+fmtRate(c.Throughput.SentPerS), "acked "+fmtRate(c.Throughput.AckedPerS))
	if c.Workload.Consumers > 0 {
		tp = append(tp, "received "+fmtRate(c.Throughput.ReceivedPerS))
	}
	return tp
}

// cellName is the cell's name, or a stand-in so the header never starts blank.
func cellName(c *Cell) string {
	if c.Name == "" {
		return "(unnamed cell)"
	}
	return c.Name
}

// cellFacts describe what ran: the target, then the workload.
func cellFacts(c *Cell) []string {
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
	add(serverText(t))
	if wl.Pattern != "" || wl.Producers > 0 {
		rate := "at " + fmtRate(wl.Rate)
		if wl.Rate <= 0 {
			rate = "at max rate"
		}
		add(fmt.Sprintf("%s %d×%d %s", wl.Pattern, wl.Producers, wl.Consumers, rate))
	}
	if wl.Payload != "" {
		add("payload " + wl.Payload + " B")
	}
	if c.DurationS > 0 {
		add(fmtSeconds(c.DurationS))
	}
	return f
}

// labelled lays out "label   item  item  item", wrapped under the items.
func labelled(label string, items []string) []string {
	indent := strings.Repeat(" ", labelWidth)
	return wrapWords(padTo(label, labelWidth, false), items, "  ", indent, textWidth)
}

func latencyRows(c *Cell) [][]string {
	rows := [][]string{{"latency", "count", "p50", "p90", "p99", "p99.9", "max"}}
	for _, k := range []struct {
		name string
		s    Summary
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
func summaryCells(s Summary) []string {
	if s.Count == 0 {
		return []string{"0", "-", "-", "-", "-", "-"}
	}
	return []string{fmtCount(s.Count),
		fmtUS(float64(s.P50)), fmtUS(float64(s.P90)), fmtUS(float64(s.P99)),
		fmtUS(float64(s.P999)), fmtUS(float64(s.Max))}
}

func textEvents(ew *errWriter, c *Cell) {
	e := c.Events
	sent := []string{"sent " + fmtCount(e.Sent)}
	if e.Dropped > 0 { // a row of zeros elsewhere; here it would push the line past 80 columns
		sent = append(sent, "dropped "+fmtCount(e.Dropped))
	}
	ew.lines(labelled("events", append(sent, "acked "+fmtCount(e.Acked),
		"failed "+fmtCount(e.Failed), "indeterminate "+fmtCount(e.Indeterminate))))
	indent := strings.Repeat(" ", labelWidth)
	if !hasConsumers(c) {
		ew.line(indent + "no consumers (producer-only): delivery not checked")
	} else {
		items := []string{"received " + fmtCount(e.Received), "lost " + fmtCount(e.Lost)}
		if e.Stranded > 0 {
			items = append(items, "stranded "+fmtCount(e.Stranded))
		}
		dup := "duplicated " + fmtCount(e.Duplicated)
		if e.DuplicateDeliveries > 0 {
			dup += fmt.Sprintf(" (%s extra %s)", fmtCount(e.DuplicateDeliveries), pluralize(e.DuplicateDeliveries, "delivery", "deliveries"))
		}
		items = append(items, "recovered "+fmtCount(e.Recovered), dup, "reordered "+fmtCount(e.Reordered))
		ew.lines(wrapWords(indent, items, "  ", indent, textWidth))
		for _, s := range deliveryAlarms(c) {
			ew.lines(wrapWords(indent, strings.Fields(s), " ", indent+"    ", textWidth))
		}
	}
	for _, s := range deliveryWarnings(c) {
		if !hasConsumers(c) && strings.HasPrefix(s, "STRANDED") {
			continue
		}
		ew.lines(wrapWords(indent, strings.Fields(s), " ", indent+"    ", textWidth))
	}
}

// errorItems are "class count", the most frequent first.
func errorItems(errs map[string]int64) []string {
	classes := sortedErrorClasses(errs)
	items := make([]string, len(classes))
	for i, k := range classes {
		items[i] = k + " " + fmtCount(errs[k])
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

func textFaults(ew *errWriter, c *Cell) {
	rows := [][]string{{"fault", "at", "healed", "unavailable", "recovered", "lost"}}
	var failed, details []string
	for _, f := range c.Faults {
		rows = append(rows, []string{faultName(f), fmtAt(f.AtS), healedAt(f),
			fmtSeconds(f.UnavailableS), recoveredText(c, f), fmtCount(f.LostAcked)})
		if f.Promoted != "" {
			details = append(details, fmt.Sprintf("%s: promoted %s", faultName(f), promotedText(f)))
		}
		if len(f.Shards) > 0 {
			var per []string
			for _, s := range f.Shards {
				per = append(per, fmt.Sprintf("shard %d %s", s.Shard, fmtSeconds(s.UnavailableS)))
			}
			details = append(details, fmt.Sprintf("%s: unavailable per shard: %s", faultName(f), strings.Join(per, ", ")))
		}
		if f.Error != "" {
			failed = append(failed, fmt.Sprintf("%s at %s: %s", faultName(f), fmtAt(f.AtS), f.Error))
		}
	}
	ew.lines(alignTable("", rows))
	for _, s := range details {
		ew.lines(wrapWords("  ", strings.Fields(s), " ", "    ", textWidth))
	}
	for _, s := range failed {
		ew.lines(wrapWords("  fault error: ", strings.Fields(s), " ", "    ", textWidth))
	}
}

// faultName is "action target", with the node it hit when that adds news.
func faultName(f FaultResult) string {
	s := strings.TrimSpace(f.Action + " " + f.Target)
	if f.Node != "" && f.Node != f.Target {
		s += " (" + f.Node + ")"
	}
	return s
}

// promotedText names the new primary, when, and how the old one came back.
func promotedText(f FaultResult) string {
	if f.Promoted == "" {
		return "-"
	}
	s := fmt.Sprintf("%s at %s", f.Promoted, fmtAt(f.PromotedAtS))
	if f.RejoinedAs != "" {
		s += ", old primary back as " + f.RejoinedAs
	}
	return s
}

// healedAt is the heal time, or "-" for a fault nothing healed.
func healedAt(f FaultResult) string {
	if f.HealedAtS <= 0 {
		return "-"
	}
	return fmtAt(f.HealedAtS)
}

// comparison is one row per cell with the figures people compare.
func comparison(cells []Cell) []string {
	offered, servers := anyOffered(cells), serversDiffer(cells)
	rows := [][]string{comparisonHeader(offered, servers)}
	for i := range cells {
		c := &cells[i]
		rows = append(rows, comparisonRow(c, cellName(c), offered, servers))
	}
	return alignTable("", rows)
}

// anyOffered reports whether any cell ran on a schedule (open loop), so
// the comparison has an offered rate to show.
func anyOffered(cells []Cell) bool {
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

func comparisonRow(c *Cell, name string, offered, servers bool) []string {
	recv, e2e, lost := "-", "-", "-"
	if hasConsumers(c) {
		recv, lost = fmtNumber(c.Throughput.ReceivedPerS), fmtCount(c.Events.Lost)
		if c.Latency.EndToEnd.Count > 0 {
			e2e = fmtUS(float64(c.Latency.EndToEnd.P99))
		}
	}
	pub := "-"
	if c.Latency.Publish.Count > 0 {
		pub = fmtUS(float64(c.Latency.Publish.P99))
	}
	row := []string{name, fmtNumber(c.Throughput.SentPerS), recv, pub, e2e, lost, cellStatus(c)}
	if offered {
		o := "-"
		if c.Throughput.OfferedPerS > 0 {
			o = fmtNumber(c.Throughput.OfferedPerS)
		}
		row = append([]string{name, o}, row[1:]...)
	}
	if servers {
		row = append([]string{name, serverRunText(c.Target)}, row[1:]...)
	}
	return row
}

package report

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/rundir"
)

// CellData is what a run directory holds for one cell beside result.json
// (see rundir.ReadCell).
type CellData = rundir.CellData

// RunData is the run directory's content the HTML report draws from.
type RunData struct {
	Cells    []CellData // in the order of Result.Cells; missing entries: no data
	Scenario string     // the resolved scenario.yaml, shown verbatim
}

func (d *RunData) cell(i int) CellData {
	if d == nil || i >= len(d.Cells) {
		return CellData{}
	}
	return d.Cells[i]
}

// The page is html/template over a view of the result (below): the
// template holds the markup and escapes every value, the view holds what
// the page says, formatted, and the charts come in as SVG from chart code.
var (
	//go:embed html/page.tmpl html/page.css
	htmlFiles embed.FS

	// pageCSS is the whole style sheet: system fonts only, nothing fetched.
	pageCSS  = mustRead("html/page.css")
	pageTmpl = template.Must(template.New("page.tmpl").Parse(compactTemplate(mustRead("html/page.tmpl"))))
)

func mustRead(name string) string {
	b, err := htmlFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// compactTemplate takes out the template source's line breaks with the
// indentation after them: they lay the markup out for reading, and the
// page writes its own line breaks where it has them.
func compactTemplate(src string) string {
	return regexp.MustCompile(`\n\t*`).ReplaceAllString(src, "")
}

// HTML writes report.html: one self-contained page (inline CSS and SVG, no
// script, nothing fetched) with the verdict, a comparison across cells, the
// capacity curve, and per cell its charts and tables. d may be nil: the
// charts drawn from the timeline then say so, and the percentile
// distribution falls back to the summary percentiles.
func HTML(w io.Writer, r *result.Result, d *RunData) error {
	var b bytes.Buffer
	if err := pageTmpl.ExecuteTemplate(&b, "page", newPageView(r, d)); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// pageView is everything the page shows, in the template's terms.
type pageView struct {
	CSS                    template.CSS
	Title, Scenario, Facts string
	Verdict                pill
	VerdictText            string
	Banners                []banner
	NoCells                bool
	Matrix                 *matrixView
	Capacity               *capacityView
	Cells                  []cellView
	ScenarioYAML, Version  string
}

// pill is an outcome as a coloured word: the CSS class and the word.
type pill struct{ Class, Word string }

// banner is a coloured box: an optional bold label, then lines.
type banner struct {
	Class, Label string
	Lines        []string
}

type legendKey struct{ Class, Name string } // a series class and its name

type keyValue struct{ Key, Value string }

// figureView is a chart with its caption, legend and what is said under it.
type figureView struct {
	Title, Sub  string
	Legend      []legendKey
	SVG         template.HTML
	Markers     []marker // the timeline's fault markers, spelled out
	MoreMarkers int      // markers left out of the list
	Coarse      bool     // drawn from the summary percentiles
}

type marker struct{ At, Label string }

func newPageView(r *result.Result, d *RunData) *pageView {
	o, verdict := result.RunVerdict(r)
	v := &pageView{
		CSS:         template.CSS(pageCSS),
		Title:       "squall · " + r.Scenario,
		Scenario:    r.Scenario,
		Facts:       strings.Join(append(runFacts(r), pluralCount(len(r.Cells), "cell", "cells")), " · "),
		Verdict:     pill{outcomeClass(o), o.Word()},
		VerdictText: verdictText(o, verdict),
		NoCells:     len(r.Cells) == 0,
		Version:     r.Version,
	}
	if l := result.LossLine(r); l != "" {
		v.Banners = append(v.Banners, banner{Class: "fail loss", Label: l})
	}
	switch {
	case r.Interrupted:
		v.Banners = append(v.Banners, banner{"warn", "Interrupted:", []string{result.Interruption(r.Error)}})
	case r.Error != "":
		v.Banners = append(v.Banners, banner{"fail", "Error:", []string{r.Error}})
	}
	if len(r.Cells) > 1 {
		v.Matrix = newMatrixView(r)
	}
	if r.Capacity != nil {
		v.Capacity = newCapacityView(r.Capacity)
	}
	span := runTimeSpan(r, d)
	for i := range r.Cells {
		v.Cells = append(v.Cells, newCellView(r, i, d.cell(i), span))
	}
	if d != nil {
		v.ScenarioYAML = d.Scenario
	}
	return v
}

// statusPill is a cell's outcome (grey when it had no objectives to judge).
func statusPill(c *result.Cell) pill {
	o := result.CellOutcome(c)
	return pill{outcomeClass(o), o.Word()}
}

func passPill(pass bool) pill {
	return pill{strings.ToLower(result.PassWord(pass)), result.PassWord(pass)}
}

// matrixView is the comparison table across cells and its bar charts.
type matrixView struct {
	Servers, Offered bool
	Rows             []matrixRow
	Figures          [2]figureView
}

type matrixRow struct {
	N                                            int
	Name, Server, Offered, Sent, Acked, Received string
	Publish, EndToEnd, Lost, Duplicated, Errors  string
	LostAlarm, DupAlarm                          bool
	Pill                                         pill
}

func newMatrixView(r *result.Result) *matrixView {
	m := &matrixView{Servers: serversDiffer(r.Cells), Offered: anyOffered(r.Cells)}
	for i := range r.Cells {
		c := &r.Cells[i]
		consumers := c.Workload.Consumers > 0 || c.Events.Received > 0
		row := matrixRow{
			N: i + 1, Name: cellName(c), Server: serverRunText(c.Target), Offered: rateCell(c.Throughput.OfferedPerS),
			Sent: units.FormatNumber(c.Throughput.SentPerS), Acked: units.FormatNumber(c.Throughput.AckedPerS),
			Received: "–", Publish: latencyCell(c.Latency.Publish.Count, c.Latency.Publish.P99),
			EndToEnd: "–", Lost: "–", Duplicated: "–",
			LostAlarm: consumers && c.Events.Lost > 0, DupAlarm: consumers && c.Events.Duplicated > 0,
			Errors: units.FormatCount(sumErrors(c.Errors)), Pill: statusPill(c),
		}
		if consumers {
			row.Received, row.Lost, row.Duplicated = units.FormatNumber(c.Throughput.ReceivedPerS), units.FormatCount(c.Events.Lost), units.FormatCount(c.Events.Duplicated)
			row.EndToEnd = latencyCell(c.Latency.EndToEnd.Count, c.Latency.EndToEnd.P99)
		}
		m.Rows = append(m.Rows, row)
	}
	m.Figures = matrixFigures(r)
	return m
}

// rateCell is a per-second figure, or a dash when there is none (closed loop).
func rateCell(v float64) string {
	if v <= 0 {
		return "–"
	}
	return units.FormatNumber(v)
}

func latencyCell(count, us int64) string {
	if count == 0 {
		return "–"
	}
	return units.FormatMicros(float64(us))
}

func sumErrors(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// capacityView is a rate search: its figures, its curves and its points.
type capacityView struct {
	Objective, MaxRate, KneeRate, Tried string
	Figures                             [2]figureView
	Points                              []capacityRow
}

type capacityRow struct {
	Cell, Offered, Carried, P50, P99 string
	Pill                             pill
}

func newCapacityView(cp *result.Capacity) *capacityView {
	v := &capacityView{
		Objective: cp.Objective, MaxRate: rateOrNone(cp.MaxRate), KneeRate: rateOrNone(cp.KneeRate),
		Tried:   pluralCount(len(cp.Points), "rate", "rates"),
		Figures: capacityFigures(cp),
	}
	for _, pt := range cp.Points {
		v.Points = append(v.Points, capacityRow{
			Cell: pt.Cell, Offered: units.FormatRate(pt.Rate), Carried: units.FormatRate(pt.AckedPerS),
			P50: units.FormatMicros(float64(pt.P50us)), P99: units.FormatMicros(float64(pt.P99us)), Pill: passPill(pt.Pass),
		})
	}
	return v
}

// pluralCount counts without thousands separators, as the page always has.
func pluralCount(n int, one, many string) string {
	return strconv.Itoa(n) + " " + units.Plural(int64(n), one, many)
}

func rateOrNone(v float64) string {
	if v <= 0 {
		return "none"
	}
	return units.FormatRate(v)
}

// cellView is one cell's section: header, key figures, charts and tables.
type cellView struct {
	N                                 int
	Name, Facts                       string
	Pill                              pill
	Params                            []keyValue
	Banners                           []banner
	KPIs                              []kpi
	Throughput                        figureView
	PublishOverTime, EndToEndOverTime figureView
	Distribution                      figureView
	Latency                           []latencyRow
	Split                             string
	Events                            []eventRow
	Consumers                         bool
	Objectives                        []objectiveRow
	Errors                            []errorRow
	Faults                            *faultsView
	Notes, Problems                   []string
	Setup                             setupView
	// Spread is a repeated cell's figures run by run (SpreadTitle says
	// over how many).
	SpreadTitle string
	Spread      []spreadRow
}

func newCellView(r *result.Result, i int, cd CellData, span float64) cellView {
	c := &r.Cells[i]
	consumers := result.HasConsumers(c)
	v := cellView{
		N: i + 1, Name: cellName(c), Pill: statusPill(c), Facts: strings.Join(cellFacts(c), " · "),
		Params: sortedParams(c.Params), KPIs: kpis(c),
		Latency: latencyTable(c), Split: latencySplit(c), Events: eventRows(c, consumers), Consumers: consumers,
		Objectives: objectiveRows(c), Errors: errorRows(c.Errors), Faults: newFaultsView(c),
		Notes: c.Notes, Problems: cd.Problems, Setup: newSetupView(c),
	}
	if c.Repeat > 1 {
		v.SpreadTitle, v.Spread = spreadTitle(c), spreadRows(c)
	}
	if c.Error != "" && !saidAtEnd(r, c) {
		if r.Interrupted && c.Error == r.Error {
			v.Banners = append(v.Banners, banner{"warn", "Interrupted:", []string{result.Interruption(c.Error)}})
		} else {
			v.Banners = append(v.Banners, banner{"fail", "Error:", []string{c.Error}})
		}
	}
	if alarms := result.DeliveryAlarms(c); len(alarms) > 0 && consumers {
		v.Banners = append(v.Banners, banner{Class: "fail", Lines: alarms})
	}
	var warns []string
	if sat := result.SaturationText(c); sat != "" {
		warns = append(warns, "SATURATED: "+sat)
	}
	if w := proxyWarning(c); w != "" {
		warns = append(warns, w)
	}
	for _, w := range result.DeliveryWarnings(c) {
		if consumers || !strings.HasPrefix(w, "STRANDED") {
			warns = append(warns, w)
		}
	}
	if len(warns) > 0 {
		v.Banners = append(v.Banners, banner{Class: "warn", Lines: warns})
	}
	v.Throughput, v.PublishOverTime, v.EndToEndOverTime, v.Distribution = cellFigures(c, cd, consumers, span)
	return v
}

// sortedParams are a cell's matrix parameters, shown under its name.
func sortedParams(params map[string]string) []keyValue {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]keyValue, len(keys))
	for i, k := range keys {
		out[i] = keyValue{k, params[k]}
	}
	return out
}

// markerList spells out the timeline's fault markers under the chart, each
// at its own time, since a pin's tooltip needs a mouse; past maxRows it
// counts the rest.
func markerList(tl []record.Second) (items []marker, more int) {
	for _, m := range timelineMarkers(tl) {
		items = append(items, marker{units.FormatAt(m.AtS), m.Label})
	}
	if len(items) > maxRows {
		return items[:maxRows], len(items) - maxRows
	}
	return items, 0
}

// kpi is one headline figure at the top of a cell.
type kpi struct{ Name, Value, Class string }

func kpis(c *result.Cell) []kpi {
	consumers := result.HasConsumers(c)
	var ks []kpi
	if c.Throughput.OfferedPerS > 0 {
		ks = append(ks, kpi{"offered/s", units.FormatNumber(c.Throughput.OfferedPerS), ""})
	}
	ks = append(ks, kpi{"sent/s", units.FormatNumber(c.Throughput.SentPerS), ""},
		kpi{"acked/s", units.FormatNumber(c.Throughput.AckedPerS), ""})
	if consumers {
		ks = append(ks, kpi{"received/s", units.FormatNumber(c.Throughput.ReceivedPerS), ""})
	}
	if s := c.Saturation; s != nil {
		ks = append(ks, kpi{"carried", units.FormatPercent(s.CarriedRatio), "warn"})
	}
	ks = append(ks, kpi{"publish p99", latencyCell(c.Latency.Publish.Count, c.Latency.Publish.P99), ""})
	if consumers {
		ks = append(ks, kpi{"e2e p99", latencyCell(c.Latency.EndToEnd.Count, c.Latency.EndToEnd.P99), ""},
			kpi{"lost", units.FormatCount(c.Events.Lost), classIf(c.Events.Lost > 0, "alarm")},
			kpi{"duplicated", units.FormatCount(c.Events.Duplicated), classIf(c.Events.Duplicated > 0, "alarm")})
		if c.Events.Stranded > 0 {
			ks = append(ks, kpi{"stranded", units.FormatCount(c.Events.Stranded), "warn"})
		}
	}
	if c.Events.Dropped > 0 {
		ks = append(ks, kpi{"dropped", units.FormatCount(c.Events.Dropped), "warn"})
	}
	return append(ks, kpi{"errors", units.FormatCount(sumErrors(c.Errors)), classIf(sumErrors(c.Errors) > 0, "warn")})
}

func classIf(on bool, class string) string {
	if on {
		return class
	}
	return ""
}

// latencyRow is one latency kind's percentiles and mean.
type latencyRow struct {
	Name, Samples string
	Values        []string // p50, p90, p99, p99.9, max, mean
}

func latencyTable(c *result.Cell) []latencyRow {
	var out []latencyRow
	for _, k := range []struct {
		name string
		s    result.Summary
	}{{"publish", c.Latency.Publish}, {"service", c.Latency.Service}, {"end-to-end", c.Latency.EndToEnd}, {"send delay", c.Latency.SendDelay}} {
		mean := "–"
		if k.s.Count > 0 {
			mean = units.FormatMicros(k.s.Mean)
		}
		vals := append(summaryCells(k.s)[1:], mean)
		for i, v := range vals {
			if v == "-" {
				vals[i] = "–"
			}
		}
		out = append(out, latencyRow{k.name, units.PluralCount(k.s.Count, "sample", "samples"), vals})
	}
	return out
}

// eventRow is one line of the event accounting with what it means.
type eventRow struct{ Name, Value, Class, Meaning string }

func eventRows(c *result.Cell, consumers bool) []eventRow {
	e := c.Events
	rows := []struct {
		name     string
		n        int64
		meaning  string
		bad      bool // an alarm when not zero
		warn     bool // a warning when not zero
		delivery bool // only measured with consumers
	}{
		{"sent", e.Sent, "events producers attempted", false, false, false},
		{"dropped", e.Dropped, "due in the measured phase, never sent: the generator could not keep up", false, true, false},
		{"acked", e.Acked, "Redis replied OK", false, false, false},
		{"failed", e.Failed, "Redis replied an error: definitely not written", false, true, false},
		{"indeterminate", e.Indeterminate, "no reply (timeout, connection lost): may or may not be written", false, true, false},
		{"received", e.Received, "distinct events consumers got", false, false, true},
		{"lost", e.Lost, "acked, never received, gone from Redis", true, false, true},
		{"stranded", e.Stranded, "acked, not received, still in Redis when the run ended: consumer lag, not loss", false, true, true},
		{"recovered", e.Recovered, "not acked, but received", false, false, true},
		{"duplicated", e.Duplicated, "distinct events received more than once", true, false, true},
		{"duplicate deliveries", e.DuplicateDeliveries, "deliveries beyond each event's first (an event received 3 times counts 2)", false, false, true},
		{"reordered", e.Reordered, "out of order within one producer and partition", false, false, true},
	}
	out := make([]eventRow, len(rows))
	for i, r := range rows {
		v := units.FormatCount(r.n)
		if r.delivery && !consumers {
			v = "–"
		}
		cls := ""
		switch {
		case r.bad && r.n > 0 && consumers:
			cls = "alarm"
		case r.warn && r.n > 0 && (consumers || !r.delivery):
			cls = "warnval"
		}
		out[i] = eventRow{r.name, v, cls, r.meaning}
	}
	return out
}

type objectiveRow struct {
	Name, Limit, Observed string
	Pill                  pill
}

func objectiveRows(c *result.Cell) []objectiveRow {
	var out []objectiveRow
	for _, s := range c.SLO {
		out = append(out, objectiveRow{s.Name, s.Limit, result.ObservedText(c, s), passPill(s.Pass)})
	}
	return out
}

type errorRow struct{ Class, Count, Share string }

func errorRows(errs map[string]int64) []errorRow {
	total := sumErrors(errs)
	var out []errorRow
	for _, k := range sortedErrorClasses(errs) {
		share := "–"
		if total > 0 {
			share = strconv.FormatFloat(100*float64(errs[k])/float64(total), 'f', 1, 64) + "%"
		}
		out = append(out, errorRow{k, units.FormatCount(errs[k]), share})
	}
	return out
}

// faultsView is the table of a cell's faults; columns that no fault fills
// are left out, so the table fits the page.
type faultsView struct {
	Promoted, Errors, Shards bool
	Redelivery               bool // a consumer fault: its redelivery column
	Columns                  int
	Rows                     []faultRow
}

type faultRow struct {
	Fault, Node, At, Healed                      string
	Unavailable, Producers, Consumers, Recovered string
	Promoted, LostAcked, Errors, Shards, Error   string
	Redelivery                                   string
	LostAlarm                                    bool
}

func newFaultsView(c *result.Cell) *faultsView {
	if len(c.Faults) == 0 {
		return nil
	}
	v := &faultsView{}
	for _, f := range c.Faults {
		v.Promoted = v.Promoted || f.Promoted != ""
		v.Errors = v.Errors || len(f.Errors) > 0
		v.Shards = v.Shards || len(f.Shards) > 0
		v.Redelivery = v.Redelivery || redeliveryText(f) != ""
	}
	v.Columns = 9
	for _, on := range []bool{v.Promoted, v.Errors, v.Shards, v.Redelivery} {
		if on {
			v.Columns++
		}
	}
	for _, f := range c.Faults {
		node := f.Node
		if f.Role != "" {
			node = strings.TrimSpace(node + " (" + f.Role + ")")
		}
		promoted := "–"
		if f.Promoted != "" {
			promoted = f.Promoted
			if f.PromotedAtS > 0 {
				promoted += " at " + units.FormatAt(f.PromotedAtS)
			}
		}
		var shards []string
		for _, s := range f.Shards {
			shards = append(shards, fmt.Sprintf("shard %d: %s", s.Shard, units.FormatSeconds(s.UnavailableS)))
		}
		v.Rows = append(v.Rows, faultRow{
			Fault: strings.TrimSpace(f.Action + " " + f.Target), Node: dash(node), At: units.FormatAt(f.AtS),
			Healed:      dash(strings.Trim(healedAt(f), "-")),
			Unavailable: units.FormatSeconds(f.UnavailableS), Producers: units.FormatSeconds(f.ProducersUnavailableS),
			Consumers: units.FormatSeconds(f.ConsumersUnavailableS), Recovered: result.RecoveredText(c, f),
			Promoted: promoted, LostAcked: units.FormatCount(f.LostAcked), LostAlarm: f.LostAcked > 0,
			Errors: dash(strings.Join(errorItems(f.Errors), ", ")), Shards: dash(strings.Join(shards, ", ")),
			Error: f.Error, Redelivery: dash(redeliveryText(f)),
		})
	}
	return v
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "–"
	}
	return s
}

// setupView is what ran: target, nodes, workload, client and the server's
// own call counts.
type setupView struct {
	Target, Workload, Calls []keyValue
	Nodes                   []nodeRow
}

type nodeRow struct{ Name, Role, Addr, Shard string }

func newSetupView(c *result.Cell) setupView {
	t, wl, cl := c.Target, c.Workload, c.Client
	var v setupView
	dl := func(list *[]keyValue, k, val string) {
		if val != "" {
			*list = append(*list, keyValue{k, val})
		}
	}
	target := func(k, val string) { dl(&v.Target, k, val) }
	target("provider", t.Provider)
	target("why", t.ProviderNote)
	target("topology", t.Topology)
	target("persistence", t.Persistence)
	target("server", result.ServerText(t))
	target("redis version", t.RedisVersion)
	if t.IOThreads > 0 {
		target("io-threads", strconv.Itoa(t.IOThreads))
	}
	target("binary", t.Binary)
	target("image", t.Image)
	target("image note", t.ImageNote)
	target("data path", t.DataPath)
	target("data path note", t.DataPathNote)
	if len(t.Reaped) > 0 {
		target("reaped", strings.Join(t.Reaped, "; "))
	}
	for _, n := range t.Nodes {
		shard := "–"
		if n.Shard != 0 {
			shard = strconv.Itoa(n.Shard)
		}
		v.Nodes = append(v.Nodes, nodeRow{n.Name, n.Role, n.Addr, shard})
	}

	work := func(k, val string) { dl(&v.Workload, k, val) }
	rate := units.FormatRate(wl.Rate)
	if wl.Rate <= 0 {
		rate = "max (closed loop)"
	}
	work("pattern", wl.Pattern)
	work("producers × consumers", fmt.Sprintf("%d × %d", wl.Producers, wl.Consumers))
	work("rate", rate)
	if wl.Payload != "" {
		work("payload", wl.Payload+" B")
	}
	work("keys", strconv.Itoa(wl.Keys))
	work("pipeline", strconv.Itoa(wl.Pipeline))
	if c.DurationS > 0 {
		work("measured", units.FormatSeconds(c.DurationS))
	}
	work("client", cl.Library)
	work("timeouts", fmt.Sprintf("dial %s · read %s · write %s", units.FormatSeconds(cl.DialTimeoutS), units.FormatSeconds(cl.ReadTimeoutS), units.FormatSeconds(cl.WriteTimeoutS)))
	work("max retries", strconv.Itoa(cl.MaxRetries))
	if cl.CPUs > 0 {
		work("generator cores", fmt.Sprintf("%d (%s)", cl.CPUs, cl.CPUsNote))
	}
	if cl.CPUUsed > 0 {
		work("generator CPU", fmt.Sprintf("%s of one core over the measured window", units.FormatPercent(cl.CPUUsed)))
	}

	keys := make([]string, 0, len(c.ServerCalls))
	for k := range c.ServerCalls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.Calls = append(v.Calls, keyValue{k, units.FormatCount(c.ServerCalls[k])})
	}
	return v
}

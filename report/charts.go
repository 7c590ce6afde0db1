package report

import (
	"fmt"
	"html/template"
	"math"
	"sort"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
)

// The HTML report's figures: each chart drawn as SVG by the primitives in
// svg.go, with its caption and legend, for the page's template to place.

// Chart widths in SVG user units; the page scales them to the column.
const (
	wideW   = 1060.0
	halfW   = 520.0
	chartH  = 250.0
	halfH   = 230.0
	maxRows = 40 // timeline markers listed under a chart
)

// legend is a row of colour keys: each pair is a series class and its name.
func legend(keys ...[2]string) []legendKey {
	out := make([]legendKey, len(keys))
	for i, k := range keys {
		out[i] = legendKey{k[0], k[1]}
	}
	return out
}

// svgHTML marks a chart the chart code wrote, every text in it escaped, as
// markup for the template.
func svgHTML(s string) template.HTML { return template.HTML(s) }

// matrixFigures are the across-cell bar charts: throughput and p99 latency.
func matrixFigures(r *result.Result) [2]figureView {
	names := make([]string, len(r.Cells))
	sent, acked, recv := make([]float64, len(r.Cells)), make([]float64, len(r.Cells)), make([]float64, len(r.Cells))
	pub, e2e := make([]float64, len(r.Cells)), make([]float64, len(r.Cells))
	for i, c := range r.Cells {
		names[i] = cellName(&r.Cells[i])
		sent[i], acked[i], recv[i] = c.Throughput.SentPerS, c.Throughput.AckedPerS, c.Throughput.ReceivedPerS
		pub[i], e2e[i] = summaryP99(c.Latency.Publish), summaryP99(c.Latency.EndToEnd)
		if c.Workload.Consumers == 0 && c.Events.Received == 0 {
			recv[i], e2e[i] = math.NaN(), math.NaN()
		}
	}
	return [2]figureView{{
		Title: "Throughput by cell", Sub: "events/s over the measured phase",
		Legend: legend([2]string{"s-sent", "sent"}, [2]string{"s-acked", "acked"}, [2]string{"s-received", "received"}),
		SVG: svgHTML(barChart("bars throughput-by-cell", "Throughput by cell", names, []barSeries{
			{"sent", "s-sent", sent, units.FormatRate},
			{"acked", "s-acked", acked, units.FormatRate},
			{"received", "s-received", recv, units.FormatRate},
		}, halfW, fmtCompact, false)),
	}, {
		Title: "p99 latency by cell", Sub: "log scale; lower is better",
		Legend: legend([2]string{"s-publish", "publish p99"}, [2]string{"s-e2e", "end-to-end p99"}),
		SVG: svgHTML(barChart("bars p99-by-cell", "p99 latency by cell", names, []barSeries{
			{"publish p99", "s-publish", pub, units.FormatMicros},
			{"end-to-end p99", "s-e2e", e2e, units.FormatMicros},
		}, halfW, units.FormatMicros, true)),
	}}
}

func summaryP99(s result.Summary) float64 {
	if s.Count == 0 {
		return math.NaN()
	}
	return float64(s.P99)
}

// capacityFigures are the latency-vs-throughput curves of a rate search.
func capacityFigures(cp *result.Capacity) [2]figureView {
	pts := append([]result.CapacityPoint(nil), cp.Points...)
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].Rate < pts[j].Rate })

	hiRate := math.Max(cp.MaxRate, cp.KneeRate)
	var lat []float64
	for _, pt := range pts {
		hiRate = math.Max(hiRate, math.Max(pt.Rate, pt.AckedPerS))
		lat = append(lat, float64(pt.P50us), float64(pt.P99us))
	}
	hiRate *= 1.08 // room beyond the last point and marker
	// Rates that step geometrically (a search's default) read evenly only
	// on a log axis; on a linear one the low rates crowd into the corner.
	logRates := geometricRates(pts)
	var rates []float64
	for _, pt := range pts {
		rates = append(rates, pt.Rate, pt.AckedPerS)
	}
	rateAxis := func(a, b float64) axis {
		if logRates {
			return niceLog(rates, a, b, fmtCompact)
		}
		return niceLinear(0, hiRate, 5, a, b, fmtCompact)
	}
	markers := func(c *chart) {
		c.labelsLow = true // latency climbs and carried flattens at the top right
		if cp.KneeRate > 0 {
			c.vline("knee", cp.KneeRate, "knee "+units.FormatRate(cp.KneeRate), "knee: latency starts to climb steeply at "+units.FormatRate(cp.KneeRate))
		}
		if cp.MaxRate > 0 {
			c.vline("maxrate", cp.MaxRate, "max "+units.FormatRate(cp.MaxRate), "highest offered rate that met the objective: "+units.FormatRate(cp.MaxRate))
		}
	}
	tips := make([]string, len(pts))
	p50, p99, carried := make([]xy, len(pts)), make([]xy, len(pts)), make([]xy, len(pts))
	for i, pt := range pts {
		p50[i], p99[i], carried[i] = xy{pt.Rate, float64(pt.P50us)}, xy{pt.Rate, float64(pt.P99us)}, xy{pt.Rate, pt.AckedPerS}
		tips[i] = fmt.Sprintf("%s: offered %s, carried %s, p50 %s, p99 %s, %s", pt.Cell, units.FormatRate(pt.Rate), units.FormatRate(pt.AckedPerS),
			units.FormatMicros(float64(pt.P50us)), units.FormatMicros(float64(pt.P99us)), result.PassWord(pt.Pass))
	}
	passPts := func(src []xy, want bool) ([]xy, []string) {
		var out []xy
		var t []string
		for i, pt := range pts {
			if pt.Pass == want {
				out, t = append(out, src[i]), append(t, tips[i])
			}
		}
		return out, t
	}

	lc := newChart("capacity-latency", "Latency vs offered rate", halfW, halfH)
	lc.x = rateAxis(lc.px0(), lc.px1())
	lc.y = niceLog(lat, lc.py0(), lc.py1(), units.FormatMicros)
	if logRates {
		lc.axes("offered events/s (log)", "latency")
	} else {
		lc.axes("offered events/s", "latency")
	}
	markers(lc)
	lc.line("s-p50", p50)
	lc.line("s-p99", p99)
	ok, okT := passPts(p99, true)
	bad, badT := passPts(p99, false)
	lc.dots("s-p99 ok", ok, okT)
	lc.dots("s-p99 missed", bad, badT)
	if len(pts) == 0 {
		lc.message("no rates tried")
	}

	tc := newChart("capacity-throughput", "Carried vs offered rate", halfW, halfH)
	tc.x = rateAxis(tc.px0(), tc.px1())
	tc.y = rateAxis(tc.py0(), tc.py1())
	xTitle := "offered events/s"
	if logRates {
		xTitle += " (log)"
	}
	tc.axes(xTitle, "carried events/s")
	ideal := []xy{{0, 0}, {hiRate, hiRate}}
	if lg, ok := tc.x.(logAxis); ok {
		lo, hi := math.Pow(10, float64(lg.lo)), math.Pow(10, float64(lg.hi))
		ideal = []xy{{lo, lo}, {hi, hi}}
	}
	tc.line("ideal", ideal)
	markers(tc)
	tc.line("s-acked", carried)
	ok, okT = passPts(carried, true)
	bad, badT = passPts(carried, false)
	tc.dots("s-acked ok", ok, okT)
	tc.dots("s-acked missed", bad, badT)
	if len(pts) == 0 {
		tc.message("no rates tried")
	}

	return [2]figureView{{
		Title: "Latency vs offered rate", Sub: "of the objective's latency kind",
		Legend: legend([2]string{"s-p50", "p50"}, [2]string{"s-p99", "p99"}, [2]string{"knee", "knee"}, [2]string{"maxrate", "max rate"},
			[2]string{"dotkey ok", "met"}, [2]string{"dotkey missed", "missed"}),
		SVG: svgHTML(lc.svg()),
	}, {
		Title: "Carried vs offered rate", Sub: "acked/s; dashed: carried = offered",
		Legend: legend([2]string{"s-acked", "carried (acked/s)"}, [2]string{"knee", "knee"}, [2]string{"maxrate", "max rate"}),
		SVG:    svgHTML(tc.svg()),
	}}
}

// cellFigures are a cell's charts: throughput over time, publish and
// end-to-end latency over time, and the latency distribution.
func cellFigures(c *result.Cell, cd CellData, consumers bool, span float64) (tput, pub, e2e, dist figureView) {
	tl := cd.Timeline
	keys := [][2]string{{"s-sent", "sent"}, {"s-acked", "acked"}}
	if consumers {
		keys = append(keys, [2]string{"s-received", "received"})
	}
	if timelineHasErrors(tl) {
		keys = append(keys, [2]string{"s-errors", "errors"})
	}
	tput = figureView{Title: "Throughput over time", Sub: "events per second, by when they happened",
		Legend: append(legend(keys...), faultKeys(c, tl)...), SVG: svgHTML(throughputChart(c, tl, consumers, span))}
	tput.Markers, tput.MoreMarkers = markerList(tl)

	lats := latencyTimelineCharts(c, tl, consumers, span)
	latKeys := legend([2]string{"s-p50", "p50"}, [2]string{"s-p99", "p99"}, [2]string{"s-max", "max"})
	pub = figureView{Title: "Publish latency over time", Sub: "per second, log scale", Legend: latKeys, SVG: svgHTML(lats[0])}
	e2e = figureView{Title: "End-to-end latency over time", Sub: "per second, log scale", Legend: latKeys, SVG: svgHTML(lats[1])}

	svg, coarse := distributionChart(c, cd, consumers)
	dist = figureView{Title: "Latency by percentile", Sub: "whole measured phase, log scale",
		Legend: legend([2]string{"s-publish", "publish"}, [2]string{"s-service", "service"}, [2]string{"s-e2e", "end-to-end"}, [2]string{"s-delay", "send delay"}),
		SVG:    svgHTML(svg), Coarse: coarse}
	return tput, pub, e2e, dist
}

// geometricRates reports whether a search's rates step by a factor rather
// than by an amount: three or more positive rates spanning at least 4×
// whose steps are more even in log than in linear terms.
func geometricRates(pts []result.CapacityPoint) bool {
	var rs []float64
	for _, pt := range pts {
		if pt.Rate > 0 && (len(rs) == 0 || pt.Rate > rs[len(rs)-1]) {
			rs = append(rs, pt.Rate)
		}
	}
	if len(rs) < 3 || rs[len(rs)-1] < 4*rs[0] {
		return false
	}
	spread := func(f func(a, b float64) float64) float64 {
		lo, hi := math.Inf(1), 0.0
		for i := 1; i < len(rs); i++ {
			d := f(rs[i-1], rs[i])
			lo, hi = math.Min(lo, d), math.Max(hi, d)
		}
		return hi / lo
	}
	lin := spread(func(a, b float64) float64 { return b - a })
	lg := spread(func(a, b float64) float64 { return math.Log(b / a) })
	return lg < lin
}

func timelineHasErrors(tl []record.Second) bool {
	for _, s := range tl {
		if s.Errors > 0 {
			return true
		}
	}
	return false
}

// rowIntervals returns each row's length in seconds: its interval_s, or
// for a timeline without one the time since the previous row (the first
// from 0). Rates are counts over these, so a short last row (the stop)
// reads as a rate, not as a drop.
func rowIntervals(tl []record.Second) []float64 {
	out := make([]float64, len(tl))
	prev := 0.0
	for i, s := range tl {
		dt := s.Dt
		if !(dt > 0) || !units.Finite(dt) {
			dt = s.T - prev
		}
		if !units.Finite(dt) || dt < 0.001 || dt > 30 {
			dt = 1
		}
		out[i] = dt
		prev = s.T
	}
	return out
}

// A row shorter than minRateInterval is too short to read as a rate and is
// left out of the rate lines; one shorter than partialInterval is drawn,
// normalised, and marked as partial.
const (
	minRateInterval = 0.2
	partialInterval = 0.95
)

// timeSpan is how much time a cell's charts must show: the timeline, the
// measured phase and every fault event.
func timeSpan(c *result.Cell, tl []record.Second) float64 {
	hi := c.DurationS
	if n := len(tl); n > 0 {
		hi = math.Max(hi, tl[n-1].T)
	}
	for _, f := range c.Faults {
		hi = math.Max(hi, math.Max(f.AtS, math.Max(f.HealedAtS, f.PromotedAtS)))
	}
	for _, s := range tl {
		for _, m := range s.Faults {
			hi = math.Max(hi, m.AtS)
		}
	}
	if !units.Finite(hi) || hi <= 0 {
		return 1
	}
	return hi
}

// runTimeSpan is the time span every cell's charts share, the longest
// cell's, so the cells of a matrix read against each other.
func runTimeSpan(r *result.Result, d *RunData) float64 {
	hi := 0.0
	for i := range r.Cells {
		if v := timeSpan(&r.Cells[i], d.cell(i).Timeline); units.Finite(v) {
			hi = math.Max(hi, v)
		}
	}
	if hi <= 0 {
		return 1
	}
	return hi
}

// timeAxis is the time axis of the charts, 0 to span, with about n ticks.
// The axis ends where the data does, not at a round number, so the run
// fills the width.
func timeAxis(span float64, n int, a, b float64) linAxis {
	if !units.Finite(span) || span <= 0 {
		span = 1
	}
	step := niceStep(span, n)
	if r := step / math.Pow(10, math.Floor(math.Log10(step))); r > 2.4 && r < 2.6 {
		step *= 2 // 2.5s ticks read badly: 5s instead
	}
	return linAxis{lo: 0, hi: span, step: step, a: a, b: b, label: units.FormatSeconds}
}

// faultKeys are the legend entries for what decorate draws on a cell's
// time charts, each only when something of its kind is drawn.
func faultKeys(c *result.Cell, tl []record.Second) []legendKey {
	var window, instant, failed, promoted, healed, unavail bool
	for _, f := range c.Faults {
		switch {
		case f.Error != "":
			failed = true
		case f.HealedAtS > f.AtS:
			window, healed = true, true
		default:
			instant = true
		}
		promoted = promoted || (f.Promoted != "" && f.PromotedAtS > 0)
		unavail = unavail || (f.Error == "" && f.UnavailableS > 0)
	}
	var keys []legendKey
	for _, k := range []struct {
		drawn bool
		key   legendKey
	}{
		{window, legendKey{"fault", "fault window"}},
		{instant, legendKey{"faultline", "fault"}},
		{failed, legendKey{"faultline failed", "fault not injected"}},
		{promoted, legendKey{"promoted", "replica promoted"}},
		{healed, legendKey{"healed", "healed"}},
		{unavail, legendKey{"unavail", "unavailable"}},
	} {
		if k.drawn {
			keys = append(keys, k.key)
		}
	}
	if len(timelineMarkers(tl)) > 0 {
		keys = append(keys, legendKey{"pinkey", "event (timeline.csv)"})
	}
	dts := rowIntervals(tl)
	for i := range tl {
		if dts[i] >= minRateInterval && dts[i] < partialInterval {
			keys = append(keys, legendKey{"partialkey", "partial second, rate normalised"})
			break
		}
	}
	return keys
}

// timelineMarkers are every fault marker of the timeline, in time order.
func timelineMarkers(tl []record.Second) []record.Marker {
	var ms []record.Marker
	for _, s := range tl {
		ms = append(ms, s.Faults...)
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].AtS < ms[j].AtS })
	return ms
}

// decorate draws what a time chart needs as context, each fault event at
// its own time as result.json and timeline.csv hold it: the drain after the
// measured phase, each fault's window (or instant), the promotion of a
// replica and the heal as lines of their own, and a pin per timeline marker.
func decorate(ch *chart, c *result.Cell, tl []record.Second, short bool) {
	if n := len(tl); n > 0 && c.DurationS > 0 && tl[n-1].T > c.DurationS+0.5 {
		ch.band("drain", c.DurationS, tl[n-1].T, "drain", "drain: producers stopped, consumers finishing")
	}
	faults := append([]result.FaultResult(nil), c.Faults...)
	sort.SliceStable(faults, func(i, j int) bool { return faults[i].AtS < faults[j].AtS })
	for _, f := range faults {
		name := faultName(f)
		tip := name + " at " + units.FormatAt(f.AtS)
		label := name
		if short {
			label = f.Action
		}
		if f.Error != "" {
			ch.vline("fault failed", f.AtS, label+" (failed)", tip+": "+f.Error)
			continue
		}
		if f.HealedAtS > f.AtS {
			ch.band("fault", f.AtS, f.HealedAtS, label, tip+", healed at "+units.FormatAt(f.HealedAtS))
			ch.vline("healed", f.HealedAtS, "", "healed: "+name+" at "+units.FormatAt(f.HealedAtS))
		} else {
			ch.vline("fault", f.AtS, label, tip+" (not healed by a later action)")
		}
		if f.UnavailableS > 0 {
			ch.strip("unavail", f.AtS, f.AtS+f.UnavailableS, fmt.Sprintf("%s: unavailable %s from %s (producers %s, consumers %s)",
				name, units.FormatSeconds(f.UnavailableS), units.FormatAt(f.AtS), units.FormatSeconds(f.ProducersUnavailableS), units.FormatSeconds(f.ConsumersUnavailableS)))
		}
		if f.Promoted != "" && f.PromotedAtS > 0 {
			pl := "promoted " + f.Promoted
			if short {
				pl = "promoted"
			}
			ch.vline("promoted", f.PromotedAtS, pl, "promoted "+f.Promoted+" at "+units.FormatAt(f.PromotedAtS)+" (after "+name+")")
		}
	}
	for _, m := range timelineMarkers(tl) {
		ch.pin("fault", m.AtS, units.FormatAt(m.AtS)+": "+m.Label)
	}
}

func throughputChart(c *result.Cell, tl []record.Second, consumers bool, span float64) string {
	ch := newChart("throughput", "Throughput over time", wideW, chartH)
	dts := rowIntervals(tl)
	sent, acked, recv, errs := make([]xy, len(tl)), make([]xy, len(tl)), make([]xy, len(tl)), make([]xy, len(tl))
	var partial []int
	hi := 0.0
	for i, s := range tl {
		dt, t := dts[i], s.T-dts[i]/2 // a row's rate is drawn mid-interval
		if dt < minRateInterval {
			// A sliver of a second (the stop) is too short to read as a rate.
			nan := xy{t, math.NaN()}
			sent[i], acked[i], recv[i], errs[i] = nan, nan, nan, nan
			continue
		}
		if dt < partialInterval {
			partial = append(partial, i)
		}
		sent[i], acked[i] = xy{t, float64(s.Sent) / dt}, xy{t, float64(s.Acked) / dt}
		recv[i], errs[i] = xy{t, float64(s.Received) / dt}, xy{t, float64(s.Errors) / dt}
		hi = math.Max(hi, math.Max(sent[i].y, acked[i].y))
		if consumers {
			hi = math.Max(hi, recv[i].y)
		}
		hi = math.Max(hi, errs[i].y)
	}
	ch.x = timeAxis(span, 10, ch.px0(), ch.px1())
	ch.y = niceLinear(0, hi, 4, ch.py0(), ch.py1(), fmtCompact)
	ch.axes("time since the measured phase began", "events/s")
	decorate(ch, c, tl, false)
	if len(tl) == 0 {
		ch.message("no timeline data (timeline.csv missing or empty)")
		return ch.svg()
	}
	// Drawn so that equal lines all show: solid received under acked, the
	// dashed sent on top.
	type rateSeries struct {
		class, name string
		pts         []xy
		count       func(record.Second) int64
	}
	var series []rateSeries
	if consumers {
		series = append(series, rateSeries{"s-received", "received", recv, func(s record.Second) int64 { return s.Received }})
	}
	series = append(series, rateSeries{"s-acked", "acked", acked, func(s record.Second) int64 { return s.Acked }},
		rateSeries{"s-sent", "sent", sent, func(s record.Second) int64 { return s.Sent }})
	if timelineHasErrors(tl) {
		series = append(series, rateSeries{"s-errors", "errors", errs, func(s record.Second) int64 { return s.Errors }})
	}
	for _, sr := range series {
		ch.line(sr.class, sr.pts)
	}
	// A partial row is a rate over less than a second: drawn, but marked.
	for _, sr := range series {
		var pts []xy
		var tips []string
		for _, i := range partial {
			pts = append(pts, sr.pts[i])
			tips = append(tips, fmt.Sprintf("%s to %s, a partial second (%s): %s %s, %s",
				units.FormatAt(tl[i].T-dts[i]), units.FormatAt(tl[i].T), units.FormatSeconds(dts[i]), units.FormatCount(sr.count(tl[i])), sr.name, units.FormatRate(sr.pts[i].y)))
		}
		ch.dots("partial "+sr.class, pts, tips)
	}
	return ch.svg()
}

// latencyTimelineCharts draws publish and end-to-end latency per second on
// one shared log scale, so the two read against each other.
func latencyTimelineCharts(c *result.Cell, tl []record.Second, consumers bool, span float64) [2]string {
	var all []float64
	for _, s := range tl {
		all = append(all, float64(s.Publish.P50), float64(s.Publish.P99), float64(s.Publish.Max))
		if consumers {
			all = append(all, float64(s.EndToEnd.P50), float64(s.EndToEnd.P99), float64(s.EndToEnd.Max))
		}
	}
	var out [2]string
	for k, kind := range []struct {
		class, title string
		get          func(record.Second) record.Brief
	}{
		{"latency publish", "Publish latency over time", func(s record.Second) record.Brief { return s.Publish }},
		{"latency end-to-end", "End-to-end latency over time", func(s record.Second) record.Brief { return s.EndToEnd }},
	} {
		ch := newChart(kind.class, kind.title, halfW, halfH)
		ch.x = timeAxis(span, 5, ch.px0(), ch.px1())
		ch.y = niceLog(all, ch.py0(), ch.py1(), units.FormatMicros)
		ch.axes("time", "latency")
		ch.labelRowsAllowed = 1
		decorate(ch, c, tl, true)
		p50, p99, mx := make([]xy, len(tl)), make([]xy, len(tl)), make([]xy, len(tl))
		any := false
		dts := rowIntervals(tl)
		for i, s := range tl {
			b, t := kind.get(s), s.T-dts[i]/2
			p50[i], p99[i], mx[i] = xy{t, float64(b.P50)}, xy{t, float64(b.P99)}, xy{t, float64(b.Max)}
			any = any || b.Max > 0
		}
		switch {
		case k == 1 && !consumers:
			ch.message("no consumers (producer-only)")
		case len(tl) == 0:
			ch.message("no timeline data")
		case !any:
			ch.message("no samples")
		default:
			ch.line("s-max", mx)
			ch.line("s-p99", p99)
			ch.line("s-p50", p50)
		}
		out[k] = ch.svg()
	}
	return out
}

// distributionChart plots latency against percentile on HdrHistogram's
// "nines" axis, from the full histograms where the run directory has them,
// else from the summary percentiles in result.json (coarse).
func distributionChart(c *result.Cell, cd CellData, consumers bool) (svg string, coarse bool) {
	kinds := []struct {
		k     record.Kind
		class string
		s     result.Summary
	}{
		{record.Publish, "s-publish", c.Latency.Publish},
		{record.Service, "s-service", c.Latency.Service},
		{record.EndToEnd, "s-e2e", c.Latency.EndToEnd},
		{record.SendDelay, "s-delay", c.Latency.SendDelay},
	}
	if !consumers {
		kinds = append(kinds[:2], kinds[3])
	}
	nines := 2
	for _, kd := range kinds {
		n := kd.s.Count
		if h := cd.Hist[kd.k]; h != nil && h.TotalCount() > 0 {
			n = h.TotalCount()
		}
		if n > 0 {
			nines = max(nines, int(math.Floor(math.Log10(float64(n))+1e-9)))
		}
	}
	nines = min(nines, 7)
	ch := newChart("distribution", "Latency by percentile", halfW, halfH)
	ch.x = ninesAxis{nines: nines, a: ch.px0(), b: ch.px1()}
	type series struct {
		class  string
		pts    []xy
		coarse bool
	}
	var ss []series
	var all []float64
	fromSummary := false
	for _, kd := range kinds {
		var pts []xy
		coarse := false
		if h := cd.Hist[kd.k]; h != nil && h.TotalCount() > 0 {
			pts = histogramPoints(h, nines)
		} else if kd.s.Count > 0 {
			s := kd.s
			pts = []xy{{0, float64(s.Min)}, {math.Log10(2), float64(s.P50)}, {1, float64(s.P90)}, {2, float64(s.P99)}, {3, float64(s.P999)}, {float64(nines), float64(s.Max)}}
			coarse, fromSummary = true, true
		}
		for _, pt := range pts {
			all = append(all, pt.y)
		}
		ss = append(ss, series{kd.class, pts, coarse})
	}
	ch.y = niceLog(all, ch.py0(), ch.py1(), units.FormatMicros)
	ch.axes("percentile", "latency")
	drawn := false
	for _, s := range ss {
		if len(s.pts) == 0 {
			continue
		}
		drawn = true
		ch.line(s.class, s.pts)
		if s.coarse {
			ch.dots(s.class, s.pts, nil)
		}
	}
	if !drawn {
		ch.message("no samples")
	}
	return ch.svg(), fromSummary
}

// histogramPoints samples h along the nines axis; past the last sample's
// percentile the line stays at the maximum.
func histogramPoints(h *hdrhistogram.Histogram, nines int) []xy {
	const step = 0.025
	last := math.Min(float64(nines), math.Log10(float64(h.TotalCount())))
	var xs, qs []float64
	for x := 0.0; x < last; x += step {
		xs, qs = append(xs, x), append(qs, quantileOfNines(x))
	}
	vals := record.ValuesAtQuantiles(h, qs)
	pts := make([]xy, 0, len(xs)+2)
	for i, x := range xs {
		v := float64(vals[i])
		if i == 0 {
			v = float64(h.Min())
		}
		pts = append(pts, xy{x, math.Max(v, 1)})
	}
	m := math.Max(float64(h.Max()), 1)
	pts = append(pts, xy{last, m}, xy{float64(nines), m})
	return pts
}

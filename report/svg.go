package report

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"

	"github.com/squall-bench/squall/internal/units"
)

// SVG chart primitives for the HTML report. Every coordinate goes through
// num, so no input (empty, single point, zeros, outliers) can put NaN or Inf
// into an attribute; styling is left to the page's CSS classes.

// xy is one data point in data units.
type xy struct{ x, y float64 }

// num writes a coordinate: finite, bounded, one decimal at most.
func num(v float64) string {
	if !units.Finite(v) {
		v = 0
	}
	v = math.Max(-1e6, math.Min(1e6, v))
	if math.Abs(v) < 0.05 {
		return "0"
	}
	return units.TrimZeros(strconv.FormatFloat(v, 'f', 1, 64))
}

// tick is one labelled (or, with an empty label, grid-only) axis position.
type tick struct {
	v     float64
	label string
}

// axis maps data values onto one screen dimension.
type axis interface {
	// pos returns the screen coordinate of v, or false when v cannot be
	// drawn (a non-positive value on a log axis, NaN).
	pos(v float64) (float64, bool)
	ticks() []tick
}

// linAxis is a linear axis from lo to hi mapped onto a..b.
type linAxis struct {
	lo, hi, step float64
	a, b         float64
	label        func(float64) string
}

func (s linAxis) pos(v float64) (float64, bool) {
	if !units.Finite(v) {
		return 0, false
	}
	if s.hi <= s.lo {
		return s.a, true
	}
	f := (v - s.lo) / (s.hi - s.lo)
	return s.a + math.Max(-0.02, math.Min(1.02, f))*(s.b-s.a), true
}

func (s linAxis) ticks() []tick {
	var out []tick
	if !(s.step > 0) || (s.hi-s.lo)/s.step > 50 {
		return []tick{{s.lo, s.label(s.lo)}, {s.hi, s.label(s.hi)}}
	}
	for i := 0; ; i++ {
		v := s.lo + float64(i)*s.step
		if v > s.hi+s.step*1e-6 {
			break
		}
		out = append(out, tick{v, s.label(v)})
	}
	return out
}

// niceLinear returns a linear axis from lo to at least hi with round steps.
func niceLinear(lo, hi float64, n int, a, b float64, label func(float64) string) linAxis {
	if !units.Finite(lo) {
		lo = 0
	}
	if !units.Finite(hi) || hi <= lo {
		hi = lo + 1
	}
	step := niceStep(hi-lo, n)
	top := lo + math.Ceil((hi-lo)/step-1e-9)*step
	return linAxis{lo: lo, hi: top, step: step, a: a, b: b, label: label}
}

// niceStep is a 1-2-5 step that cuts span into about n parts.
func niceStep(span float64, n int) float64 {
	if !(span > 0) || !units.Finite(span) || n < 1 {
		return 1
	}
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*p >= raw*0.999 {
			return m * p
		}
	}
	return 10 * p
}

// logAxis is a base-10 axis over whole decades 10^lo..10^hi mapped onto a..b.
type logAxis struct {
	lo, hi int
	a, b   float64
	label  func(float64) string
}

func (s logAxis) pos(v float64) (float64, bool) {
	if !units.Finite(v) || v <= 0 {
		return 0, false
	}
	f := (math.Log10(v) - float64(s.lo)) / float64(s.hi-s.lo)
	return s.a + math.Max(-0.02, math.Min(1.02, f))*(s.b-s.a), true
}

func (s logAxis) ticks() []tick {
	var out []tick
	few := s.hi-s.lo <= 2
	for e := s.lo; e <= s.hi; e++ {
		d := math.Pow(10, float64(e))
		out = append(out, tick{d, s.label(d)})
		if e == s.hi {
			break
		}
		for _, m := range []float64{2, 5} {
			l := ""
			if few {
				l = s.label(m * d)
			}
			out = append(out, tick{m * d, l})
		}
	}
	return out
}

// niceLog returns the log axis over the decades that hold the positive
// values in vs; with none it spans 1µs..1ms so an empty chart still has a frame.
func niceLog(vs []float64, a, b float64, label func(float64) string) logAxis {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		if units.Finite(v) && v > 0 {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 0) {
		return logAxis{lo: 0, hi: 3, a: a, b: b, label: label}
	}
	l := int(math.Floor(math.Log10(lo) + 1e-9))
	h := int(math.Ceil(math.Log10(hi) - 1e-9))
	l, h = max(l, -3), min(max(h, l+1), 15)
	if l >= h {
		l = h - 1
	}
	return logAxis{lo: l, hi: h, a: a, b: b, label: label}
}

// ninesAxis is HdrHistogram's percentile axis: x = -log10(1-q), so 90%,
// 99%, 99.9% … sit at equal steps, up to the given number of nines.
type ninesAxis struct {
	nines int
	a, b  float64
}

func (s ninesAxis) pos(v float64) (float64, bool) {
	if !units.Finite(v) {
		return 0, false
	}
	f := v / float64(s.nines)
	return s.a + math.Max(0, math.Min(1, f))*(s.b-s.a), true
}

func (s ninesAxis) ticks() []tick {
	out := []tick{{0, "0%"}}
	for i := 1; i <= s.nines; i++ {
		out = append(out, tick{float64(i), ninesLabel(i)})
	}
	return out
}

// ninesLabel is the percentile with i nines: 1 → 90%, 3 → 99.9%.
func ninesLabel(i int) string {
	if i <= 0 {
		return "0%"
	}
	if i == 1 {
		return "90%"
	}
	if i == 2 {
		return "99%"
	}
	return "99." + strings.Repeat("9", i-2) + "%"
}

// quantileOfNines is the inverse of the nines axis, as a quantile in 0–100.
func quantileOfNines(x float64) float64 { return 100 * (1 - math.Pow(10, -x)) }

// fmtCompact writes an axis label for a count or rate: 950, 1.5k, 20k, 1.2M.
func fmtCompact(v float64) string {
	a := math.Abs(v)
	f := func(x float64, unit string) string {
		return units.TrimZeros(strconv.FormatFloat(x, 'f', 2, 64)) + unit
	}
	switch {
	case !units.Finite(v):
		return "-"
	case a >= 1e9:
		return f(v/1e9, "G")
	case a >= 1e6:
		return f(v/1e6, "M")
	case a >= 1e3:
		return f(v/1e3, "k")
	}
	return f(v, "")
}

// chart draws one plot into layers, so fault bands sit under the data and
// labels on top whatever order the caller adds them in.
type chart struct {
	class, title     string
	w, h             float64
	l, r, t, b       float64 // margins around the plot area
	x, y             axis
	bg, grid, data   strings.Builder
	fg               strings.Builder
	labelRows        [][][2]float64 // per row, the x extents of the labels placed so far
	labelRowsAllowed int
	labelsLow        bool // labels along the bottom, where the data is not
}

// newChart sets up a w×h chart; axes are set by the caller from the plot
// area it reports through px0/px1/py0/py1.
func newChart(class, title string, w, h float64) *chart {
	return &chart{class: class, title: title, w: w, h: h, l: 58, r: 16, t: 10, b: 34, labelRowsAllowed: 3}
}

func (c *chart) px0() float64 { return c.l }
func (c *chart) px1() float64 { return c.w - c.r }
func (c *chart) py0() float64 { return c.h - c.b } // the bottom of the plot area
func (c *chart) py1() float64 { return c.t }       // the top

func (c *chart) printf(b *strings.Builder, format string, args ...any) {
	fmt.Fprintf(b, format, args...)
}

// axes draws grid lines and tick labels, with the axis titles given.
func (c *chart) axes(xTitle, yTitle string) {
	for _, tk := range c.y.ticks() {
		y, ok := c.y.pos(tk.v)
		if !ok {
			continue
		}
		cls := "grid"
		if tk.label == "" {
			cls = "grid minor"
		}
		c.printf(&c.grid, `<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s"/>`, cls, num(c.px0()), num(y), num(c.px1()), num(y))
		if tk.label != "" {
			c.printf(&c.grid, `<text class="tick" x="%s" y="%s" text-anchor="end">%s</text>`, num(c.px0()-6), num(y+3.5), html.EscapeString(tk.label))
		}
	}
	for _, tk := range c.x.ticks() {
		x, ok := c.x.pos(tk.v)
		if !ok {
			continue
		}
		c.printf(&c.grid, `<line class="grid xgrid" x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(x), num(c.py1()), num(x), num(c.py0()))
		if tk.label != "" {
			c.printf(&c.grid, `<text class="tick" x="%s" y="%s" text-anchor="middle">%s</text>`, num(x), num(c.py0()+15), html.EscapeString(tk.label))
		}
	}
	c.printf(&c.grid, `<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(c.px0()), num(c.py0()), num(c.px1()), num(c.py0()))
	if xTitle != "" {
		c.printf(&c.grid, `<text class="axis-title" x="%s" y="%s" text-anchor="end">%s</text>`, num(c.px1()), num(c.h-3), html.EscapeString(xTitle))
	}
	if yTitle != "" {
		c.printf(&c.grid, `<text class="axis-title" x="%s" y="%s" text-anchor="start">%s</text>`, num(4), num(c.h-3), html.EscapeString(yTitle))
	}
}

// line draws a series, broken wherever a point cannot be drawn; a point
// with no drawable neighbour gets a dot so a single second still shows.
func (c *chart) line(class string, pts []xy) {
	type sp struct {
		x, y float64
		ok   bool
	}
	s := make([]sp, len(pts))
	for i, p := range pts {
		x, ok1 := c.x.pos(p.x)
		y, ok2 := c.y.pos(p.y)
		s[i] = sp{x, y, ok1 && ok2}
	}
	var d strings.Builder
	for i, p := range s {
		if !p.ok {
			continue
		}
		prev := i > 0 && s[i-1].ok
		next := i+1 < len(s) && s[i+1].ok
		switch {
		case !prev && !next:
			c.printf(&c.data, `<circle class="dot %s" cx="%s" cy="%s" r="2.5"/>`, class, num(p.x), num(p.y))
		case !prev:
			fmt.Fprintf(&d, "M%s %s", num(p.x), num(p.y))
		default:
			fmt.Fprintf(&d, "L%s %s", num(p.x), num(p.y))
		}
	}
	if d.Len() > 0 {
		c.printf(&c.data, `<path class="series %s" d="%s"/>`, class, d.String())
	}
}

// dots draws one marker per drawable point, each with a tooltip.
func (c *chart) dots(class string, pts []xy, titles []string) {
	for i, p := range pts {
		x, ok1 := c.x.pos(p.x)
		y, ok2 := c.y.pos(p.y)
		if !ok1 || !ok2 {
			continue
		}
		c.printf(&c.data, `<circle class="dot %s" cx="%s" cy="%s" r="3.5">`, class, num(x), num(y))
		if i < len(titles) {
			c.printf(&c.data, `<title>%s</title>`, html.EscapeString(titles[i]))
		}
		c.data.WriteString(`</circle>`)
	}
}

// band shades x0..x1 (data units) over the full plot height, with a label
// at the top placed in the first row where it does not overlap another.
func (c *chart) band(class string, x0, x1 float64, label, tip string) {
	a, b, ok := c.span(x0, x1)
	if !ok {
		return
	}
	c.printf(&c.bg, `<rect class="band %s" x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`,
		class, num(a), num(c.py1()), num(math.Max(b-a, 1)), num(c.py0()-c.py1()), html.EscapeString(tip))
	c.label(class, a+3, label)
}

// vline marks one instant over the full plot height, labelled like band;
// it is drawn above the grid, under series added after it.
func (c *chart) vline(class string, x float64, label, tip string) {
	a, ok := c.x.pos(x)
	if !ok {
		return
	}
	c.printf(&c.data, `<line class="mark %s" x1="%s" y1="%s" x2="%s" y2="%s"><title>%s</title></line>`,
		class, num(a), num(c.py1()), num(a), num(c.py0()), html.EscapeString(tip))
	c.label(class, a+3, label)
}

// label writes text at the top of the plot area starting at x, in the first
// row where it overlaps no other label; it is dropped when no row has room
// (the shape's tooltip stays).
func (c *chart) label(class string, x float64, s string) {
	if s == "" {
		return
	}
	w := 6.2 * float64(len([]rune(s)))
	anchor := "start"
	x0, x1 := x, x+w
	if x1 > c.px1() { // no room on the right: end the label at x instead
		x -= 6
		anchor = "end"
		x0, x1 = x-w, x
	}
row:
	for row := 0; row < c.labelRowsAllowed; row++ {
		if row == len(c.labelRows) {
			c.labelRows = append(c.labelRows, nil)
		}
		for _, ext := range c.labelRows[row] {
			if x0 < ext[1]+6 && x1 > ext[0]-6 {
				continue row
			}
		}
		c.labelRows[row] = append(c.labelRows[row], [2]float64{x0, x1})
		y := c.py1() + 11 + 13*float64(row)
		if c.labelsLow {
			y = c.py0() - 6 - 13*float64(row)
		}
		c.printf(&c.fg, `<text class="band-label %s" x="%s" y="%s" text-anchor="%s">%s</text>`,
			class, num(x), num(y), anchor, html.EscapeString(s))
		return
	}
}

// span maps x0..x1 (data units) to pixels, left to right; ok is false when
// either end cannot be placed.
func (c *chart) span(x0, x1 float64) (a, b float64, ok bool) {
	a, ok1 := c.x.pos(x0)
	b, ok2 := c.x.pos(x1)
	if b < a {
		a, b = b, a
	}
	return a, b, ok1 && ok2
}

// strip draws a thin bar along the bottom of the plot area from x0 to x1.
func (c *chart) strip(class string, x0, x1 float64, tip string) {
	a, b, ok := c.span(x0, x1)
	if !ok {
		return
	}
	c.printf(&c.fg, `<rect class="%s" x="%s" y="%s" width="%s" height="4"><title>%s</title></rect>`,
		class, num(a), num(c.py0()-4), num(math.Max(b-a, 1.5)), html.EscapeString(tip))
}

// pin marks an instant with a small triangle at the top of the plot area.
func (c *chart) pin(class string, x float64, tip string) {
	a, ok := c.x.pos(x)
	if !ok {
		return
	}
	y := c.py1()
	c.printf(&c.fg, `<path class="pin %s" d="M%s %sl-4 -6h8z"><title>%s</title></path>`, class, num(a), num(y+1), html.EscapeString(tip))
}

// message writes a notice in the middle of the plot area (e.g. no data).
func (c *chart) message(s string) {
	c.printf(&c.fg, `<text class="nodata" x="%s" y="%s" text-anchor="middle">%s</text>`,
		num((c.px0()+c.px1())/2), num((c.py0()+c.py1())/2), html.EscapeString(s))
}

// svg returns the finished chart element.
func (c *chart) svg() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart %s" viewBox="0 0 %s %s" role="img" aria-label="%s"><title>%s</title>`,
		c.class, num(c.w), num(c.h), html.EscapeString(c.title), html.EscapeString(c.title))
	fmt.Fprintf(&b, `<rect class="plot" x="%s" y="%s" width="%s" height="%s"/>`,
		num(c.px0()), num(c.py1()), num(c.px1()-c.px0()), num(c.py0()-c.py1()))
	b.WriteString(c.bg.String())
	b.WriteString(c.grid.String())
	b.WriteString(c.data.String())
	b.WriteString(c.fg.String())
	b.WriteString(`</svg>`)
	return b.String()
}

// barSeries is one measure drawn for every category of a bar chart.
type barSeries struct {
	name, class string
	values      []float64 // one per category; NaN: not measured
	format      func(float64) string
}

// barChart draws horizontal grouped bars: one group per category (a cell),
// one bar per series, the value written at the end of each bar. With log
// the value axis is logarithmic, so a millisecond bar still shows beside a
// second one; bars then start at the axis's lowest decade.
func barChart(class, title string, cats []string, series []barSeries, w float64, axisLabel func(float64) string, log bool) string {
	const barH, barGap, groupGap, top, bottom, left = 13.0, 3.0, 14.0, 8.0, 26.0, 190.0
	groupH := float64(len(series))*(barH+barGap) - barGap
	h := top + bottom + float64(len(cats))*(groupH+groupGap)
	c := newChart(class, title, w, math.Max(h, 70))
	c.l, c.t, c.b, c.r = left, top, bottom, 70
	hi := 0.0
	var all []float64
	for _, s := range series {
		for _, v := range s.values {
			if units.Finite(v) {
				hi = math.Max(hi, v)
				all = append(all, v)
			}
		}
	}
	var x axis = niceLinear(0, hi, 5, c.px0(), c.px1(), axisLabel)
	if log {
		// Room below the smallest value (half a decade at least), so the
		// shortest bar has a body and is not a sliver at the axis.
		lo := math.Inf(1)
		for _, v := range all {
			if v > 0 {
				lo = math.Min(lo, v)
			}
		}
		x = niceLog(append(all, lo/3), c.px0(), c.px1(), axisLabel)
	}
	c.x = x
	for _, tk := range x.ticks() {
		p, ok := x.pos(tk.v)
		if !ok {
			continue
		}
		cls := "grid xgrid"
		if tk.label == "" {
			cls += " minor"
		}
		c.printf(&c.grid, `<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s"/>`, cls, num(p), num(c.py1()), num(p), num(c.py0()))
		if tk.label != "" {
			c.printf(&c.grid, `<text class="tick" x="%s" y="%s" text-anchor="middle">%s</text>`, num(p), num(c.py0()+15), html.EscapeString(tk.label))
		}
	}
	for i, cat := range cats {
		gy := top + float64(i)*(groupH+groupGap) + groupGap/2
		short := cat
		if r := []rune(cat); len(r) > 28 {
			short = string(r[:27]) + "…"
		}
		c.printf(&c.fg, `<text class="cat" x="%s" y="%s" text-anchor="end">%s<title>%s</title></text>`,
			num(left-8), num(gy+groupH/2+4), html.EscapeString(short), html.EscapeString(cat))
		for j, s := range series {
			y := gy + float64(j)*(barH+barGap)
			v := math.NaN()
			if i < len(s.values) {
				v = s.values[i]
			}
			if !units.Finite(v) {
				c.printf(&c.data, `<text class="bar-value na" x="%s" y="%s">not measured</text>`, num(c.px0()+4), num(y+barH-3))
				continue
			}
			x1, ok := x.pos(v)
			if !ok {
				x1 = c.px0() // zero on a log axis: no bar, the value is written
			}
			wd := math.Max(x1-c.px0(), 0)
			if v > 0 {
				wd = math.Max(wd, 1.5) // a tiny value is still visibly there
			}
			c.printf(&c.data, `<rect class="bar %s" x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`,
				s.class, num(c.px0()), num(y), num(wd), num(barH), html.EscapeString(cat+" · "+s.name+": "+s.format(v)))
			c.printf(&c.data, `<text class="bar-value" x="%s" y="%s">%s</text>`, num(c.px0()+wd+4), num(y+barH-3), html.EscapeString(s.format(v)))
		}
	}
	c.printf(&c.grid, `<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(c.px0()), num(c.py1()), num(c.px0()), num(c.py0()))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart %s" viewBox="0 0 %s %s" role="img" aria-label="%s"><title>%s</title>`,
		class, num(c.w), num(c.h), html.EscapeString(title), html.EscapeString(title))
	b.WriteString(c.grid.String())
	b.WriteString(c.data.String())
	b.WriteString(c.fg.String())
	b.WriteString(`</svg>`)
	return b.String()
}

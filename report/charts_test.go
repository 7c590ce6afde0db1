package report

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/result/resulttest"
)

// pathPoints returns the points of an SVG path written by chart.line.
func pathPoints(t *testing.T, d string) [][2]float64 {
	t.Helper()
	var out [][2]float64
	for _, seg := range strings.FieldsFunc(d, func(r rune) bool { return r == 'M' || r == 'L' }) {
		var x, y float64
		if _, err := fmt.Sscanf(seg, "%g %g", &x, &y); err != nil {
			t.Fatalf("path %q: %v", d, err)
		}
		out = append(out, [2]float64{x, y})
	}
	return out
}

// steadyCell is a cell of n seconds at 1,000 events/s whose last row is
// a partial second of lastDt holding 1,000 × lastDt events.
func steadyCell(n int, lastDt float64) (*result.Result, CellData) {
	r := resulttest.PassResult()
	r.Cells[0].DurationS = float64(n-1) + lastDt
	var cd CellData
	for i := 1; i <= n; i++ {
		s := record.Second{T: float64(i), Dt: 1, Sent: 1000, Acked: 1000, Received: 1000}
		if i == n {
			s.T, s.Dt = float64(n-1)+lastDt, lastDt
			s.Sent = int64(1000 * lastDt)
			s.Acked, s.Received = s.Sent, s.Sent
		}
		cd.Timeline = append(cd.Timeline, s)
	}
	return r, cd
}

// TestShortLastRowIsNormalised: a last row of 0.3s with 300 events is
// 1,000/s like every other, not a cliff to 300/s, and it is marked.
func TestShortLastRowIsNormalised(t *testing.T) {
	r, cd := steadyCell(10, 0.3)
	doc, _ := renderHTML(t, r, &RunData{Cells: []CellData{cd}})
	th := doc.all("svg", "throughput")[0]
	for _, class := range []string{"s-sent", "s-acked", "s-received"} {
		pts := pathPoints(t, th.all("path", "series", class)[0].attr["d"])
		if len(pts) != 10 {
			t.Fatalf("%s: %d points, want 10", class, len(pts))
		}
		for _, p := range pts {
			if p[1] != pts[0][1] {
				t.Errorf("%s: y %v, want every point at %v (no cliff): %v", class, p[1], pts[0][1], pts)
				break
			}
		}
		partial := th.all("circle", "dot", "partial", class)
		if len(partial) != 1 {
			t.Fatalf("%s: %d partial-second marks, want 1", class, len(partial))
		}
		if !strings.Contains(partial[0].text, "a partial second (300ms)") || !strings.Contains(partial[0].text, "1,000/s") {
			t.Errorf("%s: partial mark says %q", class, partial[0].text)
		}
		if x, _ := strconv.ParseFloat(partial[0].attr["cx"], 64); x != pts[9][0] {
			t.Errorf("%s: partial mark at x=%v, its point at %v", class, x, pts[9][0])
		}
	}
	if !strings.Contains(doc.all("figure")[0].text, "partial second, rate normalised") {
		t.Errorf("legend does not explain the partial-second mark")
	}

	// A timeline without interval_s (written before it existed, or a row
	// with none) takes the interval from the rows' times.
	for i := range cd.Timeline {
		cd.Timeline[i].Dt = 0
	}
	if got := rowIntervals(cd.Timeline); got[9] < 0.299 || got[9] > 0.301 || got[0] != 1 {
		t.Errorf("intervals from times: %v", got)
	}
}

// TestMatrixTimelinesShareTheTimeAxis: cells of different lengths are
// drawn against the longest one's time axis.
func TestMatrixTimelinesShareTheTimeAxis(t *testing.T) {
	r := resulttest.MatrixResult()
	d := &RunData{}
	for i := range r.Cells {
		_, cd := steadyCell(10*(i+1), 1)
		r.Cells[i].DurationS = float64(10 * (i + 1))
		d.Cells = append(d.Cells, cd)
	}
	doc, _ := renderHTML(t, r, d)
	ticks := func(n *node) string {
		var s []string
		for _, tx := range n.all("text", "tick") {
			s = append(s, tx.text)
		}
		return strings.Join(s, " ")
	}
	for _, class := range []string{"throughput", "publish", "end-to-end"} {
		var first string
		for i := range r.Cells {
			sec := doc.byID(fmt.Sprintf("cell-%d", i+1))
			ch := sec.all("svg", "chart", class)[0]
			x := ""
			for _, tx := range ch.all("text", "tick") {
				if tx.attr["text-anchor"] == "middle" {
					x += tx.text + " "
				}
			}
			if i == 0 {
				first = x
				if !strings.Contains(x, "30s") {
					t.Errorf("%s: the 10s cell's axis does not reach the longest cell's 30s: %s", class, ticks(ch))
				}
			} else if x != first {
				t.Errorf("%s: cell %d's time axis %q differs from cell 1's %q", class, i+1, x, first)
			}
		}
	}
}

// TestP99ByCellIsLogScale: a 1.4ms bar stays visible beside a 31ms one.
func TestP99ByCellIsLogScale(t *testing.T) {
	doc, _ := renderHTML(t, resulttest.MatrixResult(), nil)
	ch := doc.all("svg", "bars", "p99-by-cell")[0]
	var widths []float64
	for _, b := range ch.all("rect", "bar") {
		w, _ := strconv.ParseFloat(b.attr["width"], 64)
		widths = append(widths, w)
	}
	lo, hi := widths[0], widths[0]
	for _, w := range widths {
		lo, hi = min(lo, w), max(hi, w)
	}
	if lo < hi/4 {
		t.Errorf("bar widths %v: the shortest is under a quarter of the longest, as on a linear axis", widths)
	}
	for _, want := range []string{"1ms", "10ms"} {
		if !strings.Contains(ch.text, want) {
			t.Errorf("no decade tick %q in %q", want, ch.text)
		}
	}
}

// TestCapacityRateAxis: geometric rates get a log axis, even steps a
// linear one.
func TestCapacityRateAxis(t *testing.T) {
	doc, _ := renderHTML(t, resulttest.CapacityResult(), nil) // 2,000 … 64,000, doubling
	for _, class := range []string{"capacity-latency", "capacity-throughput"} {
		ch := doc.all("svg", class)[0]
		if !strings.Contains(ch.text, "offered events/s (log)") || !strings.Contains(ch.text, "10k") || !strings.Contains(ch.text, "100k") {
			t.Errorf("%s: no log rate axis in %q", class, ch.text)
		}
	}
	for _, tc := range []struct {
		rates []float64
		want  bool
	}{
		{[]float64{2000, 4000, 8000, 16000, 32000, 64000}, true},
		{[]float64{2000, 4000, 5660, 8000, 16000}, true}, // a bisection between 4,000 and 8,000
		{[]float64{10000, 20000, 30000, 40000, 50000}, false},
		{[]float64{1000, 2000}, false},
		{[]float64{1000, 1500, 2000}, false}, // too narrow a span to need a log axis
	} {
		var pts []result.CapacityPoint
		for _, r := range tc.rates {
			pts = append(pts, result.CapacityPoint{Rate: r})
		}
		if got := geometricRates(pts); got != tc.want {
			t.Errorf("%v: geometric %v, want %v", tc.rates, got, tc.want)
		}
	}
}

// TestFaultColoursDiffer: errors, outage bars and fault markers are told
// apart by colour, and the fault window's legend swatch is shaded.
func TestFaultColoursDiffer(t *testing.T) {
	find := func(re string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(pageCSS)
		if m == nil {
			t.Fatalf("no %s in the style sheet", re)
		}
		return strings.ToLower(m[1])
	}
	errs := find(`\.s-errors\{--c:(#[0-9a-fA-F]+)\}`)
	unavail := find(`svg \.unavail\{fill:(#[0-9a-fA-F]+)`)
	fault := find(`svg \.mark\.fault\{stroke:(#[0-9a-fA-F]+)`)
	pin := find(`svg \.pin\{fill:(#[0-9a-fA-F]+)`)
	if errs == unavail || errs == fault || unavail == fault {
		t.Errorf("errors %s, unavailable %s, fault %s: not three colours", errs, unavail, fault)
	}
	if pin != fault {
		t.Errorf("a fault's ▼ marker (%s) and its line (%s) differ", pin, fault)
	}
	if swatch := find(`\.key i\.fault\{[^}]*background:(#[0-9a-fA-F]+)`); swatch == "#fff" || swatch == "#ffffff" {
		t.Errorf("fault window swatch is not shaded: %s", swatch)
	}
}

// TestFaultLegendMatchesChart: the legend names what the chart draws: a
// kill that nothing healed is a line, not a shaded window.
func TestFaultLegendMatchesChart(t *testing.T) {
	r := resulttest.FailoverResult()
	keys := func(r *result.Result, tl []record.Second) string {
		var s []string
		for _, k := range faultKeys(&r.Cells[0], tl) {
			s = append(s, k.Name)
		}
		return strings.Join(s, ", ")
	}
	if got, want := keys(r, failoverCellData().Timeline),
		"fault window, fault, fault not injected, replica promoted, healed, unavailable, event (timeline.csv), partial second, rate normalised"; got != want {
		t.Errorf("failover legend: %q, want %q", got, want)
	}
	r.Cells[0].Faults = r.Cells[0].Faults[:1]
	if got, want := keys(r, nil), "fault, replica promoted, unavailable"; got != want {
		t.Errorf("a kill alone: %q, want %q", got, want)
	}
}

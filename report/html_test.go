package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/result/resulttest"
	"github.com/squall-bench/squall/rundir"
)

// node is a parsed element of the report: the page is written as
// well-formed XHTML so encoding/xml can check it strictly.
type node struct {
	name   string
	attr   map[string]string
	kids   []*node
	text   string // all text inside, descendants included
	parent *node
}

func (n *node) classes() []string { return strings.Fields(n.attr["class"]) }

func (n *node) hasClass(cs ...string) bool {
	have := n.classes()
	for _, c := range cs {
		found := false
		for _, h := range have {
			found = found || h == c
		}
		if !found {
			return false
		}
	}
	return true
}

// all returns the descendants named name ("" for any) carrying every class.
func (n *node) all(name string, classes ...string) []*node {
	var out []*node
	var walk func(*node)
	walk = func(x *node) {
		for _, k := range x.kids {
			if (name == "" || k.name == name) && k.hasClass(classes...) {
				out = append(out, k)
			}
			walk(k)
		}
	}
	walk(n)
	return out
}

func (n *node) byID(id string) *node {
	for _, x := range n.all("") {
		if x.attr["id"] == id {
			return x
		}
	}
	return nil
}

// parseReport parses the page strictly and checks what every report must
// hold to: no script, nothing that could be fetched, no NaN or Inf.
func parseReport(t *testing.T, page []byte) *node {
	t.Helper()
	if !bytes.HasPrefix(page, []byte("<!DOCTYPE html>\n")) {
		t.Errorf("page does not start with the HTML5 doctype")
	}
	dec := xml.NewDecoder(bytes.NewReader(page))
	dec.Strict = true
	root := &node{name: "#document", attr: map[string]string{}}
	cur := root
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := dec.InputPos()
			lines := strings.Split(string(page), "\n")
			ctx := ""
			if line-1 < len(lines) {
				ctx = lines[line-1]
				if len(ctx) > 300 {
					ctx = ctx[:300]
				}
			}
			t.Fatalf("report is not well-formed: %v\nline %d: %s", err, line, ctx)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attr: map[string]string{}, parent: cur}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
				checkAttr(t, n.name, a.Name.Local, a.Value)
			}
			if n.name == "script" || n.name == "iframe" || n.name == "img" || n.name == "link" || n.name == "object" || n.name == "embed" || n.name == "image" || n.name == "use" {
				t.Errorf("report has a <%s> element", n.name)
			}
			cur.kids = append(cur.kids, n)
			cur = n
		case xml.EndElement:
			cur = cur.parent
		case xml.CharData:
			for n := cur; n != nil; n = n.parent {
				n.text += string(tok)
			}
		}
	}
	for _, st := range root.all("style") {
		for _, bad := range []string{"url(", "@import", "@font-face", "http:", "https:"} {
			if strings.Contains(st.text, bad) {
				t.Errorf("style sheet contains %q", bad)
			}
		}
	}
	if strings.Contains(strings.ToLower(string(page)), "<script") {
		t.Errorf("page contains <script")
	}
	return root
}

func checkAttr(t *testing.T, elem, name, v string) {
	t.Helper()
	lv := strings.ToLower(v)
	switch {
	case strings.HasPrefix(name, "on"):
		t.Errorf("<%s> has an event handler %s", elem, name)
	case name == "href" && !strings.HasPrefix(v, "#"):
		t.Errorf("<%s href=%q>: only in-page links are allowed", elem, v)
	case name == "src" || name == "srcset" || name == "xmlns" || name == "action":
		t.Errorf("<%s %s=%q>: nothing may be loaded", elem, name, v)
	case strings.Contains(lv, "http:") || strings.Contains(lv, "https:") || strings.Contains(lv, "url(") || strings.Contains(lv, "javascript:"):
		t.Errorf("<%s %s=%q> refers to something outside the page", elem, name, v)
	case strings.Contains(v, "NaN") || strings.Contains(v, "Inf"):
		t.Errorf("<%s %s=%q> has a NaN or Inf", elem, name, v)
	}
}

func renderHTML(t *testing.T, r *result.Result, d *RunData) (*node, string) {
	t.Helper()
	var b bytes.Buffer
	if err := HTML(&b, r, d); err != nil {
		t.Fatal(err)
	}
	return parseReport(t, b.Bytes()), b.String()
}

// cellChecks asserts the charts and tables every cell section has.
func cellChecks(t *testing.T, doc *node, r *result.Result) {
	t.Helper()
	for i, c := range r.Cells {
		sec := doc.byID(fmt.Sprintf("cell-%d", i+1))
		if sec == nil {
			t.Errorf("cell %d (%s): no section", i+1, c.Name)
			continue
		}
		for _, chart := range [][]string{
			{"chart", "throughput"}, {"chart", "latency", "publish"}, {"chart", "latency", "end-to-end"}, {"chart", "distribution"},
		} {
			if n := len(sec.all("svg", chart...)); n != 1 {
				t.Errorf("cell %s: %d <svg class=%q>, want 1", c.Name, n, strings.Join(chart, " "))
			}
		}
		tables := []string{"latency", "events"}
		if len(c.SLO) > 0 {
			tables = append(tables, "slo")
		}
		if len(c.Errors) > 0 {
			tables = append(tables, "errors")
		}
		if len(c.Faults) > 0 {
			tables = append(tables, "faults")
		}
		if len(c.Target.Nodes) > 0 {
			tables = append(tables, "nodes")
		}
		for _, tb := range tables {
			if n := len(sec.all("table", tb)); n != 1 {
				t.Errorf("cell %s: %d <table class=%q>, want 1", c.Name, n, tb)
			}
		}
		if len(c.ServerCalls) > 0 {
			if calls := sec.all("ul", "calls"); len(calls) != 1 || len(calls[0].all("li")) != len(c.ServerCalls) {
				t.Errorf("cell %s: server calls not listed", c.Name)
			}
		}
		if ev := sec.all("table", "events"); len(ev) == 1 {
			for _, word := range []string{"sent", "acked", "failed", "indeterminate", "received", "lost", "recovered", "duplicated", "reordered"} {
				if !strings.Contains(ev[0].text, word) {
					t.Errorf("cell %s: accounting table lacks %q", c.Name, word)
				}
			}
		}
		if slo := sec.all("table", "slo"); len(slo) == 1 {
			if got := len(slo[0].all("tr")) - 1; got != len(c.SLO) {
				t.Errorf("cell %s: %d objective rows, want %d", c.Name, got, len(c.SLO))
			}
		}
		for _, s := range c.SLO {
			if !strings.Contains(sec.text, s.Name) {
				t.Errorf("cell %s: objective %s not shown", c.Name, s.Name)
			}
		}
		for _, n := range c.Notes {
			if !strings.Contains(sec.text, n) {
				t.Errorf("cell %s: note %q not shown", c.Name, n)
			}
		}
		for _, want := range []string{c.Target.Provider, c.Target.Topology, c.Target.Persistence, c.Target.RedisVersion, c.Target.Image, c.Target.ImageNote, c.Client.Library} {
			if !strings.Contains(sec.text, want) {
				t.Errorf("cell %s: setup lacks %q", c.Name, want)
			}
		}
	}
}

func TestHTMLSingleCell(t *testing.T) {
	r := resulttest.PassResult()
	doc, _ := renderHTML(t, r, nil)
	cellChecks(t, doc, r)
	if n := len(doc.all("table", "compare")); n != 0 {
		t.Errorf("single cell: %d comparison tables, want none", n)
	}
	if n := len(doc.all("svg", "capacity-latency")); n != 0 {
		t.Errorf("no capacity search: %d capacity charts, want none", n)
	}
	v := doc.all("div", "verdict")
	if len(v) != 1 || !v[0].hasClass("pass") || !strings.Contains(v[0].text, "all 4 objectives met") {
		t.Errorf("verdict: %+v", v)
	}
	// Without a run directory the time charts say so, and the percentile
	// chart falls back to the summary's percentiles.
	th := doc.all("svg", "throughput")[0]
	if !strings.Contains(th.text, "no timeline data") {
		t.Errorf("throughput chart without a timeline: %q", th.text)
	}
	dist := doc.all("svg", "distribution")[0]
	if len(dist.all("path", "series")) != 4 {
		t.Errorf("distribution from summaries: %d series, want publish, service, e2e, send delay", len(dist.all("path", "series")))
	}
}

func TestHTMLFailoverFaultWindows(t *testing.T) {
	r := resulttest.FailoverResult()
	doc, _ := renderHTML(t, r, &RunData{Cells: []CellData{failoverCellData()}, Scenario: "name: stream-failover\n"})
	cellChecks(t, doc, r)
	for _, class := range []string{"throughput", "publish", "end-to-end"} {
		ch := doc.all("svg", "chart", class)[0]
		// restart 40s..41.2s is a window; the kill was never healed and the
		// pause failed: both are instants.
		if n := len(ch.all("rect", "band", "fault")); n != 1 {
			t.Errorf("%s: %d fault windows, want 1", class, n)
		}
		if n := len(ch.all("line", "mark", "fault")); n != 2 {
			t.Errorf("%s: %d fault marker lines, want 2", class, n)
		}
		if n := len(ch.all("rect", "band", "drain")); n != 1 {
			t.Errorf("%s: %d drain bands, want 1", class, n)
		}
		if n := len(ch.all("path", "pin")); n != 6 {
			t.Errorf("%s: %d timeline fault pins, want one per marker, 6", class, n)
		}
		if n := len(ch.all("line", "mark", "promoted")); n != 1 {
			t.Errorf("%s: %d promotion lines, want 1", class, n)
		}
		if n := len(ch.all("line", "mark", "healed")); n != 1 {
			t.Errorf("%s: %d heal lines, want 1 (the restart's)", class, n)
		}
		// Every fault is named in its shape's tooltip; the wide chart also
		// labels each in full, the small ones by action where there is room.
		for _, want := range []string{"kill primary (redis-1) at 20.4s", "restart killed (redis-1) at 40s, healed at 41.2s",
			"pause replica at 50s: no replica left", "promoted redis-2 at 25.9s"} {
			if !strings.Contains(ch.text, want) {
				t.Errorf("%s: no tooltip %q", class, want)
			}
		}
		labels := ""
		for _, l := range ch.all("text", "band-label") {
			labels += l.text + "|"
		}
		want := []string{"kill primary (redis-1)|", "restart killed (redis-1)|", "pause replica (failed)|", "promoted redis-2|"}
		if class != "throughput" {
			want = []string{"kill|", "restart|", "promoted|"}
		}
		for _, w := range want {
			if !strings.Contains(labels, w) {
				t.Errorf("%s: no label %q in %q", class, w, labels)
			}
		}
		if n := len(ch.all("rect", "unavail")); n != 1 {
			t.Errorf("%s: %d unavailability strips, want 1 (the kill)", class, n)
		}
	}
	th := doc.all("svg", "throughput")[0]
	for _, s := range []string{"s-sent", "s-acked", "s-received", "s-errors"} {
		if n := len(th.all("path", "series", s)); n != 1 {
			t.Errorf("throughput: %d %s lines, want 1", n, s)
		}
	}
	for _, class := range []string{"publish", "end-to-end"} {
		ch := doc.all("svg", "latency", class)[0]
		for _, s := range []string{"s-p50", "s-p99", "s-max"} {
			if len(ch.all("path", "series", s)) != 1 {
				t.Errorf("%s latency: no %s line", class, s)
			}
		}
		// Log axis: decade labels from µs up to seconds.
		if !strings.Contains(ch.text, "1s") || !strings.Contains(ch.text, "100µs") {
			t.Errorf("%s latency: log axis labels missing in %q", class, ch.text)
		}
	}
	dist := doc.all("svg", "distribution")[0]
	for _, want := range []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"} {
		if !strings.Contains(dist.text, want) {
			t.Errorf("distribution: no %q tick", want)
		}
	}
	if len(dist.all("circle", "dot")) != 0 {
		t.Errorf("distribution from full histograms should be lines, not summary dots")
	}
	faults := doc.all("table", "faults")[0]
	for _, want := range []string{"redis-2 at 25.9s", "1,130", "readonly 7,621", "no replica left to pause", "6.21s", "5.8s"} {
		if !strings.Contains(faults.text, want) {
			t.Errorf("faults table lacks %q", want)
		}
	}
	if n := len(doc.all("ul", "markers")); n != 1 {
		t.Errorf("%d marker lists under the throughput chart, want 1", n)
	}
	if pre := doc.all("pre"); len(pre) != 1 || !strings.Contains(pre[0].text, "name: stream-failover") {
		t.Errorf("resolved scenario not shown")
	}
	if kpi := doc.all("div", "kpi", "alarm"); len(kpi) != 2 {
		t.Errorf("%d alarmed key figures, want lost and duplicated", len(kpi))
	}
}

func TestHTMLMatrix(t *testing.T) {
	r := resulttest.MatrixResult()
	doc, _ := renderHTML(t, r, nil)
	cellChecks(t, doc, r)
	cmp := doc.all("table", "compare")
	if len(cmp) != 1 {
		t.Fatalf("%d comparison tables, want 1", len(cmp))
	}
	rows := cmp[0].all("tr")
	if len(rows) != 1+3 {
		t.Fatalf("comparison: %d rows, want a header and 3", len(rows))
	}
	for i, c := range r.Cells {
		if !strings.Contains(rows[i+1].text, c.Name) || !strings.Contains(rows[i+1].text, units.FormatMicros(float64(c.Latency.EndToEnd.P99))) {
			t.Errorf("comparison row %d: %q", i+1, rows[i+1].text)
		}
		if a := rows[i+1].all("a"); len(a) != 1 || a[0].attr["href"] != fmt.Sprintf("#cell-%d", i+1) {
			t.Errorf("comparison row %d does not link to its cell", i+1)
		}
	}
	if !strings.Contains(rows[3].text, "FAIL") {
		t.Errorf("aof-always misses its objective: %q", rows[3].text)
	}
	for _, class := range []string{"throughput-by-cell", "p99-by-cell"} {
		ch := doc.all("svg", "chart", "bars", class)
		if len(ch) != 1 {
			t.Fatalf("%d %s charts, want 1", len(ch), class)
		}
		want := 3 * 3
		if class == "p99-by-cell" {
			want = 3 * 2
		}
		if n := len(ch[0].all("rect", "bar")); n != want {
			t.Errorf("%s: %d bars, want %d", class, n, want)
		}
		for _, c := range r.Cells {
			if !strings.Contains(ch[0].text, c.Name) {
				t.Errorf("%s: no label for %s", class, c.Name)
			}
		}
	}
}

func TestHTMLCapacity(t *testing.T) {
	r := resulttest.MatrixResult()
	r.Capacity = &result.Capacity{Objective: "e2e_p99 <= 50ms", MaxRate: 40000, KneeRate: 30000, Points: []result.CapacityPoint{
		{Cell: "rate=10000", Rate: 10000, AckedPerS: 10000, P50us: 300, P99us: 900, Pass: true},
		{Cell: "rate=40000", Rate: 40000, AckedPerS: 39800, P50us: 900, P99us: 31_000, Pass: true},
		{Cell: "rate=20000", Rate: 20000, AckedPerS: 20000, P50us: 350, P99us: 1200, Pass: true},
		{Cell: "rate=30000", Rate: 30000, AckedPerS: 29990, P50us: 420, P99us: 3_900, Pass: true},
		{Cell: "rate=50000", Rate: 50000, AckedPerS: 41000, P50us: 80_000, P99us: 2_400_000, Pass: false},
	}}
	doc, _ := renderHTML(t, r, nil)
	for _, class := range []string{"capacity-latency", "capacity-throughput"} {
		ch := doc.all("svg", "chart", class)
		if len(ch) != 1 {
			t.Fatalf("%d %s charts, want 1", len(ch), class)
		}
		if len(ch[0].all("line", "mark", "knee")) != 1 || len(ch[0].all("line", "mark", "maxrate")) != 1 {
			t.Errorf("%s: knee and max rate not marked", class)
		}
		if n := len(ch[0].all("circle", "dot")); n != 5 {
			t.Errorf("%s: %d points, want 5", class, n)
		}
		if n := len(ch[0].all("circle", "missed")); n != 1 {
			t.Errorf("%s: %d missed points, want 1", class, n)
		}
		if !strings.Contains(ch[0].text, "knee 30,000/s") || !strings.Contains(ch[0].text, "max 40,000/s") {
			t.Errorf("%s: labels %q", class, ch[0].text)
		}
	}
	lat := doc.all("svg", "capacity-latency")[0]
	if len(lat.all("path", "s-p99")) != 1 || len(lat.all("path", "s-p50")) != 1 {
		t.Errorf("latency curve: p50 and p99 lines missing")
	}
	// The curve is drawn in rate order whatever the order tried.
	d := lat.all("path", "s-p99")[0].attr["d"]
	var xs []float64
	for _, seg := range strings.FieldsFunc(d, func(r rune) bool { return r == 'M' || r == 'L' }) {
		var x, y float64
		fmt.Sscanf(seg, "%g %g", &x, &y)
		xs = append(xs, x)
	}
	for i := 1; i < len(xs); i++ {
		if xs[i] <= xs[i-1] {
			t.Errorf("p99 curve goes back in x: %v", xs)
		}
	}
	if n := len(doc.all("table", "capacity-points")[0].all("tr")); n != 6 {
		t.Errorf("capacity table: %d rows, want 6", n)
	}

	// fullResult's capacity search tried one rate: a single point.
	doc, _ = renderHTML(t, resulttest.FullResult(), nil)
	if n := len(doc.all("svg", "capacity-latency")[0].all("circle", "ok")); n != 1 {
		t.Errorf("single-point capacity: %d dots, want 1", n)
	}
}

// TestHTMLEdgeCases: empty, single-point, all-zero and outlandish inputs
// must still give a well-formed page with finite coordinates (parseReport
// checks every attribute).
func TestHTMLEdgeCases(t *testing.T) {
	huge := int64(3600e6) // the histograms' highest value
	cases := map[string]func() (*result.Result, *RunData){
		"no cells": func() (*result.Result, *RunData) { return &result.Result{Schema: result.Schema, Scenario: "x"}, nil },
		"empty cell": func() (*result.Result, *RunData) {
			return &result.Result{Schema: result.Schema, Cells: []result.Cell{{}}}, &RunData{Cells: []CellData{{Timeline: []record.Second{}}}}
		},
		"single point": func() (*result.Result, *RunData) {
			return resulttest.PassResult(), &RunData{Cells: []CellData{{Timeline: []record.Second{{T: 1, Sent: 5, Acked: 5, Received: 5, Publish: record.Brief{P50: 10, P99: 20, Max: 30}, EndToEnd: record.Brief{P50: 10, P99: 20, Max: 30}}}}}}
		},
		"zeros": func() (*result.Result, *RunData) {
			r := resulttest.PassResult()
			r.Cells[0].Throughput = result.Throughput{}
			r.Cells[0].Latency = result.Latencies{}
			tl := make([]record.Second, 5)
			for i := range tl {
				tl[i].T = float64(i + 1)
			}
			return r, &RunData{Cells: []CellData{{Timeline: tl}}}
		},
		"outliers": func() (*result.Result, *RunData) {
			r := resulttest.MatrixResult()
			r.Cells[0].Throughput.SentPerS = 1e15
			r.Cells[1].Throughput.AckedPerS = math.NaN()
			r.Cells[2].Latency.Publish.P99 = math.MaxInt64
			r.Cells[0].DurationS = math.Inf(1)
			r.Cells[1].Faults = []result.FaultResult{{Action: "kill", Target: "primary", AtS: 1e9, HealedAtS: math.NaN()}}
			h := record.NewHistogram()
			_ = h.RecordValue(1)
			_ = h.RecordValue(huge)
			tl := []record.Second{{T: 0}, {T: 0}, {T: 1e-9, Sent: math.MaxInt64}, {T: 2, Sent: 1, Publish: record.Brief{P50: 1, P99: huge, Max: math.MaxInt64}}}
			return r, &RunData{Cells: []CellData{{Timeline: tl, Hist: [record.NumKinds]*hdrhistogram.Histogram{h, h, h}}, {Timeline: tl}, {}}}
		},
		"producer-only": func() (*result.Result, *RunData) {
			r := resulttest.PassResult()
			c := &r.Cells[0]
			c.Workload.Consumers = 0
			c.Events.Received, c.Throughput.ReceivedPerS = 0, 0
			c.Latency.EndToEnd = result.Summary{}
			return r, &RunData{Cells: []CellData{failoverCellData()}}
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			r, d := mk()
			doc, _ := renderHTML(t, r, d)
			cellChecks(t, doc, r)
		})
	}
	r, d := cases["producer-only"]()
	doc, _ := renderHTML(t, r, d)
	e2e := doc.all("svg", "latency", "end-to-end")[0]
	if !strings.Contains(e2e.text, "producer-only") || len(e2e.all("path", "series")) != 0 {
		t.Errorf("producer-only cell draws end-to-end latency: %q", e2e.text)
	}
	if n := len(doc.all("svg", "throughput")[0].all("path", "s-received")); n != 0 {
		t.Errorf("producer-only cell draws a received line")
	}
}

func TestHTMLEscapes(t *testing.T) {
	r := resulttest.FailoverResult()
	evil := `<script>alert("x")</script> & 'q' https://example.com/x.png`
	r.Scenario = evil
	c := &r.Cells[0]
	c.Name = evil
	c.Params = map[string]string{evil: evil}
	c.Notes = []string{evil}
	c.Errors = map[string]int64{evil: 1}
	c.Faults[0].Node = evil
	c.Faults[1].Error = evil
	c.Target.Nodes[0].Addr = evil
	c.SLO[0].Observed = evil
	r.Error = evil
	d := &RunData{Cells: []CellData{{Timeline: []record.Second{{T: 1, Sent: 1, Faults: []record.Marker{{AtS: 0.5, Label: evil}}}}, Problems: []string{evil}}}, Scenario: evil}
	doc, page := renderHTML(t, r, d)
	if n := strings.Count(doc.text, evil); n < 10 {
		t.Errorf("hostile text shown %d times, want it everywhere it was put, escaped", n)
	}
	if strings.Contains(page, "<script") {
		t.Errorf("text was not escaped")
	}
}

func TestRenderHTML(t *testing.T) {
	var a, b bytes.Buffer
	if err := Render(&a, resulttest.FailoverResult(), "html"); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&b, resulttest.FailoverResult(), nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf(`Render("html") is not HTML without run data`)
	}
}

// TestWriteHTMLReport builds a run directory as the runner lays it out (a
// matrix whose second cell has no files) and renders it.
func TestWriteHTMLReport(t *testing.T) {
	dir := t.TempDir()
	r := resulttest.MatrixResult()
	cd := failoverCellData()
	writeCellFiles(t, dir, rundir.CellFilePrefix(0, 3, r.Cells[0].Name), cd)
	writeCellFiles(t, dir, rundir.CellFilePrefix(2, 3, r.Cells[2].Name), cd)
	if err := os.WriteFile(filepath.Join(dir, rundir.CellFilePrefix(2, 3, r.Cells[2].Name)+"publish.hlog"), []byte("#[junk]\n0.000,1.000,1.0,HISTFAAAAnotbase64\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTMLReport(dir, r); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, rundir.HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	doc := parseReport(t, page)
	cellChecks(t, doc, r)
	for i, wantData := range []bool{true, false, true} {
		sec := doc.byID(fmt.Sprintf("cell-%d", i+1))
		th := sec.all("svg", "throughput")[0]
		if got := len(th.all("path", "s-acked")) == 1; got != wantData {
			t.Errorf("cell %d: throughput drawn %v, want %v", i+1, got, wantData)
		}
		if !wantData && !strings.Contains(th.text, "no timeline data") {
			t.Errorf("cell %d: missing files should read as no data: %q", i+1, th.text)
		}
	}
	if !strings.Contains(doc.byID("cell-3").text, "publish.hlog: 1 interval(s) skipped") {
		t.Errorf("an unreadable hlog is not reported in the cell")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}

	// A single-cell result whose files carry a matrix prefix (a matrix cut
	// short after its first cell) still finds them.
	one := &result.Result{Schema: result.Schema, Scenario: "persistence-cost", Cells: r.Cells[:1]}
	d := ReadRunData(dir, one)
	if len(d.Cells[0].Timeline) != len(cd.Timeline) || d.Cells[0].Hist[record.EndToEnd] == nil {
		t.Errorf("prefixed files of a lone cell not found")
	}
}

func writeCellFiles(t *testing.T, dir, prefix string, cd CellData) {
	t.Helper()
	var b bytes.Buffer
	tw := rundir.NewTimelineWriter(&b)
	for _, s := range cd.Timeline {
		if err := tw.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, prefix+rundir.TimelineFile), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for k, h := range cd.Hist {
		enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			t.Fatal(err)
		}
		log := fmt.Sprintf("#[test]\n\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n0.000,60.000,%.3f,%s\n", float64(h.Max())/1000, enc)
		if err := os.WriteFile(filepath.Join(dir, prefix+rundir.HlogFile(record.Kind(k))), []byte(log), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// failoverCellData is a minute of failoverResult's run as its run directory
// would hold it: steady 20k/s, the primary killed at 20.412s and a replica
// promoted at 25.917s (writes fail, latency climbs to seconds, then a
// catch-up burst), a restart at 40.006s healed at 41.238s, a pause that
// could not be injected at 50.003s, a drain after 60s that ends with a
// partial second. The markers are what the injector records, at the times
// of failoverResult's faults.
func failoverCellData() CellData {
	rng := rand.New(rand.NewPCG(42, 6))
	var cd CellData
	for k := range cd.Hist {
		cd.Hist[k] = record.NewHistogram()
	}
	jit := func(v float64) int64 { return int64(v * (0.85 + 0.3*rng.Float64())) }
	for sec := 1; sec <= 68; sec++ {
		s := record.Second{T: float64(sec), Dt: 1}
		if sec == 68 {
			s.T, s.Dt = 67.4, 0.4
		}
		switch {
		case sec <= 60:
			s.Sent = jit(20000)
		}
		s.Acked, s.Received = s.Sent, s.Sent
		pub, e2e := 420.0, 680.0
		switch {
		case sec == 21:
			s.Acked, s.Received, s.Errors = 3900, 3700, 16100
			s.Faults = []record.Marker{{AtS: 20.412, Label: "kill redis-1 (primary)"}}
			pub, e2e = 900_000, 950_000
		case sec > 21 && sec <= 26:
			s.Acked, s.Received, s.Errors = 0, 0, s.Sent
			pub, e2e = 0, 0
			if sec == 26 {
				s.Faults = []record.Marker{{AtS: 25.917, Label: "failover: redis-2 promoted"}}
			}
		case sec == 27 || sec == 28:
			s.Acked, s.Received = 46000, 45500
			pub, e2e = 5_900_000, 6_300_000
		case sec == 41:
			s.Faults = []record.Marker{{AtS: 40.006, Label: "restart redis-1 (replica)"}}
			pub, e2e = 2100, 3400
		case sec == 42:
			s.Faults = []record.Marker{{AtS: 41.238, Label: "healed: restart redis-1"}}
		case sec == 44:
			s.Faults = []record.Marker{{AtS: 43.5, Label: "redis-1 rejoined as replica"}}
		case sec == 51:
			s.Faults = []record.Marker{{AtS: 50.003, Label: "pause replica: no replica left to pause: redis-2 was promoted"}}
		case sec > 60:
			s.Acked, s.Received = 0, 0
			if sec == 61 {
				s.Received = 310
			}
			if sec == 68 {
				s.Received = 124
			}
			pub, e2e = 0, 0
		}
		if pub > 0 {
			s.Publish = record.Brief{P50: jit(pub), P99: jit(pub * 3), Max: jit(pub * 8)}
			s.EndToEnd = record.Brief{P50: jit(e2e), P99: jit(e2e * 3.5), Max: jit(e2e * 9)}
		}
		cd.Timeline = append(cd.Timeline, s)
	}
	for range 200_000 {
		_ = cd.Hist[record.Publish].RecordValue(int64(80 + rng.ExpFloat64()*330))
		_ = cd.Hist[record.EndToEnd].RecordValue(int64(140 + rng.ExpFloat64()*520))
		_ = cd.Hist[record.SendDelay].RecordValue(int64(rng.ExpFloat64() * 12))
	}
	for range 2400 { // the failover's stalled events
		v := int64(200_000 + rng.Float64()*7_800_000)
		_ = cd.Hist[record.Publish].RecordValue(v)
		_ = cd.Hist[record.EndToEnd].RecordValue(v + 600_000)
	}
	_ = cd.Hist[record.SendDelay].RecordValue(1_204_000)
	for range 200_000 {
		_ = cd.Hist[record.Service].RecordValue(int64(75 + rng.ExpFloat64()*310))
	}
	for range 2400 { // round trips hung in the outage
		_ = cd.Hist[record.Service].RecordValue(int64(200_000 + rng.Float64()*7_600_000))
	}
	return cd
}

// TestHTMLRepeatedSpread: a repeated cell shows each sampled metric run by
// run, what compare's test sees, beside the pooled figures.
func TestHTMLRepeatedSpread(t *testing.T) {
	doc, _ := renderHTML(t, resulttest.FullResult(), nil)
	sp := doc.all("div", "spread")
	if len(sp) != 1 {
		t.Fatalf("%d spread cards, want 1", len(sp))
	}
	for _, want := range []string{"2 runs, each a fresh target", "throughput", "4,792/s", "4,811/s", "publish_p99", "3.12ms 3.34ms"} {
		if !strings.Contains(sp[0].text, want) {
			t.Errorf("spread card lacks %q: %q", want, sp[0].text)
		}
	}
	if doc, _ := renderHTML(t, resulttest.PassResult(), nil); len(doc.all("div", "spread")) != 0 {
		t.Error("a cell that ran once has no spread card")
	}
}

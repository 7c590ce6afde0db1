package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/result/resulttest"
	"github.com/squall-bench/squall/rundir"
)

// failoverEvents are the fault events of failoverResult and
// failoverCellData: when each happened (result.json's at_s, healed_at_s,
// promoted_at_s), its timeline marker, and how the charts draw it.
var failoverEvents = []struct {
	name   string
	at     float64
	marker string // the timeline.csv marker's label
	shape  string // element and classes of its line or window on a time chart
}{
	{"kill", 20.412, "kill redis-1 (primary)", "line mark fault"},
	{"promoted", 25.917, "failover: redis-2 promoted", "line mark promoted"},
	{"restart", 40.006, "restart redis-1 (replica)", "rect band fault"},
	{"healed", 41.238, "healed: restart redis-1", "line mark healed"},
	{"pause", 50.003, "pause replica: no replica left to pause: redis-2 was promoted", "line mark fault failed"},
}

// TestOneTimePerEvent extracts every time each rendering shows for each
// fault event and checks they are all the same figure, in the same place.
func TestOneTimePerEvent(t *testing.T) {
	r := resulttest.FailoverResult()
	got := map[string][]string{} // event → every time shown for it, labelled by where
	add := func(event, where, v string) { got[event] = append(got[event], where+"="+v) }

	text := string(render(t, textOf, r))
	md := string(render(t, markdownOf, r))
	for _, re := range []struct {
		where, src string
		events     []string
		re         *regexp.Regexp
	}{
		{"text table", text, []string{"kill"}, regexp.MustCompile(`(?m)^kill primary \(redis-1\)\s+(\S+)`)},
		{"text table", text, []string{"restart", "healed"}, regexp.MustCompile(`(?m)^restart killed \(redis-1\)\s+(\S+)\s+(\S+)`)},
		{"text table", text, []string{"pause"}, regexp.MustCompile(`(?m)^pause replica\s+(\S+)`)},
		{"text detail", text, []string{"promoted"}, regexp.MustCompile(`promoted redis-2 at (\S+),`)},
		{"text fault error", text, []string{"pause"}, regexp.MustCompile(`fault error: pause replica at (\S+):`)},
		{"md table", md, []string{"kill"}, regexp.MustCompile(`\| kill primary \(redis-1\) \| ([^ |]+) \|`)},
		{"md table", md, []string{"restart", "healed"}, regexp.MustCompile(`\| restart killed \(redis-1\) \| ([^ |]+) \| ([^ |]+) \|`)},
		{"md table", md, []string{"pause"}, regexp.MustCompile(`\| pause replica \| ([^ |]+) \|`)},
		{"md table", md, []string{"promoted"}, regexp.MustCompile(`redis-2 at ([^ ,|]+),`)},
	} {
		m := re.re.FindStringSubmatch(re.src)
		if m == nil {
			t.Errorf("%s: %v not found", re.where, re.re)
			continue
		}
		for i, e := range re.events {
			add(e, re.where, m[i+1])
		}
	}

	doc, _ := renderHTML(t, r, &RunData{Cells: []CellData{failoverCellData()}})
	for _, row := range doc.all("table", "faults")[0].all("tr")[1:] {
		td := row.all("td")
		if len(td) < 4 {
			continue // a fault's error row
		}
		switch {
		case strings.HasPrefix(td[0].text, "kill"):
			add("kill", "html table", td[2].text)
			for _, c := range td {
				if v, ok := strings.CutPrefix(c.text, "redis-2 at "); ok {
					add("promoted", "html table", v)
				}
			}
		case strings.HasPrefix(td[0].text, "restart"):
			add("restart", "html table", td[2].text)
			add("healed", "html table", td[3].text)
		case strings.HasPrefix(td[0].text, "pause"):
			add("pause", "html table", td[2].text)
		}
	}
	for _, li := range doc.all("ul", "markers")[0].all("li") {
		for _, e := range failoverEvents {
			if v, ok := strings.CutSuffix(li.text, " "+e.marker); ok {
				add(e.name, "html caption", v)
			}
		}
	}
	for _, class := range []string{"throughput", "publish", "end-to-end"} {
		ch := doc.all("svg", "chart", class)[0]
		pinX := map[string]string{}
		for _, pin := range ch.all("path", "pin") {
			at, label, _ := strings.Cut(pin.text, ": ")
			for _, e := range failoverEvents {
				if label == e.marker {
					add(e.name, class+" pin", at)
					pinX[e.name] = strings.Fields(strings.TrimPrefix(pin.attr["d"], "M"))[0]
				}
			}
		}
		for _, e := range failoverEvents {
			f := strings.Fields(e.shape)
			var shapes []*node
			for _, n := range ch.all(f[0], f[1:]...) {
				if len(f) == 3 && n.hasClass("failed") {
					continue // "line mark fault" is the kill's, not the failed pause's
				}
				shapes = append(shapes, n)
			}
			if len(shapes) != 1 {
				t.Errorf("%s: %d <%s>, want 1", class, len(shapes), e.shape)
				continue
			}
			x := shapes[0].attr["x1"]
			if f[0] == "rect" {
				x = shapes[0].attr["x"]
			}
			if x != pinX[e.name] {
				t.Errorf("%s: %s drawn at x=%s, its ▼ marker at x=%s", class, e.name, x, pinX[e.name])
			}
			want := " at " + units.FormatAt(e.at)
			if !strings.Contains(shapes[0].text, want) {
				t.Errorf("%s: %s's tooltip %q lacks %q", class, e.name, shapes[0].text, want)
			}
		}
	}

	for _, e := range failoverEvents {
		want := units.FormatAt(e.at)
		if len(got[e.name]) < 6 {
			t.Errorf("%s: shown only as %v", e.name, got[e.name])
		}
		for _, g := range got[e.name] {
			if _, v, _ := strings.Cut(g, "="); v != want {
				t.Errorf("%s at %gs: %s, want %s everywhere", e.name, e.at, g, want)
			}
		}
	}
}

// TestMarkerTimeRoundTrip: a marker written to timeline.csv reads back
// at the time its fault result holds, whatever row it landed in.
func TestMarkerTimeRoundTrip(t *testing.T) {
	var b bytes.Buffer
	tw := rundir.NewTimelineWriter(&b)
	for _, s := range failoverCellData().Timeline {
		if err := tw.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	tl, err := rundir.ReadTimeline(&b)
	if err != nil {
		t.Fatal(err)
	}
	ms := timelineMarkers(tl)
	if len(ms) != len(failoverEvents)+1 { // and the rejoin
		t.Fatalf("%d markers, want %d", len(ms), len(failoverEvents)+1)
	}
	for _, e := range failoverEvents {
		found := false
		for _, m := range ms {
			found = found || (m.Label == e.marker && m.AtS == e.at)
		}
		if !found {
			t.Errorf("%s: no marker %q at %g in %v", e.name, e.marker, e.at, ms)
		}
	}
}

// TestHTMLGolden holds the whole failover page (with its run directory's
// timeline and histograms) and the matrix page; TestOneTimePerEvent checks
// the times in it agree, these catch every other change.
func TestHTMLGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *result.Result
		d    *RunData
	}{
		{"html-failover.golden", resulttest.FailoverResult(), &RunData{Cells: []CellData{failoverCellData()}, Scenario: "name: stream-failover\n"}},
		{"html-noobjectives.golden", resulttest.NoObjectivesResult(), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := HTML(&b, tc.r, tc.d); err != nil {
				t.Fatal(err)
			}
			resulttest.Golden(t, tc.name, b.Bytes())
		})
	}
}

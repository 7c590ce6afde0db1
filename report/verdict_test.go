package report

import (
	"regexp"
	"strings"
	"testing"

	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/result/resulttest"
)

// TestNoObjectivesIsNeutral: a run that set no objectives judged nothing,
// so no format may show it as a pass, and its loss stays in plain sight
// next to the verdict. Its exit code is still a pass (Verdict).
func TestNoObjectivesIsNeutral(t *testing.T) {
	r := resulttest.NoObjectivesResult()
	if !result.Verdict(r.Cells) {
		t.Fatalf("a run without objectives must keep passing for the exit code")
	}
	text := string(render(t, textOf, r))
	resulttest.Golden(t, "text-noobjectives.golden", []byte(text))
	if !strings.HasSuffix(text, "\nNO OBJECTIVES: none set (slo:), so nothing was judged\nLOST: 1,130 acknowledged events never reached a consumer\n") {
		t.Errorf("text verdict:\n%s", text)
	}
	if strings.Contains(text, "PASS") {
		t.Errorf("text shows a PASS with nothing judged:\n%s", text)
	}

	md := string(render(t, markdownOf, r))
	resulttest.Golden(t, "md-noobjectives.golden", []byte(md))
	if !strings.HasPrefix(md, "### ⚪ NO OBJECTIVES: none set (slo:), so nothing was judged\n") ||
		!strings.Contains(md, "> ⚠️ **LOST: 1,130 acknowledged events never reached a consumer**") {
		t.Errorf("markdown verdict:\n%s", md)
	}
	if strings.Contains(md, "✅") {
		t.Errorf("markdown shows a pass icon with nothing judged")
	}

	doc, _ := renderHTML(t, r, nil)
	v := doc.all("div", "verdict")
	if len(v) != 1 || !v[0].hasClass("none") || v[0].hasClass("pass") || !strings.HasPrefix(v[0].text, "NO OBJECTIVES") {
		t.Errorf("html verdict: %+v", v[0])
	}
	if loss := doc.all("div", "banner", "fail", "loss"); len(loss) != 1 || !strings.Contains(loss[0].text, "LOST: 1,130") {
		t.Errorf("html: the loss alarm is not beside the verdict")
	}
	if n := len(doc.all("span", "pill", "pass")); n != 0 {
		t.Errorf("html: %d PASS pills with nothing judged", n)
	}
	if p := doc.all("span", "pill", "none"); len(p) != 1 || p[0].text != "NO OBJECTIVES" {
		t.Errorf("html: cell pill %+v", p)
	}
}

// TestCellOutcome covers the four outcomes a comparison table shows.
func TestCellOutcome(t *testing.T) {
	pass := resulttest.PassResult().Cells[0]
	none := pass
	none.SLO = nil
	fail := resulttest.FailoverResult().Cells[0]
	broken := pass
	broken.Error = "infrastructure: Redis unreachable"
	for _, tc := range []struct {
		c    result.Cell
		want string
	}{{pass, "PASS"}, {none, "NO OBJECTIVES"}, {fail, "FAIL"}, {broken, "ERROR"}} {
		if got := cellStatus(&tc.c); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.c.Name, got, tc.want)
		}
	}
}

// TestCutShortWording: on a cell cut short, a recovery not seen reads
// "cut short" in every format, never "never recovered", and the loss
// alarm speaks of no drain.
func TestCutShortWording(t *testing.T) {
	r := resulttest.FullResult()
	for name, out := range map[string]string{
		"text": string(render(t, textOf, r)),
		"md":   string(render(t, markdownOf, r)),
	} {
		if strings.Contains(out, "never recovered") || strings.Contains(out, "drain") || strings.Contains(out, "| never |") {
			t.Errorf("%s of a cut-short run says never recovered or speaks of a drain:\n%s", name, out)
		}
		if strings.Count(out, "cut short") < 2 {
			t.Errorf("%s: the fault's recovery and recovery_max should read cut short:\n%s", name, out)
		}
	}
	doc, _ := renderHTML(t, r, nil)
	for _, tb := range []string{"faults", "slo"} {
		if tx := doc.all("table", tb)[0].text; strings.Contains(tx, "never recovered") || !strings.Contains(tx, "cut short") {
			t.Errorf("html %s table: %q", tb, tx)
		}
	}
	// The same fault in a run that finished did not recover: never.
	done := resulttest.FailoverResult()
	done.Cells[0].Faults[0].RecoveredS = -1
	if out := string(render(t, textOf, done)); !regexp.MustCompile(`6.21s\s+never\s`).MatchString(out) {
		t.Errorf("a finished run's unrecovered fault should read never:\n%s", out)
	}
}

// TestNewFieldsShown: offered rate, dropped, stranded, duplicate
// deliveries and the saturation finding appear in every format.
func TestNewFieldsShown(t *testing.T) {
	r := resulttest.FailoverResult()
	c := &r.Cells[0]
	c.Events.Stranded = 212
	text := string(render(t, textOf, r))
	md := string(render(t, markdownOf, r))
	_, page := renderHTML(t, r, nil)
	for _, want := range []string{"offered 20,000/s", "dropped", "stranded", "41", "extra deliveries", "carried (received/s) 99.3%", "Redis: its main thread was busy", "0.97 cores", "0.41 of 1 cores"} {
		for name, out := range map[string]string{"text": text, "md": md, "html": page} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
	for name, out := range map[string]string{"text": text, "md": md, "html": page} {
		// Beside a loss, the LOST alarm names what Redis still held.
		if !strings.Contains(strings.Join(strings.Fields(out), " "), "212 more were still in Redis when the run ended (stranded") {
			t.Errorf("%s lacks the stranded count beside the loss", name)
		}
	}
}

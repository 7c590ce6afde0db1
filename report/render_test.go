package report

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/result/resulttest"
)

func render(t *testing.T, f func(*bytes.Buffer, *result.Result) error, r *result.Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func textOf(b *bytes.Buffer, r *result.Result) error     { return Text(b, r) }
func markdownOf(b *bytes.Buffer, r *result.Result) error { return Markdown(b, r) }
func jsonOf(b *bytes.Buffer, r *result.Result) error     { return result.JSON(b, r) }

func TestTextGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *result.Result
	}{
		{"text-pass.golden", resulttest.PassResult()},
		{"text-failover.golden", resulttest.FailoverResult()},
		{"text-matrix.golden", resulttest.MatrixResult()},
		{"text-interrupted.golden", resulttest.FullResult()},
	} {
		t.Run(tc.name, func(t *testing.T) { resulttest.Golden(t, tc.name, render(t, textOf, tc.r)) })
	}
}

// TestTextFitsEightyColumns holds the single-cell summary to a terminal's
// width, whatever the goldens say.
func TestTextFitsEightyColumns(t *testing.T) {
	for _, r := range []*result.Result{resulttest.PassResult(), resulttest.FailoverResult(), resulttest.FullResult()} {
		for i, line := range strings.Split(string(render(t, textOf, r)), "\n") {
			if n := utf8.RuneCountInString(line); n > 80 {
				t.Errorf("%s line %d is %d columns: %q", r.Scenario, i+1, n, line)
			}
		}
	}
}

func TestTextVerdict(t *testing.T) {
	last := func(r *result.Result) string {
		lines := strings.Split(strings.TrimRight(string(render(t, textOf, r)), "\n"), "\n")
		return lines[len(lines)-1]
	}
	if got := last(resulttest.PassResult()); got != "PASS: all 4 objectives met" {
		t.Errorf("pass: %q", got)
	}
	if got := last(resulttest.FailoverResult()); got != "LOST: 1,130 acknowledged events never reached a consumer" {
		t.Errorf("failover: the loss alarm is not the last word: %q", got)
	}
	if out := string(render(t, textOf, resulttest.FailoverResult())); !strings.Contains(out, "\nFAIL: 3 of 5 objectives failed\nLOST: 1,130") {
		t.Errorf("failover: verdict then loss alarm missing in\n%s", out)
	}
	if got := last(resulttest.MatrixResult()); got != "FAIL: 1 of 6 objectives failed" {
		t.Errorf("matrix: %q", got)
	}
	none := resulttest.PassResult()
	none.Cells[0].SLO = nil
	if got := last(none); got != "NO OBJECTIVES: none set (slo:), so nothing was judged" {
		t.Errorf("no objectives: %q", got)
	}
	broken := resulttest.PassResult()
	broken.Error = "infrastructure: Redis unreachable: no operation succeeded for 8s"
	broken.Pass = false
	out := string(render(t, textOf, broken))
	for _, want := range []string{"FAIL: the run did not complete (all 4 objectives met until it stopped)\n", "ERROR: infrastructure: Redis unreachable"} {
		if !strings.Contains(out, want) {
			t.Errorf("errored run: missing %q in\n%s", want, out)
		}
	}
	if got := last(resulttest.FullResult()); !strings.HasPrefix(got, "INTERRUPTED: stopped after 58.2s") {
		t.Errorf("interrupted: %q", got)
	}
	if got := last(&result.Result{Schema: result.Schema, Scenario: "x"}); got != "FAIL: no cells ran" {
		t.Errorf("no cells: %q", got)
	}
}

func TestMarkdownGolden(t *testing.T) {
	resulttest.Golden(t, "md-failover.golden", render(t, markdownOf, resulttest.FailoverResult()))
	resulttest.Golden(t, "md-matrix.golden", render(t, markdownOf, resulttest.MatrixResult()))
	resulttest.Golden(t, "md-interrupted.golden", render(t, markdownOf, resulttest.FullResult()))
	got := string(render(t, markdownOf, resulttest.PassResult()))
	if !strings.HasPrefix(got, "### ✅ PASS: all 4 objectives met\n") {
		t.Errorf("markdown must open with the verdict, got:\n%s", got)
	}
}

func TestMarkdownEscapesTableCells(t *testing.T) {
	r := resulttest.PassResult()
	r.Cells[0].Name = "a|b*c"
	r.Cells[0].Notes = []string{"keys squall:* <script>"}
	got := string(render(t, markdownOf, r))
	for _, want := range []string{`a\|b\*c`, `squall:\* &lt;script&gt;`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

func TestJSONGolden(t *testing.T) {
	resulttest.Golden(t, "result.json.golden", render(t, jsonOf, resulttest.FullResult()))
}

func TestRender(t *testing.T) {
	r := resulttest.PassResult()
	for format, f := range map[string]func(*bytes.Buffer, *result.Result) error{
		"": textOf, "text": textOf, "md": markdownOf, "json": jsonOf,
	} {
		var b bytes.Buffer
		if err := Render(&b, r, format); err != nil {
			t.Fatalf("%q: %v", format, err)
		}
		if want := render(t, f, r); !bytes.Equal(b.Bytes(), want) {
			t.Errorf("Render(%q) is not the %q renderer's output", format, format)
		}
	}
	err := Render(&bytes.Buffer{}, r, "html5")
	if err == nil || !strings.Contains(err.Error(), `"html5"`) || !strings.Contains(err.Error(), "text, md, json") {
		t.Errorf("unknown format: got %v, want an error naming it and the valid formats", err)
	}
}

func TestTextProducerOnlyAndCellError(t *testing.T) {
	r := resulttest.MatrixResult()
	po := &r.Cells[0]
	po.Workload.Consumers = 0
	po.Latency.EndToEnd = result.Summary{}
	po.Events.Received = 0
	po.Throughput.ReceivedPerS = 0
	bad := &r.Cells[2]
	bad.Error = "infrastructure: redis-server exited: signal: killed"
	r.Error = bad.Error
	out := string(render(t, textOf, r))
	for _, want := range []string{
		"no consumers (producer-only): delivery not checked",
		"end-to-end          0      -      -",
		"ERROR: infrastructure: redis-server exited: signal: killed\n\ncell",
		"persistence=none          182,341           -       1.38ms        -     -   PASS",
		"     0  ERROR\n",
		"FAIL: 1 of 6 objectives failed\nERROR: infrastructure: redis-server exited",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "received 0") {
		t.Errorf("producer-only cell shows consumer figures:\n%s", out)
	}
}

// TestDeliveryAlarms: a loss is spelled out, the events Redis still held
// when the run ended are named beside it as lag, and duplicates say both
// how many events and how many extra deliveries.
func TestDeliveryAlarms(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    result.Cell
		want []string
	}{
		{"nothing wrong", result.Cell{Events: result.Events{Sent: 10, Acked: 10, Received: 10}}, nil},
		{"lost", result.Cell{Events: result.Events{Lost: 1130}}, []string{"LOST: 1,130 acknowledged events never reached a consumer"}},
		{"lost one", result.Cell{Events: result.Events{Lost: 1}}, []string{"LOST: 1 acknowledged event never reached a consumer"}},
		{"stranded only", result.Cell{Events: result.Events{Stranded: 2400}}, nil},
		{"lost and stranded", result.Cell{Events: result.Events{Lost: 5000, Stranded: 6200, Duplicated: 2, DuplicateDeliveries: 3}}, []string{
			"LOST: 5,000 acknowledged events never reached a consumer; 6,200 more were still in Redis when the run ended (stranded: consumer lag, not loss)",
			"DUPLICATED: 2 events were received more than once (3 extra deliveries)"}},
		{"duplicated, older result", result.Cell{Events: result.Events{Duplicated: 1}}, []string{"DUPLICATED: 1 event was received more than once"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := result.DeliveryAlarms(&tc.c)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("deliveryAlarms =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

package report

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/squall-bench/squall/result/resulttest"
)

func TestTimelineGolden(t *testing.T) {
	var b bytes.Buffer
	tw := NewTimelineWriter(&b)
	for _, s := range timelineFixture() {
		if err := tw.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	resulttest.Golden(t, "timeline.csv.golden", b.Bytes())

	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("timeline is not valid CSV: %v", err)
	}
	if len(rows) != 1+len(timelineFixture()) {
		t.Fatalf("%d rows, want a header and %d", len(rows), len(timelineFixture()))
	}
	if got := rows[3][len(rows[3])-1]; got != "2.761s failover: redis-2 promoted;2.900s note, with comma" {
		t.Errorf("faults column %q", got)
	}
}

// TestTimelineRowsAreFlushedAsWritten: a crashed run must leave every row
// written so far on disk, not in a buffer.
func TestTimelineRowsAreFlushedAsWritten(t *testing.T) {
	var b bytes.Buffer
	tw := NewTimelineWriter(&b)
	if err := tw.Write(timelineFixture()[0]); err != nil {
		t.Fatal(err)
	}
	if got := bytes.Count(b.Bytes(), []byte("\n")); got != 2 {
		t.Errorf("%d lines before Flush, want the header and the row", got)
	}
}

func TestTimelineHeaderOnlyOnFlush(t *testing.T) {
	var b bytes.Buffer
	tw := NewTimelineWriter(&b)
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "t_s,interval_s,sent,acked,received,errors,publish_p50_us,publish_p99_us,publish_max_us,e2e_p50_us,e2e_p99_us,e2e_max_us,service_p50_us,service_p99_us,service_max_us,faults\n"
	if b.String() != want {
		t.Errorf("got %q, want the header once", b.String())
	}
}

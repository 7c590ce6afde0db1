package rundir

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result/resulttest"
)

func TestTimelineGolden(t *testing.T) {
	var b bytes.Buffer
	tw := NewTimelineWriter(&b)
	for _, s := range resulttest.Timeline() {
		if err := tw.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	// The header and the formats are the file's schema: any change to them
	// is a change of what a run directory holds, so it shows here first.
	if want, err := os.ReadFile(filepath.Join("testdata", "timeline.csv.golden")); err != nil || !bytes.Equal(b.Bytes(), want) {
		t.Errorf("timeline.csv differs from testdata/timeline.csv.golden (%v):\n%s", err, b.Bytes())
	}

	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("timeline is not valid CSV: %v", err)
	}
	if len(rows) != 1+len(resulttest.Timeline()) {
		t.Fatalf("%d rows, want a header and %d", len(rows), len(resulttest.Timeline()))
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
	if err := tw.Write(resulttest.Timeline()[0]); err != nil {
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

func TestTimelineRoundTrip(t *testing.T) {
	var b bytes.Buffer
	tw := NewTimelineWriter(&b)
	want := resulttest.Timeline()
	for _, s := range want {
		if err := tw.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadTimeline(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		w := want[i]
		w.T = math.Round(w.T*1000) / 1000 // the file keeps milliseconds
		w.Dt = math.Round(w.Dt*1000) / 1000
		if fmt.Sprint(got[i]) != fmt.Sprint(w) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], w)
		}
	}

	// A run killed mid-write leaves a cut-off row: the rows before it stay.
	cut := b.String() + "5.000,20000,1"
	got, err = ReadTimeline(strings.NewReader(cut))
	if err == nil || !strings.Contains(err.Error(), "line 7") || len(got) != 5 {
		t.Errorf("cut-off row: %d rows, err %v; want the 5 rows before it and an error naming line 7", len(got), err)
	}
	// A file from before markers carried their time: each is placed at the
	// start of its row's interval.
	got, err = ReadTimeline(strings.NewReader("t_s,sent,faults\n3.000,5,kill primary (redis-1);failover: redis-2 promoted\n"))
	if err != nil || len(got) != 1 || fmt.Sprint(got[0].Faults) != "[{2 kill primary (redis-1)} {2 failover: redis-2 promoted}]" {
		t.Errorf("markers without a time: %+v, %v", got, err)
	}
	if _, err := ReadTimeline(strings.NewReader("a,b\n1,2\n")); err == nil {
		t.Errorf("a CSV that is not a timeline was read")
	}
	if got, err := ReadTimeline(strings.NewReader("")); err != nil || len(got) != 0 {
		t.Errorf("empty file: %v, %v", got, err)
	}
	// Columns are found by name: a reordered file with an extra column reads.
	got, err = ReadTimeline(strings.NewReader("extra,acked,t_s,sent\nx,7,1.5,9\n"))
	if err != nil || len(got) != 1 || got[0].T != 1.5 || got[0].Acked != 7 || got[0].Sent != 9 {
		t.Errorf("reordered columns: %+v, %v", got, err)
	}
}

func TestHlogRoundTrip(t *testing.T) {
	begin := time.Unix(1_700_000_000, 0)
	col := record.NewCollector(begin)
	rec := col.NewRecorder(record.Publish, record.EndToEnd)
	var bufs [record.NumKinds]bytes.Buffer
	var ws [record.NumKinds]io.Writer
	for k := range bufs {
		ws[k] = &bufs[k]
	}
	if err := col.LogTo(ws, "test"); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for sec := 1; sec <= 5; sec++ {
		for range 1000 * sec {
			rec.Record(record.Publish, int64(50+rng.ExpFloat64()*400))
			rec.Record(record.EndToEnd, int64(100+rng.ExpFloat64()*900))
		}
		rec.Record(record.EndToEnd, int64(sec)*1_000_000) // a one-per-second outlier
		if _, err := col.Tick(begin.Add(time.Duration(sec) * time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	totals := col.Totals()
	for k := range record.NumKinds {
		got, err := ReadHlog(bytes.NewReader(bufs[k].Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", record.KindNames[k], err)
		}
		if record.Summarize(got) != record.Summarize(totals[k]) {
			t.Errorf("%s: read back %+v, recorded %+v", record.KindNames[k], record.Summarize(got), record.Summarize(totals[k]))
		}
	}
	if record.Summarize(totals[record.EndToEnd]).Max < 5_000_000 || record.Summarize(totals[record.Publish]).Count != 15000 {
		t.Fatalf("fixture did not record what it meant to: %+v", record.Summarize(totals[record.Publish]))
	}

	// A cut-off last interval is skipped, the others kept.
	log := bufs[record.Publish].String()
	cut := log[:len(log)-40]
	got, err := ReadHlog(strings.NewReader(cut))
	if err == nil {
		t.Errorf("cut-off log read without an error")
	}
	if got.TotalCount() != 10000 {
		t.Errorf("cut-off log: %d values, want the first four intervals' 10000", got.TotalCount())
	}
	if got, err := ReadHlog(strings.NewReader("")); err != nil || got.TotalCount() != 0 {
		t.Errorf("empty log: %v", err)
	}
}

func TestCellFilePrefix(t *testing.T) {
	for _, tc := range []struct {
		i, n int
		name string
		want string
	}{
		{0, 1, "quickstart", ""},
		{0, 3, "persistence=none", "01-persistence=none."},
		{11, 12, "target.persistence=aof-always, workload.pattern=list", "12-target.persistence=aof-always_workload.pattern=list."},
		{1, 2, "///", "02-run."},
	} {
		if got := CellFilePrefix(tc.i, tc.n, tc.name); got != tc.want {
			t.Errorf("CellFilePrefix(%d, %d, %q) = %q, want %q", tc.i, tc.n, tc.name, got, tc.want)
		}
	}
}

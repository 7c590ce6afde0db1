package live

import (
	"context"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
)

// gather collects s's series by name.
func gather(t *testing.T, s *Server) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(s)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		out[f.GetName()] = f
	}
	return out
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestHistogramsAndCounters: the exported histograms hold what the
// collector holds, in classic buckets and native ones, while the cell
// runs (nothing drained, nothing ticked) and after; the counters turn into
// the cell's accounting when it finishes.
func TestHistogramsAndCounters(t *testing.T) {
	col := record.NewCollector(time.Now())
	prod := col.NewRecorder(record.Publish, record.SendDelay)
	// 0 µs, then 1..1000 µs and ten of 2 s: classic and native buckets
	// both have an edge to get right.
	prod.Record(record.Publish, 0)
	for us := int64(1); us <= 1000; us++ {
		prod.Record(record.Publish, us)
		prod.Record(record.SendDelay, 3)
	}
	for range 10 {
		prod.Record(record.Publish, 2_000_000)
	}
	s := &Server{}
	faults := []Fault{{Action: "pause", Node: "redis-0", Active: true, Promoted: "redis-1"}, {Action: "bgsave", Node: "redis-0"}}
	c := s.Start(Labels{Scenario: "sc", Cell: "c", Pattern: "stream", Topology: "sentinel", Persistence: "none"},
		Source{Collector: col, Errors: func() map[string]int64 { return map[string]int64{"timeout": 2} },
			Faults: func() []Fault { return faults }, Groups: 1, Rate: 100})

	check := func(when string) {
		fams := gather(t, s)
		var pub *dto.Histogram
		for _, m := range fams["squall_latency_seconds"].GetMetric() {
			if labelOf(m, "kind") == "publish" {
				pub = m.GetHistogram()
			}
		}
		if pub.GetSampleCount() != 1011 {
			t.Fatalf("%s: publish count %d, want 1011", when, pub.GetSampleCount())
		}
		wantClassic := map[float64]uint64{50e-6: 51, 100e-6: 101, 500e-6: 501, 1e-3: 1001, 1: 1001, 2: 1011, 60: 1011}
		for _, b := range pub.GetBucket() {
			if w, ok := wantClassic[b.GetUpperBound()]; ok && b.GetCumulativeCount() != w {
				t.Errorf("%s: classic le=%g holds %d, want %d", when, b.GetUpperBound(), b.GetCumulativeCount(), w)
			}
		}
		if pub.GetSchema() != nativeSchema || pub.GetZeroCount() != 1 {
			t.Errorf("%s: native schema %d zero count %d, want %d and 1", when, pub.GetSchema(), pub.GetZeroCount(), nativeSchema)
		}
		// Walk the native buckets: they add up to the count, and the ten
		// 2 s samples sit in the bucket whose upper bound is 2 s (2^1).
		var n int64
		idx, count := int32(0), int64(0)
		delta := pub.GetPositiveDelta()
		for _, sp := range pub.GetPositiveSpan() {
			idx += sp.GetOffset()
			for range sp.GetLength() {
				count += delta[0]
				delta = delta[1:]
				n += count
				if upper := math.Exp2(float64(idx) / 8); upper == 2 && count != 10 {
					t.Errorf("%s: native bucket ≤ 2s holds %d, want 10", when, count)
				}
				idx++
			}
		}
		if n+int64(pub.GetZeroCount()) != 1011 {
			t.Errorf("%s: native buckets hold %d + %d zero, want 1011", when, n, pub.GetZeroCount())
		}
	}
	check("live")
	fams := gather(t, s)
	ev := map[string]float64{}
	for _, m := range fams["squall_events_total"].GetMetric() {
		ev[labelOf(m, "outcome")] = m.GetCounter().GetValue()
	}
	if ev["acked"] != 1011 || ev["sent"] != 1000 || len(ev) != 3 {
		t.Errorf("live events %v, want acked 1011 and sent 1000 (the histograms' counts) only", ev)
	}
	if g := fams["squall_fault_active"].GetMetric(); len(g) != 2 || g[1].GetGauge().GetValue() != 1 {
		t.Errorf("fault_active %v, want pause on redis-0 active", g)
	}

	_, _ = col.Tick(time.Now())
	rc := &result.Cell{Events: result.Events{Sent: 1000, Acked: 990, Failed: 4, Indeterminate: 6, Received: 985, Lost: 5},
		Errors: map[string]int64{"timeout": 3}}
	c.Finish(rc)
	check("finished")
	fams = gather(t, s)
	for _, m := range fams["squall_events_total"].GetMetric() {
		want := map[string]float64{"sent": 1000, "acked": 990, "failed": 4, "indeterminate": 6, "received": 985, "lost": 5, "duplicated": 0}
		if o := labelOf(m, "outcome"); m.GetCounter().GetValue() != want[o] {
			t.Errorf("final %s %v, want %v", o, m.GetCounter().GetValue(), want[o])
		}
	}
	for name, want := range map[string]float64{"squall_cell_finished": 1, "squall_backlog_events": 5, "squall_errors_total": 3, "squall_promotions_total": 1} {
		if v := fams[name].GetMetric()[0]; v.GetGauge().GetValue()+v.GetCounter().GetValue() != want {
			t.Errorf("final %s %v, want %v", name, v, want)
		}
	}
	for _, m := range fams["squall_fault_active"].GetMetric() {
		if m.GetGauge().GetValue() != 0 {
			t.Errorf("fault %s still active after the cell", labelOf(m, "action"))
		}
	}
	for name := range fams {
		if !slices.Contains(Names, name) {
			t.Errorf("%s exported but not in Names", name)
		}
	}
}

// TestServe: /metrics answers the Prometheus text format, and OpenMetrics
// to a scraper that asks for it; after Close the port is free again.
func TestServe(t *testing.T) {
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	col := record.NewCollector(time.Now())
	col.NewRecorder(record.Publish).Record(record.Publish, 7)
	s.Start(Labels{Cell: "c"}, Source{Collector: col, Errors: func() map[string]int64 { return nil }})
	for _, tc := range []struct{ accept, ctype, tail string }{
		{"", "text/plain; version=0.0.4", "squall_offered_rate"},
		{"application/openmetrics-text; version=1.0.0", "application/openmetrics-text", "# EOF\n"},
	} {
		req, _ := http.NewRequest("GET", "http://"+s.Addr()+"/metrics", nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) || !strings.Contains(string(b), `squall_latency_seconds_bucket{cell="c",kind="publish"`) {
			t.Errorf("Accept %q: %s\n%s", tc.accept, ct, b)
		}
		if tc.accept != "" && !strings.HasSuffix(string(b), tc.tail) {
			t.Errorf("OpenMetrics without # EOF")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + s.Addr() + "/metrics"); err == nil {
		t.Error("still serving after Close")
	}
}

// BenchmarkScrape is the cost of one scrape of a running cell (three
// kinds of histograms read from the totals and every stripe): paid once
// per scrape by the HTTP goroutine, never by the workers.
func BenchmarkScrape(b *testing.B) {
	col := record.NewCollector(time.Now())
	for i := range 16 {
		r := col.NewRecorder(record.Publish, record.SendDelay, record.EndToEnd)
		for v := range int64(1000) {
			r.Record(record.Publish, v*int64(i+1))
			r.Record(record.EndToEnd, v*int64(i+1))
			r.Record(record.SendDelay, v)
		}
	}
	s := &Server{}
	s.Start(Labels{Cell: "c"}, Source{Collector: col, Errors: func() map[string]int64 { return nil }})
	reg := prometheus.NewRegistry()
	reg.MustRegister(s)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}

package runner

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/live"
	"github.com/squall-bench/squall/scenarios"
)

// TestMetricsDuringFailover scrapes /metrics every 100 ms through a real
// Sentinel failover (the primary paused for 4× down_after): the pause shows
// as squall_fault_active 1 while it is in place, and once the cell ends
// every fault reads 0, the promotions and the event counters are
// result.json's, and the cell is marked finished. Scrapes race the
// workers, the clock and the injector (run it with -race).
func TestMetricsDuringFailover(t *testing.T) {
	testenv.RequireRedis(t)
	const yaml = `
warmup: 1s
duration: 8s
drain: 3s
target: {provider: process, topology: sentinel, replicas: 1, sentinels: 3, persistence: none, sentinel: {down_after: 1s, failover_timeout: 10s}}
workload: {pattern: stream, producers: 2, consumers: 2, rate: 500, payload: 64, keys: 2}
client: {read_timeout: 1s, write_timeout: 1s}
chaos:
  - {at: 2s, action: pause, target: primary, duration: 4s}
`
	sc, cells, err := scenarios.Parse(t.Name()+".yaml", []byte(yaml), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := live.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var sawActive bool
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			if hasValue(grep(scrape(t, srv), `action="pause"`), "squall_fault_active", "1") {
				sawActive = true
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	res, _, err := Run(context.Background(), sc, cells, Options{Out: t.TempDir(), Quiet: true, Metrics: srv})
	stop()
	wg.Wait()
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	c := res.Cells[0]
	t.Logf("events %+v faults %+v", c.Events, c.Faults)
	if !sawActive {
		t.Error("no scrape saw squall_fault_active 1 while the primary was paused")
	}
	final := scrape(t, srv)
	if hasValue(final, "squall_fault_active", "1") || !hasValue(final, "squall_fault_active", "0") {
		t.Errorf("after the cell a fault still reads active, or none is listed:\n%s", grep(final, "squall_fault_active"))
	}
	promoted := 0
	for _, f := range c.Faults {
		if f.Promoted != "" {
			promoted++
			if !strings.Contains(final, fmt.Sprintf(`promoted=%q`, f.Promoted)) {
				t.Errorf("promotion of %s not exported:\n%s", f.Promoted, grep(final, "squall_promotions_total"))
			}
		}
	}
	if promoted == 0 && strings.Contains(final, "squall_promotions_total{") {
		t.Errorf("promotions exported, none in result.json:\n%s", grep(final, "squall_promotions_total"))
	}
	for o, want := range map[string]int64{"sent": c.Events.Sent, "acked": c.Events.Acked, "failed": c.Events.Failed,
		"indeterminate": c.Events.Indeterminate, "received": c.Events.Received, "lost": c.Events.Lost, "duplicated": c.Events.Duplicated} {
		if !hasValue(grep(final, fmt.Sprintf(`outcome=%q`, o)), "squall_events_total", fmt.Sprint(want)) {
			t.Errorf("final %s: %s; result.json %d", o, grep(final, fmt.Sprintf(`outcome=%q`, o)), want)
		}
	}
	if !hasValue(final, "squall_cell_finished", "1") {
		t.Error("squall_cell_finished is not 1 after the cell")
	}
}

func scrape(t *testing.T, srv *live.Server) string {
	r, err := http.Get("http://" + srv.Addr() + "/metrics")
	if err != nil {
		t.Error(err)
		return ""
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// grep returns the lines of text containing s.
func grep(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// hasValue reports whether a sample of metric has value v in text.
func hasValue(text, metric, v string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, metric+"{") && strings.HasSuffix(l, "} "+v) {
			return true
		}
	}
	return false
}

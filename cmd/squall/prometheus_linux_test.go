package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/live"
	"github.com/squall-bench/squall/result"
)

// TestPrometheusScrapesARun lets a real Prometheus (Debian's package)
// scrape a real 10 s run every second and asks it, over its HTTP API, what
// it stored: the final acked counter is result.json's, and
// histogram_quantile(0.99) over the classic buckets lies in the bucket of
// result.json's p99 or the next one. Skipped without a prometheus binary;
// SQUALL_REQUIRE_PROMETHEUS=1 makes that a failure.
func TestPrometheusScrapesARun(t *testing.T) {
	testenv.RequireRedis(t)
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("SQUALL_REQUIRE_PROMETHEUS") != "" {
			t.Fatal("prometheus not in PATH but SQUALL_REQUIRE_PROMETHEUS is set")
		}
		t.Skip("prometheus not in PATH (apt-get install -y prometheus)")
	}
	metricsAddr, promAddr := freeAddr(t), freeAddr(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: squall
    static_configs:
      - targets: [%q]
`, metricsAddr)), 0o644); err != nil {
		t.Fatal(err)
	}
	prom := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	prom.Stdout, prom.Stderr = logf, logf
	prom.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // dies with the test binary, even a killed one
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = prom.Wait(); close(exited) }()
	t.Cleanup(func() { _ = prom.Process.Kill(); <-exited }) // never outlives the test
	api := "http://" + promAddr
	waitReady(t, api+"/-/ready", exited, filepath.Join(dir, "prometheus.log"))

	out := filepath.Join(dir, "run")
	code, stdout, stderr := squall(context.Background(), "run", "quickstart", "--provider", "process", "--duration", "10s",
		"--metrics-addr", metricsAddr, "--metrics-linger", "3s", "--out", out, "--quiet")
	if code != 0 && code != exitFailed { // objectives may fail on a loaded machine: the figures are the test's subject
		t.Fatalf("squall run = %d\n%s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res result.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	cell := res.Cells[0]
	sel := `{job="squall",cell="quickstart"}`

	// Range functions skip the stale markers written once the run's
	// endpoint went away, so these read the last scrapes.
	acked := query(t, api, `max_over_time(squall_events_total{outcome="acked",job="squall"}[5m])`)
	if int64(acked) != cell.Events.Acked {
		t.Errorf("Prometheus's final acked counter %v, result.json's %d", acked, cell.Events.Acked)
	}
	if n := query(t, api, `count_over_time(squall_events_total{outcome="acked",job="squall"}[5m])`); n < 8 {
		t.Errorf("only %v scrapes of the acked counter; want one a second over the run", n)
	}
	if first := query(t, api, `min_over_time(squall_events_total{outcome="acked",job="squall"}[5m])`); first >= acked {
		t.Errorf("acked counter never below its final %v: the run was not scraped live", acked)
	}
	for _, o := range []string{"sent", "received", "failed", "lost"} {
		want := map[string]int64{"sent": cell.Events.Sent, "received": cell.Events.Received, "failed": cell.Events.Failed, "lost": cell.Events.Lost}[o]
		if got := query(t, api, fmt.Sprintf(`max_over_time(squall_events_total{outcome=%q,job="squall"}[5m])`, o)); int64(got) != want {
			t.Errorf("final %s counter %v, result.json's %d", o, got, want)
		}
	}
	p99 := query(t, api, `histogram_quantile(0.99, max_over_time(squall_latency_seconds_bucket{kind="publish",job="squall"}[5m]))`)
	want := float64(cell.Latency.Publish.P99) / 1e6
	lo, hi := bucketAround(want)
	if p99 < lo || p99 > hi {
		t.Errorf("histogram_quantile(0.99) %gs, result.json's p99 %gs: want it in [%g, %g] (its bucket or the next)", p99, want, lo, hi)
	}
	if f := query(t, api, "max_over_time(squall_cell_finished"+sel+"[5m])"); f != 1 {
		t.Errorf("squall_cell_finished never 1 in Prometheus (%v): the final scrape was missed", f)
	}
	// Every panel and annotation query of the dashboard is valid PromQL,
	// and every panel finds the run, asked at a moment of its measured
	// phase: the last scrape before the cell finished.
	during := lastLiveScrape(t, api)
	for i, q := range dashboardQueries(t) {
		q = strings.NewReplacer("$__rate_interval", "10s", "$scenario", ".*", "$cell", ".*", "$shard", ".*").Replace(q)
		vs := queryAll(t, api, q, during)
		none := strings.Contains(q, "squall_fault_active") || strings.Contains(q, "squall_promotions_total") ||
			strings.Contains(q, "squall_errors_total") // no faults, and no errors in a healthy run
		if len(vs) == 0 && !none {
			t.Errorf("dashboard query %d finds nothing during the run: %s", i, q)
		}
	}
	t.Logf("acked %d, p99 %gs (result.json) vs %gs (histogram_quantile)", cell.Events.Acked, want, p99)
}

// bucketAround returns the range of the classic bucket holding v widened
// by the next bucket on each side: histogram_quantile interpolates inside
// a bucket, and the histograms hold values to 0.1%, so a p99 next to a
// bound may fall on either side.
func bucketAround(v float64) (lo, hi float64) {
	bounds := append([]float64{0}, live.ClassicBounds()...)
	for i := 1; i < len(bounds); i++ {
		if v <= bounds[i] {
			return bounds[max(i-2, 0)], bounds[min(i+1, len(bounds)-1)]
		}
	}
	return bounds[len(bounds)-2], v
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func waitReady(t *testing.T, u string, exited chan struct{}, log string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			b, _ := os.ReadFile(log)
			t.Fatalf("prometheus exited:\n%s", b)
		default:
		}
		if r, err := http.Get(u); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("prometheus not ready after 60s")
}

// lastLiveScrape returns the time of the last scrape that found the cell
// still running.
func lastLiveScrape(t *testing.T, api string) time.Time {
	t.Helper()
	r, err := http.Get(api + "/api/v1/query?query=" + url.QueryEscape(`squall_cell_finished{job="squall"}[5m]`))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var body struct {
		Data struct {
			Result []struct{ Values [][2]any }
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.Data.Result) != 1 {
		t.Fatalf("squall_cell_finished: %v, %d series", err, len(body.Data.Result))
	}
	var last float64
	for _, v := range body.Data.Result[0].Values {
		if ts, _ := v[0].(float64); v[1] == "0" {
			last = ts
		}
	}
	if last == 0 {
		t.Fatal("no scrape while the cell ran")
	}
	return time.UnixMilli(int64(last * 1000))
}

// dashboardQueries returns the PromQL of deploy/grafana/squall.json's
// panels and annotations.
func dashboardQueries(t *testing.T) []string {
	b, err := os.ReadFile("../../deploy/grafana/squall.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Targets []struct{ Expr string }
		}
		Annotations struct{ List []struct{ Expr string } }
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	var qs []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			qs = append(qs, tg.Expr)
		}
	}
	for _, a := range d.Annotations.List {
		qs = append(qs, a.Expr)
	}
	return qs
}

// query runs an instant PromQL query and returns its single value.
func query(t *testing.T, api, q string) float64 {
	t.Helper()
	vs := queryAll(t, api, q, time.Time{})
	if len(vs) != 1 {
		t.Fatalf("%s: %d series, want 1", q, len(vs))
	}
	return vs[0]
}

// queryAll runs an instant PromQL query, at a given time unless zero,
// that must succeed and returns its values (none for an empty answer).
func queryAll(t *testing.T, api, q string, at time.Time) []float64 {
	t.Helper()
	u := api + "/api/v1/query?query=" + url.QueryEscape(q)
	if !at.IsZero() {
		u += fmt.Sprintf("&time=%.3f", float64(at.UnixMilli())/1000)
	}
	r, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var body struct {
		Status string
		Error  string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if body.Status != "success" {
		t.Fatalf("%s: %s %s", q, body.Status, body.Error)
	}
	var vs []float64
	for _, r := range body.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%s: value %q", q, s)
		}
		vs = append(vs, v)
	}
	return vs
}

// TestMetricsPortTaken: a --metrics-addr already in use is refused before
// anything is stood up, and nothing is left listening.
func TestMetricsPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	out := filepath.Join(t.TempDir(), "run")
	code, _, stderr := squall(context.Background(), "run", "quickstart", "--metrics-addr", l.Addr().String(), "--out", out)
	if code != exitUsage || !strings.Contains(stderr, "--metrics-addr "+l.Addr().String()) {
		t.Errorf("squall run on a taken port = %d, %q; want exit 2 naming the flag", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the run directory was written: the run started")
	}
}

// Package live serves a running squall's figures to Prometheus: /metrics in
// the Prometheus text format, or OpenMetrics when the scraper asks for it.
// Nothing is recorded twice: at every scrape it reads what the run already
// keeps (the collector's histograms and the generator's counters), and when
// a cell ends its counters become the cell's final accounting.
package live

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
)

// Labels name the cell a series belongs to; every series squall exports
// carries them.
type Labels struct {
	Scenario, Cell, Pattern, Topology, Persistence, Shard string
}

func (l Labels) values() []string {
	return []string{l.Scenario, l.Cell, l.Pattern, l.Topology, l.Persistence, l.Shard}
}

// Fault is one fault action on one node as the metrics show it.
type Fault struct {
	Action, Node string
	Active       bool   // fired and not yet healed
	Promoted     string // the node that became primary after it, if any
}

// Source is what a running cell's metrics are read from.
type Source struct {
	Collector *record.Collector
	// Errors returns the client-visible errors so far by class (the
	// generator's counters).
	Errors func() map[string]int64
	// Faults returns the faults fired so far; nil without a schedule.
	Faults func() []Fault
	// Groups is how many receivers each acknowledged event is due to (0:
	// no consumers, no backlog).
	Groups int
	// Rate is the offered rate in events/s; 0 for a closed loop.
	Rate float64
	// Begin is the start of the measured phase, when the counts start.
	Begin time.Time
}

// Server serves /metrics for the cells of one run.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}

	mu    sync.Mutex
	cells []*Cell
}

// Listen binds addr (HOST:PORT; port 0 picks one) and serves /metrics
// until Close.
func Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	s := &Server{ln: ln, done: make(chan struct{})}
	reg := prometheus.NewRegistry()
	reg.MustRegister(s)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops serving and waits for the server's goroutine; scrapes in
// flight get until ctx ends.
func (s *Server) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = s.srv.Close()
	}
	<-s.done
	return err
}

// Cell is one cell's series: live while it runs, final once Finish is
// called.
type Cell struct {
	labels []string
	src    Source

	mu    sync.Mutex
	final []prometheus.Metric // set by Finish
}

// Start adds a running cell. A cell with the same labels (a repetition)
// replaces the earlier one: its counters start again from zero, which
// Prometheus reads as a counter reset.
func (s *Server) Start(l Labels, src Source) *Cell {
	c := &Cell{labels: l.values(), src: src}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, old := range s.cells {
		if slices.Equal(old.labels, c.labels) {
			s.cells[i] = c
			return c
		}
	}
	s.cells = append(s.cells, c)
	return c
}

// Finish freezes the cell's series at its result: the events and errors
// of rc (the ledger's exact accounting), the final histograms, every fault
// healed. Nothing of the run is read after it.
func (c *Cell) Finish(rc *result.Cell) {
	if c == nil {
		return
	}
	var faults []Fault
	if c.src.Faults != nil {
		faults = c.src.Faults()
		for i := range faults {
			faults[i].Active = false // healed at the end of every cell
		}
	}
	var ms []prometheus.Metric
	emit := func(m prometheus.Metric) { ms = append(ms, m) }
	c.collect(emit, &rc.Events, rc.Errors, faults)
	c.mu.Lock()
	c.final = ms
	c.mu.Unlock()
}

// Describe sends nothing: the series come and go with the cells, so the
// registry checks them as they are collected.
func (s *Server) Describe(chan<- *prometheus.Desc) {}

// Collect reads every cell's series.
func (s *Server) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	cells := append([]*Cell(nil), s.cells...)
	s.mu.Unlock()
	emit := func(m prometheus.Metric) { ch <- m }
	for _, c := range cells {
		c.mu.Lock()
		final := c.final
		c.mu.Unlock()
		if final != nil {
			for _, m := range final {
				ch <- m
			}
			continue
		}
		var faults []Fault
		if c.src.Faults != nil {
			faults = c.src.Faults()
		}
		c.collect(emit, nil, c.src.Errors(), faults)
	}
}

// collect emits the cell's series: final with the cell's accounting ev,
// live (events read from the histograms' counts) when ev is nil.
func (c *Cell) collect(emit func(prometheus.Metric), ev *result.Events, errs map[string]int64, faults []Fault) {
	var n [record.NumKinds]int64
	var buf []int64
	for _, k := range exported {
		buf = c.src.Collector.Cumulative(k, buf)
		var h prometheus.Metric
		h, n[k] = histogram(buf, c.labels, record.KindNames[k], c.src.Begin)
		emit(h)
	}
	var counts map[string]int64
	var backlog int64
	if ev == nil {
		// Every measured event sent has a send delay, every acknowledged
		// one a publish latency, every first receipt an end-to-end one:
		// the histograms' counts are the accounting so far.
		counts = map[string]int64{"sent": n[record.SendDelay], "acked": n[record.Publish], "received": n[record.EndToEnd]}
		backlog = max(int64(c.src.Groups)*counts["acked"]-counts["received"], 0)
	} else {
		counts = map[string]int64{
			"sent": ev.Sent, "acked": ev.Acked, "failed": ev.Failed, "indeterminate": ev.Indeterminate,
			"received": ev.Received, "lost": ev.Lost, "duplicated": ev.Duplicated,
		}
		backlog = ev.Lost + ev.Stranded // acknowledged and never received
	}
	for _, o := range outcomes {
		if v, ok := counts[o]; ok {
			emit(prometheus.MustNewConstMetric(eventsDesc, prometheus.CounterValue, float64(v), append(c.labels, o)...))
		}
	}
	for _, class := range slices.Sorted(maps.Keys(errs)) {
		emit(prometheus.MustNewConstMetric(errorsDesc, prometheus.CounterValue, float64(errs[class]), append(c.labels, class)...))
	}
	if c.src.Rate > 0 {
		emit(prometheus.MustNewConstMetric(rateDesc, prometheus.GaugeValue, c.src.Rate, c.labels...))
	}
	emit(prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(c.src.Collector.LastMax(record.SendDelay))/1e6, c.labels...))
	if c.src.Groups > 0 {
		emit(prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(backlog), c.labels...))
	}
	active := map[[2]string]bool{}
	promoted := map[string]int64{}
	for _, f := range faults {
		if f.Node == "" {
			continue
		}
		key := [2]string{f.Action, f.Node}
		active[key] = active[key] || f.Active
		if f.Promoted != "" {
			promoted[f.Promoted]++
		}
	}
	keys := make([][2]string, 0, len(active))
	for k := range active {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"\x00"+keys[i][1] < keys[j][0]+"\x00"+keys[j][1] })
	for _, k := range keys {
		v := 0.0
		if active[k] {
			v = 1
		}
		emit(prometheus.MustNewConstMetric(faultDesc, prometheus.GaugeValue, v, append(c.labels, k[0], k[1])...))
	}
	for _, node := range slices.Sorted(maps.Keys(promoted)) {
		emit(prometheus.MustNewConstMetric(promotionsDesc, prometheus.CounterValue, float64(promoted[node]), append(c.labels, node)...))
	}
	done := 0.0
	if ev != nil {
		done = 1
	}
	emit(prometheus.MustNewConstMetric(finishedDesc, prometheus.GaugeValue, done, c.labels...))
}

// exported are the latency kinds squall_latency_seconds shows.
var exported = []record.Kind{record.Publish, record.EndToEnd, record.SendDelay}

// outcomes are squall_events_total's outcome values, in exposition order.
var outcomes = []string{"sent", "acked", "failed", "indeterminate", "received", "lost", "duplicated"}

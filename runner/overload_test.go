package runner

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/rundir"
	"github.com/squall-bench/squall/scenarios"
)

// TestOverloadStopsOnTime offers far more than one producer connection at
// pipeline 1 can carry. The run must end on time, report what it carried
// (not what it was offered), count what fell due but was never sent, and
// say it was saturated and why.
func TestOverloadStopsOnTime(t *testing.T) {
	testenv.RequireRedis(t)
	const offered = 400_000
	const yaml = `
warmup: 500ms
duration: 5s
drain: 1s
target: {provider: process, topology: standalone}
workload: {pattern: list, producers: 1, consumers: 1, rate: 400000, payload: 64, keys: 2}
`
	sc, cells, err := scenarios.Parse(t.Name()+".yaml", []byte(yaml), nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	start := time.Now()
	res, _, err := Run(t.Context(), sc, cells, Options{Out: dir, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	wall := time.Since(start)
	c := res.Cells[0]
	t.Logf("wall %s, throughput %+v, events %+v, saturation %+v, notes %q", wall, c.Throughput, c.Events, c.Saturation, c.Notes)

	// Set-up and teardown of one local server take well under a second;
	// the phases take 6.5 s. Before, the producer worked off its backlog
	// for as long again as the run.
	if limit := 6500*time.Millisecond + 3*time.Second; wall > limit {
		t.Errorf("the run took %s, want at most its phases plus a few seconds (%s)", wall, limit)
	}
	if c.DurationS < 4.99 || c.DurationS > 5.05 {
		t.Errorf("duration_s %.3f, want the 5 s measured window", c.DurationS)
	}
	rows := readTimeline(t, dir)
	var perSecond []float64
	for _, r := range rows {
		if r.T <= c.DurationS+0.001 && r.Dt > 0.99 {
			perSecond = append(perSecond, float64(r.Acked)/r.Dt)
		}
	}
	t.Logf("acked per second %v", perSecond)
	sort.Float64s(perSecond)
	median := perSecond[len(perSecond)/2]
	tp := c.Throughput
	if tp.OfferedPerS != offered {
		t.Errorf("offered_per_s %.0f, want %d", tp.OfferedPerS, offered)
	}
	if tp.AckedPerS < 0.85*median || tp.AckedPerS > 1.15*median {
		t.Errorf("acked_per_s %.0f, want within 15%% of the timeline's median second (%.0f)", tp.AckedPerS, median)
	}
	if tp.AckedPerS > 0.8*offered || tp.AckedPerS > offered/10 {
		t.Errorf("acked_per_s %.0f: the test needs offered ≥ 10× carried, and carried must not be offered", tp.AckedPerS)
	}
	ev := c.Events
	if want := int64(offered * 5); ev.Sent+ev.Dropped != want {
		t.Errorf("sent %d + dropped %d = %d, want every event due in the phase (%d)", ev.Sent, ev.Dropped, ev.Sent+ev.Dropped, want)
	}
	if c.Saturation == nil || c.Saturation.CarriedRatio > 0.8 || c.Saturation.Limit == "" {
		t.Errorf("saturation %+v, want a finding with a limit", c.Saturation)
	}
	if len(c.Notes) == 0 || !bytes.Contains([]byte(c.Notes[0]), []byte("saturated: carried")) {
		t.Errorf("notes %q, want the saturation note first", c.Notes)
	}
	// Every counted event is also timed, under overload too.
	checkCounts(t, c)
	// The schema is the same for every cell; a reader of result.json sees
	// it without the Go types.
	if c.Events.Lost != 0 || c.Events.Acked != c.Events.Received {
		t.Errorf("events %+v: an overloaded producer must not lose anything", c.Events)
	}
}

// checkCounts asserts that each histogram counts exactly what it times,
// and that service time (actual send → reply) is within publish latency
// (intended send → reply) at every percentile: no event is sent before its
// intended time, so each event's service time is at most its publish
// latency, and so is every order statistic.
func checkCounts(t *testing.T, c result.Cell) {
	t.Helper()
	ev, l := c.Events, c.Latency
	if l.Publish.Count != ev.Acked || l.SendDelay.Count != ev.Sent {
		t.Errorf("%s: publish.count %d (acked %d), send_delay.count %d (sent %d)", c.Name, l.Publish.Count, ev.Acked, l.SendDelay.Count, ev.Sent)
	}
	if l.Service.Count != ev.Acked {
		t.Errorf("%s: service.count %d, acked %d", c.Name, l.Service.Count, ev.Acked)
	}
	svc, pub := l.Service, l.Publish
	if svc.Min > pub.Min || svc.P50 > pub.P50 || svc.P90 > pub.P90 || svc.P99 > pub.P99 || svc.P999 > pub.P999 || svc.Max > pub.Max {
		t.Errorf("%s: service %+v exceeds publish %+v somewhere", c.Name, svc, pub)
	}
	if c.Workload.Consumers > 0 && l.EndToEnd.Count != ev.Received {
		t.Errorf("%s: end_to_end.count %d, received %d", c.Name, l.EndToEnd.Count, ev.Received)
	}
}

func readTimeline(t *testing.T, dir string) []record.Second {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, rundir.TimelineFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := rundir.ReadTimeline(f)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestEveryCountIsTimed runs every pattern briefly (the durations chosen so
// the run stops a few milliseconds after a whole-second tick, where samples
// used to be dropped) and checks that each histogram's count equals what it
// times, exactly.
func TestEveryCountIsTimed(t *testing.T) {
	testenv.RequireRedis(t)
	const yaml = `
warmup: 300ms
duration: 2s
drain: 2s
target: {provider: process, topology: standalone}
workload: {producers: 2, consumers: 2, rate: 1500, payload: 64, keys: 2}
matrix:
  workload.pattern: [pubsub, spubsub, list, list-reliable, stream, zset, set, string, hash]
`
	res := run(t, yaml)
	for _, c := range res.Cells {
		checkCounts(t, c)
		// On a loaded machine a producer may wake for the phase's last
		// event too late to send it: it then counts as dropped.
		if c.Events.Sent+c.Events.Dropped != 3000 || c.Events.Dropped > 10 {
			t.Errorf("%s: sent %d, dropped %d; want the 3,000 events due sent, bar a few late at the very end", c.Name, c.Events.Sent, c.Events.Dropped)
		}
	}
}

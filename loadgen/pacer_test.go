package loadgen

import (
	"context"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/squall-bench/squall/record"
)

// TestPacerWakesOnTimeNeverEarly has 40 producers on a 2-shard pacer wait
// for 25 due times each, spread over 300 ms: every one must be woken, none
// before its time (a producer woken early would send ahead of its
// schedule). How late is not asserted here: that depends on the machine's
// load (scripts/bench --scale measures it).
func TestPacerWakesOnTimeNeverEarly(t *testing.T) {
	epoch := time.Now()
	now := func() int64 { return int64(time.Since(epoch)) }
	pc := newPacer(2, now)
	defer pc.close()
	const producers, waits = 40, 25
	var wg sync.WaitGroup
	early := make(chan string, producers*waits)
	for id := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(1, uint64(id)))
			s, w := pc.shard(id), newWaiter()
			due := now()
			for range waits {
				due += int64(rng.IntN(int(24 * time.Millisecond)))
				if !s.sleepUntil(t.Context(), w, due) {
					early <- "cancelled"
					return
				}
				if at := now(); at < due {
					early <- time.Duration(due-at).String() + " early"
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("producers still waiting 30 s after their last due time")
	}
	close(early)
	for e := range early {
		t.Error(e)
	}
	for i, s := range pc.shards {
		s.mu.Lock()
		if s.wakes == 0 || len(s.q) != 0 {
			t.Errorf("shard %d: %d alarm wake-ups, %d still queued; want the alarm used and the queue empty", i, s.wakes, len(s.q))
		}
		s.mu.Unlock()
	}
}

// TestPacerCancelAndStaleWakeUp: a wait returns false when its context
// ends, and a wake-up left over from a cancelled wait does not release the
// producer's next wait early.
func TestPacerCancelAndStaleWakeUp(t *testing.T) {
	epoch := time.Now()
	now := func() int64 { return int64(time.Since(epoch)) }
	pc := newPacer(1, now)
	defer pc.close()
	s, w := pc.shard(0), newWaiter()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if s.sleepUntil(ctx, w, now()+int64(time.Hour)) {
		t.Fatal("a wait an hour long returned true when its context ended")
	}
	w.ch <- struct{}{} // as if the pacer had woken the cancelled wait
	due := now() + int64(30*time.Millisecond)
	if !s.sleepUntil(t.Context(), w, due) {
		t.Fatal("wait returned false")
	}
	if at := now(); at < due {
		t.Errorf("woken %s before its time by a stale wake-up", time.Duration(due-at))
	}
}

// TestPacerAlarmIsPrecise: on Linux the pacer waits on a timerfd, not on a
// Go timer (whose wake-ups come up to a millisecond late).
func TestPacerAlarmIsPrecise(t *testing.T) {
	a := newAlarm()
	defer a.close()
	if _, ok := a.(*timerfdAlarm); runtime.GOOS == "linux" && !ok {
		t.Fatalf("alarm is %T, want a timerfd", a)
	}
	// It fires, and close ends a wait.
	start := time.Now()
	a.set(int64(2 * time.Millisecond))
	if err := a.wait(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 2*time.Millisecond {
		t.Errorf("alarm set for 2ms fired after %s", d)
	}
	errc := make(chan error)
	go func() { errc <- a.wait() }()
	time.Sleep(5 * time.Millisecond)
	_ = a.close()
	select {
	case err := <-errc:
		if err == nil {
			t.Error("wait on a closed alarm returned nil")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("close did not end the wait")
	}
}

// TestPacerLeadLearns: the lead settles near the alarm's 75th-percentile
// wake-up latency and stays within its bounds.
func TestPacerLeadLearns(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, tc := range []struct {
		name     string
		late     func() int64
		min, max int64
	}{
		// Uniform 10–40 µs: the 75th percentile is 32.5 µs.
		{"uniform 10-40µs", func() int64 { return int64(10_000 + rng.IntN(30_000)) }, 28_000, 37_000},
		{"always 5ms late", func() int64 { return int64(5 * time.Millisecond) }, leadMax, leadMax},
		{"never late", func() int64 { return 0 }, leadMin, leadMin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &pacerShard{}
			s.lead.Store(leadInit)
			for range 20_000 {
				s.learn(tc.late())
			}
			if d := s.lead.Load(); d < tc.min || d > tc.max {
				t.Errorf("lead %s, want %s to %s", time.Duration(d), time.Duration(tc.min), time.Duration(tc.max))
			}
		})
	}
}

func TestWaitHeapOrders(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	var h waitHeap
	var want []int64
	for range 1000 {
		d := rng.Int64N(1e6)
		h.push(waitEntry{due: d})
		want = append(want, d)
	}
	slices.Sort(want)
	for i, d := range want {
		if got := h.pop().due; got != d {
			t.Fatalf("pop %d = %d, want %d", i, got, d)
		}
	}
	if len(h) != 0 {
		t.Fatalf("%d left", len(h))
	}
}

// TestPacerSpinBudget: yielding more than spinBudget of a window halves
// the lead's cap, down to leadMin; a window under budget raises it a step,
// up to leadMax.
func TestPacerSpinBudget(t *testing.T) {
	s := &pacerShard{}
	s.lead.Store(leadMax)
	s.leadCap.Store(leadMax)
	now := int64(0)
	window := func(spun float64) {
		s.budget(int64(spun*float64(budgetWindow)), now)
		now += budgetWindow
		s.budget(0, now) // the window's turn
	}
	for range 20 {
		window(0.5) // half of a core yielding
	}
	if got := s.leadNow(); got != leadMin {
		t.Errorf("after busy windows: lead %s, want the minimum %s", time.Duration(got), time.Duration(leadMin))
	}
	for range 200 {
		window(0.01)
	}
	if got := s.leadNow(); got != leadMax {
		t.Errorf("after quiet windows: lead %s, want the maximum %s", time.Duration(got), time.Duration(leadMax))
	}
}

// TestGeneratorPacesOnThePacer runs an open-loop load against a real
// server: the producers wait on the pacer (its alarm fired, no more often
// than there were sends), and every send and every acknowledgement is
// timed (send delay, publish and service counts).
func TestGeneratorPacesOnThePacer(t *testing.T) {
	_, rdb := startRedis(t)
	cfg := Config{Pattern: "list", Producers: 4, Keys: 2, Pipeline: 4, Rate: 2000, PayloadMin: 64, PayloadMax: 64,
		KeyPrefix: "pace:", Duration: time.Second, Run: 7}
	g, err := New(cfg, rdb)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	epoch := time.Now()
	col := record.NewCollector(epoch)
	out, err := g.Run(t.Context(), col, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := col.Tick(time.Now()); err != nil {
		t.Fatal(err)
	}
	ev := out.Events
	if ev.Sent+ev.Dropped != 2000 || ev.Sent < 1000 || ev.Acked != ev.Sent {
		t.Fatalf("events %+v: want the 2,000 due sent (bar a few dropped at the end on a loaded machine) and acked", ev)
	}
	var wakes int64
	for _, s := range g.pacer.shards {
		s.mu.Lock()
		wakes += s.wakes
		s.mu.Unlock()
	}
	if wakes == 0 || wakes > ev.Sent {
		t.Errorf("pacer alarm fired %d times for %d sends: want the producers paced by it", wakes, ev.Sent)
	}
	h := col.Totals()
	if n := h[record.SendDelay].TotalCount(); n != ev.Sent {
		t.Errorf("send delay count %d, sent %d", n, ev.Sent)
	}
	for _, k := range []record.Kind{record.Publish, record.Service} {
		if n := h[k].TotalCount(); n != ev.Acked {
			t.Errorf("%s count %d, acked %d", record.KindNames[k], n, ev.Acked)
		}
	}
	if svc, pub := h[record.Service], h[record.Publish]; svc.Max() > pub.Max() || svc.ValueAtQuantile(50) > pub.ValueAtQuantile(50) {
		t.Errorf("service (p50 %d, max %d µs) exceeds publish (p50 %d, max %d µs)", svc.ValueAtQuantile(50), svc.Max(), pub.ValueAtQuantile(50), pub.Max())
	}
}

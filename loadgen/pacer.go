package loadgen

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A pacer wakes open-loop producers at their intended send times.
//
// Go's timers wake up to a millisecond late: an idle runtime waits for the
// next timer in epoll_wait, whose timeout is whole milliseconds (with one
// producer at 1,000/s on a time.Timer, send delay p50 was 520 µs). A pacer
// instead arms a precise alarm (a timerfd on Linux, which the runtime's
// network poller waits on like a socket) a little before the earliest due
// time among its producers, yields the core until that time, and then
// wakes each producer that is due. The lead is learnt from how late the
// alarm itself wakes, at most leadMax, and shrinks when the yielding would
// take more than spinBudget of a core, so pacing costs a bounded share of
// a core, not a spinning one. There is one pacer shard per core: many
// producers share a few alarms, not one timer each.
type pacer struct {
	shards []*pacerShard
	wg     sync.WaitGroup
}

// An alarm fires once, d ns after it was set; setting it again replaces
// the previous time. wait blocks until it fires or the alarm is closed
// (then it returns an error). set may be called from any goroutine, wait
// from one; nothing is called after close.
type alarm interface {
	set(d int64)
	wait() error
	close() error
}

// Lead bounds: the alarm is set leadMax before a due time at most, so the
// yielding before a send never costs more than that per wake-up. The
// lead aims at the alarm's typical wake-up latency (on the 2-core VM
// measured here its p75 was 35 µs at 1,000 wake-ups/s and 50 µs at 100/s,
// a colder core waking slower), not its tail: on a busy machine the tail
// is the operating system's scheduling, which no amount of yielding
// shortens. At high wake-up rates the spin budget bounds what yielding
// costs, whatever the lead.
const (
	leadMin  = int64(2 * time.Microsecond)
	leadMax  = int64(150 * time.Microsecond)
	leadInit = int64(25 * time.Microsecond)
	// leadStep is the estimator's step down; a late wake-up steps up 3×
	// as much, so the lead settles near the alarm's 75th-percentile
	// wake-up latency (a frugal streaming quantile estimate).
	leadStep = int64(500 * time.Nanosecond)

	// spinBudget is the share of a core a shard may spend yielding before
	// due times, measured over budgetWindow: past it, the lead's cap
	// halves; under it, the cap grows back by a step per window. The
	// alarm itself wakes ~25 µs late on an idle 2-core VM, so at 10,000
	// wake-ups/s a full lead would cost a quarter of a core.
	spinBudget   = 0.05
	budgetWindow = int64(50 * time.Millisecond)
)

// newPacer returns a pacer of shards shards on the clock now (ns since the
// run's epoch), its goroutines running until close.
func newPacer(shards int, now func() int64) *pacer {
	p := &pacer{}
	for range max(shards, 1) {
		s := &pacerShard{now: now, alarm: newAlarm()}
		s.lead.Store(leadInit)
		s.leadCap.Store(leadMax)
		s.window.Store(now())
		p.shards = append(p.shards, s)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			s.run()
		}()
	}
	return p
}

// shard returns the shard producer id waits on.
func (p *pacer) shard(id int) *pacerShard { return p.shards[id%len(p.shards)] }

// close stops the shards' goroutines; no producer may wait on the pacer
// any more.
func (p *pacer) close() {
	for _, s := range p.shards {
		_ = s.alarm.close()
	}
	p.wg.Wait()
}

// pacerShard is one core's pacer: the producers waiting on it, in order of
// due time, and its alarm.
type pacerShard struct {
	now   func() int64
	alarm alarm
	// The alarm is set leadNow() = min(lead, leadCap) ns before a due time:
	// lead is the alarm's learnt wake-up latency, leadCap what the spin
	// budget allows; spun is the time yielded in the window that began at
	// window.
	lead, leadCap, spun, window atomic.Int64

	mu    sync.Mutex
	q     waitHeap
	armed int64 // when the alarm is set to fire; 0: not set
	wakes int64 // alarm wake-ups so far (for tests)
}

// A waiter is one producer's wake-up call: a pacer sends on ch once the
// producer's due time has come.
type waiter struct{ ch chan struct{} }

func newWaiter() *waiter { return &waiter{ch: make(chan struct{}, 1)} }

// sleepUntil returns true once the shard's clock reached t, false if ctx
// ended first. Further than the lead away, the producer waits for the
// shard to wake it; closer, it yields until t.
func (s *pacerShard) sleepUntil(ctx context.Context, w *waiter, t int64) bool {
	for {
		now := s.now()
		if now >= t {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		lead := s.leadNow()
		if t-now <= lead {
			s.yield(now, t)
			continue
		}
		s.mu.Lock()
		select {
		case <-w.ch: // a wake-up meant for a wait ctx cut short
		default:
		}
		s.q.push(waitEntry{due: t, w: w})
		s.arm(t-lead, now)
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return false
		case <-w.ch:
		}
	}
}

// arm makes sure the alarm fires by at; the caller holds mu.
func (s *pacerShard) arm(at, now int64) {
	if s.armed != 0 && s.armed <= at {
		return
	}
	s.armed = max(at, now+1)
	s.alarm.set(s.armed - now)
}

// run wakes the shard's producers each time its alarm fires, until the
// alarm is closed.
func (s *pacerShard) run() {
	for s.alarm.wait() == nil {
		s.mu.Lock()
		if s.armed != 0 {
			s.learn(s.now() - s.armed)
		}
		s.armed = 0
		s.wakes++
		s.mu.Unlock()
		s.release()
	}
}

// leadNow is how long before a due time the shard wakes.
func (s *pacerShard) leadNow() int64 { return min(s.lead.Load(), s.leadCap.Load()) }

// learn adjusts the lead by one step towards the alarm's 75th-percentile
// wake-up latency, given one wake-up that came late ns after the alarm's
// time.
func (s *pacerShard) learn(late int64) {
	d := s.lead.Load()
	if late > d {
		d += 3 * leadStep
	} else {
		d -= leadStep
	}
	s.lead.Store(min(max(d, leadMin), leadMax))
}

// release wakes the producers that are due, yielding until the next one's
// due time while that is within the lead; it returns once none is left or
// the next is further away, the alarm set for it.
func (s *pacerShard) release() {
	for {
		s.mu.Lock()
		now := s.now()
		for len(s.q) > 0 && s.q[0].due <= now {
			w := s.q.pop().w
			select {
			case w.ch <- struct{}{}:
			default:
			}
		}
		if len(s.q) == 0 {
			s.mu.Unlock()
			return
		}
		if next, lead := s.q[0].due, s.leadNow(); next-now > lead {
			s.arm(next-lead, now)
			s.mu.Unlock()
			return
		}
		next := s.q[0].due
		s.mu.Unlock()
		s.yield(now, next)
	}
}

// spinChunk is how long yield spins before it lets other goroutines run.
// runtime.Gosched alone costs a futex wake-up of another thread per call
// when a core is idle: yielding on every iteration took half of the
// generator's CPU at 10,000 wake-ups/s.
const spinChunk = int64(5 * time.Microsecond)

// yield spins until t or for spinChunk, whichever comes first (now is the
// time it starts), and then gives the core to other goroutines if t has not
// come.
func (s *pacerShard) yield(now, t int64) {
	start, until := now, min(t, now+spinChunk)
	for now < until {
		now = s.now()
	}
	s.budget(now-start, now)
	if now < t {
		runtime.Gosched()
	}
}

// budget counts d ns of yielding that ended at now and, once per
// budgetWindow, halves the lead's cap if the window's yielding passed
// spinBudget, or raises it a step if not. Producers call it concurrently;
// a yield that lands across a window's turn may count in either window.
func (s *pacerShard) budget(d, now int64) {
	s.spun.Add(d)
	w := s.window.Load()
	if now-w < budgetWindow || !s.window.CompareAndSwap(w, now) {
		return
	}
	spun, c := s.spun.Swap(0), s.leadCap.Load()
	if float64(spun) > spinBudget*float64(now-w) {
		c = max(c/2, leadMin)
	} else {
		c = min(c+4*leadStep, leadMax)
	}
	s.leadCap.Store(c)
}

// waitEntry is one producer waiting for its due time.
type waitEntry struct {
	due int64
	w   *waiter
}

// waitHeap is a min-heap of waiters by due time (container/heap would box
// each entry, an allocation per wait).
type waitHeap []waitEntry

func (h *waitHeap) push(e waitEntry) {
	*h = append(*h, e)
	q := *h
	for i := len(q) - 1; i > 0; {
		parent := (i - 1) / 2
		if q[parent].due <= q[i].due {
			break
		}
		q[parent], q[i] = q[i], q[parent]
		i = parent
	}
}

func (h *waitHeap) pop() waitEntry {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q[last] = waitEntry{}
	q = q[:last]
	for i := 0; ; {
		small, l, r := i, 2*i+1, 2*i+2
		if l < len(q) && q[l].due < q[small].due {
			small = l
		}
		if r < len(q) && q[r].due < q[small].due {
			small = r
		}
		if small == i {
			break
		}
		q[i], q[small] = q[small], q[i]
		i = small
	}
	*h = q
	return top
}

// timerAlarm is the portable alarm: a Go timer, as precise as the
// runtime's timers (to about a millisecond when the runtime is idle).
type timerAlarm struct {
	t    *time.Timer
	done chan struct{}
	once sync.Once
}

func newTimerAlarm() *timerAlarm {
	return &timerAlarm{t: time.NewTimer(time.Hour), done: make(chan struct{})}
}

func (a *timerAlarm) set(d int64) { a.t.Reset(time.Duration(d)) }

func (a *timerAlarm) wait() error {
	select {
	case <-a.t.C:
		return nil
	case <-a.done:
		return errAlarmClosed
	}
}

func (a *timerAlarm) close() error {
	a.once.Do(func() { close(a.done); a.t.Stop() })
	return nil
}

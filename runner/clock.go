package runner

import (
	"sync"
	"time"

	"github.com/squall-bench/squall/console"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/rundir"
)

// clock ticks the collector once a second from the start of the measured
// phase until stopped, writing timeline rows and the live status. It is the
// only caller of the collector's Tick. One tick falls exactly at the end
// of the measured phase, so the rows up to it are the measured window
// (carried throughput is counted over them); drain rows follow a second
// apart, and stopping always closes a last row, however short, so every
// sample recorded reaches the totals.
type clock struct {
	done    chan struct{}
	stopped chan struct{}
	mu      sync.Mutex
	werr    error
	window  int // rows in the measured window; set when the goroutine ends
}

func startClock(col *record.Collector, tl *rundir.TimelineWriter, begin time.Time, duration time.Duration, o Options) *clock {
	c := &clock{done: make(chan struct{}), stopped: make(chan struct{})}
	var st *console.Status // nil with --quiet: nothing until the final summary
	if !o.Quiet {
		st = console.New(o.Stderr, isTerminal(o.Stderr), duration)
	}
	go func() {
		defer close(c.stopped)
		defer st.Finish()
		select { // the warmup: its counts are left out of the timeline
		case <-time.After(time.Until(begin)):
			col.Discard(time.Now())
		case <-c.done:
			return
		}
		end := begin.Add(duration)
		rows, measuring := 0, true
		next := nextTick(begin, end, begin, measuring)
		t := time.NewTimer(time.Until(next))
		defer t.Stop()
		for {
			final := false
			select {
			case <-t.C:
			case <-c.done:
				final = true
			}
			now := time.Now()
			row, err := col.Tick(now)
			if err == nil {
				err = tl.Write(row)
			}
			if err != nil {
				c.mu.Lock()
				c.werr = err
				c.mu.Unlock()
			}
			rows++
			if measuring {
				c.window = rows
				measuring = !final && next.Before(end)
			}
			st.Add(row, final)
			if final {
				return
			}
			next = nextTick(begin, end, next, measuring)
			t.Reset(time.Until(next))
		}
	}()
	return c
}

// nextTick is the tick after prev: whole seconds from begin in the
// measured phase, the phase's end itself, then whole seconds from the end.
func nextTick(begin, end, prev time.Time, measuring bool) time.Time {
	if !measuring {
		return prev.Add(time.Second)
	}
	n := prev.Sub(begin)/time.Second + 1
	if next := begin.Add(n * time.Second); next.Before(end) {
		return next
	}
	return end
}

func (c *clock) stop() {
	close(c.done)
	<-c.stopped
}

func (c *clock) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.werr
}

// measuredRows is how many of the collector's rows make up the measured
// window (all of them when the run stopped before the phase ended). Call
// it after stop.
func (c *clock) measuredRows() int { return c.window }

// isTerminal is console.IsTerminal, a variable so tests can pretend
// either way.
var isTerminal = console.IsTerminal

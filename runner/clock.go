package runner

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/report"
)

// cellFiles are one cell's streaming outputs: written as the run goes, so
// an interrupted or crashed run still leaves a readable timeline and logs.
type cellFiles struct {
	timeline *report.TimelineWriter
	files    []*os.File
	hlog     [report.NumKinds]io.Writer
}

func openCellFiles(dir, prefix string) (*cellFiles, error) {
	cf := &cellFiles{}
	open := func(name string) (*os.File, error) {
		f, err := os.Create(filepath.Join(dir, prefix+name))
		if err != nil {
			cf.close()
			return nil, fmt.Errorf("%w: %v", compose.ErrInfra, err)
		}
		cf.files = append(cf.files, f)
		return f, nil
	}
	f, err := open("timeline.csv")
	if err != nil {
		return nil, err
	}
	cf.timeline = report.NewTimelineWriter(f)
	for k, name := range report.KindNames {
		f, err := open(name + ".hlog")
		if err != nil {
			return nil, err
		}
		cf.hlog[k] = f
	}
	return cf, nil
}

func (cf *cellFiles) hlogs() [report.NumKinds]io.Writer { return cf.hlog }

func (cf *cellFiles) close() {
	if cf.timeline != nil {
		_ = cf.timeline.Flush()
	}
	for _, f := range cf.files {
		f.Close()
	}
}

// clock ticks the collector once a second from the start of the measured
// phase until stopped, writing timeline rows and progress lines. It is the
// only caller of the collector's Tick.
type clock struct {
	done    chan struct{}
	stopped chan struct{}
	mu      sync.Mutex
	werr    error
}

func startClock(col *report.Collector, tl *report.TimelineWriter, begin time.Time, duration time.Duration, o Options) *clock {
	c := &clock{done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(c.stopped)
		select { // the warmup: its samples are thrown away
		case <-time.After(time.Until(begin)):
			col.Discard(time.Now())
		case <-c.done:
			return
		}
		next := begin.Add(time.Second)
		lastPrint := time.Now()
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
			if final && now.Sub(next.Add(-time.Second)) < 50*time.Millisecond {
				return // nothing worth a row since the last tick
			}
			row, err := col.Tick(now)
			if err == nil {
				err = tl.Write(row)
			}
			if err != nil {
				c.mu.Lock()
				c.werr = err
				c.mu.Unlock()
			}
			if !o.Quiet && (now.Sub(lastPrint) >= 5*time.Second || final) {
				progress(o.Stderr, row, duration)
				lastPrint = now
			}
			if final {
				return
			}
			next = next.Add(time.Second)
			t.Reset(time.Until(next))
		}
	}()
	return c
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

// progress prints one plain line: fit for a terminal and for CI logs.
func progress(w io.Writer, s report.Second, duration time.Duration) {
	phase := fmt.Sprintf("%4.0fs/%s", s.T, duration)
	if s.T > duration.Seconds()+0.5 {
		phase = fmt.Sprintf("%4.0fs drain", s.T)
	}
	fmt.Fprintf(w, "[%s] sent %d/s  acked %d/s  received %d/s  publish p99 %s  e2e p99 %s  errors %d\n",
		phase, s.Sent, s.Acked, s.Received, us(s.Publish.P99), us(s.EndToEnd.P99), s.Errors)
}

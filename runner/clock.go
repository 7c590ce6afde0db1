package runner

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/units"
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

func startClock(col *report.Collector, tl *report.TimelineWriter, begin time.Time, duration time.Duration, o Options) *clock {
	c := &clock{done: make(chan struct{}), stopped: make(chan struct{})}
	var st *status // nil with --quiet: nothing until the final summary
	if !o.Quiet {
		st = newStatus(o.Stderr, isTerminal(o.Stderr), duration)
	}
	go func() {
		defer close(c.stopped)
		defer st.finish()
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
			st.add(row, final)
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

// isTerminal reports whether w is a terminal that understands \r and
// erase-line, so the status can be redrawn in place. A variable so tests
// can pretend either way. (/dev/null is a character device too; redrawing
// into it is harmless.)
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// plainEvery is how often the plain (non-terminal) status prints a line.
const plainEvery = 5 * time.Second

// eraseLine returns to the start of the line and clears it (ANSI EL).
const eraseLine = "\r\x1b[K"

// status writes what a run is doing while it runs. On a terminal it redraws
// one line every second; elsewhere (CI logs, files) it prints a plain line
// every plainEvery. Each fault marker is a permanent line in both modes, so
// the log keeps the order of events. A nil status prints nothing.
type status struct {
	w         io.Writer
	tty       bool
	width     func() int // terminal columns; the live line never wraps, or \r could not redraw it
	duration  time.Duration
	prevT     float64 // end of the previous row: the current row's interval is [prevT, T]
	lastPlain float64 // T of the last plain line
	errors    int64   // in the measured phase so far
	faults    int
	drawn     bool // a live line is on screen and has no newline yet
	// unprinted is the last row when the plain status has not printed it.
	unprinted   *report.Second
	unprintedDT float64
}

func newStatus(w io.Writer, tty bool, duration time.Duration) *status {
	return &status{w: w, tty: tty, width: func() int { return terminalWidth(w) }, duration: duration}
}

// terminalWidth asks the terminal (asked at every redraw: it may be
// resized), else $COLUMNS, else assumes 80.
func terminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		var ws struct{ rows, cols, x, y uint16 }
		_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TIOCGWINSZ, uintptr(unsafe.Pointer(&ws)))
		if errno == 0 && ws.cols >= 20 {
			return int(ws.cols)
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 20 {
		return n
	}
	return 80
}

// add takes one timeline row; final is the last one of the cell.
func (st *status) add(s report.Second, final bool) {
	if st == nil {
		return
	}
	dt := s.T - st.prevT
	if s.Dt > 0 {
		dt = s.Dt
	}
	st.prevT = s.T
	st.errors += s.Errors
	for _, m := range s.Faults {
		st.faults++
		// The event's own time, written as the reports write it.
		st.permanent(fmt.Sprintf("  %5s  %s", units.FormatAt(m.AtS), m.Label))
	}
	switch {
	case st.tty:
		st.draw(st.liveLine(s, dt))
		if final {
			st.finish()
		}
	case final && dt < 0.5 && st.unprinted == nil:
		// A sliver after the last whole second, already reported: its
		// per-second rates would mislead, and the summary follows.
	case final || s.T-st.lastPlain >= plainEvery.Seconds()-0.5:
		fmt.Fprintln(st.w, st.plainLine(s, dt))
		st.lastPlain = s.T
	default:
		st.unprinted, st.unprintedDT = &s, dt
		return
	}
	st.unprinted = nil
}

// finish ends a live line with a newline so that it stays on screen, or
// prints the last plain line if it was not printed, so a log always ends
// with where the cell stopped.
func (st *status) finish() {
	switch {
	case st == nil:
	case st.drawn:
		fmt.Fprintln(st.w)
		st.drawn = false
	case st.unprinted != nil:
		fmt.Fprintln(st.w, st.plainLine(*st.unprinted, st.unprintedDT))
		st.unprinted = nil
	}
}

// permanent prints a line that stays, above the live line if one is drawn.
func (st *status) permanent(line string) {
	if st.drawn {
		fmt.Fprint(st.w, eraseLine)
		st.drawn = false
	}
	fmt.Fprintln(st.w, line)
}

func (st *status) draw(line string) {
	fmt.Fprint(st.w, eraseLine+line)
	st.drawn = true
}

// phase is where the run is: "12s/60s" in the measured phase, "62s drain" after it.
func (st *status) phase(t float64) string {
	elapsed := int(t + 0.05) // a clock shows 12s until 13s; ticks land just after the second
	if t > st.duration.Seconds()+0.5 {
		return fmt.Sprintf("%ds drain", elapsed)
	}
	return fmt.Sprintf("%ds/%.0fs", elapsed, st.duration.Seconds())
}

// plainLine is the line for logs: full words, one every plainEvery.
func (st *status) plainLine(s report.Second, dt float64) string {
	line := fmt.Sprintf("[%9s] sent %d/s  acked %d/s  received %d/s  publish p99 %s  e2e p99 %s  errors %d",
		st.phase(s.T), perSecond(s.Sent, dt), perSecond(s.Acked, dt), perSecond(s.Received, dt),
		latency(s.Publish.P99), latency(s.EndToEnd.P99), s.Errors)
	if st.errors > 0 {
		line += fmt.Sprintf(" (%d total)", st.errors)
	}
	return line
}

// liveLine is the terminal's status: the most telling figures first, then
// cut to the terminal's width at a field boundary. "Σ" is the total so far.
//
//	[12s/60s] sent 20.0k/s recv 19.9k/s | err 620 Σ1.2k | p99 pub 1.2ms e2e 2.4ms | faults 1
func (st *status) liveLine(s report.Second, dt float64) string {
	fields := []string{
		fmt.Sprintf("[%s] sent %s/s recv %s/s", st.phase(s.T), compactCount(perSecond(s.Sent, dt)), compactCount(perSecond(s.Received, dt))),
		fmt.Sprintf("err %s Σ%s", compactCount(s.Errors), compactCount(st.errors)),
		fmt.Sprintf("p99 pub %s e2e %s", compactUS(s.Publish.P99), compactUS(s.EndToEnd.P99)),
	}
	if st.errors == 0 {
		fields[1] = "err 0"
	}
	if st.faults > 0 {
		fields = append(fields, fmt.Sprintf("faults %d", st.faults))
	}
	line, limit := fields[0], st.width()-1
	for _, f := range fields[1:] {
		next := line + " | " + f
		if utf8.RuneCountInString(next) > limit {
			break
		}
		line = next
	}
	return line
}

// latency is a second's percentile for the plain line to three significant
// digits; "-" when nothing completed in that second (0s would read as instant).
func latency(v int64) string {
	return units.Latency(v)
}

// perSecond turns a row's count into a rate; the last row of a cell may be
// shorter than a second.
func perSecond(n int64, dt float64) int64 {
	if dt < 0.05 || dt > 0.95 && dt < 1.05 {
		return n
	}
	return int64(math.Round(float64(n) / dt))
}

// compactCount writes n in at most five characters: 812, 9999, 20.0k, 1.25M.
func compactCount(n int64) string {
	return units.CompactCount(n)
}

// compactUS writes a latency in microseconds to two significant digits,
// "-" for none: 812µs, 1.2ms, 35ms, 6.2s.
func compactUS(v int64) string {
	return units.CompactMicros(v)
}

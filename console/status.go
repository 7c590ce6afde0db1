// Package console is the live status a run writes to the terminal while
// it runs: a line redrawn in place every second on a terminal, a plain
// line every few seconds elsewhere, and a permanent line per fault event.
package console

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"syscall"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/record"
)

// IsTerminal reports whether w is a terminal that understands \r and
// erase-line, so the status can be redrawn in place. (/dev/null is a
// character device too; redrawing into it is harmless.)
func IsTerminal(w io.Writer) bool {
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

// Status writes what a run is doing while it runs. On a terminal it redraws
// one line every second; elsewhere (CI logs, files) it prints a plain line
// every plainEvery. Each fault marker is a permanent line in both modes, so
// the log keeps the order of events. A nil Status prints nothing.
type Status struct {
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
	unprinted   *record.Second
	unprintedDT float64
}

// New returns the status of a cell of the given measured duration,
// written to w: redrawn in place when tty, plain lines otherwise.
func New(w io.Writer, tty bool, duration time.Duration) *Status {
	return &Status{w: w, tty: tty, width: func() int { return terminalWidth(w) }, duration: duration}
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

// Add takes one timeline row; final is the last one of the cell.
func (st *Status) Add(s record.Second, final bool) {
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
			st.Finish()
		}
	case final && dt < 0.5:
		// A sliver after the last whole second: its per-second rates would
		// mislead ("sent 0/s"), and the summary follows. The last whole
		// second stands for it if no line has shown it yet.
		st.Finish()
	case final || s.T-st.lastPlain >= plainEvery.Seconds()-0.5:
		fmt.Fprintln(st.w, st.plainLine(s, dt))
		st.lastPlain = s.T
	default:
		st.unprinted, st.unprintedDT = &s, dt
		return
	}
	st.unprinted = nil
}

// Finish ends a live line with a newline so that it stays on screen, or
// prints the last plain line if it was not printed, so a log always ends
// with where the cell stopped.
func (st *Status) Finish() {
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
func (st *Status) permanent(line string) {
	if st.drawn {
		fmt.Fprint(st.w, eraseLine)
		st.drawn = false
	}
	fmt.Fprintln(st.w, line)
}

func (st *Status) draw(line string) {
	fmt.Fprint(st.w, eraseLine+line)
	st.drawn = true
}

// draining reports whether a row at t lies after the measured phase.
func (st *Status) draining(t float64) bool { return t > st.duration.Seconds()+0.5 }

// phase is where the run is: "12s/60s" in the measured phase, "62s drain" after it.
func (st *Status) phase(t float64) string {
	elapsed := int(t + 0.05) // a clock shows 12s until 13s; ticks land just after the second
	if st.draining(t) {
		return fmt.Sprintf("%ds drain", elapsed)
	}
	return fmt.Sprintf("%ds/%.0fs", elapsed, st.duration.Seconds())
}

// plainLine is the line for logs: full words, one every plainEvery. In the
// drain the producers have stopped, so it shows what still arrives rather
// than a "sent 0/s" that reads like a stall.
func (st *Status) plainLine(s record.Second, dt float64) string {
	var line string
	if st.draining(s.T) {
		line = fmt.Sprintf("[%9s] received %d/s  e2e p99 %s  errors %d",
			st.phase(s.T), perSecond(s.Received, dt), units.Latency(s.EndToEnd.P99), s.Errors)
	} else {
		line = fmt.Sprintf("[%9s] sent %d/s  acked %d/s  received %d/s  publish p99 %s  e2e p99 %s  errors %d",
			st.phase(s.T), perSecond(s.Sent, dt), perSecond(s.Acked, dt), perSecond(s.Received, dt),
			units.Latency(s.Publish.P99), units.Latency(s.EndToEnd.P99), s.Errors)
	}
	if st.errors > 0 {
		line += fmt.Sprintf(" (%d total)", st.errors)
	}
	return line
}

// liveLine is the terminal's status: the most telling figures first, then
// cut to the terminal's width at a field boundary. "Σ" is the total so far.
//
//	[12s/60s] sent 20.0k ack 19.9k recv 19.9k/s | err 620 Σ1.2k | p99 pub 1.2ms e2e 2.4ms | faults 1
func (st *Status) liveLine(s record.Second, dt float64) string {
	rates := fmt.Sprintf("[%s] sent %s ack %s recv %s/s", st.phase(s.T),
		units.CompactCount(perSecond(s.Sent, dt)), units.CompactCount(perSecond(s.Acked, dt)), units.CompactCount(perSecond(s.Received, dt)))
	if st.draining(s.T) {
		rates = fmt.Sprintf("[%s] recv %s/s", st.phase(s.T), units.CompactCount(perSecond(s.Received, dt)))
	}
	fields := []string{
		rates,
		fmt.Sprintf("err %s Σ%s", units.CompactCount(s.Errors), units.CompactCount(st.errors)),
		fmt.Sprintf("p99 pub %s e2e %s", units.CompactMicros(s.Publish.P99), units.CompactMicros(s.EndToEnd.P99)),
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

// perSecond turns a row's count into a rate; the last row of a cell may be
// shorter than a second.
func perSecond(n int64, dt float64) int64 {
	if dt < 0.05 || dt > 0.95 && dt < 1.05 {
		return n
	}
	return int64(math.Round(float64(n) / dt))
}

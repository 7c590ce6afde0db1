package runner

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/rundir"
)

// TestClockRedrawsOnTerminal runs the clock for real for a little over a
// second with terminal detection faked.
func TestClockRedrawsOnTerminal(t *testing.T) {
	old := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = old }()
	var out, tl bytes.Buffer
	begin := time.Now()
	c := startClock(record.NewCollector(begin), rundir.NewTimelineWriter(&tl), begin, 2*time.Second, Options{Stderr: &out})
	time.Sleep(1300 * time.Millisecond)
	c.stop()
	if err := c.err(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.HasPrefix(got, "\r\x1b[K[1s/2s] sent 0 ack 0 recv 0/s") || !strings.HasSuffix(got, "\n") || strings.Count(got, "\r\x1b[K") != 2 {
		t.Errorf("terminal output %q", got)
	}
}

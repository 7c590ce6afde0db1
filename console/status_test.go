package console

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/record"
)

// seconds is a short run's timeline: quiet, then a fault with errors, then
// the drain and a final partial second.
func seconds() []record.Second {
	var rows []record.Second
	for i := 1; i <= 12; i++ {
		s := record.Second{T: float64(i) + 0.0004, Sent: 20000, Acked: 20000, Received: 19990,
			Publish: record.Brief{P99: 1210}, EndToEnd: record.Brief{P99: 2390}}
		switch i {
		case 3:
			s.Faults = []record.Marker{{AtS: 2.412, Label: "kill redis-1 (primary)"}}
			s.Errors, s.Acked, s.Received = 620, 12000, 11800
			s.Publish.P99, s.EndToEnd.P99 = 990_000, 6_200_000
		case 4:
			s.Errors = 19999
			s.Faults = []record.Marker{{AtS: 3.761, Label: "failover: redis-2 promoted"}}
		}
		rows = append(rows, s)
	}
	return append(rows, record.Second{T: 12.5004, Sent: 0, Received: 3000})
}

func feed(st *Status, rows []record.Second) {
	for i, s := range rows {
		st.Add(s, i == len(rows)-1)
	}
	st.Finish()
}

func TestStatusPlain(t *testing.T) {
	var b bytes.Buffer
	feed(New(&b, false, 10*time.Second), seconds())
	want := strings.Join([]string{
		"  2.41s  kill redis-1 (primary)",
		"  3.76s  failover: redis-2 promoted",
		"[   5s/10s] sent 20000/s  acked 20000/s  received 19990/s  publish p99 1.21ms  e2e p99 2.39ms  errors 0 (20619 total)",
		"[  10s/10s] sent 20000/s  acked 20000/s  received 19990/s  publish p99 1.21ms  e2e p99 2.39ms  errors 0 (20619 total)",
		"[12s drain] received 6000/s  e2e p99 -  errors 0 (20619 total)",
		"",
	}, "\n")
	if got := b.String(); got != want {
		t.Errorf("plain status:\n%s\nwant:\n%s", got, want)
	}
	if strings.ContainsAny(b.String(), "\r\x1b") {
		t.Error("plain status holds terminal control characters")
	}
}

func TestStatusTerminal(t *testing.T) {
	var b bytes.Buffer
	st := New(&b, true, 10*time.Second)
	st.width = func() int { return 120 }
	rows := seconds()
	st.Add(rows[0], false)
	if got, want := b.String(), "\r\x1b[K[1s/10s] sent 20.0k ack 20.0k recv 20.0k/s | err 0 | p99 pub 1.2ms e2e 2.4ms"; got != want {
		t.Errorf("first redraw %q, want %q", got, want)
	}
	b.Reset()
	st.Add(rows[1], false)
	st.Add(rows[2], false)
	// The fault clears the live line, stays as its own line, then the live line comes back.
	want := "\r\x1b[K[2s/10s] sent 20.0k ack 20.0k recv 20.0k/s | err 0 | p99 pub 1.2ms e2e 2.4ms" +
		"\r\x1b[K  2.41s  kill redis-1 (primary)\n" +
		"\r\x1b[K[3s/10s] sent 20.0k ack 12.0k recv 11.8k/s | err 620 Σ620 | p99 pub 990ms e2e 6.2s | faults 1"
	if got := b.String(); got != want {
		t.Errorf("fault redraw:\n%q\nwant\n%q", got, want)
	}
	b.Reset()
	feed(st, rows[3:])
	out := b.String()
	if n := strings.Count(out, "\r\x1b[K"); n != len(rows)-3+1 {
		t.Errorf("%d redraws, want one per row plus the fault line:\n%q", n, out)
	}
	// The final status stays on screen, ended by a newline.
	if last := out[strings.LastIndex(out, "\r\x1b[K"):]; !strings.HasSuffix(last, "\n") || !strings.Contains(last, "[12s drain] recv 6000/s | err 0 Σ20.6k | p99 pub - e2e - | faults 2") {
		t.Errorf("final line %q", last)
	}
}

// TestStatusTerminalFitsWidth keeps the live line on one terminal row, or
// \r could not redraw it: fields that do not fit are left out whole, the
// fault count first (the faults have lines of their own).
func TestStatusTerminalFitsWidth(t *testing.T) {
	for _, tc := range []struct {
		width int
		want  string
	}{
		{100, "[4s/60s] sent 20.0k ack 20.0k recv 20.0k/s | err 20.0k Σ20.6k | p99 pub 1.2ms e2e 2.4ms | faults 2"},
		{80, "[4s/60s] sent 20.0k ack 20.0k recv 20.0k/s | err 20.0k Σ20.6k"}, // p99 fits at 80 unless errors run into thousands,
		{60, "[4s/60s] sent 20.0k ack 20.0k recv 20.0k/s"},
		{20, "[4s/60s] sent 20.0k ack 20.0k recv 20.0k/s"}, // the first field always shows
	} {
		var b bytes.Buffer
		st := New(&b, true, 60*time.Second)
		st.width = func() int { return tc.width }
		for _, s := range seconds()[:4] {
			st.Add(s, false)
		}
		lines := strings.Split(b.String(), "\r\x1b[K")
		if got := lines[len(lines)-1]; got != tc.want {
			t.Errorf("width %d: %q, want %q", tc.width, got, tc.want)
		}
		for _, l := range lines[:len(lines)-1] {
			if n := len([]rune(strings.TrimSuffix(l, "\n"))); n > max(tc.width-1, 45) {
				t.Errorf("width %d: %d columns: %q", tc.width, n, l)
			}
		}
	}
}

// TestStatusPlainFinish ends a log with the last second seen when the
// cell stopped between two plain lines.
func TestStatusPlainFinish(t *testing.T) {
	var b bytes.Buffer
	st := New(&b, false, 10*time.Second)
	for _, s := range seconds()[:7] {
		st.Add(s, false)
	}
	st.Finish()
	st.Finish()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[3], "[   7s/10s] sent 20000/s") {
		t.Errorf("plain status after stopping at 7s:\n%s", b.String())
	}
}

func TestStatusNilIsQuiet(t *testing.T) {
	var st *Status
	st.Add(seconds()[2], true)
	st.Finish()
}

func TestIsTerminal(t *testing.T) {
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a regular file is not a terminal")
	}
}

// TestStatusPlainSliver: a run's last row, a sliver after its last whole
// second, never prints its zero rates; the whole second it follows does.
func TestStatusPlainSliver(t *testing.T) {
	var b bytes.Buffer
	st := New(&b, false, 2*time.Second)
	st.Add(record.Second{T: 1, Dt: 1, Sent: 100, Acked: 100, Received: 100}, false)
	st.Add(record.Second{T: 2, Dt: 1, Sent: 100, Acked: 100, Received: 100}, false)
	st.Add(record.Second{T: 2.0004, Dt: 0.0004}, true)
	if got := b.String(); strings.Contains(got, "sent 0/s") || !strings.Contains(got, "[    2s/2s] sent 100/s") {
		t.Errorf("plain status:\n%s", got)
	}
}

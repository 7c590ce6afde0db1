package runner

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/scenarios"
)

// TestLossNote: the cell's note states both the lost and the stranded
// events whenever either is not zero, and says when what Redis held could
// not be read.
func TestLossNote(t *testing.T) {
	s := &scenarios.Scenario{}
	s.Workload.Consumers = 2
	s.Drain = scenarios.Duration(5 * time.Second)
	producerOnly := &scenarios.Scenario{}
	queued := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		name   string
		s      *scenarios.Scenario
		ev     result.Events
		err    error
		queued *int64
		want   string
	}{
		{"all arrived", s, result.Events{}, nil, nil, ""},
		{"producer only", producerOnly, result.Events{Lost: 3}, nil, nil, ""},
		{"both", s, result.Events{Lost: 1130, Stranded: 2400}, nil, queued(2500),
			"1,130 acknowledged events were lost (never received, no longer in Redis); 2,400 more were still in the pipeline's keys when the run ended (stranded: consumer lag, not loss). More consumers, a larger options.batch or a longer drain carry them"},
		{"lost only", s, result.Events{Lost: 1}, nil, nil,
			"1 acknowledged event was lost (never received, no longer in Redis); none was left in the pipeline's keys when the run ended"},
		{"stranded only", s, result.Events{Stranded: 1}, nil, queued(1),
			"no acknowledged event was lost (never received, no longer in Redis); 1 was still in the pipeline's keys when the run ended (stranded: consumer lag, not loss). More consumers, a larger options.batch or a longer drain carry them"},
		{"unread", s, result.Events{Lost: 12000}, errors.New("dial tcp 127.0.0.1:6379: connect: connection refused"), queued(11500),
			"12,000 acknowledged events had not arrived when the drain (5s) ended and count as lost; what Redis still held could not be read (dial tcp 127.0.0.1:6379: connect: connection refused), so some of them may be consumer lag rather than loss (the keys held 11,500 events then, warmup events included)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lossNote(tc.ev, tc.err, tc.s, tc.queued, false); got != tc.want {
				t.Errorf("lossNote =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// When Redis cannot be read after the run (the primary was killed and
// never started again), the missing events stay lost, the kill accounts
// for them, and the note says that what Redis held could not be read.
func TestUnreadableRemainsNoted(t *testing.T) {
	testenv.RequireRedis(t)
	res := run(t, `
warmup: 500ms
duration: 2s
drain: 500ms
target: {provider: process, topology: standalone, persistence: none}
workload: {pattern: zset, producers: 1, consumers: 1, rate: 500, payload: 64, options: {delay: 500ms}}
client: {dial_timeout: 200ms, read_timeout: 200ms, write_timeout: 200ms}
chaos:
  - {at: 1s, action: kill, target: primary}
`)
	c := res.Cells[0]
	ev := c.Events
	if ev.Lost < 100 || ev.Stranded != 0 {
		t.Errorf("events %+v: want the ~250 jobs waiting at the kill lost, none stranded", ev)
	}
	if f := c.Faults[0]; f.LostAcked != ev.Lost {
		t.Errorf("the kill accounts for %d of %d lost events", f.LostAcked, ev.Lost)
	}
	if note := strings.Join(c.Notes, "\n"); !strings.Contains(note, "what Redis still held could not be read") {
		t.Errorf("notes do not say the remains could not be read:\n%s", note)
	}
}

package runner

import (
	"strings"
	"testing"

	"github.com/squall-bench/squall/internal/testenv"
)

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

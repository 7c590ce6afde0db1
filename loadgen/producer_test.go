package loadgen

import (
	"math"
	"slices"
	"testing"
	"time"
)

// TestScheduleHoldsTheRate checks the open-loop schedule itself (intended
// send times, no clock involved): from 100/s to 200,000/s, the producers'
// events together fall at the configured rate within 1% in every second,
// evenly spaced, and without drift over a long run.
func TestScheduleHoldsTheRate(t *testing.T) {
	for _, rate := range []float64{100, 999, 1000, 33333, 100000, 200000} {
		for _, producers := range []int{1, 4, 50} {
			const seconds = 3
			var times []int64
			for id := 0; id < producers; id++ {
				s := newSchedule(rate, producers, id)
				for seq := uint64(0); ; seq++ {
					at := s.at(seq)
					if at >= seconds*int64(time.Second) {
						break
					}
					times = append(times, at)
				}
			}
			slices.Sort(times)
			per := make([]int, seconds)
			for _, at := range times {
				per[at/int64(time.Second)]++
			}
			for sec, n := range per {
				// A second holds a whole number of events: allow 1% or one event.
				if dev := math.Abs(float64(n) - rate); dev > max(0.01*rate, 1) {
					t.Errorf("rate %v, %d producers: second %d has %d events", rate, producers, sec, n)
				}
			}
			want := 1e9 / rate
			for i := 1; i < len(times); i++ {
				if gap := float64(times[i] - times[i-1]); math.Abs(gap-want) > 2 {
					t.Fatalf("rate %v, %d producers: gap %vns between events %d and %d, want %.1fns", rate, producers, gap, i-1, i, want)
				}
			}
		}
	}
	// No drift: a day into a run, the schedule is still exact to the
	// nanosecond scale of float64 rounding.
	s := newSchedule(200000, 4, 1)
	seq := uint64(24 * 3600 * 50000)
	want := float64(seq)*20000 + 5000
	if got := float64(s.at(seq)); math.Abs(got-want) > 1000 {
		t.Errorf("a day in: event at %vns, want %vns", got, want)
	}
}

// TestProducerSendsWhatIsDue checks the pacer's batching: events already
// due go out together, up to a pipeline's worth, and nothing is sent ahead
// of its time.
func TestProducerSendsWhatIsDue(t *testing.T) {
	g := &Generator{epoch: time.Now().Add(-10 * time.Second)} // ten seconds into the run
	pc := newPacer(1, g.now)
	defer pc.close()
	p := &producer{g: g, open: true, sched: newSchedule(10, 1, 0), end: int64(time.Hour), envs: make([]Envelope, 16),
		pace: pc.shard(0), wake: newWaiter()}
	// About 100 events are overdue: they go 16 at a time. (Events 100 ms
	// apart, so a pacer a few ms late on a loaded machine changes nothing.)
	if n := p.next(t.Context()); n != 16 {
		t.Fatalf("overdue: next = %d, want a full pipeline of 16", n)
	}
	for i := range 16 {
		if want := int64(i) * int64(100*time.Millisecond); p.envs[i].Intended != want {
			t.Fatalf("event %d intended at %d, want %d", i, p.envs[i].Intended, want)
		}
	}
	// Caught up: the next event is due in the future, so next waits for it
	// and returns it alone.
	p.seq = uint64(g.now()/int64(100*time.Millisecond)) + 2
	before := g.now()
	n := p.next(t.Context())
	if n < 1 || n > 2 {
		t.Fatalf("on schedule: next = %d, want the one event due (two if the pacer was late)", n)
	}
	if due := p.envs[0].Intended; g.now() < due || due <= before {
		t.Fatalf("event due at %d was released at %d (waiting from %d)", due, g.now(), before)
	}
	// Past the end: nothing.
	p.seq += uint64(n)
	p.end = g.now()
	if n := p.next(t.Context()); n != 0 {
		t.Fatalf("after the end: next = %d", n)
	}
}

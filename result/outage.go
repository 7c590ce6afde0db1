package result

import "time"

// What a fault did to the pipeline: the outages seen in the load
// generator's activity, and how long throughput took to come back. The
// runner samples the generator and feeds these plain values; nothing here
// knows the generator.

// StallAfter is how long a write may wait for its reply before the
// producers count as stalled (a paused or partitioned primary answers
// nothing rather than failing).
const StallAfter = 200 * time.Millisecond

// preFault is the window whose throughput a fault's recovery is judged against.
const preFault = 5 * time.Second

// Activity is one side's (producers', consumers' or a partition's)
// activity at a sample, each a time since the run's epoch.
type Activity struct {
	LastOK, LastFail, BusySince time.Duration
	// OKStart is when the last successful operation was sent: an outage
	// ends with a success of an operation sent after it began, not with
	// the late reply to one sent before.
	OKStart time.Duration
}

// Outages turns activity samples into intervals of unavailability: from
// the first failed or stalled operation to the first success of an
// operation sent after it (a reply to one sent before, arriving late, does
// not end the outage). Its zero value is not ready: use NewOutages.
type Outages struct {
	seenFail time.Duration
	open     time.Duration // start of the outage in progress; -1: none
	closed   [][2]time.Duration
}

// NewOutages returns a tracker with no outage seen.
func NewOutages() *Outages { return &Outages{open: -1} }

// Observe takes one sample of activity taken at now.
func (o *Outages) Observe(a Activity, now time.Duration) {
	bad := time.Duration(-1)
	if a.LastFail > o.seenFail {
		o.seenFail, bad = a.LastFail, a.LastFail
	}
	if a.BusySince > 0 && now-a.BusySince > StallAfter && (bad < 0 || a.BusySince < bad) {
		bad = a.BusySince
	}
	if o.open < 0 && bad >= 0 {
		o.open = bad
	}
	if o.open >= 0 && a.OKStart >= o.open && a.LastOK > o.open { // an operation sent after the outage began succeeded
		o.closed = append(o.closed, [2]time.Duration{o.open, a.LastOK})
		o.open = -1
	}
}

// First returns the first outage starting within [from, to), ending at end
// if it is still open; ok is false when there is none.
func (o *Outages) First(from, to, end time.Duration) (start, stop time.Duration, ok bool) {
	for _, c := range o.closed {
		if c[0] >= from && c[0] < to {
			return c[0], c[1], true
		}
	}
	if o.open >= from && o.open < to {
		return o.open, end, true
	}
	return 0, 0, false
}

// AckedRow is one timeline row as recovery reads it: its end (seconds
// since the measured phase began) and the writes acknowledged in it.
type AckedRow struct {
	T     float64
	Acked int64
}

// Recovered returns how long after the fault (at, since the measured
// start) throughput was back within 10% of its level over the 5 s before,
// judged on whole seconds from the end of the outage (outageEnd); 0 when
// it never dropped, -1 when it never came back. Rows past the measured
// phase (the drain, producers stopped) are not read.
func Recovered(rows []AckedRow, at, outageEnd, measured time.Duration) float64 {
	var sum float64
	n := 0
	for _, r := range rows {
		t := time.Duration(r.T * float64(time.Second))
		if t <= at && t > at-preFault {
			sum += float64(r.Acked)
			n++
		}
	}
	if n == 0 || sum == 0 {
		return 0 // nothing to compare with (fault in the first second)
	}
	level := 0.9 * sum / float64(n)
	dropped := outageEnd > at
	for _, r := range rows {
		t := time.Duration(r.T * float64(time.Second))
		if t <= at {
			continue
		}
		if t > measured+500*time.Millisecond {
			break // the drain: producers have stopped
		}
		ok := float64(r.Acked) >= level
		if !ok {
			dropped = true
		}
		if ok && t >= outageEnd {
			if !dropped {
				return 0
			}
			return Seconds(t - at)
		}
	}
	return -1
}

// Round3 rounds a figure to the three decimals result.json keeps.
func Round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// Seconds is a duration as result.json's seconds, to the millisecond.
func Seconds(d time.Duration) float64 { return Round3(d.Seconds()) }

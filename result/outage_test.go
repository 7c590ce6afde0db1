package result

import (
	"testing"
	"time"
)

func TestOutages(t *testing.T) {
	ms := time.Millisecond
	type sample struct {
		now time.Duration
		a   Activity
	}
	for _, tc := range []struct {
		name    string
		samples []sample
		want    [][2]time.Duration
		open    time.Duration
	}{
		{"a late reply to an earlier write does not end it", []sample{
			{105 * ms, Activity{LastFail: 100 * ms, LastOK: 90 * ms, OKStart: 89 * ms}},
			{110 * ms, Activity{LastFail: 100 * ms, LastOK: 106 * ms, OKStart: 95 * ms}},
			{305 * ms, Activity{LastFail: 290 * ms, LastOK: 301 * ms, OKStart: 300 * ms}},
		}, [][2]time.Duration{{100 * ms, 301 * ms}}, -1},
		{"a stalled write opens it at its send time", []sample{
			{100 * ms, Activity{LastOK: 50 * ms, OKStart: 49 * ms, BusySince: 60 * ms}},
			{300 * ms, Activity{LastOK: 50 * ms, OKStart: 49 * ms, BusySince: 60 * ms}},
		}, nil, 60 * ms},
		{"the stalled write's own reply ends it", []sample{
			{300 * ms, Activity{LastOK: 50 * ms, OKStart: 49 * ms, BusySince: 60 * ms}},
			{900 * ms, Activity{LastOK: 890 * ms, OKStart: 60 * ms}},
		}, [][2]time.Duration{{60 * ms, 890 * ms}}, -1},
		{"no failure, no outage", []sample{
			{100 * ms, Activity{LastOK: 99 * ms, OKStart: 98 * ms, BusySince: 99 * ms}},
		}, nil, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := NewOutages()
			for _, s := range tc.samples {
				o.Observe(s.a, s.now)
			}
			if len(o.closed) != len(tc.want) || (len(tc.want) > 0 && o.closed[0] != tc.want[0]) || o.open != tc.open {
				t.Errorf("closed %v open %v, want %v open %v", o.closed, o.open, tc.want, tc.open)
			}
		})
	}
}

func TestRecovered(t *testing.T) {
	rows := func(acked ...int64) []AckedRow {
		var out []AckedRow
		for i, a := range acked {
			out = append(out, AckedRow{T: float64(i + 1), Acked: a})
		}
		return out
	}
	s := time.Second
	for _, tc := range []struct {
		name      string
		rows      []AckedRow
		at, until time.Duration
		want      float64
	}{
		{"never dropped", rows(100, 100, 100, 100, 100, 100), 3 * s, 3 * s, 0},
		{"dip and back", rows(100, 100, 100, 0, 0, 100, 100), 3 * s, 5 * s, 3},
		{"never back", rows(100, 100, 100, 0, 0, 0, 0), 3 * s, 7 * s, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Recovered(tc.rows, tc.at, tc.until, 10*s); got != tc.want {
				t.Errorf("recovered %v, want %v", got, tc.want)
			}
		})
	}
}

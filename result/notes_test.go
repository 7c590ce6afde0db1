package result

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestLossNote: the cell's note states both the lost and the stranded
// events whenever either is not zero, and says when what Redis held could
// not be read.
func TestLossNote(t *testing.T) {
	s := Plan{Consumers: 2, Drain: 5 * time.Second}
	producerOnly := Plan{}
	queued := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		name   string
		p      Plan
		ev     Events
		err    error
		queued *int64
		want   string
	}{
		{"all arrived", s, Events{}, nil, nil, ""},
		{"producer only", producerOnly, Events{Lost: 3}, nil, nil, ""},
		{"both", s, Events{Lost: 1130, Stranded: 2400}, nil, queued(2500),
			"1,130 acknowledged events were lost (never received, no longer in Redis); 2,400 more were still in the pipeline's keys when the run ended (stranded: consumer lag, not loss). More consumers, a larger options.batch or a longer drain carry them"},
		{"lost only", s, Events{Lost: 1}, nil, nil,
			"1 acknowledged event was lost (never received, no longer in Redis); none was left in the pipeline's keys when the run ended"},
		{"stranded only", s, Events{Stranded: 1}, nil, queued(1),
			"no acknowledged event was lost (never received, no longer in Redis); 1 was still in the pipeline's keys when the run ended (stranded: consumer lag, not loss). More consumers, a larger options.batch or a longer drain carry them"},
		{"unread", s, Events{Lost: 12000}, errors.New("dial tcp 127.0.0.1:6379: connect: connection refused"), queued(11500),
			"12,000 acknowledged events had not arrived when the drain (5s) ended and count as lost; what Redis still held could not be read (dial tcp 127.0.0.1:6379: connect: connection refused), so some of them may be consumer lag rather than loss (the keys held 11,500 events then, warmup events included)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := LossNote(tc.ev, tc.err, tc.p, tc.queued, false); got != tc.want {
				t.Errorf("LossNote =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// TestFindSaturation: a cell that carried less than 90% of its offer names
// the busiest side as its limit, in this order: Redis, the generator, the
// faults, the producers' concurrency, else the consumers.
func TestFindSaturation(t *testing.T) {
	p := Plan{Rate: 1000, Producers: 2, Consumers: 1, Pipeline: 4}
	tp := Throughput{OfferedPerS: 1000, AckedPerS: 500, ReceivedPerS: 500}
	idle := Usage{RedisCPU: 0.1, ClientCPU: 0.1, Wait: time.Second, Secs: 1}
	faults := p
	faults.Faults = true
	for _, tc := range []struct {
		name  string
		p     Plan
		tp    Throughput
		u     Usage
		limit string
	}{
		{"carried", p, Throughput{OfferedPerS: 1000, AckedPerS: 950, ReceivedPerS: 950}, idle, ""},
		{"closed loop", p, Throughput{AckedPerS: 5}, idle, ""},
		{"redis", p, tp, Usage{RedisCPU: 0.9, ClientCPU: 0.1, Secs: 1}, "redis"},
		{"generator", p, tp, Usage{RedisCPU: 0.1, ClientCPU: 1.9, Secs: 1}, "generator"},
		{"faults", faults, tp, idle, "faults"},
		{"concurrency", p, tp, idle, "concurrency"},
		{"consumers", p, Throughput{OfferedPerS: 1000, AckedPerS: 1000, ReceivedPerS: 500}, idle, "consumers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sat, note := FindSaturation(tc.p, tc.tp, Events{}, tc.u, 2)
			switch {
			case tc.limit == "" && (sat != nil || note != ""):
				t.Errorf("saturation %+v %q, want none", sat, note)
			case tc.limit != "" && (sat == nil || sat.Limit != tc.limit || !strings.HasPrefix(note, "saturated: carried ")):
				t.Errorf("saturation %+v %q, want limit %s", sat, note, tc.limit)
			}
		})
	}
}

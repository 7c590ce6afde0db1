package live

import (
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/squall-bench/squall/record"
)

// cellLabels are the labels of every series: which cell of which run.
var cellLabels = []string{"scenario", "cell", "pattern", "topology", "persistence", "shard"}

func desc(name, help string, extra ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, append(append([]string(nil), cellLabels...), extra...), nil)
}

// The exported metrics. Names lists them for the docs and the dashboard
// test; keep the two in step.
var (
	eventsDesc = desc("squall_events_total",
		"Events of the measured phase by outcome: sent, acked and received live; all of them final when the cell ends (squall_cell_finished).", "outcome")
	latencyDesc = desc("squall_latency_seconds",
		"Latency of the measured phase from the intended send time: publish (to Redis's reply), end_to_end (to a consumer), send_delay (the generator's own lag).", "kind")
	errorsDesc = desc("squall_errors_total",
		"Client-visible errors by class, warmup included (result.json's errors).", "class")
	rateDesc = desc("squall_offered_rate",
		"The rate the scenario offers, in events per second (absent in a closed loop).")
	lagDesc = desc("squall_generator_lag_seconds",
		"The highest send delay (intended → actual send) of the last whole interval the clock closed.")
	backlogDesc = desc("squall_backlog_events",
		"Acknowledged events some consumer group has not received yet; at the end, those never received (lost + stranded).")
	faultDesc = desc("squall_fault_active",
		"1 while a fault of this action is in place on this node, 0 once healed.", "action", "node")
	promotionsDesc = desc("squall_promotions_total",
		"Replicas promoted to primary after a fault, by the node promoted.", "promoted")
	finishedDesc = desc("squall_cell_finished",
		"1 once the cell has ended and its counters are its final accounting.")
)

// Names are the metric names squall exports (a histogram's series add
// _bucket, _sum and _count).
var Names = []string{
	"squall_events_total", "squall_latency_seconds", "squall_errors_total", "squall_offered_rate",
	"squall_generator_lag_seconds", "squall_backlog_events", "squall_fault_active", "squall_promotions_total",
	"squall_cell_finished",
}

// classicBounds are the classic histogram's upper bounds in microseconds,
// 1-2-5 from 50 µs to 60 s.
var classicBounds = []int64{
	50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000,
	1_000_000, 2_000_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000,
}

// ClassicBounds returns the classic buckets' upper bounds in seconds.
func ClassicBounds() []float64 {
	out := make([]float64, len(classicBounds))
	for i, us := range classicBounds {
		out[i] = float64(us) / 1e6
	}
	return out
}

// nativeSchema is the native histogram's resolution: bucket boundaries
// grow by 2^(1/8), about 9%.
const nativeSchema = 3

// zeroThreshold is below the histograms' 1 µs resolution: the native
// zero bucket holds exactly the samples recorded as 0 µs.
const zeroThreshold = 1e-7

// histogram turns a kind's cumulative bucket counts (record.Cumulative)
// into one series with classic buckets and a native histogram, and returns
// its count; created is when the counting began (the measured phase).
func histogram(counts []int64, labels []string, kind string, created time.Time) (prometheus.Metric, int64) {
	var n, zero int64
	var sum float64
	classic := make(map[float64]uint64, len(classicBounds))
	native := map[int]int64{}
	cum := make([]uint64, len(classicBounds))
	for i, c := range counts {
		if c == 0 {
			continue
		}
		us := record.BucketValue(i)
		n += c
		sum += float64(c) * float64(us) / 1e6
		for b := len(classicBounds) - 1; b >= 0 && us <= classicBounds[b]; b-- {
			cum[b] += uint64(c)
		}
		if us == 0 {
			zero += c
			continue
		}
		native[nativeKey(float64(us)/1e6)] += c
	}
	for b, bound := range ClassicBounds() {
		classic[bound] = cum[b]
	}
	lv := append(append([]string(nil), labels...), kind)
	cm := prometheus.MustNewConstHistogram(latencyDesc, uint64(n), sum, classic, lv...)
	nm := prometheus.MustNewConstNativeHistogram(latencyDesc, uint64(n), sum, native, nil, uint64(zero),
		nativeSchema, zeroThreshold, created, lv...)
	return both{classic: cm, native: nm}, n
}

// nativeKey is the index of the native bucket holding v > 0 seconds:
// bucket k holds (2^((k-1)/8), 2^(k/8)].
func nativeKey(v float64) int {
	return int(math.Ceil(math.Log2(v) * (1 << nativeSchema)))
}

// both is one histogram series carrying classic buckets and a native
// histogram, as Prometheus exposes a histogram that has both: the text
// formats show the classic buckets, the protobuf format both.
type both struct{ classic, native prometheus.Metric }

func (b both) Desc() *prometheus.Desc { return b.classic.Desc() }

func (b both) Write(out *dto.Metric) error {
	if err := b.classic.Write(out); err != nil {
		return err
	}
	var nm dto.Metric
	if err := b.native.Write(&nm); err != nil {
		return err
	}
	h, n := out.Histogram, nm.Histogram
	h.CreatedTimestamp = n.CreatedTimestamp
	h.Schema, h.ZeroThreshold, h.ZeroCount = n.Schema, n.ZeroThreshold, n.ZeroCount
	h.PositiveSpan, h.PositiveDelta = n.PositiveSpan, n.PositiveDelta
	h.NegativeSpan, h.NegativeDelta = n.NegativeSpan, n.NegativeDelta
	return nil
}

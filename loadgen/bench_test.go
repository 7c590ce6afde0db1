package loadgen

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
	"github.com/squall-bench/squall/record"
)

// Hot-path benchmarks: each runs per event, so each must be cheap and
// allocation-free. CI runs them once (-benchtime 1x) to keep them working.

func BenchmarkEnvelopeEncode(b *testing.B) {
	buf := padded(256)
	e := Envelope{Run: 1, Producer: 2, Intended: 3}
	b.ReportAllocs()
	for b.Loop() {
		e.Seq++
		e.Encode(buf)
	}
}

func BenchmarkEnvelopeDecodeString(b *testing.B) {
	buf := padded(256)
	(&Envelope{Run: 1, Producer: 2, Seq: 3, Intended: 4}).Encode(buf)
	s := string(buf)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeString(s, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLedgerDeliver is accounting one delivery, in order (the common
// case) for 4 producers.
func BenchmarkLedgerDeliver(b *testing.B) {
	l := NewLedger(4, 1)
	b.ReportAllocs()
	var seq [4]uint64
	for i := 0; b.Loop(); i++ {
		p := i & 3
		l.Deliver(0, uint32(p), seq[p])
		seq[p]++
	}
}

// BenchmarkLedgerDeliverOutOfOrder delivers within a sliding window of 64
// in-flight events, as competing consumers do.
func BenchmarkLedgerDeliverOutOfOrder(b *testing.B) {
	l := NewLedger(1, 1)
	b.ReportAllocs()
	var base uint64
	for i := 0; b.Loop(); i++ {
		l.Deliver(0, 0, base+uint64((i*37)&63))
		if i&63 == 63 {
			base += 64
		}
	}
}

// BenchmarkProducer is one producer round trip against a real redis-server:
// building the batch, writing it, reading the replies and accounting each
// event. It reports per event the wall time (one connection: latency
// bound), this process's CPU time and allocations.
func BenchmarkProducer(b *testing.B) {
	_, rdb := startRedis(b)
	register := map[string]any{"mode": "register"}
	for _, tc := range []struct {
		pattern string
		opts    map[string]any
	}{{"list", nil}, {"stream", nil}, {"string", register}} {
		for _, pipeline := range []int{1, 16} {
			name := tc.pattern
			if tc.opts != nil {
				name += "-register"
			}
			b.Run(fmt.Sprintf("%s/pipeline=%d", name, pipeline), func(b *testing.B) {
				benchProducer(b, rdb, Config{Pattern: tc.pattern, Options: tc.opts, Producers: 1, Keys: 4, Pipeline: pipeline,
					PayloadMin: 256, PayloadMax: 256, KeyPrefix: "bench:", Duration: time.Hour, Run: 1})
			})
		}
	}
}

func benchProducer(b *testing.B, rdb redis.UniversalClient, cfg Config) {
	ctx := context.Background()
	g, err := New(cfg, rdb)
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Setup(ctx); err != nil {
		b.Fatal(err)
	}
	g.epoch = time.Now()
	g.env.Epoch = g.epoch
	col := record.NewCollector(g.epoch)
	w := g.workers[0]
	w.rec = col.NewRecorder(record.Publish, record.SendDelay, record.Service)
	p := g.newProducer(0, w)
	defer p.out.Close()
	p.send(p.next(ctx)) // dial
	var m0, m1 runtime.MemStats
	var r0, r1 syscall.Rusage
	runtime.ReadMemStats(&m0)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	seq0 := p.seq
	b.ReportAllocs()
	for b.Loop() {
		p.send(p.next(ctx))
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	runtime.ReadMemStats(&m1)
	events := float64(p.seq - seq0)
	cpu := r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
	b.ReportMetric(float64(cpu)/events, "cpu-ns/event") // this process only, not the server
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/events, "allocs/event")
	if ev := g.ledger.Reconcile(); ev.Acked != ev.Sent {
		b.Fatalf("events %+v: not all acked", ev)
	}
}

// BenchmarkDeliver is a consumer's work per event read: decoding the
// envelope, accounting the delivery in the ledger (4 producers, in order)
// and recording its end-to-end latency.
func BenchmarkDeliver(b *testing.B) {
	l := NewLedger(4, 1)
	rec := record.NewCollector(time.Now()).NewRecorder(record.EndToEnd)
	events := make([]string, 4) // one per producer; the ledger sees fresh sequence numbers
	for p := range events {
		buf := padded(256)
		(&Envelope{Run: 1, Producer: uint32(p)}).Encode(buf)
		events[p] = string(buf)
	}
	var seq [4]uint64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := i & 3
		e, err := DecodeString(events[p], 1)
		if err != nil {
			b.Fatal(err)
		}
		if !l.Deliver(0, e.Producer, seq[p]) {
			rec.Record(record.EndToEnd, int64(i&1023)+1)
			rec.Received(1)
		}
		seq[p]++
	}
}

// BenchmarkRead is a consumer's read of a batch of 64 events on its own
// connection against a real redis-server (list: BLMPOP; stream:
// XREADGROUP + XACK; pubsub: a subscriber's messages): the events are
// written with the timer stopped, and the read must allocate nothing.
func BenchmarkRead(b *testing.B) {
	_, rdb := startRedis(b)
	for _, pattern := range []string{"list", "stream", "pubsub"} {
		b.Run(pattern, func(b *testing.B) {
			cfg := Config{Pattern: pattern, Producers: 1, Consumers: 1, Keys: 1, Pipeline: 64, PayloadMin: 256, PayloadMax: 256,
				KeyPrefix: "benchread:", Duration: time.Hour, Run: 1}
			g, err := New(cfg, rdb)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if err := g.Setup(ctx); err != nil {
				b.Fatal(err)
			}
			g.epoch = time.Now()
			g.env.Epoch = g.epoch
			if ps, ok := g.pattern.(*pubsub); ok {
				ps.block = 5 * time.Millisecond
			}
			r, _ := g.newReader(0, "bench")
			if o, ok := r.(Opener); ok {
				if err := o.Open(ctx); err != nil {
					b.Fatal(err)
				}
			}
			defer r.(io.Closer).Close()
			out := resp.NewConn(rdb.(*redis.Client).Options())
			defer out.Close()
			var batch Batch
			ev := padded(256)
			res := make([]resp.Reply, 64)
			got := 0
			take := func(string, int64) bool { got++; return true }
			var m0, m1 runtime.MemStats
			var allocs uint64
			events := 0
			for b.Loop() {
				b.StopTimer()
				batch.Reset()
				for i := range 64 {
					(&Envelope{Run: 1, Seq: uint64(events + i)}).Encode(ev)
					g.pattern.Queue(&batch, Envelope{Seq: uint64(events + i)}, ev)
				}
				out.Exec(&batch, res)
				runtime.ReadMemStats(&m0)
				b.StartTimer()
				for got = 0; got < 64; {
					if err := r.Read(ctx, take); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				runtime.ReadMemStats(&m1)
				allocs += m1.Mallocs - m0.Mallocs
				events += 64
				b.StartTimer()
			}
			b.ReportMetric(float64(allocs)/float64(events), "allocs/event")
		})
	}
}

// BenchmarkPacerWait is one open-loop wait on the pacer for a due time
// 200 µs ahead (through the alarm, not the short yield): its CPU and
// allocations, not its latency.
func BenchmarkPacerWait(b *testing.B) {
	epoch := time.Now()
	now := func() int64 { return int64(time.Since(epoch)) }
	pc := newPacer(1, now)
	defer pc.close()
	s, w := pc.shard(0), newWaiter()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s.sleepUntil(ctx, w, now()+int64(200*time.Microsecond))
	}
}

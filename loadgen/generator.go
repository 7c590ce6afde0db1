// Package loadgen drives event pipelines through Redis: the event envelope,
// one pattern per Redis structure, open-loop producers, consumers, and the
// exact delivery accounting. It knows nothing of scenarios or faults.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/report"
)

// Config is one cell's load.
type Config struct {
	Pattern    string
	Producers  int
	Consumers  int // 0: producer-only
	Keys       int
	Pipeline   int
	Rate       float64 // events/s in total; 0 means closed loop ("max")
	PayloadMin int
	PayloadMax int
	Options    map[string]any
	Seed       int64
	KeyPrefix  string // e.g. "squall:"; keys are PREFIX{pattern:i}
	Warmup     time.Duration
	Duration   time.Duration
	Drain      time.Duration
	Run        uint32 // tag that tells this run's events from anything else
}

// Outcome is what a finished (or cut short) load produced.
type Outcome struct {
	Events   report.Events
	Errors   map[string]int64
	Foreign  int64 // entries read that were not this run's events
	Drained  bool  // every acknowledged event was received before the drain ended
	SendEnd  time.Duration
	Finished time.Duration // since the epoch, when consumers stopped
}

// Generator runs one cell's producers and consumers against a client.
type Generator struct {
	cfg     Config
	env     *Env
	pattern Pattern
	ledger  *Ledger
	col     *report.Collector
	epoch   time.Time
	groups  int

	workers []*worker
	panicMu sync.Mutex
	panics  []error
}

// worker is one producer's or consumer's private state.
type worker struct {
	rec     *report.Recorder
	errs    ClassCounts
	foreign int64
	lastOK  atomic.Int64 // ns since epoch of the last successful operation
	_       [56]byte
}

// New prepares a generator and validates the pattern's options.
func New(cfg Config, rdb redis.UniversalClient) (*Generator, error) {
	if cfg.Producers < 1 || cfg.Keys < 1 || cfg.Pipeline < 1 || cfg.PayloadMin < HeaderSize || cfg.PayloadMax < cfg.PayloadMin {
		return nil, fmt.Errorf("loadgen: invalid config %+v", cfg)
	}
	env := &Env{Client: rdb, Producers: cfg.Producers, Consumers: cfg.Consumers, Run: cfg.Run}
	for i := 0; i < cfg.Keys; i++ {
		env.Keys = append(env.Keys, fmt.Sprintf("%s{%s:%d}", cfg.KeyPrefix, cfg.Pattern, i))
	}
	p, err := buildPattern(cfg.Pattern, env, cfg.Options)
	if err != nil {
		return nil, err
	}
	groups := 0
	if cfg.Consumers > 0 {
		groups = p.Groups(cfg.Consumers)
	}
	return &Generator{cfg: cfg, env: env, pattern: p, groups: groups,
		ledger: NewLedger(cfg.Producers, groups)}, nil
}

// ValidateOptions checks a pattern name and its options without a server.
func ValidateOptions(pattern string, opts map[string]any) error {
	_, err := buildPattern(pattern, &Env{Keys: []string{"x"}, Producers: 1, Consumers: 1}, opts)
	return err
}

// Keys returns the Redis keys the load uses.
func (g *Generator) Keys() []string { return g.env.Keys }

// Setup prepares the keys (deleting what a previous run left in them).
func (g *Generator) Setup(ctx context.Context) error { return g.pattern.Setup(ctx, g.env) }

func (g *Generator) now() int64 { return int64(time.Since(g.epoch)) }

// LastSuccess returns when any worker last completed an operation, as time
// since the epoch (0 if none yet); a watchdog uses it to tell a dead target.
func (g *Generator) LastSuccess() time.Duration {
	var last int64
	for _, w := range g.workers {
		if t := w.lastOK.Load(); t > last {
			last = t
		}
	}
	return time.Duration(last)
}

// Run drives the load from epoch (time zero: the warmup starts) through the
// measured phase, then the drain, which ends early once every acknowledged
// event has been received. Workers record into col. Cancelling ctx stops
// the producers at once and skips the drain. A panic in a worker stops the
// run and is returned as an error. Run may be called once.
func (g *Generator) Run(ctx context.Context, col *report.Collector, epoch time.Time) (*Outcome, error) {
	g.col, g.epoch = col, epoch
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	for i := 0; i < g.cfg.Producers+g.cfg.Consumers; i++ {
		kinds := []report.Kind{report.Publish, report.SendDelay}
		if i >= g.cfg.Producers {
			kinds = []report.Kind{report.EndToEnd}
		}
		g.workers = append(g.workers, &worker{rec: g.col.NewRecorder(kinds...)})
	}
	consCtx, stopConsumers := context.WithCancel(context.Background())
	defer stopConsumers()
	var prodWG, consWG sync.WaitGroup
	for i := 0; i < g.cfg.Consumers; i++ {
		consWG.Add(1)
		go g.guard(&consWG, cancel, func() { g.consume(consCtx, i, g.workers[g.cfg.Producers+i]) })
	}
	for i := 0; i < g.cfg.Producers; i++ {
		prodWG.Add(1)
		go g.guard(&prodWG, cancel, func() { g.produce(ctx, i, g.workers[i]) })
	}
	prodWG.Wait()
	out := &Outcome{SendEnd: time.Duration(g.now())}
	if g.cfg.Consumers > 0 && ctx.Err() == nil {
		out.Drained = g.drain(ctx)
	}
	stopConsumers()
	consWG.Wait()
	out.Finished = time.Duration(g.now())
	out.Events = g.ledger.Reconcile()
	var errs ClassCounts
	for _, w := range g.workers {
		for c, n := range w.errs {
			errs[c] += n
		}
		out.Foreign += w.foreign
	}
	out.Errors = errs.Map()
	g.panicMu.Lock()
	defer g.panicMu.Unlock()
	if len(g.panics) > 0 {
		return out, errors.Join(g.panics...)
	}
	return out, context.Cause(ctx)
}

// drain waits until no acknowledged event is outstanding or Drain passes.
func (g *Generator) drain(ctx context.Context) bool {
	deadline := time.NewTimer(g.cfg.Drain)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if g.ledger.Outstanding() <= 0 {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-deadline.C:
			return g.ledger.Outstanding() <= 0
		case <-tick.C:
		}
	}
}

// guard runs a worker and turns a panic into a run error instead of a crash
// that would leave the target running.
func (g *Generator) guard(wg *sync.WaitGroup, cancel context.CancelCauseFunc, f func()) {
	defer wg.Done()
	defer func() {
		if r := recover(); r != nil {
			err := fmt.Errorf("loadgen worker panicked: %v\n%s", r, debug.Stack())
			g.panicMu.Lock()
			g.panics = append(g.panics, err)
			g.panicMu.Unlock()
			cancel(err)
		}
	}()
	f()
}

// produce is one producer: open loop at its share of the rate (intended
// send times are fixed in advance, so a stalled server shows up as latency
// and send delay instead of silently lowering the rate), or closed loop.
func (g *Generator) produce(ctx context.Context, id int, w *worker) {
	cfg := g.cfg
	log := g.ledger.sends[id]
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(id)))
	pipe := g.env.Client.Pipeline()
	// Commands are not bound to ctx: an in-flight write must finish (or time
	// out) so that its fate is known, even when the run is interrupted.
	cmdCtx := context.Background()
	bufs := make([][]byte, cfg.Pipeline)
	for i := range bufs {
		bufs[i] = padded(cfg.PayloadMax)
	}
	intended := make([]int64, cfg.Pipeline)
	ncmds := make([]int, cfg.Pipeline)
	end := int64(cfg.Warmup + cfg.Duration)
	measureFrom := int64(cfg.Warmup)
	var interval, offset float64
	if cfg.Rate > 0 {
		interval = float64(cfg.Producers) * 1e9 / cfg.Rate
		offset = float64(id) * interval / float64(cfg.Producers) // interleave producers
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var seq uint64
	for ctx.Err() == nil {
		now := g.now()
		n := 0
		if cfg.Rate > 0 {
			due := int64(offset + float64(seq)*interval)
			if due >= end {
				break
			}
			if wait := due - now; wait > 0 {
				timer.Reset(time.Duration(wait))
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
				now = g.now()
			}
			for n < cfg.Pipeline {
				t := int64(offset + float64(seq+uint64(n))*interval)
				if t > now || t >= end {
					break
				}
				intended[n] = t
				n++
			}
		} else {
			if now >= end {
				break
			}
			for ; n < cfg.Pipeline; n++ {
				intended[n] = now
			}
		}
		for i := 0; i < n; i++ {
			s := seq + uint64(i)
			part := int((uint64(id) + s) % uint64(cfg.Keys))
			e := Envelope{Run: cfg.Run, Producer: uint32(id), Seq: s, Intended: intended[i], Partition: uint16(part)}
			size := cfg.PayloadMin
			if cfg.PayloadMax > cfg.PayloadMin {
				size += rng.IntN(cfg.PayloadMax - cfg.PayloadMin + 1)
			}
			e.Encode(bufs[i])
			ncmds[i] = g.pattern.Queue(cmdCtx, pipe, part, bufs[i][:size])
		}
		sendAt := g.now()
		cmds, _ := pipe.Exec(cmdCtx)
		ackAt := g.now()
		w.rec.Sent(int64(n))
		var acked, failed int64
		c := 0
		for i := 0; i < n; i++ {
			fate := Acked
			for _, cmd := range cmds[c : c+ncmds[i]] {
				if err := cmd.Err(); err != nil {
					class, f := Classify(err)
					w.errs[class]++
					if f > fate {
						fate = f
					}
				}
			}
			c += ncmds[i]
			s := seq + uint64(i)
			if fate == Acked {
				acked++
			} else {
				failed++
			}
			if intended[i] < measureFrom {
				continue
			}
			if !log.measuring {
				log.first, log.measuring = s, true
			}
			log.next = s + 1
			w.rec.Record(report.SendDelay, (sendAt-intended[i])/1000)
			switch fate {
			case Acked:
				w.rec.Record(report.Publish, (ackAt-intended[i])/1000)
			case Failed:
				log.failed.add(s)
			case Indeterminate:
				log.indet.add(s)
			}
		}
		w.rec.Acked(acked)
		if failed > 0 {
			w.rec.Error(failed)
		}
		if acked > 0 {
			w.lastOK.Store(ackAt)
		}
		seq += uint64(n)
	}
}

// consume is one consumer: it reads until stop, accounting each event.
// Reads are not bound to stop's context: a read in flight completes and its
// events are accounted before the consumer exits, so none vanish.
func (g *Generator) consume(stop context.Context, id int, w *worker) {
	cfg := g.cfg
	r := g.pattern.NewReader(g.env, id)
	group := 0
	if g.groups > 1 {
		group = id
	}
	measureFrom := int64(cfg.Warmup)
	last := make([]uint64, cfg.Producers*cfg.Keys) // seq+1 last seen per producer and partition
	var reordered int64
	got := func(raw string) {
		now := g.now()
		e, err := DecodeString(raw, cfg.Run)
		if err != nil || int(e.Producer) >= cfg.Producers || int(e.Partition) >= cfg.Keys {
			w.foreign++
			return
		}
		if e.Intended < measureFrom {
			return
		}
		if g.ledger.Deliver(group, e.Producer, e.Seq) {
			return
		}
		w.rec.Record(report.EndToEnd, (now-e.Intended)/1000)
		w.rec.Received(1)
		slot := &last[int(e.Producer)*cfg.Keys+int(e.Partition)]
		if e.Seq+1 < *slot {
			reordered++
		} else {
			*slot = e.Seq + 1
		}
	}
	backoff := time.Millisecond
	for stop.Err() == nil {
		err := r.Read(context.Background(), got)
		if err == nil {
			w.lastOK.Store(g.now())
			backoff = time.Millisecond
			continue
		}
		class, _ := Classify(err)
		w.errs[class]++
		w.rec.Error(1)
		select { // back off so a dead server is not hammered
		case <-stop.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
	g.ledger.addReordered(reordered)
}

// Package loadgen drives event pipelines through Redis: the event envelope,
// one pattern per Redis structure, open-loop producers, consumers, and the
// exact delivery accounting. It knows nothing of scenarios or faults.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
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

	// Part, when set, makes this generator one part (shard) of a load
	// split over several processes that share the target and the epoch:
	// Producers and Consumers stay the whole load's, and this generator
	// runs only its Span of each, under their global ids.
	Part *Part
}

// Part is one shard of a load split over Count processes.
type Part struct {
	Index, Count int
	// Until is when, since the epoch, every shard's consumers stop
	// reading: the common end of the drain. A shard cannot tell when the
	// other shards' events have all arrived, so each drains until then.
	Until time.Duration
}

// Span returns the half-open range [lo, hi) of total items (producers,
// consumers) that shard i of n takes: the shares differ by at most one
// and add up to total exactly.
func Span(total, i, n int) (lo, hi int) {
	return total * i / n, total * (i + 1) / n
}

// Outcome is what a finished (or cut short) load produced.
type Outcome struct {
	Events   result.Events
	Errors   map[string]int64
	Foreign  int64 // entries read that were not this run's events
	Drained  bool  // every acknowledged event was received before the drain ended
	SendEnd  time.Duration
	Finished time.Duration // since the epoch, when consumers stopped

	// UnderReplicated counts measured events whose WAIT (options.wait)
	// confirmed fewer replicas than asked: they count as indeterminate,
	// not acked.
	UnderReplicated int64
	// Reclaimed counts events taken back from consumers presumed dead
	// (XAUTOCLAIM, re-queued processing lists) to be delivered again.
	Reclaimed int64
	// Reads counts register reads (string pattern, mode register) in the
	// measured phase; StaleReads those that returned an older value than
	// the latest write acknowledged before the read was sent, and
	// BackwardsReads those older than a value the same reader had already
	// seen (a monotonic-read violation).
	Reads, StaleReads, BackwardsReads int64
}

// Generator runs one cell's producers and consumers against a client.
type Generator struct {
	cfg     Config
	env     *Env
	pattern Pattern
	wait    waitSpec
	ledger  *Ledger
	col     *record.Collector
	epoch   time.Time
	groups  int
	kills   []atomic.Int64 // per consumer: 0, or a pending kill (see killConsumer)
	pauses  []atomic.Int64 // per consumer: until when (ns since epoch) it is paused (PauseConsumer)
	dups    atomic.Int64   // duplicate deliveries so far (Redeliveries)
	assign  *assignment    // which consumer owns (and reads) which keys
	routes  *resp.Routes   // on a cluster: the slot map the producers share
	pacer   *pacer         // open loop: wakes the producers on schedule

	workers []*worker
	parts   []partState
	// [pLo, pHi) and [cLo, cHi) are the producers and consumers this
	// generator runs: all of them unless cfg.Part says otherwise.
	pLo, pHi, cLo, cHi int
	panicMu            sync.Mutex
	panics             []error
	openMu             sync.Mutex
	openErr            error // the last error opening a reader, for "not ready" reports
}

// readyTimeout bounds how long the producers wait for every consumer to
// open (subscribe) before the run fails.
const readyTimeout = 10 * time.Second

// worker is one producer's or consumer's private state.
type worker struct {
	rec      *record.Recorder
	errs     ClassCounts
	foreign  int64
	underRep int64        // measured events WAIT left under-replicated
	lastOK   atomic.Int64 // ns since epoch of the last successful operation
	okStart  atomic.Int64 // ns since epoch that operation was sent (or the read began)
	lastFail atomic.Int64 // ns since epoch of the last failed operation
	busy     atomic.Int64 // producers: ns since epoch the operation in flight was sent; 0 when idle
	waited   atomic.Int64 // producers: ns spent waiting for replies, summed over round trips
	_        [32]byte
}

// partState is when writes to one partition (key) last succeeded and
// failed; cluster faults hit some partitions and not others.
type partState struct {
	lastOK, lastFail, okStart atomic.Int64
	_                         [40]byte
}

// Activity is when one side of the pipeline (or one partition) last
// succeeded and last failed, and since when its oldest operation still in
// flight has been waiting; times since the epoch, 0 for never or none.
// A chaos monitor samples it to measure unavailability.
type Activity struct {
	LastOK, LastFail, BusySince time.Duration
	// OKStart is when the last successful operation was sent: an outage
	// ends with a success of an operation sent after it began, not with
	// the late reply to one sent before.
	OKStart time.Duration
}

// New prepares a generator and validates the pattern's options.
func New(cfg Config, rdb redis.UniversalClient) (*Generator, error) {
	if cfg.Producers < 1 || cfg.Keys < 1 || cfg.Keys > MaxKeys || cfg.Pipeline < 1 || cfg.PayloadMin < HeaderSize || cfg.PayloadMax < cfg.PayloadMin {
		return nil, fmt.Errorf("loadgen: invalid config %+v (keys 1 to %d)", cfg, MaxKeys)
	}
	env := &Env{Client: rdb, stats: &patternStats{}, Producers: cfg.Producers, Consumers: cfg.Consumers, Run: cfg.Run, PayloadMax: cfg.PayloadMax,
		KeyGlob: fmt.Sprintf("%s{%s:*}", globEscape(cfg.KeyPrefix), globEscape(cfg.Pattern))}
	for i := 0; i < cfg.Keys; i++ {
		env.Keys = append(env.Keys, fmt.Sprintf("%s{%s:%d}", cfg.KeyPrefix, cfg.Pattern, i))
	}
	b, err := buildPattern(cfg.Pattern, env, cfg.Options)
	if err != nil {
		return nil, err
	}
	groups := 0
	if cfg.Consumers > 0 {
		groups = b.Groups(cfg.Consumers)
	}
	g := &Generator{cfg: cfg, env: env, pattern: b.Pattern, wait: b.wait, groups: groups,
		kills: make([]atomic.Int64, cfg.Consumers), pauses: make([]atomic.Int64, cfg.Consumers), ledger: NewLedger(cfg.Producers, groups),
		parts: make([]partState, cfg.Keys)}
	if cfg.Consumers > 0 {
		owners := 1 // groups whose members own the keys apart (stream options.groups)
		if _, ok := b.Pattern.(ownerReader); ok {
			owners = groups
		}
		g.assign = newAssignment(cfg.Keys, cfg.Consumers, owners, b.assign)
		g.assign.dying = func(id int) bool { return g.kills[id].Load() != 0 }
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		g.routes = resp.NewRoutes(cc)
	}
	g.pHi, g.cHi = cfg.Producers, cfg.Consumers
	if p := cfg.Part; p != nil {
		if p.Count < 1 || p.Index < 0 || p.Index >= p.Count {
			return nil, fmt.Errorf("loadgen: invalid part %d of %d", p.Index, p.Count)
		}
		g.pLo, g.pHi = Span(cfg.Producers, p.Index, p.Count)
		g.cLo, g.cHi = Span(cfg.Consumers, p.Index, p.Count)
	}
	// Workers exist from the start so that monitors (LastSuccess, Activity)
	// may read them while Run starts up.
	for i := 0; i < cfg.Producers+cfg.Consumers; i++ {
		g.workers = append(g.workers, &worker{})
	}
	return g, nil
}

// ValidateOptions checks a pattern name and its options without a server.
func ValidateOptions(pattern string, opts map[string]any) error {
	return ValidateWorkload(pattern, opts, 0)
}

// ValidateWorkload is ValidateOptions for a workload with that many
// consumers (0: unknown or none), which some options must fit (stream
// groups: one consumer each at least).
func ValidateWorkload(pattern string, opts map[string]any, consumers int) error {
	_, err := buildPattern(pattern, &Env{Keys: []string{"x"}, Producers: 1, Consumers: consumers}, opts)
	return err
}

// killConsumer makes consumer i crash while handling the next event it
// reads: that event counts as received (it was processed), but nothing of
// that read is acknowledged, and the rest of the read is dropped, as when a
// process dies between processing and acknowledging. After restartAfter a
// replacement with a new name takes its place (never, if restartAfter < 0).
// At-least-once patterns then redeliver the unacknowledged events
// (duplicates); at-most-once ones lose what was read but not processed.
func (g *Generator) killConsumer(i int, restartAfter time.Duration) error {
	if i < 0 || i >= len(g.kills) {
		return fmt.Errorf("loadgen: no consumer %d (have %d)", i, len(g.kills))
	}
	v := int64(-1)
	if restartAfter >= 0 {
		v = int64(restartAfter) + 1
	}
	g.kills[i].Store(v)
	return nil
}

// Groups returns how many independent receivers get the whole event
// stream (one for a queue, one per subscriber for pub/sub; 0 without
// consumers): each acknowledged event is due once to each.
func (g *Generator) Groups() int { return g.groups }

// Keys returns the Redis keys the load uses.
func (g *Generator) Keys() []string { return g.env.Keys }

// KeyGlob is the pattern matching every key the generator touches: the
// base keys PREFIX{pattern:i} and the keys under them (BASE:event:...,
// processing lists, heartbeats). squall announces it on an external
// target, and DeleteKeys removes what matches it.
func (g *Generator) KeyGlob() string { return g.env.KeyGlob + "*" }

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

// Errors returns the client-visible errors so far, by class, summed over
// workers; safe to call while the generator runs.
func (g *Generator) Errors() map[string]int64 {
	var sum ClassCounts
	for _, w := range g.workers {
		for c := range w.errs {
			sum[c] += atomic.LoadInt64(&w.errs[c])
		}
	}
	return sum.Map()
}

// ProducerWait returns how long the producers have waited for replies so
// far, summed over producers: over a window, its growth divided by the
// window and the producer count is the share of time a producer
// connection had a round trip in flight.
func (g *Generator) ProducerWait() time.Duration {
	var sum int64
	for _, w := range g.workers[:g.cfg.Producers] {
		sum += w.waited.Load()
	}
	return time.Duration(sum)
}

// Producers returns the producers' activity.
func (g *Generator) Producers() Activity { return activity(g.workers[:g.cfg.Producers]) }

// Consumers returns the consumers' activity (blocking reads in flight are
// normal and not reported as busy).
func (g *Generator) Consumers() Activity { return activity(g.workers[g.cfg.Producers:]) }

// Partitions returns the producers' write activity per partition.
func (g *Generator) Partitions() []Activity {
	out := make([]Activity, len(g.parts))
	for i := range g.parts {
		p := &g.parts[i]
		out[i] = Activity{LastOK: time.Duration(p.lastOK.Load()), LastFail: time.Duration(p.lastFail.Load()),
			OKStart: time.Duration(p.okStart.Load())}
	}
	return out
}

func activity(ws []*worker) Activity {
	var a Activity
	for _, w := range ws {
		a.LastOK = max(a.LastOK, time.Duration(w.lastOK.Load()))
		a.OKStart = max(a.OKStart, time.Duration(w.okStart.Load()))
		a.LastFail = max(a.LastFail, time.Duration(w.lastFail.Load()))
		if b := time.Duration(w.busy.Load()); b > 0 && (a.BusySince == 0 || b < a.BusySince) {
			a.BusySince = b
		}
	}
	return a
}

// Run drives the load from epoch (time zero: the warmup starts) through the
// measured phase, then the drain, which ends early once every acknowledged
// event has been received. Workers record into col. Cancelling ctx stops
// the producers at once and skips the drain. A panic in a worker stops the
// run and is returned as an error. Run may be called once.
func (g *Generator) Run(ctx context.Context, col *record.Collector, epoch time.Time) (*Outcome, error) {
	g.col, g.epoch = col, epoch
	g.env.Epoch, g.env.Warmup = epoch, g.cfg.Warmup
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	for i, w := range g.workers {
		kinds := []record.Kind{record.Publish, record.SendDelay, record.Service}
		if i >= g.cfg.Producers {
			kinds = []record.Kind{record.EndToEnd}
		}
		if g.runs(i) {
			w.rec = g.col.NewRecorder(kinds...)
		}
	}
	consCtx, stopConsumers := context.WithCancel(context.Background())
	defer stopConsumers()
	var prodWG, consWG, readyWG sync.WaitGroup
	for i := g.cLo; i < g.cHi; i++ {
		consWG.Add(1)
		readyWG.Add(1)
		go g.guard(&consWG, cancel, func() { g.consume(consCtx, i, g.workers[g.cfg.Producers+i], readyWG.Done) })
	}
	g.awaitReady(ctx, cancel, &readyWG)
	stopSpill := make(chan struct{})
	spilled := func() {}
	if g.ledger.log != nil {
		spilled = g.spiller(stopSpill)
	}
	if d := time.Until(epoch); d > 0 { // a shard's consumers open before the common start
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
	if g.cfg.Rate > 0 {
		g.pacer = newPacer(runtime.GOMAXPROCS(0), g.now)
	}
	for i := g.pLo; i < g.pHi; i++ {
		prodWG.Add(1)
		p := g.newProducer(i, g.workers[i])
		go g.guard(&prodWG, cancel, func() { p.run(ctx) })
	}
	prodWG.Wait()
	if g.pacer != nil {
		g.pacer.close()
	}
	out := &Outcome{SendEnd: time.Duration(g.now())}
	switch {
	case g.cfg.Consumers == 0 || ctx.Err() != nil:
	case g.cfg.Part != nil:
		g.drainUntil(ctx, g.cfg.Part.Until)
	default:
		out.Drained = g.drain(ctx)
	}
	stopConsumers()
	consWG.Wait()
	close(stopSpill)
	spilled()
	out.Finished = time.Duration(g.now())
	out.Events = g.ledger.Reconcile()
	var errs ClassCounts
	for _, w := range g.workers {
		for c, n := range w.errs {
			errs[c] += n
		}
		out.Foreign += w.foreign
		out.UnderReplicated += w.underRep
	}
	st := g.env.stats
	out.Reclaimed = st.reclaimed.Load()
	out.Reads, out.StaleReads, out.BackwardsReads = st.reads.Load(), st.stale.Load(), st.backwards.Load()
	out.Errors = errs.Map()
	g.panicMu.Lock()
	defer g.panicMu.Unlock()
	if len(g.panics) > 0 {
		return out, errors.Join(g.panics...)
	}
	return out, context.Cause(ctx)
}

// awaitReady waits until every consumer has opened its reader (pub/sub
// subscribers are confirmed) so that no event is published before anyone
// listens; the run fails if that takes longer than readyTimeout.
func (g *Generator) awaitReady(ctx context.Context, cancel context.CancelCauseFunc, wg *sync.WaitGroup) {
	ready := make(chan struct{})
	go func() { wg.Wait(); close(ready) }()
	t := time.NewTimer(readyTimeout)
	defer t.Stop()
	select {
	case <-ready:
	case <-ctx.Done():
	case <-t.C:
		g.openMu.Lock()
		err := g.openErr
		g.openMu.Unlock()
		cancel(fmt.Errorf("%w: consumers were not ready after %s: %v", ErrNotReady, readyTimeout, err))
	}
}

// ErrNotReady means the consumers could not start reading (subscribe,
// register) before the load was due to start.
var ErrNotReady = errors.New("loadgen: consumers not ready")

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

// drainUntil lets a shard's consumers read until the common end of the
// drain, since the epoch (see Part.Until).
func (g *Generator) drainUntil(ctx context.Context, until time.Duration) {
	t := time.NewTimer(time.Until(g.epoch.Add(until)))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// runs reports whether worker i (producers first, then consumers) is one
// this generator runs.
func (g *Generator) runs(i int) bool {
	if i < g.cfg.Producers {
		return i >= g.pLo && i < g.pHi
	}
	c := i - g.cfg.Producers
	return c >= g.cLo && c < g.cHi
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

// consume is one consumer: it opens a reader and reads until stop,
// accounting each event; when killed (killConsumer) it abandons the reader,
// leaves the group (its keys go to the others) and, after the restart
// delay, rejoins as a new consumer with a new name. When the keys it reads
// or owns change (another consumer left or rejoined), it closes its reader
// and opens one for its new share, under the same name. ready is called
// once the first reader is open (or the consumer gives up). Reads are not
// bound to stop's context: a read in flight completes and its events are
// accounted before the consumer exits, so none vanish.
func (g *Generator) consume(stop context.Context, id int, w *worker, ready func()) {
	ready = sync.OnceFunc(ready)
	defer ready()
	cfg := g.cfg
	group := 0
	if g.groups > 1 {
		group = groupOf(id, cfg.Consumers, g.groups)
	}
	measureFrom := int64(cfg.Warmup)
	last := newLastSeen(cfg.Producers, cfg.Keys)
	var reordered int64
	defer func() { g.ledger.addReordered(reordered) }()
	kill := &g.kills[id]
	crashed := false
	deliver := func(raw string, due int64) {
		now := g.now()
		e, err := DecodeString(raw, cfg.Run)
		if err != nil || int(e.Producer) >= cfg.Producers || int(e.Partition) >= cfg.Keys {
			w.foreign++
			return
		}
		if e.Intended < measureFrom {
			// A warmup event: not accounted or timed, but carried in the
			// second it arrives (the timeline counts by arrival).
			w.rec.Received(1)
			return
		}
		if g.ledger.Deliver(group, e.Producer, e.Seq) {
			g.dups.Add(1)
			return
		}
		if due == 0 {
			due = e.Intended
		}
		w.rec.Record(record.EndToEnd, (now-due)/1000)
		w.rec.Received(1)
		if last.see(e.Producer, e.Partition, e.Seq) {
			reordered++
		}
	}
	got := func(raw string, due int64) bool {
		if crashed {
			return false // a reader that ignored the crash gets nothing more
		}
		deliver(raw, due)
		if kill.Load() != 0 {
			crashed = true
			return false
		}
		return true
	}
	for life := 0; stop.Err() == nil; {
		name := fmt.Sprintf("c%d", id)
		if life > 0 {
			name = fmt.Sprintf("c%d.%d", id, life)
		}
		r, share := g.newReader(id, name)
		opened := g.open(stop, r, w)
		moved := false
		if opened {
			ready()
			crashed = false
			moved = g.readUntil(stop, r, got, &crashed, w, id, share)
		}
		if c, ok := r.(io.Closer); ok {
			_ = c.Close()
		}
		if moved {
			continue // the same consumer, on its new share of the keys
		}
		if !opened || !crashed {
			return
		}
		g.assign.setLive(id, false)
		restart := time.Duration(kill.Swap(0) - 1)
		if restart < 0 {
			<-stop.Done() // killed for good
			return
		}
		select {
		case <-stop.Done():
			return
		case <-time.After(restart):
		}
		g.assign.setLive(id, true)
		life++
	}
}

// open opens r if it needs opening, retrying with backoff until it
// succeeds or stop; it reports whether r is open.
func (g *Generator) open(stop context.Context, r Reader, w *worker) bool {
	o, ok := r.(Opener)
	if !ok {
		return true
	}
	backoff := 10 * time.Millisecond
	for stop.Err() == nil {
		start := g.now()
		err := o.Open(stop)
		if err == nil {
			w.okStart.Store(start)
			w.lastOK.Store(g.now())
			return true
		}
		if stop.Err() != nil {
			return false
		}
		class, _ := Classify(err)
		w.errs.add(class)
		w.rec.Error(1)
		w.lastFail.Store(g.now())
		g.openMu.Lock()
		g.openErr = err
		g.openMu.Unlock()
		select {
		case <-stop.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
	return false
}

// readUntil reads from r until stop, until the consumer crashed, or until
// the keys it reads or owns are no longer share; it reports the latter.
func (g *Generator) readUntil(stop context.Context, r Reader, got Got, crashed *bool, w *worker, id int, share readerShare) (moved bool) {
	backoff := time.Millisecond
	for stop.Err() == nil && !*crashed {
		if g.assign.gen.Load() != share.gen {
			now := g.shareOf(id)
			if now.differs(share, g.pattern) {
				return true
			}
			share.gen = now.gen // the change left this consumer's share as it was
		}
		if g.paused(stop.Done(), id) {
			continue
		}
		start := g.now()
		err := r.Read(context.Background(), got)
		if *crashed {
			return false
		}
		if err == nil {
			w.okStart.Store(start)
			w.lastOK.Store(g.now())
			backoff = time.Millisecond
			continue
		}
		class, _ := Classify(err)
		w.errs.add(class)
		w.rec.Error(1)
		w.lastFail.Store(g.now())
		select { // back off so a dead server is not hammered
		case <-stop.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
	return false
}

package loadgen

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/squall-bench/squall/internal/resp"
	"github.com/squall-bench/squall/record"
)

// schedule is one producer's share of an open-loop rate: the intended send
// time of its event seq, in ns since the epoch, is offset + seq × interval,
// fixed in advance, so a stalled server shows up as latency and send delay
// instead of silently lowering the rate. Producers are interleaved: with P
// producers, producer id's events fall id/P of an interval after producer
// 0's.
type schedule struct {
	interval, offset float64 // ns
}

// newSchedule returns producer id's schedule for rate events/s over
// producers (rate > 0).
func newSchedule(rate float64, producers, id int) schedule {
	interval := float64(producers) * 1e9 / rate
	return schedule{interval: interval, offset: float64(id) * interval / float64(producers)}
}

// at returns the intended send time of event seq.
func (s schedule) at(seq uint64) int64 { return int64(s.offset + float64(seq)*s.interval) }

// firstAt returns the first seq intended at or after t.
func (s schedule) firstAt(t int64) uint64 {
	x := (float64(t) - s.offset) / s.interval
	if x <= 0 {
		return 0
	}
	seq := uint64(x)
	for seq > 0 && s.at(seq-1) >= t {
		seq--
	}
	for s.at(seq) < t {
		seq++
	}
	return seq
}

// due returns how many events are intended in [from, to).
func (s schedule) due(from, to int64) uint64 {
	a, b := s.firstAt(from), s.firstAt(to)
	if b < a {
		return 0
	}
	return b - a
}

// producer is one producer: its schedule, its connection, and the buffers
// it reuses for every round trip, so that a round trip allocates nothing.
type producer struct {
	g     *Generator
	id    int
	w     *worker
	log   *sendLog
	rng   *rand.Rand
	open  bool // open loop (sched applies); else closed loop
	sched schedule
	pace  *pacerShard // open loop: what wakes the producer when its events fall due
	wake  *waiter
	end   int64 // no event is intended at or after end
	out   resp.Sender
	// redirector is out when it follows cluster redirects: they are
	// counted by class after each round trip.
	redirector resp.Redirector
	acker      Acker
	wait       bool // a WAIT follows each round trip's writes

	batch Batch
	// buf is an event: envelope + padding. Queue copies it into the batch,
	// so one serves every event of a round trip: a producer holds one
	// payload beside what is in flight, not pipeline × payload.
	buf   []byte
	envs  []Envelope // per event of a round trip
	ncmds []int      // per event: how many commands of the batch write it
	res   []resp.Reply
	// okAt and failAt are the ack time this producer last stored in g.parts
	// for the partition of event i of a round trip, at i mod len: every
	// event of a round trip shares one ack time, so a partition is stored
	// once per round trip, not once per event. A round trip's events take
	// consecutive partitions, so events i and j share one exactly when
	// i ≡ j mod keys: min(keys, pipeline) slots are enough.
	okAt, failAt []int64
	seq          uint64
}

func (g *Generator) newProducer(id int, w *worker) *producer {
	cfg := g.cfg
	p := &producer{
		g: g, id: id, w: w, log: g.ledger.producerLog(id),
		rng:    rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(id))),
		open:   cfg.Rate > 0,
		end:    int64(cfg.Warmup + cfg.Duration),
		out:    resp.NewSender(g.env.Client, g.routes, g.wait.replicas > 0),
		wait:   g.wait.replicas > 0,
		envs:   make([]Envelope, cfg.Pipeline),
		ncmds:  make([]int, cfg.Pipeline),
		okAt:   make([]int64, min(cfg.Keys, cfg.Pipeline)),
		failAt: make([]int64, min(cfg.Keys, cfg.Pipeline)),
	}
	if p.open {
		p.sched = newSchedule(cfg.Rate, cfg.Producers, id)
		p.pace, p.wake = g.pacer.shard(id), newWaiter()
	}
	p.acker, _ = g.pattern.(Acker)
	p.redirector, _ = p.out.(resp.Redirector)
	p.buf = padded(cfg.PayloadMax)
	return p
}

// endGrace is how late after the end of the measured phase a producer may
// still send events due before it. A producer on schedule can wake for the
// phase's last events a little late (on a busy core the clock's
// end-of-phase tick alone took 20 ms under the race detector), and those
// events are not dropped for it; a producer further behind stops.
const endGrace = 100 * time.Millisecond

// run sends until the end of the measured phase or until ctx is cancelled.
// A producer behind its schedule stops on time all the same: what fell
// due in the measured phase but was never sent is counted as dropped,
// never sent late.
func (p *producer) run(ctx context.Context) {
	defer p.out.Close()
	defer p.countDropped()
	for ctx.Err() == nil {
		n := p.next(ctx)
		if n == 0 {
			return
		}
		p.send(n)
	}
}

// countDropped records, once the producer stopped, how many events of the
// measured phase fell due before it stopped but were never sent. Events
// not yet due when a run was cut short are not counted: they were never
// offered.
func (p *producer) countDropped() {
	if !p.open {
		return
	}
	cfg := &p.g.cfg
	from, stop := int64(cfg.Warmup), min(p.end, p.g.now())
	if stop <= from {
		return
	}
	due := p.sched.due(from, stop)
	sent := uint64(0)
	if p.log.measuring {
		sent = p.log.next - p.log.first
	}
	if due > sent {
		p.log.dropped = due - sent
	}
}

// next waits until the next event is due and sets the intended send times
// of the events to send now (at most a pipeline's worth: those already
// due); it returns how many, 0 when the load is over or ctx is cancelled.
// Its pacer shard wakes it (see pacer).
func (p *producer) next(ctx context.Context) int {
	now := p.g.now()
	if !p.open {
		if now >= p.end {
			return 0
		}
		for i := range p.envs {
			p.envs[i].Intended = now
		}
		return len(p.envs)
	}
	if measured := int64(p.g.cfg.Warmup); now >= measured && p.sched.at(p.seq) < measured {
		// The warmup's backlog is not carried into the measured phase:
		// events of the warmup still unsent when it ends are skipped, so
		// the phase starts on schedule and measures its own load.
		p.seq = max(p.seq, p.sched.firstAt(measured))
	}
	due := p.sched.at(p.seq)
	if due >= p.end {
		// The load lasts until the end of the measured phase, not until the
		// last event (at low rates a whole interval earlier): the measured
		// rate is events over the phase's full length.
		due = p.end
	}
	if due > now {
		if !p.pace.sleepUntil(ctx, p.wake, due) {
			return 0
		}
		now = p.g.now()
	}
	if due >= p.end || now >= p.end+int64(endGrace) {
		return 0 // the measured phase is over, whatever is still due
	}
	n := 0
	for n < len(p.envs) {
		t := p.sched.at(p.seq + uint64(n))
		if t > now || t >= p.end {
			break
		}
		p.envs[n].Intended = t
		n++
	}
	return n
}

// send writes the next n events (their intended times set by next) in one
// round trip and accounts each one's fate.
func (p *producer) send(n int) {
	g, w, cfg := p.g, p.w, &p.g.cfg
	b := &p.batch
	b.Reset()
	for i := 0; i < n; i++ {
		s := p.seq + uint64(i)
		e := &p.envs[i]
		e.Run, e.Producer, e.Seq, e.Partition = cfg.Run, uint32(p.id), s, uint32((uint64(p.id)+s)%uint64(cfg.Keys))
		size := cfg.PayloadMin
		if cfg.PayloadMax > cfg.PayloadMin {
			size += p.rng.IntN(cfg.PayloadMax - cfg.PayloadMin + 1)
		}
		e.Encode(p.buf)
		before := b.Len()
		g.pattern.Queue(b, *e, p.buf[:size])
		p.ncmds[i] = b.Len() - before
	}
	if p.wait {
		// WAIT follows the writes on the same connection, so it covers
		// exactly them.
		b.Cmd(3, "wait").Int(int64(g.wait.replicas)).Int(g.wait.timeout.Milliseconds())
	}
	if cap(p.res) < b.Len() {
		p.res = make([]resp.Reply, b.Len())
	}
	res := p.res[:b.Len()]

	sendAt := g.now()
	w.busy.Store(max(sendAt, 1))
	p.out.Exec(b, res)
	ackAt := g.now()
	if p.redirector != nil {
		w.errs.addRedirects(p.redirector.TakeRedirects())
	}
	w.busy.Store(0)
	w.waited.Add(ackAt - sendAt)
	w.rec.Sent(int64(n))

	waitFate, underRep := Acked, false
	if p.wait {
		waitFate, underRep = g.waitOutcome(res[len(res)-1], w)
	}
	measureFrom := int64(cfg.Warmup)
	service := (ackAt - sendAt) / 1000 // the same for every event of the round trip
	log := p.log
	var acked, failed int64
	c := 0
	for i := 0; i < n; i++ {
		e := &p.envs[i]
		fate := Acked
		for _, r := range res[c : c+p.ncmds[i]] {
			if r.Err != nil {
				class, f := Classify(r.Err)
				w.errs.add(class)
				fate = max(fate, f)
			}
		}
		c += p.ncmds[i]
		under := false
		if fate == Acked && waitFate != Acked {
			// On the primary, but not confirmed on enough replicas.
			fate, under = waitFate, underRep
			if under {
				w.errs.add(ClassUnderReplicated)
			}
		} else if fate == Acked && p.acker != nil {
			p.acker.Acked(*e)
		}
		slot := i % len(p.okAt)
		if fate == Acked {
			acked++
			if p.okAt[slot] != ackAt {
				p.okAt[slot] = ackAt
				g.parts[e.Partition].okStart.Store(sendAt)
				g.parts[e.Partition].lastOK.Store(ackAt)
			}
		} else {
			failed++
			if p.failAt[slot] != ackAt {
				p.failAt[slot] = ackAt
				g.parts[e.Partition].lastFail.Store(ackAt)
			}
		}
		if e.Intended < measureFrom {
			continue
		}
		if under {
			w.underRep++
		}
		if !log.measuring {
			log.first, log.measuring = e.Seq, true
		}
		log.next = e.Seq + 1
		w.rec.Record(record.SendDelay, (sendAt-e.Intended)/1000)
		switch fate {
		case Acked:
			w.rec.Record(record.Publish, (ackAt-e.Intended)/1000)
			w.rec.Record(record.Service, service)
		case Failed:
			log.failed.add(e.Seq)
		case Indeterminate:
			log.indet.add(e.Seq)
		}
	}
	w.rec.Acked(acked)
	if failed > 0 {
		w.rec.Error(failed)
	}
	if acked > 0 {
		w.okStart.Store(sendAt)
		w.lastOK.Store(ackAt)
	}
	if failed > 0 {
		w.lastFail.Store(ackAt)
	}
	p.seq += uint64(n)
	log.replied.Store(p.seq)
}

// waitOutcome reads a round trip's WAIT reply: the fate of the writes the
// primary acknowledged, and whether that is because too few replicas
// confirmed them.
func (g *Generator) waitOutcome(r resp.Reply, w *worker) (Fate, bool) {
	if r.Err != nil {
		class, _ := Classify(r.Err)
		w.errs.add(class)
		return Indeterminate, false // written, replication unknown
	}
	if r.N < int64(g.wait.replicas) {
		return Indeterminate, true
	}
	return Acked, false
}

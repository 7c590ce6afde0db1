package runner

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/chaos"
	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/catalog"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/scenarios"
)

// What a fault did to the pipeline is measured by sampling the load
// generator's activity (last success, last failure, oldest write in
// flight) every sampleEvery, for producers, consumers and each partition.

// sampleEvery is how often the generator's activity is sampled.
const sampleEvery = 5 * time.Millisecond

// errSnap is the generator's error counts at one moment.
type errSnap struct {
	at   time.Duration
	errs map[string]int64
	// reclaimed and dups are the generator's redeliveries so far
	// (Generator.Redeliveries), which consumer faults are judged by.
	reclaimed, dups int64
}

// queuedSnap is how many events the pipeline's keys held at one moment.
type queuedSnap struct {
	at time.Duration
	n  int64
}

// faultMonitor runs the injector and samples the generator while a cell
// with a chaos schedule runs.
type faultMonitor struct {
	inj      *chaos.Injector
	gen      *loadgen.Generator
	epoch    time.Time
	warmup   time.Duration
	measured time.Duration
	shardOf  []int // per partition: its cluster shard; nil unless cluster

	mu         sync.Mutex
	prod, cons *result.Outages
	parts      []*result.Outages
	errs       []errSnap
	queued     []queuedSnap // sampled only with consumer faults (sampleQueued)
	// struck is, per fired fault (by index), the producers' watermarks as
	// it struck: what loss it accounts for (see loadgen.LostByFault).
	struck []loadgen.Watermark
	done   chan struct{}
}

func chaosSteps(s *scenarios.Scenario) []chaos.Step {
	steps := make([]chaos.Step, len(s.Chaos))
	for i, f := range s.Chaos {
		steps[i] = chaos.Step{At: f.At.D(), Every: f.Every.D(), Duration: f.Duration.D(),
			Action: f.Action, Target: f.Target, Params: f.Params}
	}
	return steps
}

// startFaults starts the schedule and the samplers; stop them with the
// returned function, which also heals whatever is still broken.
func startFaults(ctx context.Context, s *scenarios.Scenario, tg *compose.Target, rdb redis.UniversalClient,
	gen *loadgen.Generator, col *record.Collector, epoch time.Time) (*faultMonitor, func() []error) {
	begin := epoch.Add(s.Warmup.D())
	m := &faultMonitor{gen: gen, epoch: epoch, warmup: s.Warmup.D(), measured: s.Duration.D(), prod: result.NewOutages(), cons: result.NewOutages(),
		done: make(chan struct{})}
	m.inj = chaos.New(tg, chaosSteps(s), s.Seed, begin, func(mk chaos.Mark) { col.Mark(mk.At, mk.Label) })
	m.inj.SetConsumers(gen)
	m.inj.OnStruck(func(i int) {
		w := gen.Replied()
		m.mu.Lock()
		defer m.mu.Unlock()
		for len(m.struck) <= i {
			m.struck = append(m.struck, nil)
		}
		m.struck[i] = w
	})
	keys := gen.Keys()
	for range keys {
		m.parts = append(m.parts, result.NewOutages())
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		m.shardOf = shardsOf(ctx, cc, tg, keys)
	}
	fctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(3)
	if consumerFaults(s) {
		wg.Add(1)
		go func() { defer wg.Done(); m.sampleQueued(fctx) }()
	}
	go func() { defer wg.Done(); m.inj.Run(fctx, s.Duration.D()) }()
	go func() { defer wg.Done(); m.inj.Watch(fctx, 250*time.Millisecond) }()
	go func() { defer wg.Done(); m.sample(fctx) }()
	return m, func() []error {
		cancel()
		wg.Wait()
		return m.inj.Heal(context.WithoutCancel(ctx))
	}
}

// shardsOf maps each partition key to the shard of the primary serving it.
func shardsOf(ctx context.Context, cc *redis.ClusterClient, tg *compose.Target, keys []string) []int {
	out := make([]int, len(keys))
	for i, k := range keys {
		out[i] = -1
		c, err := cc.MasterForKey(ctx, k)
		if err != nil {
			continue
		}
		addr := c.Options().Addr
		for _, n := range tg.DataNodes() {
			if n.Internal == addr || n.Addr == addr {
				out[i] = n.Shard
			}
		}
	}
	return out
}

func (m *faultMonitor) sample(ctx context.Context) {
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	lastErrs := time.Duration(-1)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Since(m.epoch)
		m.mu.Lock()
		m.prod.Observe(result.Activity(m.gen.Producers()), now)
		m.cons.Observe(result.Activity(m.gen.Consumers()), now)
		for i, a := range m.gen.Partitions() {
			m.parts[i].Observe(result.Activity(a), now)
		}
		if now-lastErrs >= 100*time.Millisecond {
			rc, dups := m.gen.Redeliveries()
			m.errs = append(m.errs, errSnap{at: now, errs: m.gen.Errors(), reclaimed: rc, dups: dups})
			lastErrs = now
		}
		m.mu.Unlock()
	}
}

// errorsBetween returns the errors counted between two moments, by class.
func (m *faultMonitor) errorsBetween(from, to time.Duration) map[string]int64 {
	at := func(t time.Duration) map[string]int64 {
		i := sort.Search(len(m.errs), func(i int) bool { return m.errs[i].at > t })
		if i == 0 {
			return map[string]int64{}
		}
		return m.errs[i-1].errs
	}
	a, b := at(from), at(to)
	d := map[string]int64{}
	for k, v := range b {
		if n := v - a[k]; n > 0 {
			d[k] = n
		}
	}
	if len(d) == 0 {
		return nil
	}
	return d
}

// results turns the fired faults into the cell's fault results; finished
// is when the load ended (since the epoch), rows the cell's timeline. Call
// it once the accounting is settled (Generator.Settle): each lost event is
// put down to the first fault that struck a node after it was
// acknowledged, or to the last one.
func (m *faultMonitor) results(finished time.Duration, rows []record.Second) []result.FaultResult {
	fired := m.inj.Fired()
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]result.FaultResult, 0, len(fired))
	acked := make([]result.AckedRow, len(rows))
	for i, r := range rows {
		acked[i] = result.AckedRow{T: r.T, Acked: r.Acked}
	}
	for i, f := range fired {
		at := m.warmup + f.At // since the epoch
		next := finished
		if i+1 < len(fired) && fired[i+1].At > f.At {
			next = m.warmup + fired[i+1].At
		}
		r := result.FaultResult{Action: f.Step.Action, Target: f.Step.Target, Node: f.Node, Role: f.Role,
			AtS: result.Seconds(f.At), Error: f.Err}
		if f.HealedAt > 0 {
			r.HealedAtS = result.Seconds(f.HealedAt)
		}
		if f.Promoted != "" {
			r.Promoted, r.PromotedAtS, r.RejoinedAs = f.Promoted, result.Seconds(f.PromotedAt), f.Rejoined
		}
		const slack = 50 * time.Millisecond // a failure timestamped just before the fault's own clock read
		end := at
		if s, e, ok := m.prod.First(at-slack, next, finished); ok {
			r.ProducersUnavailableS = result.Seconds(e - s)
			end = max(end, e)
		}
		if s, e, ok := m.cons.First(at-slack, next, finished); ok {
			r.ConsumersUnavailableS = result.Seconds(e - s)
			end = max(end, e)
		}
		r.UnavailableS = max(r.ProducersUnavailableS, r.ConsumersUnavailableS)
		if m.shardOf != nil {
			worst := map[int]time.Duration{}
			for p, o := range m.parts {
				if s, e, ok := o.First(at-slack, next, finished); ok && m.shardOf[p] >= 0 {
					worst[m.shardOf[p]] = max(worst[m.shardOf[p]], e-s)
				}
			}
			shards := map[int]bool{}
			for _, sh := range m.shardOf {
				if sh >= 0 {
					shards[sh] = true
				}
			}
			for sh := range shards {
				r.Shards = append(r.Shards, result.ShardAvailability{Shard: sh, UnavailableS: result.Seconds(worst[sh])})
			}
			sort.Slice(r.Shards, func(a, b int) bool { return r.Shards[a].Shard < r.Shards[b].Shard })
			// Producers write to every shard in turn, so one that still
			// answers hides a dead one from the per-side figures: the
			// headline is the worst shard's.
			for _, sh := range r.Shards {
				r.UnavailableS = max(r.UnavailableS, sh.UnavailableS)
			}
		}
		r.RecoveredS = result.Recovered(acked, f.At, end-m.warmup, m.measured)
		recEnd := end
		if r.RecoveredS > 0 {
			recEnd = max(recEnd, at+time.Duration(r.RecoveredS*float64(time.Second)))
		}
		r.Errors = m.errorsBetween(at-slack, recEnd)
		if f.Role == catalog.ConsumerTarget {
			m.consumerFigures(&r, at, next)
		}
		out = append(out, r)
	}
	fm := m.marksLocked(fired)
	for k, n := range m.gen.LostByFault(fm.Marks) {
		out[fm.Faults[k]].LostAcked = n
	}
	return out
}

// faultMarks returns the producers' watermarks as each fault struck a
// node, with the index of its result: what a shard's merge attributes
// loss by.
func (m *faultMonitor) faultMarks() loadgen.FaultMarks {
	fired := m.inj.Fired()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.marksLocked(fired)
}

func (m *faultMonitor) marksLocked(fired []chaos.Fired) loadgen.FaultMarks {
	var fm loadgen.FaultMarks
	for i, f := range fired {
		if f.Node != "" && i < len(m.struck) && m.struck[i] != nil {
			fm.Faults, fm.Marks = append(fm.Faults, i), append(fm.Marks, m.struck[i])
		}
	}
	return fm
}

// firedCheck is the verdict on the schedule itself: a failover validation
// whose faults did not all happen proves nothing, so a shot that found no
// node or whose action failed, or that never came (the run ended first),
// fails the cell like a missed objective. measured is the measured phase's
// planned length.
func (m *faultMonitor) firedCheck(steps []chaos.Step, measured time.Duration) result.SLOResult {
	planned := chaos.Expand(steps, measured)
	// A shot is its step and repetition: its At is when it fired, which
	// differs between the nodes of a target all.
	type shot struct{ step, index int }
	ok := map[shot]bool{}
	for _, f := range m.inj.Fired() {
		k := shot{f.Shot.Step, f.Shot.Index}
		if good, seen := ok[k]; !seen || good {
			ok[k] = f.Err == "" && f.Node != ""
		}
	}
	n := 0
	for _, good := range ok {
		if good {
			n++
		}
	}
	return result.SLOResult{Name: result.FaultsFired, Limit: fmt.Sprintf("%d of %d", len(planned), len(planned)),
		Observed: fmt.Sprintf("%d of %d", n, len(planned)), Pass: n == len(planned)}
}

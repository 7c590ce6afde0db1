package runner

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/rundir"
	"github.com/squall-bench/squall/scenarios"
)

// A run may be split over N processes (shards), on one machine or many:
// each runs its share of the producers, consumers and rate against one
// shared target, from one common start, and writes a shard run directory;
// Merge makes the run's result from them. Only shard 0 runs the chaos
// schedule and deletes squall's keys at the end.

// Shard is which part of a split run this process runs.
type Shard struct {
	Index, Count int
	StartAt      time.Time // the common start of every shard's warmup
}

// ErrShard marks a sharded run that cannot be run as asked (usage, exit 2).
var ErrShard = errors.New("sharded run")

// CheckShard refuses what a sharded run cannot do: the shards need one
// target they all reach (external), one cell, and work for every shard.
func CheckShard(cells []scenarios.Cell, provider string, sh Shard) error {
	if sh.Count < 1 || sh.Index < 0 || sh.Index >= sh.Count {
		return fmt.Errorf("%w: --shard %d/%d: expected I/N with 0 <= I < N", ErrShard, sh.Index, sh.Count)
	}
	if len(cells) != 1 {
		return fmt.Errorf("%w: a matrix (%d cells) cannot be sharded: run one cell per sharded run (--set the matrix keys)", ErrShard, len(cells))
	}
	s := cells[0].Scenario
	if s.Workload.Rate.Search != nil {
		return fmt.Errorf("%w: a rate search cannot be sharded: shard each rate as its own run", ErrShard)
	}
	if p := effectiveProvider(s, provider); p != "external" {
		return fmt.Errorf("%w: every shard must drive the same target, so the target must be external (--provider external, target.addrs), got provider %q", ErrShard, p)
	}
	w := s.Workload
	for i := range sh.Count {
		pLo, pHi := loadgen.Span(w.Producers, i, sh.Count)
		cLo, cHi := loadgen.Span(w.Consumers, i, sh.Count)
		if pLo == pHi && cLo == cHi {
			return fmt.Errorf("%w: %d shards for %d producers and %d consumers leave shard %d with nothing to run", ErrShard, sh.Count, w.Producers, w.Consumers, i)
		}
	}
	return nil
}

func effectiveProvider(s *scenarios.Scenario, flag string) string {
	if flag != "" {
		return flag
	}
	return s.Target.Provider
}

// runTag is the tag every shard of one run puts in its events, so that the
// shards take each other's events as the run's own and anything else as
// foreign: derived from what the shards share.
func (sh *Shard) runTag(scenario string) uint32 {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s|%d|%d", scenario, sh.Count, sh.StartAt.UnixNano())
	return h.Sum32()
}

// part is the generator's part for this shard; until is when, since the
// start, every shard's consumers stop reading.
func (sh *Shard) part(until time.Duration) *loadgen.Part {
	return &loadgen.Part{Index: sh.Index, Count: sh.Count, Until: until}
}

// info describes the shard in its result.
func (sh *Shard) info(s *scenarios.Scenario, clock *result.ClockOffset) *result.ShardInfo {
	w := s.Workload
	pLo, pHi := loadgen.Span(w.Producers, sh.Index, sh.Count)
	cLo, cHi := loadgen.Span(w.Consumers, sh.Index, sh.Count)
	si := &result.ShardInfo{Index: sh.Index, Count: sh.Count, StartAt: sh.StartAt.UTC().Format(time.RFC3339Nano),
		Producers: [2]int{pLo, pHi}, Consumers: [2]int{cLo, cHi}, Clock: clock}
	if !w.Rate.Max && w.Producers > 0 {
		si.OfferedPerS = result.Round3(w.Rate.PerSecond * float64(pHi-pLo) / float64(w.Producers))
	}
	return si
}

// local is the scenario as this shard runs it, for the figures and notes
// that describe the shard's own load: its producers, consumers and rate.
func (sh *Shard) local(s *scenarios.Scenario) *scenarios.Scenario {
	c := *s
	w := s.Workload
	pLo, pHi := loadgen.Span(w.Producers, sh.Index, sh.Count)
	cLo, cHi := loadgen.Span(w.Consumers, sh.Index, sh.Count)
	c.Workload.Producers, c.Workload.Consumers = pHi-pLo, cHi-cLo
	if w.Producers > 0 {
		c.Workload.Rate.PerSecond = w.Rate.PerSecond * float64(pHi-pLo) / float64(w.Producers)
	}
	c.SLO = nil // a shard's figures are a part: the merge judges the whole
	return &c
}

// clockSamples is how many TIME round trips measureClock takes; the
// fastest bounds the offset best.
const clockSamples = 9

// measureClock estimates the target's clock minus this host's from the
// fastest of a few TIME round trips: the server read its clock somewhere
// inside the round trip, so taking the middle errs by at most half of it.
func measureClock(ctx context.Context, rdb redis.UniversalClient) (*result.ClockOffset, error) {
	best := time.Duration(-1)
	var offset time.Duration
	for range clockSamples {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		t0 := time.Now()
		server, err := rdb.Time(cctx).Result()
		rtt := time.Since(t0)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("TIME: %w", err)
		}
		if best < 0 || rtt < best {
			best = rtt
			offset = server.Sub(t0.Add(rtt / 2))
		}
	}
	unc := best/2 + time.Microsecond // TIME's resolution
	return &result.ClockOffset{OffsetUs: offset.Microseconds(), UncertaintyUs: unc.Microseconds(),
		Corrected: offset.Abs() > unc}, nil
}

// shardEpoch is when, by this host's clock, the common start falls: the
// target's clock is the shards' common reference when the offset is
// larger than what it is known to.
func shardEpoch(sh *Shard, c *result.ClockOffset) time.Time {
	if c != nil && c.Corrected {
		return sh.StartAt.Add(-time.Duration(c.OffsetUs) * time.Microsecond)
	}
	return sh.StartAt
}

// shardStart measures the shard's clock against the target's, records it
// in sh, and returns the shard's epoch: the common start by this host's
// clock. A shard that is ready only after the start fails: its setup
// could delete what the others have written, and its producers would
// start late.
func shardStart(ctx context.Context, shard *Shard, rdb redis.UniversalClient, sh *result.ShardInfo, rc *result.Cell) (time.Time, error) {
	c, err := measureClock(ctx, rdb)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: measuring the clock against the target: %v", compose.ErrInfra, err)
	}
	if sh != nil {
		sh.Clock = c
	}
	how := "within its uncertainty, not corrected"
	if c.Corrected {
		how = "the start was moved by it"
	}
	rc.Notes = append(rc.Notes, fmt.Sprintf("shard %d of %d: producers %d–%d and consumers %d–%d of the run; the figures are this shard's part only, and squall merge makes the run's result from every shard. Clock: target minus this host %s ± %s (%s)",
		shard.Index, shard.Count, sh.Producers[0], sh.Producers[1], sh.Consumers[0], sh.Consumers[1],
		units.FormatMicros(float64(c.OffsetUs)), units.FormatMicros(float64(c.UncertaintyUs)), how))
	epoch := shardEpoch(shard, c)
	open := epoch.Add(-shardLead)
	if now := time.Now(); !now.Before(open) {
		return time.Time{}, fmt.Errorf("%w: shard %d was ready %s after %s before --start-at %s: every shard must be set up by then; choose a later start",
			compose.ErrInfra, shard.Index, now.Sub(open).Round(time.Millisecond), shardLead, shard.StartAt.UTC().Format(time.RFC3339))
	}
	// Consumers open only once every shard has set the keys up (a setup
	// deletes and recreates them), and before any producer starts.
	select {
	case <-ctx.Done():
		return time.Time{}, fmt.Errorf("%w before the shard's start", ErrInterrupted)
	case <-time.After(time.Until(open)):
	}
	return epoch, nil
}

// shardLead is how long before the common start every shard must have set
// the keys up; the consumers open then.
const shardLead = time.Second

// settleShard reads what the pipeline's keys still held for this shard's
// own producers, for the merge. A shard cannot tell which of its
// producers' events the other shards received, so its result leaves lost,
// stranded and recovered (and each fault's lost_acked) to the merge.
func settleShard(ctx context.Context, gen *loadgen.Generator, out *loadgen.Outcome, rc *result.Cell) {
	ev, err := gen.Settle(context.WithoutCancel(ctx))
	out.Events.Lost, out.Events.Stranded, out.Events.Recovered = ev.Lost, ev.Stranded, ev.Recovered
	if err != nil {
		rc.Notes = append(rc.Notes, "what the pipeline's keys still held could not be read: "+err.Error())
	}
	rc.Notes = append(rc.Notes, "lost, stranded, recovered and each fault's lost_acked need every shard's receipts: they are 0 here, and squall merge reckons them")
}

// spillReceipts opens the shard's receipts file, which the generator
// writes as it runs (see loadgen.SpillReceipts).
func spillReceipts(gen *loadgen.Generator, dir, prefix string) (*os.File, error) {
	f, err := os.Create(filepath.Join(dir, prefix+rundir.ReceiptsFile))
	if err != nil {
		return nil, err
	}
	if err := gen.SpillReceipts(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// writeLedger writes the shard's sends and finishes its receipts once the
// load is settled and the faults' watermarks are known.
func writeLedger(gen *loadgen.Generator, receipts *os.File, sendsPath string, marks loadgen.FaultMarks, rc *result.Cell) {
	err := func() error {
		sf, err := os.Create(sendsPath)
		if err != nil {
			return err
		}
		err = gen.WriteLedger(sf, marks)
		return errors.Join(err, sf.Close(), receipts.Close()) // the deferred Close then does nothing
	}()
	if err != nil {
		rc.Notes = append(rc.Notes, "writing the ledger failed, so this shard cannot be merged: "+err.Error())
	}
}

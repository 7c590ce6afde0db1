// Package runner orchestrates a run: for each cell of a scenario it stands
// the target up, drives the load, ticks the recorder once a second, tears
// down, and writes the run directory. Everything it starts it stops, also
// on error, panic and interruption.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/chaos"
	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/live"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/report"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/rundir"
	"github.com/squall-bench/squall/scenarios"
)

// Options are the run's settings that do not come from the scenario.
type Options struct {
	Out      string // run directory; "" means runs/<time>-<scenario>
	Provider string // overrides target.provider when set
	Quiet    bool
	Version  string
	Stdout   io.Writer // final summary
	Stderr   io.Writer // progress and warnings

	// AllowDestructive lets chaos fire at an external target (the user's
	// own servers); without it such a cell is refused before the target is
	// touched (see Destructive).
	AllowDestructive bool
	// KeepKeys leaves squall's keys on an external target at the end of a
	// cell, for inspection; by default they are deleted (see dropKeys).
	KeepKeys bool
	// Repeat runs every cell this many times, each against a fresh
	// target, for compare's significance test (repeat.go); 0 or 1: once.
	Repeat int
	// Shard, when set, runs one shard of a run split over several
	// processes (see shard.go).
	Shard *Shard
	// Metrics, when set, serves each cell's figures to Prometheus while
	// it runs (squall run --metrics-addr; see metrics.go).
	Metrics *live.Server
}

// ErrInterrupted is returned (wrapped) when the run was cancelled.
var ErrInterrupted = errors.New("interrupted")

// Run executes every cell in order and writes the run directory. It returns
// the result (also when cut short: whatever was measured is kept) and the
// directory; the error says why the run stopped early, if it did.
func Run(ctx context.Context, sc *scenarios.Scenario, cells []scenarios.Cell, o Options) (*result.Result, string, error) {
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if bad := Destructive(cells, o.Provider); len(bad) > 0 && !o.AllowDestructive {
		return nil, "", refuseDestructive(bad) // before the run directory is written
	}
	if o.Shard != nil {
		if err := CheckShard(cells, o.Provider, *o.Shard); err != nil {
			return nil, "", err
		}
	}
	if capacitySearch(cells) != nil {
		return runCapacity(ctx, sc, cells[0], o) // capacity.go: one cell per rate tried
	}
	res, dir, err := openRun(sc, o)
	if err != nil {
		return nil, "", err
	}
	var runErr error
	for i, cell := range cells {
		prefix := rundir.CellFilePrefix(i, len(cells), cell.Name)
		if len(cells) > 1 {
			fmt.Fprintf(o.Stderr, "cell %d/%d: %s\n", i+1, len(cells), cell.Name)
		}
		var rc result.Cell
		var err error
		if res.Shard != nil {
			rc, err = runCell(ctx, cell, o, dir, prefix, res.Shard) // a shard runs once (cmd refuses --repeat with --shard)
		} else {
			rc, err = repeatCell(ctx, cell, o, dir, prefix)
		}
		res.Cells = append(res.Cells, rc)
		if werr := report.WriteJSON(filepath.Join(dir, rundir.ResultFile), res); werr != nil && err == nil {
			err = fmt.Errorf("%w: writing result: %v", compose.ErrInfra, werr)
		}
		if err != nil {
			runErr = err
			break
		}
	}
	res.Pass = runErr == nil && result.Verdict(res.Cells)
	return res, dir, closeRun(dir, res, runErr, o)
}

// openRun makes the run directory, writes the resolved scenario into it and
// returns the result to fill.
func openRun(sc *scenarios.Scenario, o Options) (*result.Result, string, error) {
	started := time.Now()
	dir := o.Out
	if dir == "" {
		dir = rundir.Default(started, sc.Name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", fmt.Errorf("%w: run directory: %v", compose.ErrInfra, err)
	}
	if b, err := sc.MarshalResolved(); err == nil {
		_ = os.WriteFile(filepath.Join(dir, rundir.ScenarioFile), b, 0o644)
	}
	res := &result.Result{
		Schema:    result.Schema,
		Version:   o.Version,
		Scenario:  sc.Name,
		StartedAt: started.UTC().Format(time.RFC3339),
		Cells:     []result.Cell{},
	}
	if o.Shard != nil {
		res.StartedAt = o.Shard.StartAt.UTC().Format(time.RFC3339)
		res.Shard = o.Shard.info(sc, nil)
	}
	return res, dir, nil
}

// closeRun records why the run stopped, if it did, and writes result.json,
// summary.md and report.html; it returns runErr, or the error writing the
// result when there was none.
func closeRun(dir string, res *result.Result, runErr error, o Options) error {
	if runErr != nil {
		res.Pass = false
		res.Error = runErr.Error()
		res.Interrupted = errors.Is(runErr, ErrInterrupted)
	}
	if err := report.WriteJSON(filepath.Join(dir, rundir.ResultFile), res); err != nil && runErr == nil {
		runErr = fmt.Errorf("%w: writing result: %v", compose.ErrInfra, err)
	}
	if f, err := os.Create(filepath.Join(dir, rundir.SummaryFile)); err == nil {
		_ = report.Markdown(f, res)
		f.Close()
	}
	if err := report.WriteHTMLReport(dir, res); err != nil {
		fmt.Fprintf(o.Stderr, "writing %s: %v\n", rundir.HTMLFile, err)
	}
	return runErr
}

// runCell runs one cell with a fresh target; sh is the shard's part of
// the result when the run is sharded (its clock is measured here).
func runCell(ctx context.Context, cell scenarios.Cell, o Options, dir, prefix string, sh *result.ShardInfo) (result.Cell, error) {
	return measureCell(ctx, cell, o, dir, prefix, sh, nil)
}

// measureCell is runCell that also hands back, through totals when it is
// not nil, the cell's whole-phase latency histograms.
func measureCell(ctx context.Context, cell scenarios.Cell, o Options, dir, prefix string, sh *result.ShardInfo, totals *[record.NumKinds]*hdrhistogram.Histogram) (rc result.Cell, err error) {
	s := cell.Scenario
	rc = result.Cell{
		Name:     cell.Name,
		Params:   cell.Params,
		Workload: workloadInfo(s),
		Client:   clientInfo(s),
		Errors:   map[string]int64{},
		Faults:   []result.FaultResult{},
		SLO:      []result.SLOResult{},
	}
	defer func() {
		if err != nil && ctx.Err() != nil && !errors.Is(err, ErrInterrupted) {
			// Whatever failed (preparing keys, opening files) failed
			// because the run was cancelled.
			err = fmt.Errorf("%w: %v", ErrInterrupted, err)
		}
		if err != nil {
			rc.Error = err.Error()
			rc.Pass = false
		}
	}()
	choice, err := ChooseProvider(ctx, cell, o.Provider)
	if err != nil {
		return rc, err
	}
	provider := choice.Provider
	if !o.Quiet {
		fmt.Fprintf(o.Stderr, "provider: %s (%s)\n", provider, choice.Why)
	}
	if provider == "external" && touchesServers(s) && !o.AllowDestructive {
		return rc, refuseDestructive([]string{cell.Name}) // again here, so no route (capacity search, a caller of Run) fires faults unasked
	}
	if err := checkOpenFiles(s); err != nil {
		return rc, err
	}
	runTag := rand.Uint32()
	if o.Shard != nil {
		runTag = o.Shard.runTag(s.Name) // every shard's events are the run's
	}
	spec, err := TargetSpec(s, provider, fmt.Sprintf("%08x", runTag))
	if err != nil {
		return rc, err
	}
	rc.Target = result.TargetInfo{Provider: provider, ProviderNote: choice.Why, Topology: s.Target.Topology, Persistence: s.Target.Persistence}
	if ctx.Err() != nil {
		return rc, fmt.Errorf("%w before the cell started", ErrInterrupted)
	}
	if !o.Quiet {
		fmt.Fprintf(o.Stderr, "%s …\n", startingLine(spec))
	}
	upAt := time.Now()
	tg, err := compose.Up(ctx, spec)
	if err == nil && !o.Quiet {
		fmt.Fprintf(o.Stderr, "target ready in %.1fs\n", time.Since(upAt).Seconds())
	}
	if err != nil && ctx.Err() != nil {
		// Up has stopped whatever it started; its errors are the cancellation's.
		return rc, fmt.Errorf("%w while the target was coming up", ErrInterrupted)
	}
	if err != nil {
		return rc, err
	}
	defer tg.Close(context.WithoutCancel(ctx))
	if chaos.NeedsProxy(chaosSteps(s), tg.Provider) {
		if err := tg.StartFaultProxy(); err != nil {
			return rc, err
		}
		rc.Notes = append(rc.Notes, faultProxyNote)
	}
	describeTarget(&rc, tg)
	if note := tg.PeerPathNote(); note != "" {
		rc.Target.DataPathNote += "; " + note
		rc.Notes = append(rc.Notes, "the scenario has network faults on the node↔node path, so "+note)
	}
	for _, r := range tg.Reaped {
		fmt.Fprintf(o.Stderr, "removed a leftover of an earlier, killed run: %s\n", r)
	}
	for _, w := range tg.Warnings {
		fmt.Fprintf(o.Stderr, "warning: %s\n", w)
		rc.Notes = append(rc.Notes, w)
	}
	if tg.ImageNote != "" && !o.Quiet {
		fmt.Fprintf(o.Stderr, "image: %s\n", shortNote(tg.ImageNote))
	}
	if tg.Provider == "docker" && !o.Quiet {
		fmt.Fprintf(o.Stderr, "data path: %s (%s)\n", tg.DataPath, tg.DataPathNote)
	}
	if tg.DataPath == compose.PathPublished {
		rc.Notes = append(rc.Notes, publishedNote)
	}
	// The generator's cores are decided once the data path is known: a
	// proxy on it needs a core too.
	cpus, why := generatorCPUs(s, provider, tg.ProxyProcesses())
	rc.Client.CPUs, rc.Client.CPUsNote = cpus, why
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(cpus))
	rdb := tg.Client(clientOptions(s))
	defer rdb.Close()

	lc := loadConfig(s, runTag)
	if o.Shard != nil {
		lc.Part = o.Shard.part(s.Warmup.D() + s.Duration.D() + s.Drain.D())
	}
	gen, err := loadgen.New(lc, rdb)
	if err != nil {
		return rc, err
	}
	announceKeys(provider, s, gen, o)
	defer dropKeys(ctx, provider, gen, o, &rc) // keys.go: on every path, after everything else that read Redis
	if err := gen.Setup(ctx); err != nil {
		return rc, fmt.Errorf("%w: preparing keys: %v", compose.ErrInfra, err)
	}
	before, _ := commandCalls(ctx, tg)
	evictedBefore, evictedOK := evictedKeys(ctx, tg)

	files, err := rundir.CreateCell(dir, prefix)
	if err != nil {
		return rc, fmt.Errorf("%w: %v", compose.ErrInfra, err)
	}
	defer files.Close()
	var receipts *os.File
	if o.Shard != nil {
		if receipts, err = spillReceipts(gen, dir, prefix); err != nil { // shard.go
			return rc, fmt.Errorf("%w: the receipts file: %v", compose.ErrInfra, err)
		}
		defer receipts.Close()
	}

	epoch := time.Now()
	if o.Shard != nil {
		if epoch, err = shardStart(ctx, o.Shard, rdb, sh, &rc); err != nil {
			return rc, err
		}
	}
	begin := epoch.Add(s.Warmup.D())
	col := record.NewCollector(begin)
	if err := col.LogTo(files.Hlogs, s.Name+"/"+cell.Name); err != nil {
		return rc, fmt.Errorf("%w: %v", compose.ErrInfra, err)
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go watch(runCtx, cancel, tg, gen, s, epoch)
	clock := startClock(col, files.Timeline, begin, s.Duration.D(), o)
	busy := sampleUsage(runCtx, tg, gen, begin, begin.Add(s.Duration.D()))
	var faults *faultMonitor
	stopFaults := func() []error { return nil }
	if len(s.Chaos) > 0 && (o.Shard == nil || o.Shard.Index == 0) {
		faults, stopFaults = startFaults(runCtx, s, tg, rdb, gen, col, epoch)
		stopFaults = sync.OnceValue(stopFaults)
		defer stopFaults() // heals on every path, panics included
	}
	metrics := startMetrics(o, cell, col, gen, faults, begin)
	out, genErr := gen.Run(runCtx, col, epoch)
	if s.Workload.Consumers > 0 && !out.Drained && out.Events.Lost > 0 && o.Shard == nil {
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if n, ok := gen.Queued(qctx); ok {
			rc.QueuedAtEnd = &n
		}
		cancel()
	}
	for _, err := range stopFaults() {
		rc.Notes = append(rc.Notes, "a fault could not be undone: "+err.Error())
	}
	clock.stop()
	after, unanswered := commandCalls(context.WithoutCancel(ctx), tg)
	if o.Shard == nil {
		settle(ctx, gen, out, s, &rc) // loss.go: lost (gone from Redis) versus stranded (still there)
	} else {
		settleShard(ctx, gen, out, &rc) // shard.go
	}

	rows := col.History()
	window := rows[:min(clock.measuredRows(), len(rows))]
	if faults != nil {
		rc.Faults = faults.results(out.Finished, rows)
	}
	if o.Shard != nil {
		var marks loadgen.FaultMarks
		if faults != nil {
			marks = faults.faultMarks()
		}
		writeLedger(gen, receipts, filepath.Join(dir, prefix+rundir.SendsFile), marks, &rc) // shard.go: the ledger for the merge
	}
	u, _ := <-busy
	fs := s
	if o.Shard != nil {
		fs = o.Shard.local(s)
	}
	fillCell(&rc, fs, col, out, window, u, clock.err())
	if totals != nil {
		*totals = col.Totals()
	}
	if faults != nil {
		r := faults.firedCheck(chaosSteps(s), s.Duration.D())
		rc.SLO = append(rc.SLO, r)
		rc.Pass = rc.Pass && r.Pass
	}
	if o.Shard == nil { // on a shared target, every shard's commands count
		rc.ServerCalls = diffCalls(before, after)
		evictedAfter, ok := evictedKeys(context.WithoutCancel(ctx), tg)
		memoryNotes(&rc, evictedBefore, evictedAfter, evictedOK && ok)
		consumerNotes(&rc, s)
	}
	metrics.Finish(&rc)

	if len(unanswered) > 0 || touchesServers(s) {
		rc.Notes = append(rc.Notes, "server_calls sums INFO commandstats of the primaries the target started with and its spare nodes (add-shard); faults (restarts reset counters, failovers move writes to other nodes) make it a partial count")
	}
	switch {
	case genErr == nil:
	case ctx.Err() != nil:
		return rc, fmt.Errorf("%w: stopped after %.1fs of the measured phase; partial results kept", ErrInterrupted, rc.DurationS)
	default:
		return rc, genErr
	}
	return rc, nil
}

// publishedNote warns that a docker cell's figures include Docker's port
// forwarding.
const publishedNote = "clients reached the containers through ports published on 127.0.0.1 (target.data_path published), so every command and reply went through Docker's port forwarding (docker-proxy on most engines): latency and throughput include that proxy, not only Redis"

// faultProxyNote says what the fault proxy adds to the figures of a run
// with network faults (chaos/proxy.go).
const faultProxyNote = "the scenario has network faults, so clients reached every data node through squall's fault proxy on 127.0.0.1 for the whole run (data path proxy): latency and throughput include that relay, also outside the faults"

// describeTarget records what the target says it is and how it was reached.
func describeTarget(rc *result.Cell, tg *compose.Target) {
	t := &rc.Target
	t.RedisVersion = tg.Version
	t.ServerName, t.ServerVersion, t.IOThreads = tg.Server.Name, tg.Server.Version, tg.Server.IOThreads
	t.Binary = tg.Binary
	t.Image, t.ImageNote, t.Reaped = tg.Image, tg.ImageNote, tg.Reaped
	t.DataPath, t.DataPathNote = tg.DataPath, tg.DataPathNote
	for _, n := range tg.Nodes {
		t.Nodes = append(t.Nodes, result.NodeInfo{Name: n.Name, Role: n.Role, Addr: n.Addr, Shard: n.Shard})
	}
}

// fillCell turns the load's outcome and the recorded histograms into the
// cell's figures, notes and verdict.
// planOf is what the scenario asked a cell to do, as its notes read it.
func planOf(s *scenarios.Scenario) result.Plan {
	w := s.Workload
	return result.Plan{Rate: w.Rate.PerSecond, ClosedLoop: w.Rate.Max, Producers: w.Producers, Consumers: w.Consumers,
		Pipeline: w.Pipeline, Faults: len(s.Chaos) > 0, Drain: s.Drain.D()}
}

func fillCell(rc *result.Cell, s *scenarios.Scenario, col *record.Collector, out *loadgen.Outcome, window []record.Second, u result.Usage, clockErr error) {
	fillThroughput(rc, s, window)
	ev := out.Events
	h := col.Totals()
	rc.Latency = result.Latencies{
		Publish:   record.Summarize(h[record.Publish]),
		Service:   record.Summarize(h[record.Service]),
		EndToEnd:  record.Summarize(h[record.EndToEnd]),
		SendDelay: record.Summarize(h[record.SendDelay]),
	}
	rc.Events = ev
	for k, v := range out.Errors {
		rc.Errors[k] = v
	}
	if out.Foreign > 0 {
		rc.Errors["foreign"] = out.Foreign
	}
	if out.Reads > 0 {
		rc.Errors["stale_reads"] = out.StaleReads
		rc.Errors["backwards_reads"] = out.BackwardsReads
	}
	if u.Secs > 0 {
		rc.Client.CPUUsed = result.Round3(u.ClientCPU)
	}
	plan := planOf(s)
	sat, satNote := result.FindSaturation(plan, rc.Throughput, ev, u, rc.Client.CPUs)
	rc.Saturation = sat
	rc.Notes = append(rc.Notes, result.CellNotes(plan, result.CellFacts{
		Foreign: out.Foreign, Reclaimed: out.Reclaimed, UnderReplicated: out.UnderReplicated,
		Reads: out.Reads, StaleReads: out.StaleReads, BackwardsReads: out.BackwardsReads,
		Saturation: satNote, SendDelay: rc.Latency.SendDelay, RecordErr: clockErr,
	})...)
	rc.SLO = result.CheckSLO(rc, objectives(s))
	rc.Pass = rc.Error == ""
	for _, r := range rc.SLO {
		rc.Pass = rc.Pass && r.Pass
	}
}

// watch cancels the run with an infrastructure error when a node dies
// unexpectedly or, with no fault scheduled, nothing has succeeded for a
// while (the target is unreachable).
func watch(ctx context.Context, cancel context.CancelCauseFunc, tg *compose.Target, gen *loadgen.Generator, s *scenarios.Scenario, epoch time.Time) {
	limit := 5*time.Second + s.Client.ReadTimeout.D()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-tg.Unexpected():
			if len(s.Chaos) == 0 {
				cancel(err)
				return
			}
		case <-t.C:
			if len(s.Chaos) > 0 {
				continue
			}
			if since := time.Since(epoch) - gen.LastSuccess(); since > limit {
				cancel(fmt.Errorf("%w: Redis unreachable: no operation succeeded for %s", compose.ErrInfra, since.Round(time.Second)))
				return
			}
		}
	}
}

// commandCalls reads INFO commandstats on every node that was a primary
// when the target came up, and every spare (add-shard may have made it
// one), and sums the calls per command, as Redis counted
// them (replicas are left out: they count replicated writes again). Nodes
// that do not answer are skipped and returned by name.
func commandCalls(ctx context.Context, tg *compose.Target) (map[string]int64, []string) {
	calls := map[string]int64{}
	var missing []string
	for n, info := range primaryInfo(ctx, tg, "commandstats") {
		if info == nil {
			missing = append(missing, n.Name)
			continue
		}
		for _, line := range strings.Split(*info, "\n") {
			name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
			if !ok || !strings.HasPrefix(name, "cmdstat_") {
				continue
			}
			var v int64
			if _, err := fmt.Sscanf(rest, "calls=%d", &v); err == nil {
				calls[strings.TrimPrefix(name, "cmdstat_")] += v
			}
		}
	}
	return calls, missing
}

// primaryInfo yields every primary the target started with, and every
// spare node (add-shard makes it one), with its INFO section (nil when it did not answer within 3s).
func primaryInfo(ctx context.Context, tg *compose.Target, section string) iter.Seq2[*compose.Node, *string] {
	return func(yield func(*compose.Node, *string) bool) {
		for _, n := range tg.DataNodes() {
			if n.Role != "primary" && n.Role != "spare" { // a spare joined by add-shard is a primary
				continue
			}
			c := tg.NodeClient(n)
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			info, err := c.Info(cctx, section).Result()
			cancel()
			c.Close()
			var p *string
			if err == nil {
				p = &info
			}
			if !yield(n, p) {
				return
			}
		}
	}
}

func diffCalls(before, after map[string]int64) map[string]int64 {
	if after == nil {
		return nil
	}
	d := map[string]int64{}
	for k, v := range after {
		if n := v - before[k]; n > 0 && k != "info" {
			d[k] = n
		}
	}
	return d
}

// shortNote keeps an image note's first sentence for the terminal, without
// the registry's error text; result.json keeps the whole note.
func shortNote(note string) string {
	if i := strings.Index(note, " (API error"); i >= 0 {
		return note[:i] + " (the registry's answer is in result.json)"
	}
	return note
}

func goRedisVersion() string { return redis.Version() }

// startingLine says what a cell is about to stand up (or reach), so the
// seconds before the first status line are not silent.
func startingLine(spec compose.Spec) string {
	if spec.Provider == "external" {
		return "connecting to " + strings.Join(spec.Addrs, ", ")
	}
	what := "redis-server processes"
	if spec.Provider == "docker" {
		what = "docker containers"
	}
	switch spec.Topology {
	case "sentinel":
		return fmt.Sprintf("starting sentinel on %s: a primary, %d replicas, %d sentinels", what, spec.Replicas, spec.Sentinels)
	case "cluster":
		msg := fmt.Sprintf("starting cluster on %s: %d primaries with %d replicas each", what, spec.Shards, spec.Replicas)
		if spec.Spares > 0 {
			msg += fmt.Sprintf(", %d spare for add-shard", spec.Spares)
		}
		return msg
	}
	if spec.Replicas > 0 {
		return fmt.Sprintf("starting standalone on %s: a primary and %d replicas", what, spec.Replicas)
	}
	if spec.Provider == "docker" {
		return "starting standalone: one docker container"
	}
	return "starting standalone: one redis-server process"
}

package runner

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/rundir"
	"github.com/squall-bench/squall/scenarios"
)

// ErrMerge marks shard directories that do not make one run (usage, exit 2).
var ErrMerge = errors.New("cannot merge")

// shardDir is one shard's run directory, read back.
type shardDir struct {
	dir      string
	res      *result.Result
	scenario []byte
}

// Merge makes one run directory, out, from the run directories of every
// shard of a split run, as one process running the whole load would have
// written it: the histograms added, the ledgers reconciled across shards
// (an event one shard produced and another consumed is received), the
// timeline added second by second, the objectives judged on the merged
// figures. Shards that are missing, repeated or from different runs are
// refused with ErrMerge before anything is written.
func Merge(dirs []string, out string, o Options) (*result.Result, error) {
	shards, err := readShards(dirs)
	if err != nil {
		return nil, err
	}
	sc, cells, err := scenarios.Parse(filepath.Join(shards[0].dir, rundir.ScenarioFile), shards[0].scenario, nil)
	if err != nil || len(cells) != 1 {
		return nil, fmt.Errorf("%w: %s: the resolved scenario does not read back as one cell: %v", ErrMerge, shards[0].dir, err)
	}
	s := cells[0].Scenario
	rc, err := mergeCell(shards, s)
	if err != nil {
		return nil, err
	}
	first := shards[0].res
	res := &result.Result{Schema: result.Schema, Version: o.Version, Scenario: first.Scenario, StartedAt: first.StartedAt, Cells: []result.Cell{rc}}
	for _, sd := range shards {
		res.Shards = append(res.Shards, *sd.res.Shard)
	}
	var runErr error
	for _, sd := range shards {
		if sd.res.Error != "" {
			err := fmt.Errorf("shard %d: %s", sd.res.Shard.Index, sd.res.Error)
			if sd.res.Interrupted {
				err = fmt.Errorf("%w: %v", ErrInterrupted, err)
			} else {
				err = fmt.Errorf("%w: %v", compose.ErrInfra, err)
			}
			runErr = errors.Join(runErr, err)
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("%w: run directory: %v", compose.ErrInfra, err)
	}
	if err := os.WriteFile(filepath.Join(out, rundir.ScenarioFile), shards[0].scenario, 0o644); err != nil {
		return nil, fmt.Errorf("%w: %v", compose.ErrInfra, err)
	}
	if err := writeMergedFiles(shards, out, sc.Name, &res.Cells[0], s); err != nil {
		return nil, fmt.Errorf("%w: %v", compose.ErrInfra, err)
	}
	res.Pass = runErr == nil && result.Verdict(res.Cells)
	return res, closeRun(out, res, runErr, o)
}

// readShards reads and checks the shard directories: each a shard's, of
// one run (scenario, resolved scenario, shard count, start), every index
// once. It returns them in index order.
func readShards(dirs []string) ([]*shardDir, error) {
	if len(dirs) == 0 {
		return nil, fmt.Errorf("%w: no shard directory given", ErrMerge)
	}
	var shards []*shardDir
	for _, d := range dirs {
		r, err := rundir.ReadResult(d)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMerge, err)
		}
		if r.Shard == nil {
			return nil, fmt.Errorf("%w: %s is not a shard's run directory (its result.json has no \"shard\"; run with --shard I/N)", ErrMerge, d)
		}
		if len(r.Cells) != 1 {
			return nil, fmt.Errorf("%w: %s: a shard's result holds one cell, this one %d", ErrMerge, d, len(r.Cells))
		}
		b, err := os.ReadFile(filepath.Join(d, rundir.ScenarioFile))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrMerge, d, err)
		}
		shards = append(shards, &shardDir{dir: d, res: r, scenario: b})
	}
	f := shards[0]
	byIndex := map[int]string{}
	for _, sd := range shards {
		sh, d := sd.res.Shard, sd.dir
		switch {
		case sd.res.Scenario != f.res.Scenario:
			return nil, fmt.Errorf("%w: %s ran scenario %q, %s ran %q", ErrMerge, d, sd.res.Scenario, f.dir, f.res.Scenario)
		case sh.Count != f.res.Shard.Count:
			return nil, fmt.Errorf("%w: %s is a shard of %d, %s of %d", ErrMerge, d, sh.Count, f.dir, f.res.Shard.Count)
		case sh.StartAt != f.res.Shard.StartAt:
			return nil, fmt.Errorf("%w: %s started at %s, %s at %s: not one run", ErrMerge, d, sh.StartAt, f.dir, f.res.Shard.StartAt)
		case !bytes.Equal(sd.scenario, f.scenario):
			return nil, fmt.Errorf("%w: %s and %s resolved the scenario differently (compare their %s)", ErrMerge, d, f.dir, rundir.ScenarioFile)
		}
		if prev, ok := byIndex[sh.Index]; ok {
			return nil, fmt.Errorf("%w: shard %d given twice (%s and %s)", ErrMerge, sh.Index, prev, d)
		}
		byIndex[sh.Index] = d
	}
	var missing []string
	for i := range f.res.Shard.Count {
		if _, ok := byIndex[i]; !ok {
			missing = append(missing, fmt.Sprint(i))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: shard(s) %s of %d missing", ErrMerge, strings.Join(missing, ", "), f.res.Shard.Count)
	}
	sort.Slice(shards, func(i, j int) bool { return shards[i].res.Shard.Index < shards[j].res.Shard.Index })
	return shards, nil
}

// mergeCell reconciles the shards' ledgers into the cell's accounting and
// takes what only shard 0 measured (the faults) from it, with the loss
// each fault accounts for reckoned on the merged receipts.
func mergeCell(shards []*shardDir, s *scenarios.Scenario) (result.Cell, error) {
	files := make([]loadgen.LedgerFiles, len(shards))
	for i, sd := range shards {
		for _, f := range []struct {
			name string
			r    *io.Reader
		}{{rundir.SendsFile, &files[i].Sends}, {rundir.ReceiptsFile, &files[i].Receipts}} {
			fh, err := os.Open(filepath.Join(sd.dir, f.name))
			if err != nil {
				return result.Cell{}, fmt.Errorf("%w: %v", ErrMerge, err)
			}
			defer fh.Close()
			*f.r = fh
		}
	}
	ledger, err := loadgen.MergeLedgers(files...)
	if err != nil {
		if pe := (*loadgen.PartError)(nil); errors.As(err, &pe) {
			return result.Cell{}, fmt.Errorf("%w: %s: %v", ErrMerge, shards[pe.Part].dir, pe.Err)
		}
		return result.Cell{}, fmt.Errorf("%w: %v", ErrMerge, err)
	}
	c0 := shards[0].res.Cells[0]
	rc := result.Cell{Name: c0.Name, Params: c0.Params, Target: c0.Target, Workload: c0.Workload, Client: c0.Client,
		Errors: map[string]int64{}, Faults: slices.Clone(c0.Faults), SLO: []result.SLOResult{}}
	if rc.Faults == nil {
		rc.Faults = []result.FaultResult{}
	}
	rc.Client.CPUs, rc.Client.CPUUsed = 0, 0
	for _, sd := range shards {
		c := sd.res.Cells[0]
		for k, v := range c.Errors {
			rc.Errors[k] += v
		}
		rc.Client.CPUs += c.Client.CPUs
		rc.Client.CPUUsed = result.Round3(rc.Client.CPUUsed + c.Client.CPUUsed)
	}
	rc.Events = ledger.Reconcile()
	if len(rc.Faults) > 0 {
		byFault, producers := ledger.LostByFault()
		for i := range rc.Faults {
			rc.Faults[i].LostAcked = byFault[i]
		}
		sh := shards[0].res.Shard
		rc.Notes = append(rc.Notes, fmt.Sprintf("each fault's lost_acked counts the lost events of shard 0's producers only (%d of %d: producers %d–%d): shard 0 ran the faults and noted its producers' watermarks as each struck, the other shards' producers have none, so their losses count in events.lost but in no fault's",
			len(producers), s.Workload.Producers, sh.Producers[0], sh.Producers[1]))
	}
	return rc, nil
}

// mergedSecond is one wall-clock second of the merged timeline.
type mergedSecond struct {
	row  record.Second
	hist [record.NumKinds]*hdrhistogram.Histogram
}

// writeMergedFiles adds the shards' timelines and interval logs second by
// second (each shard's rows and intervals are keyed by the second of the
// common start they began in), writes them to out, and fills the cell's
// throughput and latency from them.
func writeMergedFiles(shards []*shardDir, out, name string, rc *result.Cell, s *scenarios.Scenario) error {
	start, err := time.Parse(time.RFC3339Nano, shards[0].res.Shard.StartAt)
	if err != nil {
		return fmt.Errorf("shard start_at: %v", err)
	}
	begin := start.Add(s.Warmup.D())
	seconds := map[int]*mergedSecond{}
	var totals [record.NumKinds]*hdrhistogram.Histogram
	var counted [record.NumKinds]int64
	for k := range totals {
		totals[k] = record.NewHistogram()
	}
	for _, sd := range shards {
		f, err := os.Open(filepath.Join(sd.dir, rundir.TimelineFile))
		if err != nil {
			return err
		}
		rows, err := rundir.ReadTimeline(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %s: %v", sd.dir, rundir.TimelineFile, err)
		}
		var ivs [record.NumKinds][]*hdrhistogram.Histogram
		for k := range record.NumKinds {
			f, err := os.Open(filepath.Join(sd.dir, rundir.HlogFile(k)))
			if err != nil {
				return err
			}
			ivs[k], err = rundir.ReadHlogIntervals(f)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %s: %v", sd.dir, rundir.HlogFile(k), err)
			}
		}
		for i, r := range rows {
			key := int(math.Round(r.T - r.Dt))
			m := seconds[key]
			if m == nil {
				m = &mergedSecond{row: record.Second{T: float64(key) + r.Dt, Dt: r.Dt}}
				for k := range m.hist {
					m.hist[k] = record.NewHistogram()
				}
				seconds[key] = m
			}
			m.row.Dt = max(m.row.Dt, r.Dt)
			m.row.T = float64(key) + m.row.Dt
			m.row.Sent += r.Sent
			m.row.Acked += r.Acked
			m.row.Received += r.Received
			m.row.Errors += r.Errors
			m.row.Faults = append(m.row.Faults, r.Faults...)
			for k := range record.NumKinds {
				if i >= len(ivs[k]) {
					return fmt.Errorf("%s: %s has %d intervals for %d timeline rows", sd.dir, rundir.HlogFile(k), len(ivs[k]), len(rows))
				}
				if d := m.hist[k].Merge(ivs[k][i]); d != 0 {
					return fmt.Errorf("%s: %d %s samples dropped adding the histograms", sd.dir, d, record.KindNames[k])
				}
				counted[k] += ivs[k][i].TotalCount()
			}
		}
	}
	keys := make([]int, 0, len(seconds))
	for k := range seconds {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	cw, err := rundir.CreateCell(out, "")
	if err != nil {
		return err
	}
	defer cw.Close()
	var hws [record.NumKinds]*record.HlogWriter
	for k := range record.NumKinds {
		if hws[k], err = record.NewHlogWriter(cw.Hlogs[k], begin, fmt.Sprintf("%s/%s %s latency, values in microseconds, merged from %d shards", name, rc.Name, record.KindNames[k], len(shards))); err != nil {
			return err
		}
	}
	measured := s.Duration.D().Seconds()
	var window []record.Second
	for _, key := range keys {
		m := seconds[key]
		m.row.Publish, m.row.EndToEnd, m.row.Service = record.BriefOf(m.hist[record.Publish]), record.BriefOf(m.hist[record.EndToEnd]), record.BriefOf(m.hist[record.Service])
		if err := cw.Timeline.Write(m.row); err != nil {
			return err
		}
		for k := range record.NumKinds {
			at := time.Duration(key) * time.Second
			if err := hws[k].Interval(at, time.Duration(m.row.Dt*float64(time.Second)), m.hist[k]); err != nil {
				return err
			}
			if d := totals[k].Merge(m.hist[k]); d != 0 {
				return fmt.Errorf("%d %s samples dropped adding the histograms", d, record.KindNames[k])
			}
		}
		if float64(key) < measured {
			window = append(window, m.row)
		}
	}
	for k := range record.NumKinds {
		if totals[k].TotalCount() != counted[k] {
			return fmt.Errorf("%s: the merged histogram holds %d samples, the shards' %d", record.KindNames[k], totals[k].TotalCount(), counted[k])
		}
	}
	fillThroughput(rc, s, window)
	rc.Latency = result.Latencies{
		Publish:   record.Summarize(totals[record.Publish]),
		Service:   record.Summarize(totals[record.Service]),
		EndToEnd:  record.Summarize(totals[record.EndToEnd]),
		SendDelay: record.Summarize(totals[record.SendDelay]),
	}
	judgeMerged(rc, shards, s)
	return nil
}

// judgeMerged writes the merged cell's notes and judges its objectives on
// the merged figures; the check that every fault fired is shard 0's.
func judgeMerged(rc *result.Cell, shards []*shardDir, s *scenarios.Scenario) {
	var clocks []string
	var worst int64
	for _, sd := range shards {
		if c := sd.res.Shard.Clock; c != nil {
			how := "bounded"
			if c.Corrected {
				how = "corrected"
			}
			clocks = append(clocks, fmt.Sprintf("shard %d %s ± %s (%s)", sd.res.Shard.Index, units.FormatMicros(float64(c.OffsetUs)), units.FormatMicros(float64(c.UncertaintyUs)), how))
			e := c.UncertaintyUs
			if !c.Corrected {
				e += abs64(c.OffsetUs)
			}
			worst = max(worst, e)
		}
	}
	rc.Notes = append(rc.Notes, fmt.Sprintf("merged from %d shards started together at %s; each ran its share of the producers, consumers and rate, and the accounting is reconciled across them",
		len(shards), shards[0].res.Shard.StartAt))
	if len(clocks) > 0 {
		rc.Notes = append(rc.Notes, fmt.Sprintf("clocks against the target's TIME: %s; an end-to-end latency measured across two shards may be off by up to %s",
			strings.Join(clocks, ", "), units.FormatMicros(float64(2*worst))))
	}
	if note := result.LossNote(rc.Events, nil, planOf(s), nil, false); note != "" {
		rc.Notes = append(rc.Notes, note)
	}
	rc.SLO = result.CheckSLO(rc, objectives(s))
	for _, r := range shards[0].res.Cells[0].SLO {
		if r.Name == result.FaultsFired {
			rc.SLO = append(rc.SLO, r)
		}
	}
	var errs []string
	for _, sd := range shards {
		if e := sd.res.Cells[0].Error; e != "" {
			errs = append(errs, fmt.Sprintf("shard %d: %s", sd.res.Shard.Index, e))
		}
	}
	rc.Error = strings.Join(errs, "; ")
	rc.Pass = rc.Error == ""
	for _, r := range rc.SLO {
		rc.Pass = rc.Pass && r.Pass
	}
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

package result

import (
	"fmt"
	"time"

	"github.com/squall-bench/squall/internal/units"
)

// The notes a cell carries in English, and the saturation finding: each
// built from plain figures the runner measured, so every run says the same
// thing in the same words.

// Plan is what a cell was asked to do, as its notes read it.
type Plan struct {
	Rate       float64 // events/s offered; not read with ClosedLoop
	ClosedLoop bool    // rate: max
	Producers  int
	Consumers  int // 0: producer-only
	Pipeline   int
	Faults     bool          // a fault schedule ran
	Drain      time.Duration // how long consumers had after the producers stopped
}

// LossNote states the lost and the stranded events whenever either is not
// zero; "" when every acknowledged event arrived. settleErr is why what
// Redis still held could not be read, queued what the keys held then (nil:
// unknown), cut whether the run was cut short.
func LossNote(ev Events, settleErr error, p Plan, queued *int64, cut bool) string {
	if p.Consumers == 0 || ev.Lost == 0 && ev.Stranded == 0 {
		return ""
	}
	if settleErr != nil {
		when := fmt.Sprintf("when the drain (%s) ended", p.Drain)
		if cut {
			when = "when the run was cut short"
		}
		note := fmt.Sprintf("%s acknowledged %s not arrived %s and count as lost; what Redis still held could not be read (%v), so some of them may be consumer lag rather than loss",
			units.FormatCount(ev.Lost), units.Plural(ev.Lost, "event had", "events had"), when, settleErr)
		if queued != nil && *queued > 0 {
			note += fmt.Sprintf(" (the keys held %s events then, warmup events included)", units.FormatCount(*queued))
		}
		return note
	}
	note := "no acknowledged event was lost"
	if ev.Lost > 0 {
		note = fmt.Sprintf("%s acknowledged %s lost", units.FormatCount(ev.Lost), units.Plural(ev.Lost, "event was", "events were"))
	}
	note += " (never received, no longer in Redis); "
	switch {
	case ev.Stranded == 0:
		note += "none was left in the pipeline's keys when the run ended"
	case ev.Lost > 0:
		note += fmt.Sprintf("%s more %s still in the pipeline's keys when the run ended", units.FormatCount(ev.Stranded), units.Plural(ev.Stranded, "was", "were"))
	default:
		note += fmt.Sprintf("%s %s still in the pipeline's keys when the run ended", units.FormatCount(ev.Stranded), units.Plural(ev.Stranded, "was", "were"))
	}
	if ev.Stranded > 0 {
		note += " (stranded: consumer lag, not loss). More consumers, a larger options.batch or a longer drain carry them"
	}
	return note
}

// Throughput is what was carried, not what was offered. When a cell
// carried clearly less than it was offered, the cell says so and names the
// likely limit, from what was busy during the window: Redis's main thread,
// squall's own cores, or the producer connections (every one waiting on a
// reply).

// shortfall is how far below offered carried throughput must fall to
// count as saturation: the window's edges alone move a steady run by a
// fraction of a percent, so 10% is a real shortfall.
const shortfall = 0.9

// busyShare is the share of a core (Redis) or of squall's cores above
// which that side counts as the limit.
const busyShare = 0.85

// Usage is what was busy during the measured window.
type Usage struct {
	RedisCPU  float64       // the busiest primary's CPU, in cores; -1 unknown
	ClientCPU float64       // squall's CPU, in cores
	Wait      time.Duration // producers' time waiting for replies, summed
	Secs      float64       // the window the figures cover
}

// FindSaturation returns the cell's saturation finding and its note, or
// nil when it carried (nearly) what it was offered or had no schedule.
// cores are the cores squall ran on.
func FindSaturation(p Plan, tp Throughput, ev Events, u Usage, cores int) (*Saturation, string) {
	offered := tp.OfferedPerS
	got, what := tp.AckedPerS, "acknowledged"
	if p.Consumers > 0 && tp.ReceivedPerS < got {
		got, what = tp.ReceivedPerS, "received"
	}
	if offered <= 0 || got >= shortfall*offered {
		return nil, ""
	}
	sat := &Saturation{CarriedRatio: Round3(got / offered), RedisCPU: Round3(u.RedisCPU),
		ClientCPU: Round3(u.ClientCPU), ClientCores: cores}
	producersShort := tp.AckedPerS < shortfall*offered
	var why string
	switch {
	case u.RedisCPU >= busyShare:
		sat.Limit = "redis"
		why = fmt.Sprintf("Redis: its busiest primary used %.0f%% of a core over the measured window, and Redis runs commands on one thread", 100*u.RedisCPU)
	case u.ClientCPU >= busyShare*float64(cores):
		sat.Limit = "generator"
		why = fmt.Sprintf("the generator: squall used %.2g of the %d %s it ran on (client.cpus); give it more cores or run it on another machine",
			u.ClientCPU, cores, units.Plural(int64(cores), "core", "cores"))
	case p.Faults:
		sat.Limit = "faults"
		why = "the faults: neither Redis nor squall was busy, so the shortfall is the outages'"
	case producersShort:
		sat.Limit = "concurrency"
		busy := 0.0
		if u.Secs > 0 {
			busy = u.Wait.Seconds() / u.Secs / float64(p.Producers)
		}
		why = fmt.Sprintf("the producers' concurrency: the producer %s (%d, pipeline %d) had a round trip in flight %.0f%% of the time, so no more events could be sent at this latency; add producers or pipeline depth",
			units.Plural(int64(p.Producers), "connection", "connections"), p.Producers, p.Pipeline, 100*min(busy, 1))
	default:
		sat.Limit = "consumers"
		why = fmt.Sprintf("the consumers: Redis took the writes but %d %s (options.batch) did not keep up; add consumers or a larger batch",
			p.Consumers, units.Plural(int64(p.Consumers), "consumer", "consumers"))
	}
	note := fmt.Sprintf("saturated: carried %s events/s %s of the %s/s offered (%.0f%%)",
		units.FormatCount(int64(got+0.5)), what, units.FormatCount(int64(offered+0.5)), 100*got/offered)
	if ev.Dropped > 0 {
		note += fmt.Sprintf("; %s events fell due but were never sent (dropped)", units.FormatCount(ev.Dropped))
	}
	return sat, note + ". Likely limit: " + why
}

// CellFacts are the generator's and the recorder's side remarks on a cell,
// which its notes put in words.
type CellFacts struct {
	Foreign                           int64   // entries read that were not this run's events
	Reclaimed                         int64   // events taken back from consumers presumed dead
	UnderReplicated                   int64   // writes WAIT confirmed on fewer replicas than asked
	Reads, StaleReads, BackwardsReads int64   // register reads and the anomalies among them
	Saturation                        string  // FindSaturation's note; "" when not saturated
	SendDelay                         Summary // the generator's lag behind its schedule
	RecordErr                         error   // writing the timeline or interval logs failed
}

// CellNotes are a cell's notes on what it measured, in order: entries
// that were not events, redeliveries, under-replication, register reads,
// saturation, or else a schedule that was not kept, a closed loop, and a
// recording that failed.
func CellNotes(p Plan, f CellFacts) []string {
	var notes []string
	if f.Foreign > 0 {
		notes = append(notes, fmt.Sprintf("%d entries read from the pipeline's keys were not events of this run (foreign or garbled); they are not counted as received", f.Foreign))
	}
	if f.Reclaimed > 0 {
		notes = append(notes, fmt.Sprintf("%d events were reclaimed from consumers presumed dead and delivered again (at-least-once)", f.Reclaimed))
	}
	if f.UnderReplicated > 0 {
		notes = append(notes, fmt.Sprintf("%d writes were confirmed by fewer replicas than options.wait asked; they count as indeterminate", f.UnderReplicated))
	}
	if f.Reads > 0 {
		notes = append(notes, fmt.Sprintf("register: %d reads, %d stale (older than an acknowledged write), %d backwards (older than the reader had seen)", f.Reads, f.StaleReads, f.BackwardsReads))
	}
	// us writes a latency to three significant digits as the reports do
	// ("2.55s", not "2.551807s").
	us := func(v int64) string { return units.FormatMicros(float64(v)) }
	switch sd := f.SendDelay; {
	case f.Saturation != "":
		// The saturation note says why the schedule was not kept.
		notes = append(notes, f.Saturation)
	case sd.Count > 0 && sd.P99 > 10_000 && !p.ClosedLoop && p.Faults:
		notes = append(notes, fmt.Sprintf(
			"producers were held up by the faults (send delay p99 %s, max %s): events due during an outage went out late, and their latency counts from when they were due",
			us(sd.P99), us(sd.Max)))
	case sd.Count > 0 && sd.P99 > 10_000 && !p.ClosedLoop:
		notes = append(notes, fmt.Sprintf(
			"the generator fell behind its schedule (send delay p99 %s, max %s): %d producer connection(s) could not send %g events/s; latency figures include that queueing. Add producers or pipeline depth to tell a client limit from a server limit.",
			us(sd.P99), us(sd.Max), p.Producers, p.Rate))
	}
	if p.ClosedLoop {
		notes = append(notes, "closed loop (rate: max): latency is service time from the actual send; the send rate adapted to the server")
	}
	if f.RecordErr != nil {
		notes = append(notes, "writing the timeline or interval logs failed: "+f.RecordErr.Error())
	}
	return notes
}

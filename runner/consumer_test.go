package runner

import (
	"strings"
	"testing"

	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/result"
)

// Consumer faults on real Redis: a consumer killed mid-batch, another
// stalled past claim_idle. The at-least-once patterns lose nothing: what
// the dead or stalled consumer held is taken back and delivered again,
// the event it had handled when it died twice (a duplicate).
func TestConsumerFaultsRedeliver(t *testing.T) {
	testenv.RequireRedis(t)
	const yaml = `
warmup: 1s
duration: 6s
drain: 6s
target: {provider: process, topology: standalone}
workload: {producers: 2, consumers: 4, rate: 1000, payload: 64, keys: 4, options: {claim_idle: 1s}}
chaos:
  - {at: 1s, action: kill-consumer, target: consumer, params: {which: 1}}
  - {at: 3s, action: pause-consumer, target: consumer, duration: 2s, params: {which: 2}}
matrix:
  workload.pattern: [stream, list-reliable]
`
	res := run(t, yaml)
	for _, c := range res.Cells {
		ev := c.Events
		if ev.Lost != 0 || ev.Stranded != 0 || ev.Received-ev.Recovered != ev.Acked || ev.Acked == 0 {
			t.Errorf("%s: acked %d received %d (recovered %d) lost %d stranded %d: want received = acked, nothing lost",
				c.Name, ev.Acked, ev.Received, ev.Recovered, ev.Lost, ev.Stranded)
		}
		if ev.Duplicated < 1 {
			t.Errorf("%s: duplicated %d: the killed consumer's last event must come twice", c.Name, ev.Duplicated)
		}
		if len(c.Faults) != 2 {
			t.Fatalf("%s: %d faults, want 2", c.Name, len(c.Faults))
		}
		kill, pause := c.Faults[0], c.Faults[1]
		if pause.BacklogPeak != nil {
			t.Logf("%s: pause backlog peak %d", c.Name, *pause.BacklogPeak)
		}
		if kill.Error != "" || kill.Node != "c1" || kill.Role != "consumer" || kill.Redelivered < 1 || kill.DuplicateDeliveries < 1 {
			t.Errorf("%s: kill %+v: want c1 killed, its work redelivered with a duplicate", c.Name, kill)
		}
		// Its work is taken back once idle claim_idle (1s): a stream entry
		// idles from its delivery, after the kill; list-reliable's
		// heartbeat (refreshed every claim_idle/4) may have been set up to
		// 250ms before it. Not sooner than 0.75s after the kill, then.
		if kill.RedeliveredS < 0.7 {
			t.Errorf("%s: kill redelivered after %.2fs, want ≥ claim_idle", c.Name, kill.RedeliveredS)
		}
		if pause.Error != "" || pause.Node != "c2" || pause.HealedAtS < pause.AtS+1.9 || pause.BacklogPeak == nil {
			t.Errorf("%s: pause %+v: want c2 paused 2s, healed, a backlog sampled", c.Name, pause)
		}
		if c.Pass != true {
			t.Errorf("%s: failed: %+v", c.Name, c.SLO)
		}
	}
}

// An at-most-once pattern loses what a killed consumer had taken and not
// processed, puts the loss down to the consumer faults and says why. The
// consumer is stalled first, so that its queue fills and the pop it dies
// in takes a full batch: all but the event it handled are lost.
func TestConsumerKillAtMostOnce(t *testing.T) {
	testenv.RequireRedis(t)
	const yaml = `
warmup: 1s
duration: 4s
drain: 3s
target: {provider: process, topology: standalone}
workload: {pattern: list, producers: 2, consumers: 2, rate: 1000, payload: 64, keys: 2, options: {batch: 64}}
chaos:
  - {at: 1s, action: pause-consumer, target: consumer, duration: 1s, params: {which: 1}}
  - {at: 1500ms, action: kill-consumer, target: consumer, params: {which: 1}}
`
	c := run(t, yaml).Cells[0]
	ev := c.Events
	var faultLost int64
	for _, f := range c.Faults {
		faultLost += f.LostAcked
	}
	if ev.Lost < 2 || faultLost != ev.Lost || ev.Received+ev.Lost != ev.Acked || ev.Stranded != 0 {
		t.Errorf("acked %d received %d lost %d (the faults' %d) stranded %d: want a batch lost, received + lost = acked, all of the loss the faults'",
			ev.Acked, ev.Received, ev.Lost, faultLost, ev.Stranded)
	}
	if !hasNote(c, "delivers at most once") {
		t.Errorf("lost %d but no note says why: %q", ev.Lost, c.Notes)
	}
}

// groups: 3 fans every event out to three consumer groups: each receives
// every event, so received is three times acked, and nothing is lost.
func TestStreamGroups(t *testing.T) {
	testenv.RequireRedis(t)
	const yaml = `
warmup: 1s
duration: 4s
drain: 4s
target: {provider: process, topology: standalone}
workload: {pattern: stream, producers: 2, consumers: 6, rate: 1000, payload: 64, keys: 4, options: {groups: 3}}
`
	for _, set := range []string{"workload.options.assign=all", "workload.options.assign=split"} {
		c := run(t, yaml, set).Cells[0]
		ev := c.Events
		if ev.Acked == 0 || ev.Received != 3*ev.Acked || ev.Lost != 0 || ev.Stranded != 0 || ev.Duplicated != 0 {
			t.Errorf("%s: acked %d received %d lost %d stranded %d duplicated %d: want received = 3 × acked, nothing lost",
				set, ev.Acked, ev.Received, ev.Lost, ev.Stranded, ev.Duplicated)
		}
	}
}

// maxmemory as target.config: events delayed 3s fill more than 2 MB.
// Under allkeys-lru Redis evicts whole queues, their events lost and the
// evictions counted; under noeviction it refuses writes (OOM errors,
// failed, none lost).
func TestMaxmemory(t *testing.T) {
	testenv.RequireRedis(t)
	const yaml = `
warmup: 1s
duration: 4s
drain: 5s
target: {provider: process, topology: standalone, config: {maxmemory: 2mb}}
workload: {pattern: zset, producers: 2, consumers: 2, rate: 2000, payload: 1024, keys: 16, options: {delay: 3s}}
matrix:
  target.config.maxmemory-policy: [allkeys-lru, noeviction]
`
	res := run(t, yaml)
	lru, noev := res.Cells[0], res.Cells[1]
	if lru.EvictedKeys == nil || *lru.EvictedKeys < 1 || lru.Events.Lost < 1 || !hasNote(lru, "evicted") {
		t.Errorf("allkeys-lru: evicted %v lost %d notes %q: want evictions counted, events lost, a note", lru.EvictedKeys, lru.Events.Lost, lru.Notes)
	}
	if noev.Errors["oom"] < 1 || noev.Events.Failed < 1 || noev.Events.Lost != 0 || noev.EvictedKeys != nil || !hasNote(noev, "OOM") {
		t.Errorf("noeviction: oom %d failed %d lost %d evicted %v notes %q: want OOM errors, failed writes, nothing lost or evicted",
			noev.Errors["oom"], noev.Events.Failed, noev.Events.Lost, noev.EvictedKeys, noev.Notes)
	}
}

func hasNote(c result.Cell, s string) bool {
	for _, n := range c.Notes {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

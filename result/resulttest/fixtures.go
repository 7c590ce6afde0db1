// Package resulttest holds results for tests: a passing run, a failover,
// a matrix, one with every field set, a failover's timeline rows, and the golden-file helper the
// packages rendering them share.
package resulttest

import (
	"strconv"

	"github.com/squall-bench/squall/record"
	"github.com/squall-bench/squall/result"
)

// Fixtures for the renderer and schema tests, built as Go values so a change
// to the model breaks them at compile time rather than in a stale file.

// PassResult is a single producer/consumer cell that met every objective.
func PassResult() *result.Result {
	c := result.Cell{
		Name:   "quickstart",
		Params: map[string]string{},
		Target: result.TargetInfo{Provider: "process", Topology: "standalone", Persistence: "none", RedisVersion: "7.2.4"},
		Workload: result.WorkloadInfo{Pattern: "list", Producers: 2, Consumers: 2, Rate: 5000, Payload: "256",
			Keys: 4, Pipeline: 1},
		Client:     result.ClientInfo{Library: "github.com/redis/go-redis/v9 9.23.0", DialTimeoutS: 5, ReadTimeoutS: 3, WriteTimeoutS: 3, MaxRetries: 0},
		DurationS:  15,
		Throughput: result.Throughput{SentPerS: 5000, AckedPerS: 5000, ReceivedPerS: 4999.933},
		Latency: result.Latencies{
			Publish:   result.Summary{Count: 75000, Min: 61, Mean: 212.4, P50: 187, P90: 301, P99: 812, P999: 1905, Max: 4211},
			Service:   result.Summary{Count: 75000, Min: 58, Mean: 199.0, P50: 176, P90: 284, P99: 760, P999: 1702, Max: 3990},
			EndToEnd:  result.Summary{Count: 74999, Min: 98, Mean: 388.9, P50: 341, P90: 587, P99: 1243, P999: 3118, Max: 9020},
			SendDelay: result.Summary{Count: 75000, Min: 0, Mean: 11.2, P50: 8, P90: 19, P99: 52, P999: 240, Max: 1502},
		},
		Events: result.Events{Sent: 75000, Acked: 75000, Received: 74999},
		Errors: map[string]int64{},
		Faults: []result.FaultResult{},
	}
	c.SLO = result.CheckSLO(&c, []result.Objective{
		{Name: "e2e_p99", Limit: "50ms", Value: 50_000},
		{Name: "publish_p99", Limit: "10ms", Value: 10_000},
		{Name: "throughput_min", Limit: "4900", Value: 4900},
		{Name: "lost_max", Limit: "0", Value: 0},
	})
	c.Pass = AllPass(c.SLO)
	return &result.Result{Schema: result.Schema, Version: "v0.1.0", Scenario: "quickstart", StartedAt: "2025-11-24T16:00:00Z",
		Pass: true, Cells: []result.Cell{c}}
}

// FailoverResult is a Sentinel failover that lost and duplicated events,
// with errors, three faults (one that could not be injected), failed
// objectives and notes. Every field of the model is set, except the ones
// that say the run stopped short (see FullResult).
func FailoverResult() *result.Result {
	c := result.Cell{
		Name:   "stream-failover",
		Params: map[string]string{"target.persistence": "aof-everysec"},
		Target: result.TargetInfo{Provider: "docker", ProviderNote: "target.provider docker", Topology: "sentinel", Persistence: "aof-everysec", RedisVersion: "7.2.4",
			ServerName: "redis", ServerVersion: "7.2.4", IOThreads: 1,
			Image: "redis:7.2", ImageNote: "redis:7.2 found locally",
			DataPath: "published", DataPathNote: "target.data_path published: clients reach the containers through ports published on 127.0.0.1",
			Nodes: []result.NodeInfo{
				{Name: "redis-1", Role: "primary", Addr: "127.0.0.1:32768"},
				{Name: "redis-2", Role: "replica", Addr: "127.0.0.1:32769"},
				{Name: "sentinel-1", Role: "sentinel", Addr: "127.0.0.1:32770"},
			}},
		Workload: result.WorkloadInfo{Pattern: "stream", Producers: 4, Consumers: 4, Rate: 20000, Payload: "64-4096",
			Keys: 8, Pipeline: 1},
		Client:     result.ClientInfo{Library: "github.com/redis/go-redis/v9 9.23.0", DialTimeoutS: 5, ReadTimeoutS: 3, WriteTimeoutS: 3, MaxRetries: 3, CPUs: 1, CPUsNote: "auto: 1 of 2 cores, one left to the Redis primary on this machine", CPUUsed: 0.412},
		DurationS:  60,
		Throughput: result.Throughput{OfferedPerS: 20000, SentPerS: 19998.7, AckedPerS: 19861.25, ReceivedPerS: 19852.4},
		Latency: result.Latencies{
			Publish:   result.Summary{Count: 1191675, Min: 88, Mean: 40211.7, P50: 412, P90: 1240, P99: 6_210_000, P999: 7_980_000, Max: 8_412_000},
			Service:   result.Summary{Count: 1191675, Min: 80, Mean: 39_870.2, P50: 398, P90: 1_100, P99: 5_950_000, P999: 7_900_000, Max: 8_400_000}, // round trips hung in the outage
			EndToEnd:  result.Summary{Count: 1191144, Min: 140, Mean: 51230.2, P50: 655, P90: 2_410, P99: 6_850_000, P999: 8_120_000, Max: 9_870_000},
			SendDelay: result.Summary{Count: 1199922, Min: 0, Mean: 19.5, P50: 9, P90: 24, P99: 96, P999: 999_700, Max: 1_204_000},
		},
		Events: result.Events{Sent: 1199922, Dropped: 78, Acked: 1191675, Failed: 7621, Indeterminate: 626, Received: 1191144,
			Lost: 1130, Stranded: 0, Recovered: 599, Duplicated: 37, DuplicateDeliveries: 41, Reordered: 12},
		Errors: map[string]int64{"timeout": 598, "connection": 28, "readonly": 7621},
		Faults: []result.FaultResult{
			{Action: "kill", Target: "primary", Node: "redis-1", Role: "primary", AtS: 20.412, HealedAtS: 0, UnavailableS: 6.21, RecoveredS: 7.9,
				ProducersUnavailableS: 6.21, ConsumersUnavailableS: 5.8, Promoted: "redis-2", PromotedAtS: 25.917, RejoinedAs: "replica",
				Errors: map[string]int64{"connection": 28, "readonly": 7621}, LostAcked: 1130},
			{Action: "restart", Target: "killed", Node: "redis-1", Role: "replica", AtS: 40.006, HealedAtS: 41.238, UnavailableS: 0, RecoveredS: 0},
			{Action: "pause", Target: "replica", AtS: 50.003, Error: "no replica left to pause: redis-2 was promoted"},
		},
		ServerCalls: map[string]int64{"xadd": 1210004, "xreadgroup": 98211, "xack": 1191144},
		QueuedAtEnd: new(int64), // every missing event is gone, none waiting
		Saturation:  &result.Saturation{CarriedRatio: 0.993, Limit: "redis", RedisCPU: 0.97, ClientCPU: 0.41, ClientCores: 1},
		Notes: []string{
			"1,130 acknowledged events were written to the old primary after the replica's last sync and were lost in the failover; with asynchronous replication this is expected Redis behaviour, measured here.",
			"the generator fell behind its schedule (send delay p99.9 1s): latency figures include that queueing.",
		},
	}
	c.SLO = result.CheckSLO(&c, []result.Objective{
		{Name: "e2e_p99", Limit: "50ms", Value: 50_000},
		{Name: "publish_p99", Limit: "10ms", Value: 10_000},
		{Name: "throughput_min", Limit: "19000", Value: 19000},
		{Name: "lost_max", Limit: "0", Value: 0},
		{Name: "unavailable_max", Limit: "15s", Value: 15_000_000},
	})
	c.Pass = AllPass(c.SLO)
	return &result.Result{Schema: result.Schema, Version: "v0.1.0", Scenario: "stream-failover", StartedAt: "2025-11-24T16:05:12Z",
		Pass: false, Cells: []result.Cell{c}}
}

// FullResult sets every field of the model, the stop-short ones included:
// the run was interrupted during its only cell.
func FullResult() *result.Result {
	r := FailoverResult()
	r.Error = "interrupted: stopped after 58.2s of the measured phase; partial results kept"
	r.Interrupted = true
	r.Cells[0].Error = r.Error
	r.Cells[0].Pass = false
	c := &r.Cells[0]
	c.Target.Reaped = []string{"container squall-1f2e3d4c-redis-1 (run 1f2e3d4c)"}
	c.Target.Binary = "/usr/bin/redis-server" // a process target's; set so the schema golden covers it
	c.Target.Nodes[0].Shard = 1
	c.Faults[0].Shards = []result.ShardAvailability{{Shard: 1, UnavailableS: 6.21}}
	// Cut short before the throughput came back: not "never recovered".
	c.Faults[0].RecoveredS = -1
	c.SLO = append(c.SLO, result.CheckSLO(c, []result.Objective{{Name: "recovery_max", Limit: "20s", Value: 20_000_000}})...)
	// A consumer killed mid-batch: its pending work taken back after
	// claim_idle, the event it had handled delivered twice.
	backlog := int64(180)
	c.Faults = append(c.Faults, result.FaultResult{Action: "kill-consumer", Target: "consumer", Node: "c2", Role: "consumer", AtS: 55.002,
		Redelivered: 64, RedeliveredS: 5.6, DuplicateDeliveries: 1, BacklogPeak: &backlog})
	evicted := int64(0) // set so the schema golden covers it (a real run leaves it out when none was evicted)
	c.EvictedKeys = &evicted
	c.Repeat = 2
	c.Samples = map[string][]float64{"throughput": {4810.5, 4792.25}, "publish_p99": {3120, 3340}}
	r.Capacity = &result.Capacity{Objective: "e2e_p99 <= 50ms", MaxRate: 20000, KneeRate: 15000,
		Points: []result.CapacityPoint{{Cell: "rate=20000", Rate: 20000, AckedPerS: 19861.25, P50us: 655, P99us: 6_850_000, Pass: true}}}
	shard := result.ShardInfo{Index: 0, Count: 2, StartAt: "2025-11-24T18:00:00Z", Producers: [2]int{0, 2}, Consumers: [2]int{0, 2},
		OfferedPerS: 10000, Clock: &result.ClockOffset{OffsetUs: -412, UncertaintyUs: 38, Corrected: true}}
	r.Shard = &shard
	r.Shards = []result.ShardInfo{shard}
	return r
}

// NoObjectivesResult is FailoverResult's run with no objectives set: it
// lost 1,130 events, and nothing was judged.
func NoObjectivesResult() *result.Result {
	r := FailoverResult()
	r.Cells[0].SLO = []result.SLOResult{}
	r.Cells[0].Pass = true
	r.Pass = true
	return r
}

// MatrixResult is three persistence settings of one stream workload; the
// slowest misses its throughput objective.
func MatrixResult() *result.Result {
	mk := func(persistence string, acked, p99, e2e99 float64) result.Cell {
		c := result.Cell{
			Name:   "persistence=" + persistence,
			Params: map[string]string{"target.persistence": persistence},
			Target: result.TargetInfo{Provider: "process", Topology: "standalone", Persistence: persistence, RedisVersion: "7.2.4"},
			Workload: result.WorkloadInfo{Pattern: "stream", Producers: 4, Consumers: 2, Rate: 0, Payload: "512",
				Keys: 8, Pipeline: 8},
			DurationS:  30,
			Throughput: result.Throughput{SentPerS: acked, AckedPerS: acked, ReceivedPerS: acked},
			Latency: result.Latencies{
				Publish:   result.Summary{Count: int64(acked * 30), Min: 40, Mean: p99 / 4, P50: int64(p99 / 5), P90: int64(p99 / 2), P99: int64(p99), P999: int64(p99 * 2), Max: int64(p99 * 9)},
				Service:   result.Summary{Count: int64(acked * 30), Min: 39, Mean: p99 / 4, P50: int64(p99 / 5), P90: int64(p99 / 2), P99: int64(p99) - 5, P999: int64(p99 * 2), Max: int64(p99 * 9)},
				EndToEnd:  result.Summary{Count: int64(acked * 30), Min: 90, Mean: e2e99 / 4, P50: int64(e2e99 / 5), P90: int64(e2e99 / 2), P99: int64(e2e99), P999: int64(e2e99 * 2), Max: int64(e2e99 * 9)},
				SendDelay: result.Summary{Count: int64(acked * 30), Min: 0, Mean: 1, P50: 1, P90: 2, P99: 5, P999: 20, Max: 310},
			},
			Events: result.Events{Sent: int64(acked * 30), Acked: int64(acked * 30), Received: int64(acked * 30)},
			Errors: map[string]int64{},
			Faults: []result.FaultResult{},
			Notes:  []string{"closed loop (rate: max): latency is service time from the actual send; the send rate adapted to the server"},
		}
		c.SLO = result.CheckSLO(&c, []result.Objective{
			{Name: "throughput_min", Limit: "50000", Value: 50000},
			{Name: "lost_max", Limit: "0", Value: 0},
		})
		c.Pass = AllPass(c.SLO)
		return c
	}
	cells := []result.Cell{
		mk("none", 182_340.5, 1_380, 2_950),
		mk("aof-everysec", 151_002.2, 1_920, 4_120),
		mk("aof-always", 38_410.9, 14_800, 31_400),
	}
	return &result.Result{Schema: result.Schema, Version: "v0.1.0", Scenario: "persistence-cost", StartedAt: "2025-11-24T17:30:00Z",
		Pass: result.Verdict(cells), Cells: cells}
}

func AllPass(slo []result.SLOResult) bool {
	for _, s := range slo {
		if !s.Pass {
			return false
		}
	}
	return true
}

// CapacityResult is a step search of a stream pipeline from 2,000/s to
// 64,000/s by e2e_p99 <= 10ms: 32,000/s is the highest rate that met it,
// p99 passed 4x its low-rate level after 16,000/s, and 64,000/s missed it.
func CapacityResult() *result.Result {
	type step struct {
		rate, acked float64
		p50, p99    int64
	}
	steps := []step{
		{2000, 2000, 310, 1_100},
		{4000, 4000, 290, 900},
		{8000, 7999.8, 330, 1_300},
		{16000, 15998.1, 420, 1_800},
		{32000, 31990.4, 910, 4_200},
		{64000, 41022.7, 380_000, 1_910_000},
	}
	r := &result.Result{Schema: result.Schema, Version: "v0.1.0", Scenario: "capacity", StartedAt: "2025-11-24T18:00:00Z",
		Capacity: &result.Capacity{Objective: "e2e_p99 <= 10ms", MaxRate: 32000, KneeRate: 16000}}
	for _, s := range steps {
		name := "rate=" + strconv.FormatFloat(s.rate, 'f', -1, 64)
		lat := result.Summary{Count: int64(s.acked * 5), Min: 90, Mean: float64(s.p50) * 1.2, P50: s.p50, P90: s.p99 / 2, P99: s.p99, P999: s.p99 * 2, Max: s.p99 * 3}
		c := result.Cell{
			Name:       name,
			Params:     map[string]string{"workload.rate": strconv.FormatFloat(s.rate, 'f', -1, 64)},
			Target:     result.TargetInfo{Provider: "process", Topology: "standalone", Persistence: "none", RedisVersion: "7.2.4"},
			Workload:   result.WorkloadInfo{Pattern: "stream", Producers: 4, Consumers: 4, Rate: s.rate, Payload: "256", Keys: 4, Pipeline: 1},
			DurationS:  5,
			Throughput: result.Throughput{SentPerS: s.rate, AckedPerS: s.acked, ReceivedPerS: s.acked},
			Latency:    result.Latencies{Publish: lat, EndToEnd: lat, SendDelay: result.Summary{Count: int64(s.rate * 5), Mean: 4, P50: 3, P90: 9, P99: 40, P999: 210, Max: 900}},
			Events:     result.Events{Sent: int64(s.rate * 5), Acked: int64(s.acked * 5), Received: int64(s.acked * 5)},
			Errors:     map[string]int64{},
			Faults:     []result.FaultResult{},
		}
		c.SLO = result.CheckSLO(&c, []result.Objective{{Name: "e2e_p99", Limit: "10ms", Value: 10_000}})
		c.Pass = AllPass(c.SLO)
		r.Cells = append(r.Cells, c)
		r.Capacity.Points = append(r.Capacity.Points, result.CapacityPoint{Cell: name, Rate: s.rate, AckedPerS: s.acked,
			P50us: s.p50, P99us: s.p99, Pass: c.Pass})
	}
	r.Pass = result.CapacityPass(r)
	return r
}

// Timeline is a few seconds of a failover timeline, ending with a
// partial second.
func Timeline() []record.Second {
	return []record.Second{
		{T: 1, Dt: 1, Sent: 20000, Acked: 20000, Received: 19994, Publish: record.Brief{P50: 410, P99: 1210, Max: 3020}, EndToEnd: record.Brief{P50: 650, P99: 2390, Max: 5100},
			Service: record.Brief{P50: 395, P99: 1150, Max: 2990}},
		{T: 2.0004, Dt: 1.0004, Sent: 20001, Acked: 12003, Received: 11870, Errors: 620, Publish: record.Brief{P50: 455, P99: 990_000, Max: 1_002_000},
			EndToEnd: record.Brief{P50: 700, P99: 995_000, Max: 1_010_000}, Service: record.Brief{P50: 430, P99: 985_000, Max: 1_001_000},
			Faults: []record.Marker{{AtS: 1.412, Label: "kill redis-1 (primary)"}}},
		{T: 3, Dt: 0.9996, Sent: 19999, Acked: 0, Received: 0, Errors: 19999,
			Faults: []record.Marker{{AtS: 2.761, Label: "failover: redis-2 promoted"}, {AtS: 2.9, Label: "note, with comma"}}},
		{T: 4, Dt: 1, Sent: 20000, Acked: 26110, Received: 26201, Publish: record.Brief{P50: 480, P99: 6_210_000, Max: 6_400_000},
			EndToEnd: record.Brief{P50: 720, P99: 6_350_000, Max: 6_500_000}},
		{T: 4.3, Dt: 0.3, Sent: 6000, Acked: 6000, Received: 6010, Publish: record.Brief{P50: 470, P99: 1300, Max: 2900},
			EndToEnd: record.Brief{P50: 690, P99: 2400, Max: 4800}},
	}
}

// Package result is squall's result model, the content of result.json,
// and the judgement made from it: the objectives a cell is checked
// against, the run's verdict, the findings every rendering states in the
// same words, the notes a cell carries, the capacity knee and the
// analysis of a fault's outage and recovery. The metric registry (metrics.go) names every figure once,
// with its unit, which way is better and how to read it from a cell.
package result

// Schema names the result.json format; bump it on incompatible changes.
const Schema = "squall.result/v1"

// Result is the content of RUN_DIR/result.json (schema squall.result/v1:
// its field names are a promise to users' scripts; docs/reports.md documents them).
type Result struct {
	Schema    string `json:"schema"`
	Version   string `json:"version"`
	Scenario  string `json:"scenario"`
	StartedAt string `json:"started_at"` // RFC3339
	Pass      bool   `json:"pass"`
	// Error is set when the run was cut short (infrastructure failure,
	// Interruption); the cells then hold what was measured until then.
	Error       string `json:"error,omitempty"`
	Interrupted bool   `json:"interrupted,omitempty"`
	Cells       []Cell `json:"cells"`
	// Capacity is set when workload.rate was a search: one cell per rate
	// tried, and the curve and knee drawn from them.
	Capacity *Capacity `json:"capacity,omitempty"`
	// Shard is set when this is one shard of a run split over several
	// processes (squall run --shard): its figures are that shard's part
	// only, not judged; squall merge makes the run's result from all of
	// them.
	Shard *ShardInfo `json:"shard,omitempty"`
	// Shards is set on a result squall merge made: each shard's part.
	Shards []ShardInfo `json:"shards,omitempty"`
}

// ShardInfo is one shard of a run split over several processes.
type ShardInfo struct {
	Index   int    `json:"index"`
	Count   int    `json:"count"`
	StartAt string `json:"start_at"` // RFC3339, the common start of every shard's warmup
	// Producers and Consumers are the global ids [from, to) the shard ran.
	Producers [2]int `json:"producers"`
	Consumers [2]int `json:"consumers"`
	// OfferedPerS is the shard's share of the offered rate (0: closed loop).
	OfferedPerS float64 `json:"offered_per_s,omitempty"`
	// Clock is the shard's clock against the target's (Redis TIME).
	Clock *ClockOffset `json:"clock,omitempty"`
}

// ClockOffset is how far a shard's clock was from the target's. End-to-end
// latency crosses hosts when one shard's consumer receives another's
// event, so it is off by the difference of the two shards' offsets.
type ClockOffset struct {
	// OffsetUs is the target's TIME minus this host's clock at the middle
	// of the fastest of several round trips.
	OffsetUs int64 `json:"offset_us"`
	// UncertaintyUs bounds the error of OffsetUs: half that round trip.
	UncertaintyUs int64 `json:"uncertainty_us"`
	// Corrected says the shard moved its start by the offset (it does when
	// the offset is larger than its uncertainty); otherwise the offset is
	// only a bound on the error.
	Corrected bool `json:"corrected"`
}

// Capacity is the outcome of a rate search (workload.rate: {search: ...}).
type Capacity struct {
	Objective string          `json:"objective"` // the objective every point is judged by, e.g. "e2e_p99 <= 50ms"
	Points    []CapacityPoint `json:"points"`    // in the order tried
	// MaxRate is the highest offered rate whose cell met the objective
	// (0: none did); KneeRate is where latency starts to climb steeply.
	MaxRate  float64 `json:"max_rate"`
	KneeRate float64 `json:"knee_rate"`
}

// CapacityPoint is one rate tried during a capacity search.
type CapacityPoint struct {
	Cell      string  `json:"cell"`
	Rate      float64 `json:"rate"`        // offered events/s
	AckedPerS float64 `json:"acked_per_s"` // carried
	P50us     int64   `json:"p50_us"`      // of the objective's latency kind
	P99us     int64   `json:"p99_us"`
	Pass      bool    `json:"pass"`
}

// Cell is one run of the scenario (one point of the matrix).
type Cell struct {
	Name       string            `json:"name"`
	Params     map[string]string `json:"params"`
	Target     TargetInfo        `json:"target"`
	Workload   WorkloadInfo      `json:"workload"`
	Client     ClientInfo        `json:"client"`
	DurationS  float64           `json:"duration_s"`
	Throughput Throughput        `json:"throughput"`
	Latency    Latencies         `json:"latency_us"`
	Events     Events            `json:"events"`
	Errors     map[string]int64  `json:"errors"`
	Faults     []FaultResult     `json:"faults"`
	SLO        []SLOResult       `json:"slo"`
	// ServerCalls is what Redis itself counted (INFO commandstats calls)
	// during the cell, warmup included, for checking squall's own counts.
	ServerCalls map[string]int64 `json:"server_calls,omitempty"`
	// QueuedAtEnd is, when acknowledged events were still missing after the
	// drain, how many events the pipeline's keys still held then (LLEN,
	// ZCARD, SCARD, a stream group's lag), warmup events included. Absent
	// when everything arrived or the pattern keeps no events. The exact
	// count of measured events still there is Events.Stranded.
	QueuedAtEnd *int64 `json:"queued_at_end,omitempty"`
	// EvictedKeys is how many keys the primaries evicted during the cell
	// (INFO stats evicted_keys, warmup included); absent when none did,
	// or a primary did not answer. Evicted keys take their events with
	// them (lost).
	EvictedKeys *int64 `json:"evicted_keys,omitempty"`
	// Saturation is set when the cell carried less than it was offered:
	// how much less, and what most likely limited it.
	Saturation *Saturation `json:"saturation,omitempty"`
	// Notes are plain-language findings, e.g. "the generator fell behind".
	Notes []string `json:"notes,omitempty"`
	Error string   `json:"error,omitempty"`
	Pass  bool     `json:"pass"`
	// Repeat is how many times the cell ran (squall run --repeat N), each
	// time against a fresh target; absent when it ran once. The cell's own
	// figures are then over every repetition's measured phase, as one
	// longer run: counts and histograms added, rates over the summed time.
	Repeat int `json:"repeat,omitempty"`
	// Samples are, when Repeat is set, each repetition's own figure of
	// every compared metric the cell has (throughput, publish_p99, ...:
	// the names of `squall compare`), in the order the repetitions ran:
	// the independent samples compare's significance test works on.
	Samples map[string][]float64 `json:"samples,omitempty"`
}

// TargetInfo describes the system under test as it actually ran.
type TargetInfo struct {
	Provider string `json:"provider"`
	// ProviderNote says why that provider: how auto chose, or which
	// setting named it.
	ProviderNote string `json:"provider_note,omitempty"`
	Topology     string `json:"topology"`
	Persistence  string `json:"persistence"`
	// RedisVersion is INFO's redis_version, which every RESP server
	// reports (Valkey 8 says 7.2.4 there, for compatibility).
	RedisVersion string `json:"redis_version"`
	// ServerName and ServerVersion are what the server calls itself in
	// INFO server (redis 7.0.15, valkey 8.0.1), never the executable's
	// file name.
	ServerName    string `json:"server_name,omitempty"`
	ServerVersion string `json:"server_version,omitempty"`
	IOThreads     int    `json:"io_threads,omitempty"` // CONFIG GET io-threads; absent when the server does not say
	Binary        string `json:"binary,omitempty"`     // process: the executable the nodes ran
	Image         string `json:"image,omitempty"`
	ImageNote     string `json:"image_note,omitempty"` // found locally, pulled, or built from the host's redis-server
	// DataPath is how clients reached the nodes: direct (local processes,
	// or containers at their own addresses) or published (ports published
	// on 127.0.0.1, through Docker's port forwarding); absent for an
	// external target. DataPathNote says why.
	DataPath     string     `json:"data_path,omitempty"`
	DataPathNote string     `json:"data_path_note,omitempty"`
	Nodes        []NodeInfo `json:"nodes,omitempty"`
	// Reaped lists what an earlier, killed run had left behind and this one
	// removed before starting (containers, networks, process dirs).
	Reaped []string `json:"reaped,omitempty"`
}

// NodeInfo is one node of the target and its role at start.
type NodeInfo struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Addr  string `json:"addr"`
	Shard int    `json:"shard,omitempty"` // cluster: the shard it belongs to
}

// WorkloadInfo echoes the load shape so a result file stands alone.
type WorkloadInfo struct {
	Pattern   string  `json:"pattern"`
	Producers int     `json:"producers"`
	Consumers int     `json:"consumers"`
	Rate      float64 `json:"rate"` // events/s; 0 means "max" (closed loop)
	Payload   string  `json:"payload"`
	Keys      int     `json:"keys"`
	Pipeline  int     `json:"pipeline"`
}

// ClientInfo records the go-redis settings in force, since their defaults
// differ between versions.
type ClientInfo struct {
	Library       string  `json:"library"`
	DialTimeoutS  float64 `json:"dial_timeout_s"`
	ReadTimeoutS  float64 `json:"read_timeout_s"`
	WriteTimeoutS float64 `json:"write_timeout_s"`
	MaxRetries    int     `json:"max_retries"`
	// CPUs is the cores the generator ran on (GOMAXPROCS), and CPUsNote
	// why: by default it leaves a core to each Redis primary on the same
	// machine.
	CPUs     int    `json:"cpus,omitempty"`
	CPUsNote string `json:"cpus_note,omitempty"`
	// CPUUsed is the CPU squall's process used over the measured window,
	// in cores (user + sys; 0.05 is 5% of one core): what the generator
	// cost at this load.
	CPUUsed float64 `json:"cpu_used,omitempty"`
}

// Throughput is what was carried inside the measured window: operations
// that completed in it (sent, acknowledged, received), by when they
// completed, divided by its length. OfferedPerS is what the schedule asked
// for (0 in closed loop, rate: max).
type Throughput struct {
	OfferedPerS  float64 `json:"offered_per_s"`
	SentPerS     float64 `json:"sent_per_s"`
	AckedPerS    float64 `json:"acked_per_s"`
	ReceivedPerS float64 `json:"received_per_s"`
}

// Saturation says that a cell carried less than it was offered and what
// most likely limited it.
type Saturation struct {
	// CarriedRatio is carried over offered throughput (acked, or received
	// when the cell has consumers).
	CarriedRatio float64 `json:"carried_ratio"`
	// Limit is "redis" (its main thread was busy), "generator" (squall's
	// own cores were busy), "faults" (neither was, and faults were
	// scheduled), "concurrency" (the producer connections were waiting on
	// replies: producers × pipeline in flight were too few for the rate at
	// this latency) or "consumers" (Redis took the writes, the consumers
	// did not keep up).
	Limit string `json:"limit"`
	// RedisCPU is the busiest primary's CPU over the measured window, in
	// cores (-1: unknown); ClientCPU is squall's, in cores, out of
	// ClientCores.
	RedisCPU    float64 `json:"redis_cpu"`
	ClientCPU   float64 `json:"client_cpu"`
	ClientCores int     `json:"client_cores"`
}

// Latencies are the recorded latency kinds, in microseconds. Publish and
// EndToEnd count from the intended send time (no coordinated omission);
// Service is the actual send → reply of the same acknowledged writes, so
// Redis's own time shows even when the generator lags (SendDelay).
type Latencies struct {
	Publish   Summary `json:"publish"`
	Service   Summary `json:"service"`
	EndToEnd  Summary `json:"end_to_end"`
	SendDelay Summary `json:"send_delay"`
}

// Summary is a latency histogram's headline figures, in µs: the same
// eight for every histogram in result.json.
type Summary struct {
	Count int64   `json:"count"`
	Min   int64   `json:"min"`
	Mean  float64 `json:"mean"`
	P50   int64   `json:"p50"`
	P90   int64   `json:"p90"`
	P99   int64   `json:"p99"`
	P999  int64   `json:"p999"`
	Max   int64   `json:"max"`
}

// Events is the delivery accounting of the events intended in the
// measured phase.
type Events struct {
	Sent int64 `json:"sent"`
	// Dropped are events that fell due in the measured phase but were never
	// sent: the phase ended while the generator was behind its schedule.
	// They are counted, never sent late (sent + dropped = offered).
	Dropped       int64 `json:"dropped"`
	Acked         int64 `json:"acked"`
	Failed        int64 `json:"failed"`
	Indeterminate int64 `json:"indeterminate"`
	Received      int64 `json:"received"`
	// Lost are events acknowledged, never received and no longer in Redis
	// (all those never received when what Redis held could not be read at
	// the end; the cell's notes then say so).
	Lost int64 `json:"lost"`
	// Stranded are events acknowledged, never received, and still in the
	// pipeline's keys when the run ended (consumer lag, not loss).
	Stranded  int64 `json:"stranded"`
	Recovered int64 `json:"recovered"`
	// Duplicated counts events received more than once;
	// DuplicateDeliveries the deliveries beyond each event's first (an
	// event that arrived three times is one duplicated event and two
	// duplicate deliveries).
	Duplicated          int64 `json:"duplicated"`
	DuplicateDeliveries int64 `json:"duplicate_deliveries"`
	Reordered           int64 `json:"reordered"`
}

// FaultResult is what one injected fault did to the pipeline.
type FaultResult struct {
	Action       string  `json:"action"`
	Target       string  `json:"target"`
	Node         string  `json:"node,omitempty"`
	Role         string  `json:"role,omitempty"`
	AtS          float64 `json:"at_s"`
	HealedAtS    float64 `json:"healed_at_s"`
	UnavailableS float64 `json:"unavailable_s"` // max of producers' and consumers'
	RecoveredS   float64 `json:"recovered_s"`   // until throughput is back within 10% of before; -1: never
	// Producers and Consumers are the unavailability each side saw: from
	// the first failed or stalled operation after the fault to the first
	// success after it (0: never interrupted).
	ProducersUnavailableS float64 `json:"producers_unavailable_s"`
	ConsumersUnavailableS float64 `json:"consumers_unavailable_s"`
	// Promoted names the node that became primary after a failover, and
	// when (from Sentinel or Cluster state).
	Promoted string `json:"promoted,omitempty"`
	// RejoinedAs is the role the old primary came back in once healed
	// ("replica" when it was demoted, as it should be).
	RejoinedAs  string  `json:"rejoined_as,omitempty"`
	PromotedAtS float64 `json:"promoted_at_s,omitempty"`
	// Errors are the client-visible errors from the fault until recovery, by class.
	Errors map[string]int64 `json:"errors,omitempty"`
	// LostAcked counts the lost events (acknowledged, never received, gone
	// from Redis) this fault accounts for: those still unreceived when it
	// struck and not already counted by an earlier fault; the last fault
	// also takes what was acknowledged after it fired.
	LostAcked int64 `json:"lost_acked"`
	// Consumer faults (kill-consumer, pause-consumer, restart-consumer),
	// from the fault until the next fault or the end of the load:
	// Redelivered counts events taken back from consumers presumed dead
	// (XAUTOCLAIM, re-queued processing lists) to be delivered again, and
	// RedeliveredS is when the last of them was taken back, after the
	// fault (0: none was); DuplicateDeliveries are the deliveries beyond
	// an event's first; BacklogPeak is the most events the pipeline's keys
	// held (absent when the pattern keeps no queue or Redis never said).
	Redelivered         int64   `json:"redelivered,omitempty"`
	RedeliveredS        float64 `json:"redelivered_s,omitempty"`
	DuplicateDeliveries int64   `json:"duplicate_deliveries,omitempty"`
	BacklogPeak         *int64  `json:"backlog_peak,omitempty"`
	// Shards is per-shard availability for cluster targets.
	Shards []ShardAvailability `json:"shards,omitempty"`
	Error  string              `json:"error,omitempty"`
}

// ShardAvailability is how long writes to one cluster shard's keys stalled.
type ShardAvailability struct {
	Shard        int     `json:"shard"`
	UnavailableS float64 `json:"unavailable_s"`
}

// SLOResult is one objective's verdict.
type SLOResult struct {
	Name     string `json:"name"`
	Limit    string `json:"limit"`
	Observed string `json:"observed"`
	Pass     bool   `json:"pass"`
}

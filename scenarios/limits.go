package scenarios

import "time"

// Limits on what a scenario may ask for, checked by validation (squall
// validate, and run before anything starts). Each is far above what a real
// scenario needs, and low enough that no scenario can exhaust the machine
// squall runs on or hang it: docs/safety.md's "Hostile scenarios and limits" lists them with
// their reasons, and TestLimitsDocumented keeps that table in step.
const (
	// MaxFileSize is read of a scenario file at most; the shipped ones are
	// about 2 KiB. A larger file is refused before it is parsed.
	MaxFileSize = 1 << 20

	// MaxName bounds a scenario's name (part of the run directory's name)
	// and MaxCellName a matrix cell's (part of its files' names): a file
	// name has at most 255 bytes.
	MaxName     = 128
	MaxCellName = 200

	// MaxPhase bounds duration, warmup, drain, a fault's at and duration:
	// a week-long soak is the longest run anyone asks for, and it keeps
	// every sum of durations far from time.Duration's 292 years.
	MaxPhase = Duration(7 * 24 * time.Hour)

	// MinEvery is the shortest interval a fault repeats at: a fault takes
	// milliseconds to act and more to heal.
	MinEvery = Duration(100 * time.Millisecond)

	// MaxShots bounds the firings of a cell's chaos schedule (every fault,
	// each repeat): each is a timeline event and a row of the report.
	MaxShots = 10000

	// MaxKeys is the most partitions a workload spreads over: the
	// generator's per-event cost is flat in the keys up to this many
	// (loadgen.MaxKeys).
	MaxKeys = 100_000

	// MaxClients bounds producers and consumers each: every one is a
	// connection to Redis and a goroutine.
	MaxClients = 10000

	// MinRate and MaxRate bound an open-loop rate (events/s in total):
	// below one event per 100 s a run measures nothing; 100 million/s is
	// far above what one machine sends, and keeps per-producer intervals
	// well inside the pacer's arithmetic.
	MinRate = 0.01
	MaxRate = 1e8

	// MaxEventBuffers bounds producers × pipeline × payload max: the bytes
	// of event buffers squall allocates before it sends anything.
	MaxEventBuffers = 1 << 30

	// MaxFanOut bounds producers × consumers for the fan-out patterns
	// (pubsub, spubsub), where every subscriber receives every event and
	// the exact ledger keeps one book per subscriber and producer.
	MaxFanOut = 1_000_000

	// MaxServers is the most servers a target squall starts may have
	// (compose.MaxServers): a typo like shards: 300 fails at validation
	// instead of starting hundreds of servers.
	MaxServers = 64

	// MaxTimeout bounds client timeouts and the Sentinel and Cluster
	// failure-detection times: a server silent for an hour will not answer.
	MaxTimeout = Duration(time.Hour)

	// MaxRetries bounds client.max_retries.
	MaxRetries = 100

	// MaxCPUs bounds client.cpus (GOMAXPROCS): the runtime allocates per
	// core it is given.
	MaxCPUs = 1024
)

// Servers is how many servers a target squall starts has: the topology's
// data nodes and sentinels. Counts must already be bounded (<= MaxServers
// each), so the product cannot overflow.
func Servers(topology string, shards, replicas, sentinels int) int {
	switch topology {
	case "cluster":
		return shards * (1 + replicas)
	case "sentinel":
		return 1 + replicas + sentinels
	}
	return 1 + replicas
}

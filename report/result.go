package report

// Schema names the result.json format; bump it on incompatible changes.
const Schema = "squall.result/v1"

// Result is the content of RUN_DIR/result.json (field names per DESIGN.md).
type Result struct {
	Schema    string `json:"schema"`
	Version   string `json:"version"`
	Scenario  string `json:"scenario"`
	StartedAt string `json:"started_at"` // RFC3339
	Pass      bool   `json:"pass"`
	// Error is set when the run was cut short (infrastructure failure,
	// interruption); the cells then hold what was measured until then.
	Error       string `json:"error,omitempty"`
	Interrupted bool   `json:"interrupted,omitempty"`
	Cells       []Cell `json:"cells"`
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
	// Notes are plain-language findings, e.g. "the generator fell behind".
	Notes []string `json:"notes,omitempty"`
	Error string   `json:"error,omitempty"`
	Pass  bool     `json:"pass"`
}

// TargetInfo describes the system under test as it actually ran.
type TargetInfo struct {
	Provider     string     `json:"provider"`
	Topology     string     `json:"topology"`
	Persistence  string     `json:"persistence"`
	RedisVersion string     `json:"redis_version"`
	Image        string     `json:"image,omitempty"`
	Nodes        []NodeInfo `json:"nodes,omitempty"`
}

// NodeInfo is one node of the target and its role at start.
type NodeInfo struct {
	Name string `json:"name"`
	Role string `json:"role"`
	Addr string `json:"addr"`
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
}

// Throughput is events per second over the measured phase.
type Throughput struct {
	SentPerS     float64 `json:"sent_per_s"`
	AckedPerS    float64 `json:"acked_per_s"`
	ReceivedPerS float64 `json:"received_per_s"`
}

// Latencies are the three recorded latency kinds, in microseconds.
type Latencies struct {
	Publish   Summary `json:"publish"`
	EndToEnd  Summary `json:"end_to_end"`
	SendDelay Summary `json:"send_delay"`
}

// Summary is a latency histogram's headline figures (H in DESIGN.md).
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

// Events is the delivery accounting of the measured phase.
type Events struct {
	Sent          int64 `json:"sent"`
	Acked         int64 `json:"acked"`
	Failed        int64 `json:"failed"`
	Indeterminate int64 `json:"indeterminate"`
	Received      int64 `json:"received"`
	Lost          int64 `json:"lost"`
	Recovered     int64 `json:"recovered"`
	Duplicated    int64 `json:"duplicated"`
	Reordered     int64 `json:"reordered"`
}

// FaultResult is what one injected fault did to the pipeline.
type FaultResult struct {
	Action       string  `json:"action"`
	Target       string  `json:"target"`
	Node         string  `json:"node,omitempty"`
	Role         string  `json:"role,omitempty"`
	AtS          float64 `json:"at_s"`
	HealedAtS    float64 `json:"healed_at_s"`
	UnavailableS float64 `json:"unavailable_s"`
	RecoveredS   float64 `json:"recovered_s"`
	Error        string  `json:"error,omitempty"`
}

// SLOResult is one objective's verdict.
type SLOResult struct {
	Name     string `json:"name"`
	Limit    string `json:"limit"`
	Observed string `json:"observed"`
	Pass     bool   `json:"pass"`
}

// Package scenarios holds the scenario schema: plain data, strict parsing with
// file:line:col errors, defaults, --set overrides and matrix expansion, and the
// shipped scenario library.
package scenarios

import "time"

// Scenario is one fully resolved run description: every default filled in.
type Scenario struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description"`
	Duration    Duration       `yaml:"duration"`
	Warmup      Duration       `yaml:"warmup"`
	Drain       Duration       `yaml:"drain"`
	Seed        int64          `yaml:"seed"`
	Target      Target         `yaml:"target"`
	Workload    Workload       `yaml:"workload"`
	Client      Client         `yaml:"client"`
	Chaos       []Fault        `yaml:"chaos"`
	SLO         Objectives     `yaml:"slo"`
	Matrix      Matrix         `yaml:"matrix"`
	Source      string         `yaml:"-"` // file the scenario came from, for messages
	pos         map[string]pos // where each key was written, for Errorf
}

// Target says which Redis to stand up, or which one to use.
type Target struct {
	Provider    string         `yaml:"provider"`    // auto | docker | process | external
	Topology    string         `yaml:"topology"`    // standalone | sentinel | cluster
	Shards      int            `yaml:"shards"`      // cluster primaries
	Replicas    int            `yaml:"replicas"`    // replicas per primary
	Sentinels   int            `yaml:"sentinels"`   // sentinel processes
	Persistence string         `yaml:"persistence"` // none | rdb | aof-everysec | aof-always | aof-no | rdb+aof-...
	Image       string         `yaml:"image"`       // docker only
	Server      string         `yaml:"server"`      // process only: a redis-server-compatible executable ("": redis-server)
	DataPath    string         `yaml:"data_path"`   // docker only: auto | direct | published
	Config      map[string]any `yaml:"config"`      // extra redis.conf directives
	Addrs       []string       `yaml:"addrs"`       // external only
	Username    string         `yaml:"username"`    // external only: the ACL user ("": default)
	DB          int            `yaml:"db"`          // external only: the database squall's keys live in
	PasswordEnv string         `yaml:"password_env"`
	TLS         TLS            `yaml:"tls"`      // external only
	Sentinel    SentinelTuning `yaml:"sentinel"` // sentinel topology only
	Cluster     ClusterTuning  `yaml:"cluster"`  // cluster topology only
}

// TLS is how squall connects to an external target over TLS; it is on
// when Enabled or any file is given.
type TLS struct {
	Enabled            bool   `yaml:"enabled"`
	CAFile             string `yaml:"ca_file"`   // PEM CA bundle to verify the server; "" uses the system's
	CertFile           string `yaml:"cert_file"` // client certificate (PEM), when the server asks for one
	KeyFile            string `yaml:"key_file"`
	ServerName         string `yaml:"server_name"` // name to verify instead of the address's host
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// On reports whether TLS is asked for.
func (t TLS) On() bool {
	return t.Enabled || t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.ServerName != "" || t.InsecureSkipVerify
}

// SentinelTuning sets how fast Sentinel declares a primary down and fails
// over; failover tests tune it down so a run sees the whole cycle.
type SentinelTuning struct {
	DownAfter       Duration `yaml:"down_after"`       // down-after-milliseconds
	FailoverTimeout Duration `yaml:"failover_timeout"` // failover-timeout
}

// ClusterTuning sets Redis Cluster's failure detection.
type ClusterTuning struct {
	NodeTimeout Duration `yaml:"node_timeout"` // cluster-node-timeout
}

// Workload is the event pipeline driven through the target.
type Workload struct {
	Pattern   string         `yaml:"pattern"`
	Producers int            `yaml:"producers"`
	Consumers int            `yaml:"consumers"` // 0: producer-only
	Rate      Rate           `yaml:"rate"`
	Payload   Payload        `yaml:"payload"`
	Keys      int            `yaml:"keys"`
	Pipeline  int            `yaml:"pipeline"`
	Options   map[string]any `yaml:"options"`
}

// Client holds the go-redis timeouts, set explicitly because their defaults
// changed between go-redis minor versions; they are recorded in the result.
type Client struct {
	DialTimeout  Duration `yaml:"dial_timeout"`
	ReadTimeout  Duration `yaml:"read_timeout"`
	WriteTimeout Duration `yaml:"write_timeout"`
	MaxRetries   int      `yaml:"max_retries"` // retries after a failure; 0: none (go-redis spells that -1)
	// CPUs caps the cores squall's own goroutines run on (GOMAXPROCS)
	// during a cell; 0 (auto) leaves one core per Redis primary the run
	// starts on this machine.
	CPUs int `yaml:"cpus"`
}

// Fault is one step of the chaos schedule.
type Fault struct {
	At       Duration       `yaml:"at"`
	Every    Duration       `yaml:"every"`
	Duration Duration       `yaml:"duration"`
	Action   string         `yaml:"action"`
	Target   string         `yaml:"target"`
	Params   map[string]any `yaml:"params"`
}

// Objectives are the SLO checks that decide a run's pass/fail, by name
// (e2e_p99, publish_p99, throughput_min, lost_max, ...). Order is the file's.
type Objectives []Objective

// Objective is one named limit; Limit keeps the text as written for reports.
type Objective struct {
	Name  string
	Limit string
	Value float64 // microseconds for latency limits, events/s or counts otherwise
}

// Matrix maps a dotted key path to the values each cell takes; Keys keeps the
// file's order so cells are named and run in a predictable order.
type Matrix struct {
	Keys   []string
	Values map[string][]any
}

// Duration is a time.Duration written as "15s" in YAML.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Rate is the total event rate: Max means closed loop as fast as possible;
// Search (set only in a scenario as written, never in a cell that runs)
// means a capacity search over open-loop rates instead of one rate.
type Rate struct {
	PerSecond float64
	Max       bool
	Search    *RateSearch
}

// RateSearch is workload.rate: {search: {...}}: run one cell per rate,
// stepping geometrically from From to To (Steps rates, both ends included),
// until a rate misses the named objective; with Mode "bisect", three more
// cells then narrow the gap between the last rate that met it and the first
// that did not.
type RateSearch struct {
	From      float64 `yaml:"from"`      // events/s, the first rate tried
	To        float64 `yaml:"to"`        // events/s, the last rate tried
	Objective string  `yaml:"objective"` // the name of one of the scenario's slo objectives
	Steps     int     `yaml:"steps"`     // rates from From to To, both included
	Mode      string  `yaml:"mode"`      // step | bisect
}

// Payload is the event size in bytes, fixed (Min == Max) or a seeded range.
type Payload struct {
	Min, Max int
}

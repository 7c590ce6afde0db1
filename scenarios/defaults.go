package scenarios

import (
	"path/filepath"
	"strings"
	"time"
)

// Defaults, in one place. Values that depend on the topology (shards,
// replicas, sentinels) are in applyDefaults.
const (
	defaultDuration     = Duration(30 * time.Second)
	defaultWarmup       = Duration(2 * time.Second)
	defaultDrain        = Duration(5 * time.Second)
	defaultSeed         = 1
	defaultProvider     = "auto"
	defaultTopology     = "standalone"
	defaultShards       = 3 // Redis Cluster needs three primaries
	defaultSentinels    = 3 // a quorum of 2 survives one sentinel down
	defaultPersistence  = "none"
	defaultImage        = "redis:7.2"
	defaultDataPath     = "auto"
	defaultPattern      = "stream"
	defaultProducers    = 4
	defaultConsumers    = 4
	defaultRate         = 1000
	defaultPayload      = 256
	defaultKeys         = 4
	defaultPipeline     = 1
	defaultSearchSteps  = 6
	defaultSearchMode   = "step"
	defaultDialTimeout  = Duration(5 * time.Second)
	defaultReadTimeout  = Duration(3 * time.Second)
	defaultWriteTimeout = Duration(3 * time.Second)
	// Sentinel's and Cluster's failure detection, shorter than Redis's own
	// defaults (30 s, 180 s, 15 s) so a run of a minute sees a whole failover.
	defaultDownAfter       = Duration(5 * time.Second)
	defaultFailoverTimeout = Duration(60 * time.Second)
	defaultNodeTimeout     = Duration(5 * time.Second)
)

// applyDefaults fills in every key the scenario did not set. isSet tells a
// key written as 0 (validated as such) from one left out (defaulted), which
// is what lets replicas default to 0 for standalone but 1 for sentinel.
func applyDefaults(s *Scenario, file string, isSet func(path string) bool) {
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		if s.Name == "" || s.Name == "." || s.Name == string(filepath.Separator) {
			s.Name = "scenario"
		}
	}
	def := func(path string, dst *Duration, v Duration) {
		if !isSet(path) {
			*dst = v
		}
	}
	defInt := func(path string, dst *int, v int) {
		if !isSet(path) {
			*dst = v
		}
	}
	defStr := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	def("duration", &s.Duration, defaultDuration)
	def("warmup", &s.Warmup, defaultWarmup)
	def("drain", &s.Drain, defaultDrain)
	if !isSet("seed") {
		s.Seed = defaultSeed
	}

	t := &s.Target
	defStr(&t.Provider, defaultProvider)
	defStr(&t.Topology, defaultTopology)
	defStr(&t.Persistence, defaultPersistence)
	defStr(&t.Image, defaultImage)
	defStr(&t.DataPath, defaultDataPath)
	shards, replicas, sentinels := 0, 0, 0
	switch t.Topology {
	case "cluster":
		shards, replicas = defaultShards, 1
	case "sentinel":
		replicas, sentinels = 1, defaultSentinels
	}
	defInt("target.shards", &t.Shards, shards)
	defInt("target.replicas", &t.Replicas, replicas)
	defInt("target.sentinels", &t.Sentinels, sentinels)
	def("target.sentinel.down_after", &t.Sentinel.DownAfter, defaultDownAfter)
	def("target.sentinel.failover_timeout", &t.Sentinel.FailoverTimeout, defaultFailoverTimeout)
	def("target.cluster.node_timeout", &t.Cluster.NodeTimeout, defaultNodeTimeout)
	if t.Config == nil {
		t.Config = map[string]any{}
	}
	if t.Addrs == nil {
		t.Addrs = []string{}
	}

	w := &s.Workload
	defStr(&w.Pattern, defaultPattern)
	defInt("workload.producers", &w.Producers, defaultProducers)
	defInt("workload.consumers", &w.Consumers, defaultConsumers)
	if !isSet("workload.rate") {
		w.Rate = Rate{PerSecond: defaultRate}
	}
	if rs := w.Rate.Search; rs != nil {
		defInt("workload.rate.search.steps", &rs.Steps, defaultSearchSteps)
		defStr(&rs.Mode, defaultSearchMode)
	}
	if !isSet("workload.payload") {
		w.Payload = Payload{Min: defaultPayload, Max: defaultPayload}
	}
	defInt("workload.keys", &w.Keys, defaultKeys)
	defInt("workload.pipeline", &w.Pipeline, defaultPipeline)
	if w.Options == nil {
		w.Options = map[string]any{}
	}

	c := &s.Client
	def("client.dial_timeout", &c.DialTimeout, defaultDialTimeout)
	def("client.read_timeout", &c.ReadTimeout, defaultReadTimeout)
	def("client.write_timeout", &c.WriteTimeout, defaultWriteTimeout)

	if len(s.Chaos) == 0 {
		s.Chaos = nil
	}
	for i := range s.Chaos {
		if s.Chaos[i].Params == nil {
			s.Chaos[i].Params = map[string]any{}
		}
	}
	if len(s.SLO) == 0 {
		s.SLO = nil
	}
	if len(s.Matrix.Keys) == 0 {
		s.Matrix = Matrix{}
	}
}

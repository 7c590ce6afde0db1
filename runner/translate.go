package runner

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/squall-bench/squall/chaos"
	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/scenarios"
)

// The run translates a scenario into the plain values compose, loadgen and
// report take, so that none of them depends on the scenario schema.

// TargetSpec translates a scenario's target into a compose.Spec.
func TargetSpec(s *scenarios.Scenario, provider, runID string) (compose.Spec, error) {
	t := s.Target
	spec := compose.Spec{
		Provider:    provider,
		Topology:    t.Topology,
		Shards:      t.Shards,
		Replicas:    t.Replicas,
		Sentinels:   t.Sentinels,
		Persistence: t.Persistence,
		Image:       t.Image,
		Addrs:       t.Addrs,
		Username:    t.Username,
		DB:          t.DB,
		RunID:       runID,
		Config:      map[string]string{},
		Sentinel: compose.SentinelSpec{
			DownAfter:       t.Sentinel.DownAfter.D(),
			FailoverTimeout: t.Sentinel.FailoverTimeout.D(),
		},
		ClusterNodeTimeout: t.Cluster.NodeTimeout.D(),
	}
	if t.Topology == "cluster" && provider != "external" {
		for _, f := range s.Chaos {
			if f.Action == "add-shard" { // validation allows one shot per step
				spec.Spares++
			}
		}
	}
	switch provider {
	case "process":
		spec.Server = t.Server
	case "docker":
		spec.DataPath = t.DataPath
		spec.PeerProxy = chaos.NeedsPeerProxy(chaosSteps(s), provider, t.Topology) // chaos/peers.go
	}
	for k, v := range t.Config {
		text, ok := scenarios.ConfigValue(v) // validation refused what has no text form
		if !ok {
			return spec, fmt.Errorf("target.config.%s: expected a value (text, a number, or yes/no), got %v", k, v)
		}
		spec.Config[k] = text
	}
	if t.TLS.On() {
		c, err := tlsConfig(t.TLS)
		if err != nil {
			return spec, err
		}
		spec.TLS = c
	}
	if t.PasswordEnv != "" {
		pw, ok := os.LookupEnv(t.PasswordEnv)
		if !ok {
			return spec, fmt.Errorf("target.password_env: environment variable %s is not set", t.PasswordEnv)
		}
		spec.Password = pw
	}
	return spec, nil
}

// tlsConfig builds the client side of TLS from the scenario's files.
// CheckTLS reads target.tls's files as a run would, so that validation
// refuses a missing or unreadable certificate before anything starts.
func CheckTLS(t scenarios.TLS) error {
	_, err := tlsConfig(t)
	return err
}

func tlsConfig(t scenarios.TLS) (*tls.Config, error) {
	c := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("target.tls.ca_file: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("target.tls.ca_file: %s holds no PEM certificate", t.CAFile)
		}
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("target.tls.cert_file/key_file: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

func clientOptions(s *scenarios.Scenario) compose.ClientOptions {
	return compose.ClientOptions{
		DialTimeout:  s.Client.DialTimeout.D(),
		ReadTimeout:  s.Client.ReadTimeout.D(),
		WriteTimeout: s.Client.WriteTimeout.D(),
		MaxRetries:   s.Client.MaxRetries,
		PoolSize:     s.Workload.Producers + s.Workload.Consumers + 4,
		// Reload the slot map on a clock as well as on MOVED, so that a
		// client stops dialing a dead primary soon after a cluster failover.
		ClusterReloadInterval: time.Second,
	}
}

func loadConfig(s *scenarios.Scenario, run uint32) loadgen.Config {
	w := s.Workload
	rate := w.Rate.PerSecond
	if w.Rate.Max {
		rate = 0
	}
	return loadgen.Config{
		Pattern:    w.Pattern,
		Producers:  w.Producers,
		Consumers:  w.Consumers,
		Keys:       w.Keys,
		Pipeline:   w.Pipeline,
		Rate:       rate,
		PayloadMin: w.Payload.Min,
		PayloadMax: w.Payload.Max,
		Options:    w.Options,
		Seed:       s.Seed,
		KeyPrefix:  "squall:",
		Warmup:     s.Warmup.D(),
		Duration:   s.Duration.D(),
		Drain:      s.Drain.D(),
		Run:        run,
	}
}

func objectives(s *scenarios.Scenario) []result.Objective {
	var objs []result.Objective
	for _, o := range s.SLO {
		objs = append(objs, result.Objective{Name: o.Name, Limit: o.Limit, Value: o.Value})
	}
	return objs
}

func workloadInfo(s *scenarios.Scenario) result.WorkloadInfo {
	w := s.Workload
	payload := fmt.Sprint(w.Payload.Min)
	if w.Payload.Max != w.Payload.Min {
		payload = fmt.Sprintf("%d-%d", w.Payload.Min, w.Payload.Max)
	}
	rate := w.Rate.PerSecond
	if w.Rate.Max {
		rate = 0
	}
	return result.WorkloadInfo{Pattern: w.Pattern, Producers: w.Producers, Consumers: w.Consumers,
		Rate: rate, Payload: payload, Keys: w.Keys, Pipeline: w.Pipeline}
}

func clientInfo(s *scenarios.Scenario) result.ClientInfo {
	sec := func(d scenarios.Duration) float64 { return time.Duration(d).Seconds() }
	return result.ClientInfo{
		Library:       "github.com/redis/go-redis/v9 " + goRedisVersion(),
		DialTimeoutS:  sec(s.Client.DialTimeout),
		ReadTimeoutS:  sec(s.Client.ReadTimeout),
		WriteTimeoutS: sec(s.Client.WriteTimeout),
		MaxRetries:    s.Client.MaxRetries,
	}
}

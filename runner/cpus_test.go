package runner

import (
	"strings"
	"testing"

	"github.com/squall-bench/squall/scenarios"
)

func TestGeneratorCPUs(t *testing.T) {
	defer func(n int) { startProcs = n }(startProcs)
	startProcs = 8
	t.Setenv("GOMAXPROCS", "")
	t.Setenv("DOCKER_HOST", "")
	// sc is a closed-loop (rate: max) scenario; open makes it open loop.
	sc := func(topology string, shards, cpus int, addrs ...string) *scenarios.Scenario {
		s := &scenarios.Scenario{}
		s.Target.Topology, s.Target.Shards, s.Target.Addrs, s.Client.CPUs = topology, shards, addrs, cpus
		s.Workload.Rate.Max = true
		return s
	}
	open := func(s *scenarios.Scenario) *scenarios.Scenario {
		s.Workload.Rate = scenarios.Rate{PerSecond: 5000}
		return s
	}
	for _, tc := range []struct {
		name     string
		s        *scenarios.Scenario
		provider string
		docker   string
		proxies  int
		want     int
		why      string
		cores    int // startProcs; 0 is 8
	}{
		{"standalone process", sc("standalone", 0, 0), "process", "", 0, 7, "7 of 8 cores, one left to the Redis primary", 0},
		{"sentinel docker", sc("sentinel", 0, 0), "docker", "", 0, 7, "auto", 0},
		{"cluster process", sc("cluster", 3, 0), "process", "", 0, 5, "3 Redis primaries", 0},
		{"cluster larger than the machine", sc("cluster", 12, 0), "process", "", 0, 1, "1 of 8", 0},
		{"external loopback", sc("standalone", 0, 0, "127.0.0.1:6379", "localhost:6380", "[::1]:6381"), "external", "", 0, 7, "auto", 0},
		{"external remote", sc("standalone", 0, 0, "127.0.0.1:6379", "10.1.2.3:6379"), "external", "", 0, 8, "not on this machine", 0},
		{"remote docker engine", sc("standalone", 0, 0), "docker", "tcp://10.1.2.3:2376", 0, 8, "not on this machine", 0},
		{"local docker over tcp", sc("standalone", 0, 0), "docker", "tcp://127.0.0.1:2375", 0, 7, "auto", 0},
		{"unix socket docker", sc("standalone", 0, 0), "docker", "unix:///run/docker.sock", 0, 7, "auto", 0},
		{"set in the scenario", sc("standalone", 0, 3), "process", "", 0, 3, "client.cpus", 0},
		{"docker published through docker-proxy", sc("standalone", 0, 0), "docker", "", 1, 6, "one left to the Redis primary and one to docker-proxy", 0},
		{"docker-proxy on two cores", sc("standalone", 0, 0), "docker", "", 1, 1, "1 of 2 cores", 2},
		{"open loop, local process", open(sc("standalone", 0, 0)), "process", "", 0, 8, "all 8 cores (open loop", 0},
		{"open loop, local cluster", open(sc("cluster", 3, 0)), "process", "", 0, 8, "open loop", 0},
		{"open loop, remote", open(sc("standalone", 0, 0, "10.1.2.3:6379")), "external", "", 0, 8, "not on this machine", 0},
		{"open loop, set in the scenario", open(sc("standalone", 0, 1)), "process", "", 0, 1, "client.cpus", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("DOCKER_HOST", tc.docker)
			startProcs = 8
			if tc.cores > 0 {
				startProcs = tc.cores
			}
			n, why := generatorCPUs(tc.s, tc.provider, tc.proxies)
			if n != tc.want || !strings.Contains(why, tc.why) {
				t.Errorf("generatorCPUs = %d, %q; want %d, containing %q", n, why, tc.want, tc.why)
			}
		})
	}
	t.Run("GOMAXPROCS in the environment wins over auto", func(t *testing.T) {
		t.Setenv("GOMAXPROCS", "8")
		startProcs = 8
		if n, why := generatorCPUs(sc("standalone", 0, 0), "process", 0); n != 8 || !strings.Contains(why, "environment") {
			t.Errorf("generatorCPUs = %d, %q; want 8 from the environment", n, why)
		}
	})
}

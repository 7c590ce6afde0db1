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
		want     int
		why      string
	}{
		{"standalone process", sc("standalone", 0, 0), "process", "", 7, "7 of 8 cores, one left to the Redis primary"},
		{"sentinel docker", sc("sentinel", 0, 0), "docker", "", 7, "auto"},
		{"cluster process", sc("cluster", 3, 0), "process", "", 5, "3 Redis primaries"},
		{"cluster larger than the machine", sc("cluster", 12, 0), "process", "", 1, "1 of 8"},
		{"external loopback", sc("standalone", 0, 0, "127.0.0.1:6379", "localhost:6380", "[::1]:6381"), "external", "", 7, "auto"},
		{"external remote", sc("standalone", 0, 0, "127.0.0.1:6379", "10.1.2.3:6379"), "external", "", 8, "not on this machine"},
		{"remote docker engine", sc("standalone", 0, 0), "docker", "tcp://10.1.2.3:2376", 8, "not on this machine"},
		{"local docker over tcp", sc("standalone", 0, 0), "docker", "tcp://127.0.0.1:2375", 7, "auto"},
		{"unix socket docker", sc("standalone", 0, 0), "docker", "unix:///run/docker.sock", 7, "auto"},
		{"set in the scenario", sc("standalone", 0, 3), "process", "", 3, "client.cpus"},
		{"open loop, local process", open(sc("standalone", 0, 0)), "process", "", 8, "all 8 cores (open loop"},
		{"open loop, local cluster", open(sc("cluster", 3, 0)), "process", "", 8, "open loop"},
		{"open loop, remote", open(sc("standalone", 0, 0, "10.1.2.3:6379")), "external", "", 8, "not on this machine"},
		{"open loop, set in the scenario", open(sc("standalone", 0, 1)), "process", "", 1, "client.cpus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("DOCKER_HOST", tc.docker)
			n, why := generatorCPUs(tc.s, tc.provider)
			if n != tc.want || !strings.Contains(why, tc.why) {
				t.Errorf("generatorCPUs = %d, %q; want %d, containing %q", n, why, tc.want, tc.why)
			}
		})
	}
	t.Run("GOMAXPROCS in the environment wins over auto", func(t *testing.T) {
		t.Setenv("GOMAXPROCS", "8")
		if n, why := generatorCPUs(sc("standalone", 0, 0), "process"); n != 8 || !strings.Contains(why, "environment") {
			t.Errorf("generatorCPUs = %d, %q; want 8 from the environment", n, why)
		}
	})
}

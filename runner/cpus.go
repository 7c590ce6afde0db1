package runner

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"runtime"

	"github.com/squall-bench/squall/scenarios"
)

// startProcs is the cores Go gave squall at start: GOMAXPROCS from the
// environment, else the CPUs the process may use (cgroup limits included).
var startProcs = runtime.GOMAXPROCS(0)

// generatorCPUs decides how many cores the load generator's goroutines run
// on during a cell (GOMAXPROCS), and says why. The choice follows the
// run's shape.
//
// Closed loop (rate: max), the generator is busy all the time and its
// throughput is the figure. Redis executes commands on one thread, so a
// primary on this machine needs a core of its own; a Go process given
// every core keeps idle threads spinning for work and takes that core
// from the server: on two cores, squall with GOMAXPROCS=2 drove a local
// server at 0.79–0.86 of redis-benchmark's SET rate at pipeline 16, and
// 0.92–0.97 with GOMAXPROCS=1 (scripts/bench). So there squall leaves one
// core per primary the target runs on this machine, and keeps at least
// one.
//
// Open loop, the schedule is the figure: a producer whose events fall due
// must get a core at once, not when whatever runs on the only one yields
// (a histogram merge, another producer's round trip, the runtime's own
// work). On one of two cores, 50 producers at 5,000/s in total had send
// delay p99 5–10 ms with the pacer; on both, 61–741 µs (three runs each,
// scripts/bench --scale --only "producers 50" [--cpus 1]). So open loop
// takes every core; the server's thread competes with a mostly idle
// generator. Near the server's capacity that costs it CPU: at 100,000/s
// service time p50 was 48–66 µs with squall on one core, 62–153 µs on
// two; client.cpus sets it for such runs.
//
// The data path costs what it costs on top: proxies is the number of
// docker-proxy processes forwarding the target's published ports here
// (compose.Target.ProxyProcesses). Each copies every command and reply
// through two sockets, about as much CPU per command as Redis spends
// executing a SET, so squall leaves them a core as well. The direct path
// (and local processes) costs no process of its own: the bridge and veth
// work is kernel time charged to the sender.
func generatorCPUs(s *scenarios.Scenario, provider string, proxies int) (int, string) {
	if n := s.Client.CPUs; n > 0 {
		return n, "client.cpus"
	}
	if os.Getenv("GOMAXPROCS") != "" {
		return startProcs, "GOMAXPROCS from the environment"
	}
	primaries := 1
	if s.Target.Topology == "cluster" {
		primaries = max(1, s.Target.Shards)
	}
	if !onThisMachine(s, provider) {
		return startProcs, fmt.Sprintf("auto: all %d cores (the target is not on this machine)", startProcs)
	}
	if !s.Workload.Rate.Max {
		return startProcs, fmt.Sprintf("auto: all %d cores (open loop: a producer due to send must not wait for a core; rate: max leaves one to each local Redis primary)", startProcs)
	}
	whose := "the Redis primary"
	if primaries > 1 {
		whose = fmt.Sprintf("each of the %d Redis primaries", primaries)
	}
	reserve := primaries
	if proxies > 0 {
		reserve++
		whose += " and one to docker-proxy, which forwards every command on the published data path,"
	}
	n := max(1, startProcs-reserve)
	return n, fmt.Sprintf("auto: %d of %d cores, one left to %s on this machine", n, startProcs, whose)
}

// onThisMachine reports whether the target's servers share this machine's
// cores: local processes, containers of a local Docker engine, or an
// external target at loopback addresses.
func onThisMachine(s *scenarios.Scenario, provider string) bool {
	switch provider {
	case "process":
		return true
	case "docker":
		return dockerLocal(os.Getenv("DOCKER_HOST"))
	}
	for _, a := range s.Target.Addrs {
		if !loopback(a) {
			return false
		}
	}
	return len(s.Target.Addrs) > 0
}

// dockerLocal reports whether DOCKER_HOST (empty: the default socket) names
// an engine on this machine.
func dockerLocal(host string) bool {
	if host == "" {
		return true
	}
	u, err := url.Parse(host)
	if err != nil {
		return false
	}
	if u.Scheme == "unix" || u.Scheme == "npipe" {
		return true
	}
	return loopback(u.Host)
}

// loopback reports whether host[:port] is a loopback address or localhost.
func loopback(addr string) bool {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

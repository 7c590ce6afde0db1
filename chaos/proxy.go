package chaos

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/netproxy"
)

// Faults on the client↔node path, carried out by squall's fault proxy
// (internal/netproxy) in front of each data node: latency where netem
// cannot shape the node's network, bandwidth, timeout, reset and
// slow-close everywhere. The proxy sits in the data path of a run only
// when its schedule has one of them (NeedsProxy).

// proxyFaults turns a step into the fault the proxy puts in force.
var proxyFaults = map[string]func(Step) (netproxy.Fault, error){
	"latency": func(s Step) (netproxy.Fault, error) {
		d, err := paramDuration(s, "delay", true)
		if err != nil {
			return netproxy.Fault{}, err
		}
		j, err := paramDuration(s, "jitter", false)
		return netproxy.Fault{Delay: d, Jitter: j}, err
	},
	"bandwidth": func(s Step) (netproxy.Fault, error) {
		r, err := paramRate(s)
		return netproxy.Fault{Rate: r}, err
	},
	"timeout": func(s Step) (netproxy.Fault, error) {
		after, err := paramDuration(s, "after", false)
		return netproxy.Fault{Blackhole: true, HoldFor: after}, err
	},
	"reset": func(Step) (netproxy.Fault, error) { return netproxy.Fault{Reset: true}, nil },
	"slow-close": func(s Step) (netproxy.Fault, error) {
		d, err := paramDuration(s, "delay", true)
		return netproxy.Fault{SlowClose: d}, err
	},
}

// viaProxy reports whether the fault proxy carries out s on provider:
// latency on docker for all of a node's traffic goes to netem where the
// kernel has it (it then slows the node's replication and cluster bus
// too), every other network fault but loss to the proxy.
func viaProxy(s Step, provider string) bool {
	if _, ok := proxyFaults[s.Action]; !ok {
		return false
	}
	return s.Action != "latency" || provider != "docker" || netemAvailable() != nil ||
		s.param("traffic") == TrafficClients || s.param("traffic") == TrafficPeers
}

// NeedsProxy reports whether a run of steps on provider needs the fault
// proxy in its data path (compose.Target.StartFaultProxy): a step on
// params.traffic peers alone does not.
func NeedsProxy(steps []Step, provider string) bool {
	for _, s := range steps {
		if viaProxy(s, provider) && s.param("traffic") != TrafficPeers {
			return true
		}
	}
	return false
}

// checkProxied checks a proxy fault's parameters.
func checkProxied(s Step, sh Shape) string {
	if _, err := proxyFaults[s.Action](s); err != nil {
		return err.Error()
	}
	return checkTraffic(s, sh)
}

// latency shapes a docker node's network with netem where the kernel can,
// and goes through the fault proxy elsewhere.
func (in *Injector) latency(ctx context.Context, s Step, n *compose.Node) (undoFunc, error) {
	if !viaProxy(s, in.tg.Provider) {
		return in.shape(ctx, s, n)
	}
	return in.proxied(ctx, s, n)
}

// proxied puts the step's fault in force on n's proxies (clients', peers'
// or both: peers.go); a reset without a
// duration resets the live connections once and is over.
func (in *Injector) proxied(_ context.Context, s Step, n *compose.Node) (undoFunc, error) {
	ps, err := in.proxiesFor(s, n)
	if err != nil {
		return nil, err
	}
	f, err := proxyFaults[s.Action](s)
	if err != nil {
		return nil, err
	}
	var lifts []func()
	for _, p := range ps {
		lifts = append(lifts, p.Add(f))
	}
	if _, peers := hits(s, in.tg.Provider, in.tg.Topology); peers {
		lifts = append(lifts, in.tg.AddOutbound(n, f)) // a cluster node's own links to its peers
	}
	lift := func() {
		for _, l := range lifts {
			l()
		}
	}
	if s.Duration == 0 {
		lift()
		return nil, nil
	}
	return func(context.Context) error { lift(); return nil }, nil
}

// byteUnits are the units params.rate takes, per second.
var byteUnits = []struct {
	suffix string
	bytes  float64
}{{"GB/s", 1e9}, {"MB/s", 1e6}, {"KB/s", 1e3}, {"B/s", 1}}

// paramRate reads params.rate, like 64KB/s or 1.5MB/s, in bytes per second.
func paramRate(s Step) (int64, error) {
	v := s.param("rate")
	if v == "" {
		return 0, fmt.Errorf("%s needs params.rate, e.g. 64KB/s", s.Action)
	}
	for _, u := range byteUnits {
		if num, ok := strings.CutSuffix(v, u.suffix); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if err == nil && f > 0 && f*u.bytes >= 1 && f*u.bytes <= 1e12 {
				return int64(f * u.bytes), nil
			}
			break
		}
	}
	return 0, fmt.Errorf("%s params.rate: expected a rate like 64KB/s or 1.5MB/s (B/s, KB/s, MB/s, GB/s; 1 KB = 1000 bytes), got %q", s.Action, v)
}

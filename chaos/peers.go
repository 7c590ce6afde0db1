package chaos

import (
	"fmt"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/netproxy"
)

// Which traffic of a node a proxy fault hits: params.traffic is clients
// (the client↔node path), peers (the node↔node path: replication, Sentinel
// and the cluster bus, through the node's peer proxies on docker,
// compose/peerproxy.go) or both. Unset, it is both where the peer proxies
// run (docker targets) and clients elsewhere.

// Traffic values.
const (
	TrafficClients = "clients"
	TrafficPeers   = "peers"
	TrafficBoth    = "both"
)

// peersPossible reports whether the peer proxy can run on this target.
func peersPossible(provider, _ string) bool {
	return provider == "docker"
}

// traffic reads params.traffic, its default filled in.
func traffic(s Step, provider, topology string) string {
	if v := s.param("traffic"); v != "" {
		return v
	}
	if peersPossible(provider, topology) {
		return TrafficBoth
	}
	return TrafficClients
}

// hits reports whether a proxy fault step hits clients' and peers' traffic.
func hits(s Step, provider, topology string) (clients, peers bool) {
	switch traffic(s, provider, topology) {
	case TrafficClients:
		return true, false
	case TrafficPeers:
		return false, true
	}
	return true, true
}

// checkTraffic checks params.traffic; its messages start with the key, so
// validation places them at it.
func checkTraffic(s Step, sh Shape) string {
	v := s.param("traffic")
	switch v {
	case "", TrafficClients:
		return ""
	case TrafficPeers, TrafficBoth:
	default:
		return fmt.Sprintf("params.traffic: expected %s, %s or %s, got %q", TrafficClients, TrafficPeers, TrafficBoth, v)
	}
	if sh.Provider != "docker" && sh.Provider != "auto" {
		return fmt.Sprintf("params.traffic: %s needs target.provider docker: the node↔node path goes through squall's proxy only between containers; provider is %s", v, sh.Provider)
	}
	return ""
}

// NeedsPeerProxy reports whether a run of steps on this target needs the
// peer fault proxies (compose.Spec.PeerProxy).
func NeedsPeerProxy(steps []Step, provider, topology string) bool {
	if !peersPossible(provider, topology) {
		return false
	}
	for _, s := range steps {
		if _, peers := hits(s, provider, topology); peers && viaProxy(s, provider) {
			return true
		}
	}
	return false
}

// proxiesFor returns the proxies a step's fault goes on for node n.
func (in *Injector) proxiesFor(s Step, n *compose.Node) ([]*netproxy.Proxy, error) {
	clients, peers := hits(s, in.tg.Provider, in.tg.Topology)
	var ps []*netproxy.Proxy
	if clients {
		p := in.tg.FaultProxy(n)
		if p == nil {
			return nil, fmt.Errorf("no fault proxy in front of %s: the run did not start one", n.Name)
		}
		ps = append(ps, p)
	}
	if peers {
		p := in.tg.PeerProxy(n)
		if p == nil {
			return nil, fmt.Errorf("no peer fault proxy for %s: the target was not stood up with one", n.Name)
		}
		ps = append(ps, p)
		if bus := in.tg.BusProxy(n); bus != nil { // a cluster node's bus
			ps = append(ps, bus)
		}
	}
	return ps, nil
}

// mayPromote reports whether a replica may take over after s hit a
// primary: the catalog says so of the action, or s blackholed the
// primary's links to its peers (timeout), which Sentinel or the cluster
// then sees as down.
// The other faults on those links slow or break them without silencing
// the primary, so a failover in their time is not put down to them.
func (in *Injector) mayPromote(s Step) bool {
	if actions[s.Action].Promotes {
		return true
	}
	_, peers := hits(s, in.tg.Provider, in.tg.Topology)
	return s.Action == "timeout" && peers && viaProxy(s, in.tg.Provider) && in.tg.PeerProxy(in.tg.Primary()) != nil
}

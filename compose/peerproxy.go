package compose

import (
	"fmt"
	"net/netip"

	"github.com/squall-bench/squall/internal/netproxy"
)

// The fault proxy on the node↔node path (Spec.PeerProxy, docker only):
// each data node gets a relay in squall's own process, listening on the
// host's address on the run's peer network (the bridge's gateway, never
// 0.0.0.0) and relaying to the container's peer address. The node
// announces the relay (replica-announce-ip/port), replicas REPLICAOF it and
// sentinels monitor it, so replication and Sentinel's links to the node
// pass through it and a network fault on it hits the node's peers. The
// relay admits only the peer network's addresses: a node taken off that
// network (partition) must not reach its peers by routing over the pub
// network to the same host address. A cluster node gets a second relay for
// its bus port and announces both (cluster-announce-ip/port/bus-port), so
// the cluster bus, replication and the slot map go through the relays.

// peerProxies are a docker launcher's relays, by node.
type peerProxies struct {
	gateway netip.Addr // the host's address on the peer network
	by      map[*Node]*netproxy.Proxy
	bus     map[*Node]*netproxy.Proxy // cluster nodes' bus relays
}

// peerGateway reads the host's address on the run's peer network.
func (l *dockerLauncher) peerGateway() (netip.Addr, error) {
	info, err := l.pool.Client.NetworkInfo(l.peer.Network.ID)
	if err != nil {
		return netip.Addr{}, infraErr("docker network %s: %v", l.peer.Network.Name, err)
	}
	for _, c := range info.IPAM.Config {
		if a, err := netip.ParseAddr(c.Gateway); err == nil && a.Is4() && l.subnet.Contains(a) {
			return a, nil
		}
	}
	// The engine does not always report the gateway of a network created
	// with a subnet spelled out; its default IPAM gives it the subnet's
	// first address (nodeIP counts on that too).
	return l.subnet.Addr().Next(), nil
}

// peerRelay starts n's relay to upstream (its peer address) and returns
// what the node announces; called before the node's config is rendered.
func (l *dockerLauncher) peerRelay(n *Node, upstream string) (netip.AddrPort, error) {
	return l.relay(n, upstream, l.peers.by)
}

// busRelay starts cluster node n's relay to upstream (its bus port).
func (l *dockerLauncher) busRelay(n *Node, upstream string) (netip.AddrPort, error) {
	return l.relay(n, upstream, l.peers.bus)
}

func (l *dockerLauncher) relay(n *Node, upstream string, into map[*Node]*netproxy.Proxy) (netip.AddrPort, error) {
	p, err := netproxy.ListenFrom(netip.AddrPortFrom(l.peers.gateway, 0).String(), upstream, l.subnet)
	if err != nil {
		return netip.AddrPort{}, infraErr("peer fault proxy for %s on %s: %v", n.Name, l.peers.gateway, err)
	}
	l.mu.Lock()
	into[n] = p
	l.mu.Unlock()
	return netip.MustParseAddrPort(p.Addr()), nil
}

func (l *dockerLauncher) closePeerRelays() {
	l.mu.Lock()
	ps, bus := l.peers.by, l.peers.bus
	l.peers.by, l.peers.bus = map[*Node]*netproxy.Proxy{}, map[*Node]*netproxy.Proxy{}
	l.mu.Unlock()
	for _, p := range ps {
		p.Close()
	}
	for _, p := range bus {
		p.Close()
	}
}

// PeerProxy returns the fault proxy on n's node↔node path, or nil.
func (t *Target) PeerProxy(n *Node) *netproxy.Proxy { return t.relayOf(n, false) }

// BusProxy returns the fault proxy on cluster node n's bus, or nil.
func (t *Target) BusProxy(n *Node) *netproxy.Proxy { return t.relayOf(n, true) }

func (t *Target) relayOf(n *Node, bus bool) *netproxy.Proxy {
	l, ok := t.launcher.(*dockerLauncher)
	if !ok || l.peers == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if bus {
		return l.peers.bus[n]
	}
	return l.peers.by[n]
}

// PeerPathNote says what stands between the nodes when the peer fault
// proxies run ("" when they do not): it goes into the result with the data
// path.
func (t *Target) PeerPathNote() string {
	l, ok := t.launcher.(*dockerLauncher)
	if !ok || l.peers == nil {
		return ""
	}
	links := "replication and Sentinel"
	if t.Topology == "cluster" {
		links = "replication and the cluster bus"
	}
	return fmt.Sprintf("%s reach each of the %d data nodes through squall's fault proxy on %s (the host's address on the run's peer network %s): one more hop between the nodes for the whole run",
		links, len(t.DataNodes()), l.peers.gateway, l.subnet)
}

// AddOutbound puts f on cluster node n's links to its peers: on every
// other data node's relays (port and bus), for connections from n. A fault
// on n's own relays holds only the links its peers open to it; the cluster
// bus also has a link n opens to each peer, over which n's pings keep it
// alive in their eyes. Elsewhere it does nothing (lift is still callable).
func (t *Target) AddOutbound(n *Node, f netproxy.Fault) (lift func()) {
	l, ok := t.launcher.(*dockerLauncher)
	if !ok || l.peers == nil || t.Topology != "cluster" {
		return func() {}
	}
	l.mu.Lock()
	b := l.boxes[n]
	var ps []*netproxy.Proxy
	for m, p := range l.peers.by {
		if m != n {
			ps = append(ps, p, l.peers.bus[m])
		}
	}
	l.mu.Unlock()
	if b == nil {
		return func() {}
	}
	f.From = netip.MustParseAddr(b.ip)
	var lifts []func()
	for _, p := range ps {
		if p != nil {
			lifts = append(lifts, p.Add(f))
		}
	}
	return func() {
		for _, l := range lifts {
			l()
		}
	}
}

package compose

import (
	"fmt"

	"github.com/squall-bench/squall/internal/netproxy"
)

// PathProxy is the data path while a run has network faults that squall's
// fault proxy carries out: clients reach every data node through a relay
// on 127.0.0.1 in squall's own process (internal/netproxy).
const PathProxy = "proxy"

// StartFaultProxy puts a fault proxy between the clients Client returns and
// each data node, for the rest of the target's life: every address a client
// dials (the nodes' own, or what Sentinel and the cluster announce, MOVED
// and ASK included) reaches the node through its proxy. Admin clients
// (NodeClient) and the nodes' own traffic among themselves do not pass
// through it. Call it before the first Client; Close stops the proxies.
func (t *Target) StartFaultProxy() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.proxies != nil {
		return nil
	}
	ps := map[string]*netproxy.Proxy{}
	for _, n := range t.DataNodes() {
		p, err := netproxy.Listen(n.Addr)
		if err != nil {
			for _, p := range ps {
				p.Close()
			}
			return infraErr("fault proxy for %s: %v", n.Name, err)
		}
		ps[n.Addr] = p
	}
	t.proxies = ps
	t.pathBehind = t.DataPath
	behind := ""
	if t.DataPath != "" {
		behind = fmt.Sprintf("; behind them the %s path", t.DataPath)
	}
	t.DataPath = PathProxy
	t.DataPathNote = fmt.Sprintf("the scenario has network faults: clients reach each of the %d data nodes through squall's fault proxy on 127.0.0.1, one more hop in every figure%s", len(ps), behind)
	return nil
}

// FaultProxy returns the fault proxy in front of n, or nil.
func (t *Target) FaultProxy(n *Node) *netproxy.Proxy {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.proxies[n.Addr]
}

// proxyAddr is where a data-path client dials to reach host: its fault
// proxy, when it has one.
func (t *Target) proxyAddr(host string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p, ok := t.proxies[host]; ok {
		return p.Addr()
	}
	return host
}

func (t *Target) closeProxies() {
	t.mu.Lock()
	ps := t.proxies
	t.proxies = nil
	t.mu.Unlock()
	for _, p := range ps {
		p.Close()
	}
}

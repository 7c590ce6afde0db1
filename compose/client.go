package compose

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Client returns the go-redis client for the target's topology: a plain
// client on the primary (standalone), a FailoverClient that follows the
// sentinels' master (sentinel), or a ClusterClient. Each dials through
// HostAddr, so the addresses Sentinel and Cluster announce (peer-network
// addresses on docker) reach the node where the host dials it: its address
// on the run's pub network, or its published port.
func (t *Target) Client(o ClientOptions) redis.UniversalClient {
	retries := o.MaxRetries
	if retries == 0 {
		retries = -1 // go-redis reads 0 as "default (3)"
	}
	u := &redis.UniversalOptions{
		Username:        t.Spec.Username,
		Password:        t.Spec.Password,
		DB:              t.Spec.DB,
		TLSConfig:       t.Spec.TLS,
		Dialer:          t.dialVia(o.DialTimeout, true),
		DialTimeout:     o.DialTimeout,
		ReadTimeout:     o.ReadTimeout,
		WriteTimeout:    o.WriteTimeout,
		MaxRetries:      retries,
		PoolSize:        o.PoolSize,
		DisableIdentity: true,
	}
	switch t.Topology {
	case "sentinel":
		u.MasterName = t.masterName
		for _, s := range t.Sentinels() {
			u.Addrs = append(u.Addrs, s.Addr)
		}
		return redis.NewFailoverClient(u.Failover())
	case "cluster":
		for _, n := range t.DataNodes() {
			if !t.spare(n) { // a spare's empty slot map must not seed the client's
				u.Addrs = append(u.Addrs, n.Addr)
			}
		}
		c := u.Cluster()
		c.ClusterStateReloadInterval = o.ClusterReloadInterval
		return redis.NewClusterClient(c)
	}
	u.Addrs = []string{t.Primary().Addr}
	return redis.NewClient(u.Simple())
}

// NodeClient returns a client for one node's admin commands (ROLE, INFO,
// CONFIG, SENTINEL, CLUSTER), without retries so that a dead node answers
// with an error at once. The caller closes it.
func (t *Target) NodeClient(n *Node) *redis.Client {
	user, pw := t.Spec.Username, t.Spec.Password
	if n.Kind == "sentinel" {
		user, pw = "", ""
	}
	return adminClient(n.Addr, user, pw, t.Spec.TLS, t.dialer(2*time.Second))
}

// HostAddr translates an address a node announces (Node.Internal) to the one
// the host dials; other addresses come back unchanged.
func (t *Target) HostAddr(addr string) string {
	if a, ok := t.hostAddrs[addr]; ok {
		return a
	}
	return addr
}

// dialer dials the host-reachable address for whatever address go-redis
// asks for. On docker it refuses any address that is not one of the run's
// nodes: traffic goes only to the run's own containers.
func (t *Target) dialer(timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return t.dialVia(timeout, false)
}

// dialVia is dialer; with proxied, a node with a fault proxy in front of it
// (faultproxy.go) is dialed through the proxy: the data path's clients
// are, admin clients never are (a fault on the path must not blind the
// checks that watch it).
func (t *Target) dialVia(timeout time.Duration, proxied bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	d := &net.Dialer{Timeout: timeout, KeepAlive: 5 * time.Minute}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host := t.HostAddr(addr)
		if t.Provider == "docker" && t.byAddr(host) == nil {
			return nil, fmt.Errorf("dial %s: not a node of this run (squall dials only the run's own containers)", addr)
		}
		to := host
		if proxied {
			to = t.proxyAddr(host)
		}
		if t.Spec.TLS == nil {
			return d.DialContext(ctx, network, to)
		}
		// go-redis does TLS only in its own dialer, not in one it is given.
		cfg := t.Spec.TLS.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(host)
		}
		td := &tls.Dialer{NetDialer: d, Config: cfg}
		return td.DialContext(ctx, network, to)
	}
}

// NodeRole is a node's role at the moment Roles asked it.
type NodeRole struct {
	Node    *Node
	Role    string // primary, replica, sentinel, spare (not joined yet); "" when the node did not answer
	Primary *Node  // replicas: the node they replicate from, when it is one of ours
	Link    string // replicas: the link state ROLE reports (connected, connect, sync...)
	Err     error  // why the node did not answer
}

// Roles asks every node for its ROLE, in parallel, so that faults can pick
// "the primary at this moment".
func (t *Target) Roles(ctx context.Context) []NodeRole {
	out := make([]NodeRole, len(t.Nodes))
	var wg sync.WaitGroup
	for i, n := range t.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = t.role(ctx, n)
		}()
	}
	wg.Wait()
	return out
}

func (t *Target) role(ctx context.Context, n *Node) NodeRole {
	r := NodeRole{Node: n}
	if t.spare(n) { // a master of a cluster of its own: no primary of the target's until it joins
		r.Role = "spare"
		return r
	}
	c := t.NodeClient(n)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	v, err := c.Do(ctx, "ROLE").Slice()
	if err != nil {
		r.Err = err
		return r
	}
	if len(v) == 0 {
		r.Err = fmt.Errorf("empty ROLE reply")
		return r
	}
	switch fmt.Sprint(v[0]) {
	case "master":
		r.Role = "primary"
	case "slave":
		r.Role = "replica"
		if len(v) >= 4 {
			r.Primary = t.byInternal(net.JoinHostPort(fmt.Sprint(v[1]), fmt.Sprint(v[2])))
			r.Link = fmt.Sprint(v[3])
		}
	case "sentinel":
		r.Role = "sentinel"
	default:
		r.Role = fmt.Sprint(v[0])
	}
	return r
}

// Primaries returns the nodes that answer ROLE as primaries right now (one
// outside a cluster, except during a split brain).
func (t *Target) Primaries(ctx context.Context) []*Node {
	var ps []*Node
	for _, r := range t.Roles(ctx) {
		if r.Role == "primary" {
			ps = append(ps, r.Node)
		}
	}
	return ps
}

// SentinelPrimary returns the node the sentinels name as primary now (the
// one a FailoverClient writes to), asking them in order until one answers.
func (t *Target) SentinelPrimary(ctx context.Context) (*Node, error) {
	if t.Topology != "sentinel" {
		return nil, unsupportedErr("SentinelPrimary on a %s target", t.Topology)
	}
	var lastErr error
	for _, s := range t.Sentinels() {
		c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DisableIdentity: true, TLSConfig: t.Spec.TLS,
			Dialer: t.dialer(2 * time.Second), ReadTimeout: 3 * time.Second})
		addr, err := c.GetMasterAddrByName(ctx, t.masterName).Result()
		c.Close()
		if err != nil {
			lastErr = err
			continue
		}
		internal := strings.Join(addr, ":")
		if n := t.byInternal(internal); n != nil {
			return n, nil
		}
		return nil, infraErr("sentinel %s names %s, which is none of the target's nodes", s.Name, internal)
	}
	return nil, infraErr("no sentinel answered: %v", lastErr)
}

func (t *Target) byAddr(addr string) *Node {
	for _, n := range t.Nodes {
		if n.Addr == addr {
			return n
		}
	}
	return nil
}

func (t *Target) byInternal(addr string) *Node {
	for _, n := range t.Nodes {
		if n.Internal == addr {
			return n
		}
	}
	return nil
}

// MasterName is the name the sentinels monitor the primary under ("" unless
// the topology is sentinel).
func (t *Target) MasterName() string { return t.masterName }

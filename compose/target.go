package compose

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/netproxy"
)

// Node is one server of a running target.
type Node struct {
	Name      string
	Kind      string // "redis" or "sentinel"
	Role      string // role at start: primary, replica, sentinel, spare
	Shard     int    // cluster: the shard (a primary and its replicas; a spare's own once it joins); else 0
	Addr      string // host:port clients dial (always reachable from the host)
	Internal  string // host:port peers use and Sentinel/Cluster announce; Addr on process
	Published string // docker only: the node's port published on 127.0.0.1 (Addr on the published data path)
	Pid       int    // process provider only; Start changes it
	Container string // docker provider only: the container's name

	bus   bool      // cluster node: needs a cluster bus port
	busAt int       // the cluster bus port the launcher chose
	state nodeState // guarded by Target.mu
}

// nodeState is what squall did to a node, so operations fail clearly when
// they make no sense (start a running node, resume one never paused).
type nodeState struct {
	down, paused, disconnected bool
	spare                      bool // a spare cluster node not joined yet
}

// Target is a running system under test.
type Target struct {
	Spec      Spec   // as stood up, defaults filled in
	Provider  string // process | docker | external
	Topology  string // standalone | sentinel | cluster
	Version   string // redis_version of the primary
	Server    Server // what the primary says it is (INFO server, CONFIG GET io-threads)
	Image     string // docker: the image the nodes run
	ImageNote string // docker: why that image (found locally, pulled, or built from the host's redis-server)
	Binary    string // process: the server executable the nodes run
	// DataPath is how clients reach the nodes: PathDirect or PathPublished
	// on docker, PathDirect for local processes, "" for an external target
	// (squall cannot tell what sits in front of it). DataPathNote says why.
	DataPath     string
	DataPathNote string
	Reaped       []string
	Nodes        []*Node

	// Warnings are what went wrong on the way up without failing it:
	// leftovers of killed runs that could not be removed.
	Warnings []string

	masterName string // sentinel: the name the sentinels monitor
	launcher   launcher
	hostAddrs  map[string]string          // Internal -> Addr, for clients' dialers
	proxies    map[string]*netproxy.Proxy // Addr -> the fault proxy in front of the node (faultproxy.go)
	pathBehind string                     // the data path behind the fault proxies
	mu         sync.Mutex
	unexpected chan error
	closeOnce  sync.Once
	closeErr   error
}

// launcher is what a provider does: start nodes from config lines, the node
// operations faults need, and cleaning everything up. Every method may be
// called from any goroutine.
type launcher interface {
	name() string
	// major is the Redis major version the nodes run, to know which
	// directives they accept before starting them.
	major() int
	// start places n, renders its config with conf, starts it and waits
	// until it answers PING. It fills n.Addr, n.Internal and n.Pid or
	// n.Container.
	start(ctx context.Context, t *Target, n *Node, conf confFunc) error
	kill(ctx context.Context, n *Node) error                      // SIGKILL
	stop(ctx context.Context, n *Node, grace time.Duration) error // SIGTERM, SIGKILL after grace
	restart(ctx context.Context, t *Target, n *Node) error        // same config, data and ports
	pause(ctx context.Context, n *Node) error                     // SIGSTOP
	resume(ctx context.Context, n *Node) error                    // SIGCONT
	disconnect(ctx context.Context, n *Node) error                // cut from its peers
	reconnect(ctx context.Context, n *Node) error
	handle() Handle
	close(ctx context.Context) error
}

// confFunc renders a node's config for the place a provider gives it.
type confFunc func(p place) ([]string, error)

// ErrInfra marks errors standing up or reaching the target (exit code 3).
var ErrInfra = errors.New("infrastructure")

func infraErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInfra, fmt.Sprintf(format, a...))
}

// Up stands up spec and waits until it serves: replicas linked, sentinels
// agreeing, the cluster's slot map settled. On error nothing is left running.
func Up(ctx context.Context, spec Spec) (*Target, error) {
	spec = spec.withDefaults()
	if err := spec.check(); err != nil {
		return nil, err
	}
	if spec.RunID == "" {
		spec.RunID = newRunID()
	}
	if spec.Provider == "external" {
		return upExternal(ctx, spec)
	}
	t := &Target{Spec: spec, Provider: spec.Provider, Topology: spec.Topology, unexpected: make(chan error, 16)}
	var err error
	switch spec.Provider {
	case "process":
		t.launcher, err = newProcessLauncher(t)
	case "docker":
		t.launcher, err = newDockerLauncher(ctx, t)
	}
	if err != nil {
		return nil, err
	}
	if err := t.up(ctx); err != nil {
		_ = t.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return t, nil
}

func newRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Primary returns the node that was primary at start (the first shard's in a
// cluster). Roles tells the primary at this moment.
func (t *Target) Primary() *Node {
	for _, n := range t.Nodes {
		if n.Role == "primary" {
			return n
		}
	}
	return nil
}

// Node returns the node called name, or nil.
func (t *Target) Node(name string) *Node {
	for _, n := range t.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// DataNodes returns the redis nodes (not the sentinels).
func (t *Target) DataNodes() []*Node {
	var ns []*Node
	for _, n := range t.Nodes {
		if n.Kind == "redis" {
			ns = append(ns, n)
		}
	}
	return ns
}

// Sentinels returns the sentinel nodes.
func (t *Target) Sentinels() []*Node {
	var ns []*Node
	for _, n := range t.Nodes {
		if n.Kind == "sentinel" {
			ns = append(ns, n)
		}
	}
	return ns
}

// Unexpected delivers an error when a node dies without squall asking.
func (t *Target) Unexpected() <-chan error { return t.unexpected }

// Close stops every node and removes everything the target created. It is
// safe to call more than once; an external target is left untouched.
func (t *Target) Close(ctx context.Context) error {
	t.closeOnce.Do(func() {
		t.closeProxies()
		if t.launcher != nil {
			t.closeErr = t.launcher.close(ctx)
		}
	})
	return t.closeErr
}

func (t *Target) reportUnexpected(err error) {
	select {
	case t.unexpected <- err:
	default:
	}
}

// Server is what a server says it is in INFO server: its own name and
// version (valkey and valkey_version for Valkey 8, which also reports a
// redis_version for compatibility), and its io-threads setting.
type Server struct {
	Name      string // "redis", "valkey", "dragonfly", ...
	Version   string // the version under Name
	IOThreads int    // CONFIG GET io-threads; 0 when the server does not say
}

// describe asks the node at addr what it is: it sets Version (the
// redis_version every RESP server reports) and Server.
func (t *Target) describe(ctx context.Context, addr string, tlsc *tls.Config) error {
	info, err := infoFields(ctx, adminClient(addr, t.Spec.Username, t.Spec.Password, tlsc, nil), "server")
	if err != nil {
		return infraErr("INFO server on %s: %v", addr, err)
	}
	if info["redis_version"] == "" {
		return infraErr("no redis_version in INFO from %s", addr)
	}
	t.Version = info["redis_version"]
	t.Server.Name, t.Server.Version = serverIdentity(info)
	c := adminClient(addr, t.Spec.Username, t.Spec.Password, tlsc, nil)
	defer c.Close()
	if m, err := c.ConfigGet(ctx, "io-threads").Result(); err == nil {
		t.Server.IOThreads, _ = strconv.Atoi(m["io-threads"])
	}
	return nil
}

// serverIdentity reads a server's name and version from INFO server:
// server_name and its <name>_version where the server says its name (Valkey
// 8), else another <name>_version field than redis_version and gcc_version
// (dragonfly_version), else redis and redis_version. It never looks at the
// executable's file name.
func serverIdentity(info map[string]string) (name, version string) {
	if n := info["server_name"]; n != "" && info[n+"_version"] != "" {
		return n, info[n+"_version"]
	}
	var names []string
	for k, v := range info {
		if n, ok := strings.CutSuffix(k, "_version"); ok && v != "" && n != "redis" && n != "gcc" {
			names = append(names, n)
		}
	}
	if len(names) > 0 {
		sort.Strings(names)
		return names[0], info[names[0]+"_version"]
	}
	return "redis", info["redis_version"]
}

// adminClient is a one-connection client for bring-up and checks: no
// retries, short timeouts, so a dead node answers with an error quickly.
// The caller closes it.
func adminClient(addr, username, password string, tlsc *tls.Config, dial func(context.Context, string, string) (net.Conn, error)) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, Username: username, Password: password, MaxRetries: -1, PoolSize: 1, TLSConfig: tlsc,
		DialTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
		Dialer: dial, DisableIdentity: true, ContextTimeoutEnabled: true}) // a frozen node must not outlast the caller's deadline
}

// infoFields runs INFO section and closes c.
func infoFields(ctx context.Context, c *redis.Client, section string) (map[string]string, error) {
	defer c.Close()
	s, err := c.Info(ctx, section).Result()
	if err != nil {
		return nil, err
	}
	return parseInfo(s), nil
}

func parseInfo(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			m[k] = v
		}
	}
	return m
}

// waitFor polls cond every interval until it holds, ctx ends or timeout
// passes; the error names what was awaited and the last state seen.
func waitFor(ctx context.Context, timeout time.Duration, what string, cond func() (bool, string)) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		ok, state := cond()
		if ok {
			return nil
		}
		last = state
		if time.Now().After(deadline) {
			return infraErr("%s: not reached within %s (last: %s)", what, timeout, last)
		}
		select {
		case <-ctx.Done():
			return infraErr("%s: %v (last: %s)", what, ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func splitHostPort(addr string) (string, string) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, ""
	}
	return h, p
}

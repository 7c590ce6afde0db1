package compose

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Node is one server of a running target.
type Node struct {
	Name      string
	Kind      string // "redis" or "sentinel"
	Role      string // role at start: primary, replica, sentinel
	Shard     int    // cluster: the shard (a primary and its replicas); else 0
	Addr      string // host:port clients dial (always reachable from the host)
	Internal  string // host:port peers use and Sentinel/Cluster announce; Addr on process
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
}

// Target is a running system under test.
type Target struct {
	Spec      Spec   // as stood up, defaults filled in
	Provider  string // process | docker | external
	Topology  string // standalone | sentinel | cluster
	Version   string // redis_version of the primary
	Image     string // docker: the image the nodes run
	ImageNote string // docker: why that image (found locally, pulled, or built from the host's redis-server)
	Reaped    []string
	Nodes     []*Node

	// Warnings are what went wrong on the way up without failing it:
	// leftovers of killed runs that could not be removed.
	Warnings []string

	masterName string // sentinel: the name the sentinels monitor
	launcher   launcher
	hostAddrs  map[string]string // Internal -> Addr, for clients' dialers
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

// serverVersion asks a node for its redis_version.
func serverVersion(ctx context.Context, addr, password string, tlsc *tls.Config) (string, error) {
	info, err := infoFields(ctx, adminClient(addr, password, tlsc, nil), "server")
	if err != nil {
		return "", infraErr("INFO server on %s: %v", addr, err)
	}
	if v := info["redis_version"]; v != "" {
		return v, nil
	}
	return "", infraErr("no redis_version in INFO from %s", addr)
}

// adminClient is a one-connection client for bring-up and checks: no
// retries, short timeouts, so a dead node answers with an error quickly.
// The caller closes it.
func adminClient(addr, password string, tlsc *tls.Config, dial func(context.Context, string, string) (net.Conn, error)) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, Password: password, MaxRetries: -1, PoolSize: 1, TLSConfig: tlsc,
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

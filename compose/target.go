package compose

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Node is one server of a running target.
type Node struct {
	Name string
	Kind string // "redis" or "sentinel"
	Role string // role at start: primary, replica, sentinel
	Addr string // host:port clients dial (always reachable from the host)
	Pid  int    // process provider only
}

// Target is a running system under test.
type Target struct {
	Spec     Spec
	Provider string
	Version  string // redis_version of the primary
	Nodes    []*Node

	launcher   launcher
	unexpected chan error
	closeOnce  sync.Once
	closeErr   error
}

// launcher is what a provider does: start nodes and clean everything up.
type launcher interface {
	name() string
	start(ctx context.Context, t *Target, name string, conf []string) (*Node, error)
	close(ctx context.Context) error
}

// ErrInfra marks errors standing up or reaching the target (exit code 3).
var ErrInfra = errors.New("infrastructure")

func infraErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInfra, fmt.Sprintf(format, a...))
}

// Up stands up spec and waits until it serves. On error nothing is left
// running.
func Up(ctx context.Context, spec Spec) (*Target, error) {
	t := &Target{Spec: spec, Provider: spec.Provider, unexpected: make(chan error, 16)}
	switch spec.Provider {
	case "process":
		l, err := newProcessLauncher(spec)
		if err != nil {
			return nil, err
		}
		t.launcher = l
	default:
		return nil, infraErr("provider %q is not available in this build (use process)", spec.Provider)
	}
	if err := t.up(ctx); err != nil {
		_ = t.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return t, nil
}

func (t *Target) up(ctx context.Context) error {
	switch t.Spec.Topology {
	case "standalone", "":
		if t.Spec.Replicas > 0 {
			return infraErr("standalone replicas are not supported yet")
		}
		n, err := t.startData(ctx, "redis-0")
		if err != nil {
			return err
		}
		n.Role = "primary"
		v, err := serverVersion(ctx, n.Addr, t.Spec.Password)
		if err != nil {
			return err
		}
		t.Version = v
		return nil
	}
	return infraErr("topology %q is not supported by this build yet", t.Spec.Topology)
}

func (t *Target) startData(ctx context.Context, name string) (*Node, error) {
	n, err := t.launcher.start(ctx, t, name, nil)
	if err != nil {
		return nil, err
	}
	n.Kind = "redis"
	t.Nodes = append(t.Nodes, n)
	return n, nil
}

// Client returns a client for the target's topology.
func (t *Target) Client(o ClientOptions) redis.UniversalClient {
	retries := o.MaxRetries
	if retries == 0 {
		retries = -1 // go-redis reads 0 as "default (3)"
	}
	return redis.NewClient(&redis.Options{
		Addr:            t.Primary().Addr,
		Password:        t.Spec.Password,
		DialTimeout:     o.DialTimeout,
		ReadTimeout:     o.ReadTimeout,
		WriteTimeout:    o.WriteTimeout,
		MaxRetries:      retries,
		PoolSize:        o.PoolSize,
		MinIdleConns:    0,
		DisableIdentity: true,
	})
}

// Primary returns the node that was primary at start.
func (t *Target) Primary() *Node {
	for _, n := range t.Nodes {
		if n.Role == "primary" {
			return n
		}
	}
	return nil
}

// Unexpected delivers an error when a node dies without anyone asking.
func (t *Target) Unexpected() <-chan error { return t.unexpected }

// Close stops every node and removes everything the target created. It is
// safe to call more than once.
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
func serverVersion(ctx context.Context, addr, password string) (string, error) {
	c := redis.NewClient(&redis.Options{Addr: addr, Password: password, MaxRetries: -1, DisableIdentity: true})
	defer c.Close()
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		return "", infraErr("INFO server on %s: %v", addr, err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v, nil
		}
	}
	return "", infraErr("no redis_version in INFO from %s", addr)
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

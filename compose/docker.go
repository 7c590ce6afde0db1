package compose

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
	"github.com/squall-bench/squall/internal/netproxy"
)

// dockerLauncher runs each node in a container built from one image.
//
// Every container sits on two networks of its run, with a fixed address on
// each: "pub", where containers cannot talk to each other (ICC off) and
// clients on the host reach them, and "peer", over which replication, the
// cluster bus and Sentinel run and which nodes announce. Disconnect takes a
// node off "peer" only, so clients on the host still reach it: a real
// partition, not a crash. That is why clients never dial the announced
// (peer) addresses: the dialer translates them to the node's pub address.
//
// Clients dial a node's pub address directly where the host can reach it
// (a local engine on Linux: the bridge is a host interface), so only the
// run's bridge and a veth pair sit between squall and Redis, as between
// any two containers. Each node's port is also
// published on 127.0.0.1, the fallback where the host cannot reach
// container addresses (Docker Desktop, rootless or remote engines): there
// docker-proxy copies every byte, which costs latency and CPU (see
// dataPath). Fixed addresses and fixed host ports survive restarts, so
// announced addresses and clients' dialers stay valid.
//
// Containers are created with dockertest's client rather than
// Pool.RunWithOptions, because a node's config must be uploaded and its peer
// network attached before it starts, and because RunWithOptions publishes
// every port on all interfaces and sets StopSignal SIGWINCH.
type dockerLauncher struct {
	pool      *dockertest.Pool
	run       string
	image     string
	server    string // the server executable in the image (redis-server, valkey-server, ...)
	majorV    int
	owner     string
	pub, peer *dockertest.Network
	pubNet    netip.Prefix
	subnet    netip.Prefix // the peer network's

	wantPath string     // Spec.DataPath: auto, direct or published
	pathMu   sync.Mutex // held while the first node decides the data path
	path     string     // direct | published once decided
	pathNote string

	peers *peerProxies // Spec.PeerProxy: the node↔node fault proxies (peerproxy.go)

	ctx    context.Context // ends the watchers at close
	cancel context.CancelFunc

	mu    sync.Mutex
	boxes map[*Node]*box
}

// box is one node's container and its current run.
type box struct {
	id, name string
	ip       string // on the peer network
	pubIP    string // on the pub network
	port     int    // container port (6379 or 26379)
	hostPort int    // published on 127.0.0.1
	run      *boxRun
}

func (b *box) direct() string    { return fmt.Sprintf("%s:%d", b.pubIP, b.port) }
func (b *box) published() string { return fmt.Sprintf("127.0.0.1:%d", b.hostPort) }

// boxRun is one start of a container; see procRun.
type boxRun struct {
	done     chan struct{}
	expected bool
}

// dockerPool connects to the engine (DOCKER_HOST or the default socket) and
// checks that it answers within 2 s.
func dockerPool(ctx context.Context) (*dockertest.Pool, error) {
	pool, err := dockertest.NewPool("")
	if err != nil {
		return nil, infraErr("docker: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := pool.Client.PingWithContext(ctx); err != nil {
		return nil, infraErr("no Docker engine answers (%v); use --provider process", err)
	}
	return pool, nil
}

func newDockerLauncher(ctx context.Context, t *Target) (*dockerLauncher, error) {
	pool, err := dockerPool(ctx)
	if err != nil {
		return nil, err
	}
	t.Reaped, t.Warnings = reapDocker(ctx, pool.Client) // never fails a run
	image, note, img, err := resolveImage(ctx, pool.Client, t.Spec.Image)
	if err != nil {
		return nil, err
	}
	t.Image, t.ImageNote = image, note
	owner := ownerToken()
	if t.Spec.Detach {
		owner = detachedOwner
	}
	want := t.Spec.DataPath
	if want == "" {
		want = "auto"
	}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l := &dockerLauncher{pool: pool, run: t.Spec.RunID, image: image, server: imageServer(img), majorV: imageMajor(img, image),
		owner: owner, wantPath: want, ctx: lctx, cancel: cancel, boxes: map[*Node]*box{}}
	if err := l.createNetworks(); err != nil {
		_ = l.close(ctx)
		return nil, err
	}
	if t.Spec.PeerProxy {
		gw, err := l.peerGateway()
		if err != nil {
			_ = l.close(ctx)
			return nil, err
		}
		l.peers = &peerProxies{gateway: gw, by: map[*Node]*netproxy.Proxy{}, bus: map[*Node]*netproxy.Proxy{}}
	}
	return l, nil
}

func (l *dockerLauncher) name() string { return "docker" }
func (l *dockerLauncher) major() int   { return l.majorV }

func (l *dockerLauncher) labels(node string) map[string]string {
	m := map[string]string{labelSquall: "1", labelRun: l.run, labelOwner: l.owner}
	if node != "" {
		m[labelNode] = node
	}
	return m
}

// createNetworks makes the run's pub and peer networks, each with a subnet
// spelled out: Docker assigns a fixed address only on such a network.
//
// Both get the largest MTU a bridge and a veth take, as loopback has: they
// carry only traffic between the host and the run's containers, or between
// those containers, never through a physical link. At Docker's default
// 1500, a pipelined round trip is cut into MSS-sized segments, each paying
// the bridge's and veth's per-packet cost: redis-benchmark's SET at
// pipeline 16 cost 1.00–1.13 µs of client CPU per request at 1500 against
// 0.80–0.84 at 65535 and 0.72–0.77 over loopback, on the same machine.
func (l *dockerLauncher) createNetworks() error {
	var err error
	name := "squall-" + l.run
	l.pub, l.pubNet, err = l.fixedNetwork(name+"-pub", map[string]any{"com.docker.network.bridge.enable_icc": "false", mtuOption: maxMTU})
	if err != nil {
		return err
	}
	l.peer, l.subnet, err = l.fixedNetwork(name, map[string]any{mtuOption: maxMTU})
	return err
}

const (
	mtuOption = "com.docker.network.driver.mtu"
	maxMTU    = "65535"
)

// fixedNetwork creates a bridge network once to let Docker pick a free
// subnet, then again with that subnet spelled out.
func (l *dockerLauncher) fixedNetwork(name string, options map[string]any) (*dockertest.Network, netip.Prefix, error) {
	for attempt := 0; ; attempt++ {
		probe, err := l.pool.CreateNetwork(name, func(o *dc.CreateNetworkOptions) { o.Driver, o.Labels = "bridge", l.labels("") })
		if err != nil {
			return nil, netip.Prefix{}, infraErr("docker network: %v", err)
		}
		var subnet string
		info, err := l.pool.Client.NetworkInfo(probe.Network.ID)
		if err == nil && len(info.IPAM.Config) > 0 {
			subnet = info.IPAM.Config[0].Subnet
		}
		if err := l.pool.Client.RemoveNetwork(probe.Network.ID); err != nil {
			return nil, netip.Prefix{}, infraErr("docker network: %v", err)
		}
		prefix, perr := netip.ParsePrefix(subnet)
		if perr != nil || !prefix.Addr().Is4() || prefix.Bits() > 24 {
			return nil, netip.Prefix{}, infraErr("docker gave network %s the subnet %q; squall needs an IPv4 /24 or larger", name, subnet)
		}
		n, err := l.pool.CreateNetwork(name, func(o *dc.CreateNetworkOptions) {
			o.Driver, o.Labels, o.Options = "bridge", l.labels(""), options
			o.IPAM = &dc.IPAMOptions{Driver: "default", Config: []dc.IPAMConfig{{Subnet: prefix.Masked().String()}}}
		})
		if err == nil {
			return n, prefix.Masked(), nil
		}
		if attempt == 2 { // another run took the subnet between the two creates
			return nil, netip.Prefix{}, infraErr("docker network %s: %v", name, err)
		}
	}
}

// nodeIP gives the i-th node of a target the address .10+i of a run's
// subnet (.1 is the gateway): stable, and in the order of Target.Nodes.
func nodeIP(subnet netip.Prefix, t *Target, n *Node) netip.Addr {
	i := 0
	for i < len(t.Nodes) && t.Nodes[i] != n {
		i++
	}
	a := subnet.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(10 + i)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func (l *dockerLauncher) start(ctx context.Context, t *Target, n *Node, conf confFunc) error {
	ip, pubIP := nodeIP(l.subnet, t, n), nodeIP(l.pubNet, t, n)
	if !l.subnet.Contains(ip) || !l.pubNet.Contains(pubIP) {
		return infraErr("docker networks %s and %s have no address left for %s", l.subnet, l.pubNet, n.Name)
	}
	port, file, args := 6379, "redis.conf", []string{}
	if n.Kind == "sentinel" {
		port, file, args = 26379, "sentinel.conf", []string{"--sentinel"}
	}
	b := &box{name: "squall-" + l.run + "-" + n.Name, ip: ip.String(), pubIP: pubIP.String(), port: port}
	n.Internal = fmt.Sprintf("%s:%d", b.ip, port)
	at := place{Bind: "0.0.0.0", Port: port, Dir: "/data", Announce: ip.String()}
	if l.peers != nil && n.Kind == "redis" {
		relay, err := l.peerRelay(n, n.Internal)
		if err != nil {
			return err
		}
		n.Internal = relay.String()
		at.Announce, at.AnnouncePort = relay.Addr().String(), int(relay.Port())
		if n.bus { // a cluster node: its bus gets a relay too
			bus, err := l.busRelay(n, fmt.Sprintf("%s:%d", b.ip, port+10000))
			if err != nil {
				return err
			}
			n.busAt, at.AnnounceBusPort = int(bus.Port()), int(bus.Port())
		}
	}
	lines, err := conf(at)
	if err != nil {
		return err
	}
	n.Container = b.name
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free host port can be taken before docker binds it
		hostPort, err := freePort()
		if err != nil {
			return infraErr("no free port: %v", err)
		}
		b.hostPort = hostPort
		n.Addr = b.published() // until the data path is decided
		n.Published = n.Addr
		lastErr = l.create(ctx, n, b, file, lines, args)
		if lastErr == nil {
			break
		}
		if b.id != "" {
			_ = l.pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: b.id, Force: true, RemoveVolumes: true})
			b.id = ""
		}
		if !strings.Contains(lastErr.Error(), "allocated") && !strings.Contains(lastErr.Error(), "in use") {
			break
		}
	}
	if lastErr != nil {
		return infraErr("container %s: %v", b.name, lastErr)
	}
	l.mu.Lock()
	l.boxes[n] = b
	l.mu.Unlock()
	if err := l.boot(ctx, t, n, b); err != nil {
		return err
	}
	direct, err := l.dataPath(ctx, b)
	if err != nil {
		return err
	}
	if direct {
		n.Addr = b.direct()
	} else if l.peers != nil {
		return infraErr("the peer fault proxies need the direct data path (the host reaching container addresses); it is %s here", l.path)
	}
	return nil
}

// create makes the container on the pub network at its fixed address with
// its port published on 127.0.0.1, attaches it to the peer network at its
// fixed address, uploads its config and starts it.
func (l *dockerLauncher) create(ctx context.Context, n *Node, b *box, file string, conf, args []string) error {
	cport := dc.Port(fmt.Sprintf("%d/tcp", b.port))
	c, err := l.pool.Client.CreateContainer(dc.CreateContainerOptions{
		Name: b.name,
		Config: &dc.Config{
			Image:        l.image,
			Hostname:     n.Name,
			Entrypoint:   []string{l.server},
			Cmd:          append([]string{"/data/" + file}, args...),
			WorkingDir:   "/data",
			ExposedPorts: map[dc.Port]struct{}{cport: {}},
			Labels:       l.labels(n.Name),
			StopSignal:   "SIGTERM",
		},
		HostConfig: &dc.HostConfig{
			PortBindings: map[dc.Port][]dc.PortBinding{cport: {{HostIP: "127.0.0.1", HostPort: strconv.Itoa(b.hostPort)}}},
		},
		NetworkingConfig: &dc.NetworkingConfig{EndpointsConfig: map[string]*dc.EndpointConfig{
			l.pub.Network.Name: {IPAMConfig: &dc.EndpointIPAMConfig{IPv4Address: b.pubIP}},
		}},
		Context: ctx,
	})
	if err != nil {
		return err
	}
	b.id = c.ID
	if err := l.connectPeer(ctx, b, n.Name); err != nil {
		return err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := []byte(strings.Join(conf, "\n") + "\n")
	_ = tw.WriteHeader(&tar.Header{Name: file, Mode: 0o644, Size: int64(len(body)), ModTime: time.Now()})
	_, _ = tw.Write(body)
	_ = tw.Close()
	if err := l.pool.Client.UploadToContainer(c.ID, dc.UploadToContainerOptions{InputStream: &buf, Path: "/data", Context: ctx}); err != nil {
		return fmt.Errorf("uploading %s: %w", file, err)
	}
	return l.pool.Client.StartContainerWithContext(c.ID, nil, ctx)
}

func (l *dockerLauncher) connectPeer(ctx context.Context, b *box, name string) error {
	return l.pool.Client.ConnectNetwork(l.peer.Network.ID, dc.NetworkConnectionOptions{
		Container:      b.id,
		EndpointConfig: &dc.EndpointConfig{IPAMConfig: &dc.EndpointIPAMConfig{IPv4Address: b.ip}, Aliases: []string{name}},
		Context:        ctx,
	})
}

// boot watches a started container for unexpected exits and waits until
// it answers PING at n.Addr: its published port at the first start, the
// address the data path chose after that.
func (l *dockerLauncher) boot(ctx context.Context, t *Target, n *Node, b *box) error {
	r := &boxRun{done: make(chan struct{})}
	l.mu.Lock()
	b.run = r
	l.mu.Unlock()
	go func() {
		code, err := l.pool.Client.WaitContainerWithContext(b.id, l.ctx)
		close(r.done)
		if l.ctx.Err() != nil {
			return
		}
		l.mu.Lock()
		expected := r.expected
		l.mu.Unlock()
		if !expected {
			if err == nil {
				err = fmt.Errorf("exit code %d", code)
			}
			t.reportUnexpected(fmt.Errorf("%w: container %s (%s) exited unexpectedly: %v%s", ErrInfra, b.name, n.Addr, err, l.logs(b)))
		}
	}()
	pw := t.Spec.Password
	if n.Kind == "sentinel" {
		pw = ""
	}
	if err := waitReady(ctx, n.Addr, pw, r.done, 60*time.Second); err != nil {
		return infraErr("container %s (%s) did not start: %v%s", b.name, n.Addr, err, l.logs(b))
	}
	return nil
}

// logs returns the tail of a container's output for error messages.
func (l *dockerLauncher) logs(b *box) string {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = l.pool.Client.Logs(dc.LogsOptions{Context: ctx, Container: b.id, OutputStream: &out, ErrorStream: &out,
		Stdout: true, Stderr: true, Tail: "5"})
	if s := strings.TrimSpace(out.String()); s != "" {
		return "\n  log: " + strings.ReplaceAll(s, "\n", "\n  log: ")
	}
	return ""
}

func (l *dockerLauncher) current(n *Node) (*box, *boxRun, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.boxes[n]
	if b == nil || b.run == nil {
		return nil, nil, fmt.Errorf("%s was never started", n.Name)
	}
	return b, b.run, nil
}

// end marks a run as squall's doing, sends sig and waits for the exit;
// SIGKILL after grace. A paused container is unpaused first: the engine
// refuses to signal it.
func (l *dockerLauncher) end(ctx context.Context, b *box, r *boxRun, sig dc.Signal, grace time.Duration) error {
	l.mu.Lock()
	r.expected = true
	l.mu.Unlock()
	select {
	case <-r.done:
		return nil
	default:
	}
	_ = l.pool.Client.UnpauseContainer(b.id)
	if err := l.pool.Client.KillContainer(dc.KillContainerOptions{ID: b.id, Signal: sig, Context: ctx}); err != nil {
		var nr *dc.ContainerNotRunning
		if !errors.As(err, &nr) {
			return err
		}
	}
	select {
	case <-r.done:
		return nil
	case <-time.After(grace):
	}
	if err := l.pool.Client.KillContainer(dc.KillContainerOptions{ID: b.id, Signal: dc.SIGKILL, Context: ctx}); err != nil {
		var nr *dc.ContainerNotRunning
		if !errors.As(err, &nr) {
			return err
		}
	}
	select {
	case <-r.done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("container %s still running after SIGKILL", b.name)
	}
}

func (l *dockerLauncher) kill(ctx context.Context, n *Node) error {
	b, r, err := l.current(n)
	if err != nil {
		return err
	}
	return l.end(ctx, b, r, dc.SIGKILL, 10*time.Second)
}

// stop sends SIGTERM with KillContainer: dockertest's StopContainer would
// send the SIGWINCH it configures, which Redis ignores, and SIGKILL later.
func (l *dockerLauncher) stop(ctx context.Context, n *Node, grace time.Duration) error {
	b, r, err := l.current(n)
	if err != nil {
		return err
	}
	return l.end(ctx, b, r, dc.SIGTERM, grace)
}

// restart starts the same container again: same config and /data volume,
// same fixed address and host port.
func (l *dockerLauncher) restart(ctx context.Context, t *Target, n *Node) error {
	b, r, err := l.current(n)
	if err != nil {
		return err
	}
	select {
	case <-r.done:
	default:
		return fmt.Errorf("container %s is still running", b.name)
	}
	if err := l.pool.Client.StartContainerWithContext(b.id, nil, ctx); err != nil {
		return infraErr("starting container %s: %v", b.name, err)
	}
	return l.boot(ctx, t, n, b)
}

func (l *dockerLauncher) pause(_ context.Context, n *Node) error {
	b, _, err := l.current(n)
	if err != nil {
		return err
	}
	return l.pool.Client.PauseContainer(b.id)
}

func (l *dockerLauncher) resume(_ context.Context, n *Node) error {
	b, _, err := l.current(n)
	if err != nil {
		return err
	}
	return l.pool.Client.UnpauseContainer(b.id)
}

func (l *dockerLauncher) disconnect(ctx context.Context, n *Node) error {
	b, _, err := l.current(n)
	if err != nil {
		return err
	}
	return l.pool.Client.DisconnectNetwork(l.peer.Network.ID, dc.NetworkConnectionOptions{Container: b.id, Force: true, Context: ctx})
}

func (l *dockerLauncher) reconnect(ctx context.Context, n *Node) error {
	b, _, err := l.current(n)
	if err != nil {
		return err
	}
	return l.connectPeer(ctx, b, n.Name)
}

func (l *dockerLauncher) handle() Handle {
	return Handle{Provider: "docker", RunID: l.run}
}

// close removes the run's containers and networks: those it knows, then
// whatever else carries the run's label (a container whose start failed
// half-way).
func (l *dockerLauncher) close(ctx context.Context) error {
	l.cancel()
	if l.peers != nil {
		l.closePeerRelays()
	}
	l.mu.Lock()
	for _, b := range l.boxes {
		if b.run != nil {
			b.run.expected = true
		}
	}
	l.mu.Unlock()
	_, err := removeRun(ctx, l.pool.Client, l.run, "teardown")
	return err
}

// pid returns the container's main process id on the host, whose network
// namespace tc netem shapes.
func (l *dockerLauncher) pid(n *Node) (int, error) {
	b, _, err := l.current(n)
	if err != nil {
		return 0, err
	}
	c, err := l.pool.Client.InspectContainer(b.id)
	if err != nil {
		return 0, err
	}
	if c.State.Pid == 0 {
		return 0, fmt.Errorf("%s is not running", n.Name)
	}
	return c.State.Pid, nil
}

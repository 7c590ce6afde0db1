// Package netproxy is squall's fault proxy: a TCP relay between the
// clients and one node that slows, throttles, stalls, resets or holds open
// the traffic it carries while a fault is active. It lets network faults
// run where the kernel cannot shape a node's traffic (no sch_netem, local
// processes, an external server): the faults act on the client↔node path
// only.
//
// Faults are added and removed while connections are live; each acts on
// the bytes still to be relayed, so a fault healed mid-wait releases them
// at once. Bytes are never dropped: a stalled TCP stream delivers what it
// held once the path is back, and so does the proxy.
package netproxy

import (
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Fault is one network fault on the path through a proxy. Several may be
// active at once: their delays add up, the lowest rate applies.
type Fault struct {
	// Delay and Jitter slow the node's replies: each chunk leaves Delay ±
	// Jitter after it arrived (never before the chunk ahead of it), so a
	// round trip takes Delay longer, as netem on the node's interface does.
	Delay, Jitter time.Duration
	// Rate, bytes per second, caps each direction of each connection.
	Rate int64
	// Blackhole holds every byte in both directions until the fault ends;
	// with HoldFor > 0, a connection with bytes held that long is closed,
	// as a TCP sender gives up retransmitting.
	Blackhole bool
	HoldFor   time.Duration
	// Reset closes every connection with a TCP RST as the fault starts,
	// and each new one as it is accepted, until it ends.
	Reset bool
	// SlowClose holds a connection open for this long after either side
	// closed it before passing the close on.
	SlowClose time.Duration
	// From, when valid, limits the fault to connections from that address:
	// a node's outgoing links to its peers' relays, which a fault on the
	// node's own relay does not reach.
	From netip.Addr
}

// state is the faults in force, combined; changed is closed when they change.
type state struct {
	delay, jitter, slowClose, holdFor time.Duration
	rate                              int64
	blackhole, reset                  bool
	since                             time.Time // when the blackhole began
	changed                           chan struct{}
	from                              map[netip.Addr]*state // with the faults limited to a source
}

// Proxy relays one listening address to one upstream address.
type Proxy struct {
	ln       net.Listener
	upstream string
	from     netip.Prefix // when valid, the only sources accepted
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	st atomic.Pointer[state] // read per chunk: no lock on the relay's path

	mu     sync.Mutex
	faults map[int]Fault
	nextID int
	conns  map[*pair]struct{}
}

// Listen starts a proxy on 127.0.0.1 (a free port) for upstream.
func Listen(upstream string) (*Proxy, error) {
	return ListenFrom("127.0.0.1:0", upstream, netip.Prefix{})
}

// ListenFrom starts a proxy on addr for upstream that relays only
// connections from addresses in from (any, when from is not valid) and
// closes the others at once: a proxy on a host address of a docker network
// serves that network's containers, not whatever else can route to it.
func ListenFrom(addr, upstream string, from netip.Prefix) (*Proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{ln: ln, upstream: upstream, from: from, ctx: ctx, cancel: cancel, faults: map[int]Fault{}, conns: map[*pair]struct{}{}}
	p.st.Store(&state{changed: make(chan struct{})})
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the address clients dial instead of the upstream's.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Upstream is the node's address the proxy relays to.
func (p *Proxy) Upstream() string { return p.upstream }

// Close stops accepting, closes every connection and waits until every
// goroutine of the proxy has ended.
func (p *Proxy) Close() error {
	p.cancel()
	err := p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.close(false)
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

// Add puts f in force and returns how to lift it; lifting twice is harmless.
func (p *Proxy) Add(f Fault) (lift func()) {
	p.mu.Lock()
	id := p.nextID
	p.nextID++
	p.faults[id] = f
	p.recompute()
	if f.Reset {
		for c := range p.conns {
			if !f.From.IsValid() || c.src == f.From {
				c.close(true)
			}
		}
	}
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if _, ok := p.faults[id]; ok {
			delete(p.faults, id)
			p.recompute()
		}
	}
}

// recompute combines the faults in force; p.mu is held.
func (p *Proxy) recompute() {
	old := p.st.Load()
	var all []Fault
	by := map[netip.Addr][]Fault{}
	for _, f := range p.faults {
		if f.From.IsValid() {
			by[f.From] = append(by[f.From], f)
		} else {
			all = append(all, f)
		}
	}
	changed := make(chan struct{})
	st := combine(all, old, changed)
	for a, fs := range by {
		if st.from == nil {
			st.from = map[netip.Addr]*state{}
		}
		prev := old.from[a]
		if prev == nil {
			prev = old
		}
		st.from[a] = combine(append(fs, all...), prev, changed)
	}
	p.st.Store(st)
	close(old.changed)
}

// combine adds up faults; a blackhole that old had too keeps its start.
func combine(faults []Fault, old *state, changed chan struct{}) *state {
	st := &state{changed: changed}
	for _, f := range faults {
		st.delay += f.Delay
		st.jitter += f.Jitter
		if f.Rate > 0 && (st.rate == 0 || f.Rate < st.rate) {
			st.rate = f.Rate
		}
		if f.Blackhole {
			st.blackhole = true
			if f.HoldFor > 0 && (st.holdFor == 0 || f.HoldFor < st.holdFor) {
				st.holdFor = f.HoldFor
			}
		}
		st.reset = st.reset || f.Reset
		st.slowClose = max(st.slowClose, f.SlowClose)
	}
	st.since = time.Now()
	if st.blackhole && old.blackhole {
		st.since = old.since
	}
	return st
}

// stateOf is the faults in force on connections from src.
func (p *Proxy) stateOf(src netip.Addr) *state {
	st := p.st.Load()
	if f, ok := st.from[src]; ok {
		return f
	}
	return st
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		down, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		if p.stateOf(source(down.RemoteAddr())).reset || !p.admits(down.RemoteAddr()) {
			rst(down)
			continue
		}
		p.wg.Add(1)
		go p.relay(down)
	}
}

// admits reports whether a connection from a may pass.
func (p *Proxy) admits(a net.Addr) bool {
	if !p.from.IsValid() {
		return true
	}
	ip := source(a)
	return ip.IsValid() && p.from.Contains(ip)
}

// source is a connection's remote IP; not valid when it is not TCP.
func source(a net.Addr) netip.Addr {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.Addr{}
	}
	ip, _ := netip.AddrFromSlice(ta.IP)
	return ip.Unmap()
}

// relay dials the upstream for one client connection and relays both ways.
func (p *Proxy) relay(down net.Conn) {
	defer p.wg.Done()
	d := net.Dialer{Timeout: 5 * time.Second}
	up, err := d.DialContext(p.ctx, "tcp", p.upstream)
	if err != nil {
		down.Close() // the client sees the node refuse, as it would without the proxy
		return
	}
	c := &pair{down: down, up: up, src: source(down.RemoteAddr()), done: make(chan struct{})}
	p.mu.Lock()
	if p.ctx.Err() != nil {
		p.mu.Unlock()
		c.close(false)
		return
	}
	p.conns[c] = struct{}{}
	if p.stateOf(c.src).reset {
		c.close(true)
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pump(c, down, up, false) }()
	go func() { defer wg.Done(); p.pump(c, up, down, true) }()
	wg.Wait()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// pair is one client connection and its upstream connection.
type pair struct {
	down, up net.Conn
	src      netip.Addr // where down came from
	once     sync.Once
	done     chan struct{}
}

// close closes both connections, with a TCP RST when reset.
func (c *pair) close(reset bool) {
	c.once.Do(func() {
		close(c.done)
		if reset {
			rst(c.down)
			rst(c.up)
			return
		}
		c.down.Close()
		c.up.Close()
	})
}

// rst closes conn so that the peer gets a TCP RST rather than a FIN.
func rst(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

type chunk struct {
	b  []byte
	at time.Time
}

// chunks queued per direction before the reader stops reading (and TCP
// pushes back on the sender).
const queued = 64

// pump relays src to dst. With no fault in the way and nothing queued, the
// reader writes each chunk on at once, as a plain relay does; otherwise it
// stamps the chunk with its arrival and queues it for a writer that holds
// it as the faults in force say. reply marks the node→client direction,
// the one latency delays.
func (p *Proxy) pump(c *pair, src, dst net.Conn, reply bool) {
	ch := make(chan chunk, queued)
	var pending atomic.Int64 // queued or being written; only the reader adds
	written := make(chan struct{})
	go func() {
		defer close(written)
		var last time.Time // when the previous chunk left: a stream keeps its order
		for k := range ch {
			at, ok := p.hold(c, k, reply, last)
			// At a capped rate the chunk takes its transmission time to arrive.
			if r := p.stateOf(c.src).rate; ok && r > 0 {
				ok = p.wait(c, time.Duration(float64(len(k.b))/float64(r)*float64(time.Second)))
			}
			if ok {
				_, err := dst.Write(k.b)
				ok = err == nil
			}
			if !ok {
				c.close(false)
				return
			}
			last = at
			pending.Add(-1)
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if pending.Load() == 0 && p.stateOf(c.src).passes(reply) {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			} else {
				pending.Add(1)
				select {
				case ch <- chunk{append([]byte(nil), buf[:n]...), time.Now()}:
				case <-c.done:
					err = net.ErrClosed
				}
			}
		}
		if err != nil {
			break
		}
	}
	close(ch)
	<-written
	if d := p.stateOf(c.src).slowClose; d > 0 {
		p.wait(c, d)
	}
	c.close(false)
}

// passes reports whether a chunk may go on at once: nothing stalls,
// throttles or (in a reply) delays it.
func (st *state) passes(reply bool) bool {
	return !st.blackhole && st.rate == 0 && (!reply || st.delay == 0)
}

// hold waits until chunk k may leave under the faults in force, and
// returns when it left; false when the connection closed meanwhile.
func (p *Proxy) hold(c *pair, k chunk, reply bool, last time.Time) (time.Time, bool) {
	var jitter time.Duration
	for {
		st := p.stateOf(c.src)
		switch {
		case st.blackhole:
			if !p.blackholed(c, st) {
				return time.Time{}, false
			}
		case reply && st.delay > 0:
			if st.jitter > 0 && jitter == 0 {
				jitter = time.Duration(rand.Int64N(int64(2*st.jitter)+1)) - st.jitter
			}
			at := k.at.Add(max(st.delay+jitter, 0))
			if at.Before(last) {
				at = last
			}
			d := time.Until(at)
			if d <= 0 {
				return at, true
			}
			t := time.NewTimer(d)
			select {
			case <-t.C:
				return at, true
			case <-st.changed:
				t.Stop()
				continue
			case <-c.done:
				t.Stop()
				return time.Time{}, false
			}
		default:
			return time.Now(), true
		}
	}
}

// blackholed waits while st is in force; false when the connection closed
// meanwhile, or was closed for being held st.holdFor.
func (p *Proxy) blackholed(c *pair, st *state) bool {
	var giveUp <-chan time.Time
	if st.holdFor > 0 {
		t := time.NewTimer(time.Until(st.since.Add(st.holdFor)))
		defer t.Stop()
		giveUp = t.C
	}
	select {
	case <-st.changed:
		return true
	case <-c.done:
		return false
	case <-giveUp:
		c.close(false) // held too long: the sender gives up
		return false
	}
}

// wait sleeps d unless the connection closes first (false).
func (p *Proxy) wait(c *pair, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.done:
		return false
	}
}

package netproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/squall-bench/squall/internal/testenv"
)

// conn is a raw client connection through the proxy, speaking inline RESP.
type conn struct {
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, p *Proxy) *conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", p.Addr(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &conn{c, bufio.NewReader(c)}
}

func (c *conn) send(t *testing.T, cmd string) {
	t.Helper()
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		t.Fatal(err)
	}
}

// reply reads one line, waiting at most wait.
func (c *conn) reply(wait time.Duration) (string, error) {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	line, err := c.r.ReadString('\n')
	return strings.TrimSpace(line), err
}

// held sends a PING a fault holds: no reply may come within wait.
func (c *conn) held(t *testing.T, wait time.Duration, fault string) {
	t.Helper()
	c.send(t, "PING")
	if got, err := c.reply(wait); err == nil {
		t.Fatalf("a reply through %s: %q", fault, got)
	}
}

// released reads the held PING's reply once the fault is lifted.
func (c *conn) released(t *testing.T, fault string) {
	t.Helper()
	if got, err := c.reply(5 * time.Second); err != nil || got != "+PONG" {
		t.Fatalf("the held PING after %s: %q, %v", fault, got, err)
	}
}

func (c *conn) roundTrip(t *testing.T, cmd string) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	c.send(t, cmd)
	line, err := c.reply(10 * time.Second)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return line, time.Since(start)
}

// start runs a proxy in front of a real redis-server and checks, when the
// test ends, that closing it left none of its goroutines behind.
func start(t *testing.T) *Proxy {
	t.Helper()
	addr := testenv.StartRedis(t)
	before := runtime.NumGoroutine()
	p, err := Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Close()
		for i := 0; runtime.NumGoroutine() > before; i++ {
			if i == 100 {
				t.Errorf("goroutines: %d before the proxy, %d after it closed", before, runtime.NumGoroutine())
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	return p
}

func TestRelay(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	c.send(t, "SET netproxy:k v")
	if got, _ := c.roundTrip(t, "GET netproxy:k"); got != "+OK" {
		t.Fatalf("SET through the proxy: %q", got)
	}
	if got, err := c.reply(time.Second); err != nil || got != "$1" {
		t.Fatalf("GET through the proxy: %q, %v", got, err)
	}
}

// TestLatency: replies leave at least the delay after the node sent them,
// and at once again when the fault is lifted (the held reply is released).
func TestLatency(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	lift := p.Add(Fault{Delay: 150 * time.Millisecond, Jitter: 20 * time.Millisecond})
	for range 3 {
		if got, took := c.roundTrip(t, "PING"); got != "+PONG" || took < 130*time.Millisecond {
			t.Fatalf("PING under 150ms±20ms latency: %q after %v", got, took)
		}
	}
	lift()
	lift = p.Add(Fault{Delay: time.Hour}) // lifted while a reply waits
	c.held(t, 200*time.Millisecond, "an hour's latency")
	lift()
	lift() // twice: harmless
	c.released(t, "lifting")
}

// TestBlackhole: nothing passes while it lasts, nothing is lost when it
// ends; with HoldFor, a connection holding bytes is closed.
func TestBlackhole(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	lift := p.Add(Fault{Blackhole: true})
	c.held(t, 300*time.Millisecond, "a blackhole")
	lift()
	c.released(t, "the blackhole")

	lift = p.Add(Fault{Blackhole: true, HoldFor: 100 * time.Millisecond})
	defer lift()
	c.send(t, "PING")
	if _, err := c.reply(5 * time.Second); !errors.Is(err, io.EOF) {
		t.Fatalf("a connection held past HoldFor: %v, want EOF", err)
	}
}

// TestFrom: a fault limited to a source holds only that source's
// connections.
func TestFrom(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	lift := p.Add(Fault{Blackhole: true, From: netip.MustParseAddr("127.0.0.2")})
	if got, _ := c.roundTrip(t, "PING"); got != "+PONG" {
		t.Fatalf("PING from 127.0.0.1 under a blackhole on 127.0.0.2: %q", got)
	}
	lift()
	lift = p.Add(Fault{Blackhole: true, From: netip.MustParseAddr("127.0.0.1")})
	c.held(t, 300*time.Millisecond, "a blackhole on its source")
	lift()
	c.released(t, "the blackhole")
}

// TestReset: live connections get an RST as the fault starts, new ones as
// they connect; once lifted, connections work again.
func TestReset(t *testing.T) {
	p := start(t)
	live := dial(t, p)
	live.roundTrip(t, "PING")
	lift := p.Add(Fault{Reset: true})
	if _, err := live.reply(5 * time.Second); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("a live connection under reset: %v, want ECONNRESET", err)
	}
	// The RST may reach a new connection as it connects, as it writes or
	// as it reads: any of them is the fault working.
	if err := resetOnArrival(p); !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("a new connection under reset: %v, want ECONNRESET", err)
	}
	lift()
	if got, _ := dial(t, p).roundTrip(t, "PING"); got != "+PONG" {
		t.Fatalf("after reset was lifted: %q", got)
	}
}

// resetOnArrival connects to p, sends a PING and waits for the reply,
// returning the first error on the way.
func resetOnArrival(p *Proxy) error {
	c, err := net.DialTimeout("tcp", p.Addr(), 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	fresh := &conn{c, bufio.NewReader(c)}
	_, err = fresh.reply(5 * time.Second)
	return err
}

// TestRate: a 64 KB value at 128 KB/s takes at least its transmission time.
func TestRate(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	defer p.Add(Fault{Rate: 128 << 10})()
	start := time.Now()
	c.send(t, "SET netproxy:big "+strings.Repeat("x", 64<<10))
	if got, err := c.reply(10 * time.Second); err != nil || got != "+OK" {
		t.Fatalf("SET at a capped rate: %q, %v", got, err)
	}
	if took := time.Since(start); took < 450*time.Millisecond {
		t.Fatalf("64 KB at 128 KB/s arrived in %v", took)
	}
}

// TestSlowClose: the node closes (QUIT), the client sees it only after the delay.
func TestSlowClose(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	defer p.Add(Fault{SlowClose: 300 * time.Millisecond})()
	if got, _ := c.roundTrip(t, "QUIT"); got != "+OK" {
		t.Fatalf("QUIT: %q", got)
	}
	start := time.Now()
	if _, err := c.reply(5 * time.Second); !errors.Is(err, io.EOF) {
		t.Fatalf("after QUIT: %v, want EOF", err)
	}
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Fatalf("the close came through after %v under a 300ms slow close", took)
	}
}

// TestUpstreamDown: a client of a proxy whose node is gone sees its
// connection closed, as it would see the node refuse.
func TestUpstreamDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p, err := Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := dial(t, p)
	if _, err := c.reply(5 * time.Second); !errors.Is(err, io.EOF) {
		t.Fatalf("through a proxy to nothing: %v, want EOF", err)
	}
}

// TestListenFrom: a proxy for one network's sources relays them and resets
// a connection from anywhere else.
func TestListenFrom(t *testing.T) {
	addr := testenv.StartRedis(t)
	for _, tc := range []struct {
		from string
		ok   bool
	}{{"127.0.0.0/8", true}, {"10.0.0.0/8", false}} {
		p, err := ListenFrom("127.0.0.1:0", addr, netip.MustParsePrefix(tc.from))
		if err != nil {
			t.Fatal(err)
		}
		got, err := pingVia(p)
		if tc.ok && got != "+PONG" || !tc.ok && err == nil {
			t.Errorf("from %s: PING got %q, %v", tc.from, got, err)
		}
		p.Close()
	}
}

// pingVia sends PING through p on a new connection; a refused connection
// may be reset before its dial even returns.
func pingVia(p *Proxy) (string, error) {
	nc, err := net.DialTimeout("tcp", p.Addr(), 2*time.Second)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	c := &conn{nc, bufio.NewReader(nc)}
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return "", err
	}
	return c.reply(2 * time.Second)
}

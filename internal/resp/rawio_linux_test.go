package resp

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// TestRawIO drives rawIO over a real TCP connection: a write larger than
// the socket buffers (partial writes, waits for room), reads until EOF,
// the idle check, and a read deadline.
func TestRawIO(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	peer := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			close(peer)
			return
		}
		peer <- c
	}()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	srv := <-peer
	if srv == nil {
		t.Fatal("accept failed")
	}
	defer srv.Close()
	rw := newConnIO(nc)
	if _, ok := rw.(*rawIO); !ok {
		t.Fatalf("connIO for a TCP connection is %T, want *rawIO", rw)
	}

	// 8 MB: more than the socket buffers hold, so the write waits for the
	// peer to read.
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<19)
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(srv, int64(len(big))))
		got <- b
	}()
	if n, err := rw.Write(big); err != nil || n != len(big) {
		t.Fatalf("write: %d, %v", n, err)
	}
	if b := <-got; !bytes.Equal(b, big) {
		t.Fatalf("peer read %d bytes, not what was written", len(b))
	}

	if err := rw.check(); err != nil {
		t.Fatalf("idle check on a quiet connection: %v", err)
	}
	if _, err := srv.Write([]byte("+OK\r\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if err := rw.check(); !errors.Is(err, errUnexpectedData) {
		t.Fatalf("idle check with bytes waiting: %v, want errUnexpectedData", err)
	}
	buf := make([]byte, 16)
	if n, err := rw.Read(buf); err != nil || string(buf[:n]) != "+OK\r\n" {
		t.Fatalf("read: %q, %v", buf[:n], err)
	}

	if err := nc.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v, want a deadline error", err)
	}
	if err := nc.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}

	srv.Close()
	time.Sleep(20 * time.Millisecond)
	if err := rw.check(); !errors.Is(err, io.EOF) {
		t.Fatalf("idle check after the peer closed: %v, want EOF", err)
	}
	if _, err := rw.Read(buf); !errors.Is(err, io.EOF) {
		t.Fatalf("read after the peer closed: %v, want EOF", err)
	}
}

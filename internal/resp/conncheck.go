//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd || solaris || illumos

package resp

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// errUnexpectedData means an idle connection had bytes to read that no
// command asked for.
var errUnexpectedData = errors.New("resp: unexpected data on an idle connection")

// connChecker peeks, without blocking, whether the server closed an idle
// connection or sent something on it. It is made once per connection, so
// that a check allocates nothing (a consumer at a low rate checks before
// most reads).
type connChecker struct {
	raw  syscall.RawConn
	peek func(fd uintptr) bool
	buf  [1]byte
	err  error
}

func newConnChecker(nc net.Conn) *connChecker {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	k := &connChecker{raw: raw}
	k.peek = k.peekFD
	return k
}

func (k *connChecker) peekFD(fd uintptr) bool {
	n, _, err := syscall.Recvfrom(int(fd), k.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	switch {
	case n == 0 && err == nil:
		k.err = io.EOF
	case n > 0:
		k.err = errUnexpectedData
	case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK:
	default:
		k.err = err
	}
	return true
}

// check reports a connection the server closed or wrote to unasked; nil
// for a connection that cannot be checked.
func (k *connChecker) check() error {
	if k == nil {
		return nil
	}
	k.err = nil
	if err := k.raw.Read(k.peek); err != nil {
		return err
	}
	return k.err
}

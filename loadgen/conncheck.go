//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd || solaris || illumos

package loadgen

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// errUnexpectedData means an idle connection had bytes to read that no
// command asked for.
var errUnexpectedData = errors.New("loadgen: unexpected data on an idle connection")

// connCheck peeks, without blocking, whether the server closed an idle
// connection or sent something on it.
func connCheck(nc net.Conn) error {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var check error
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case n == 0 && err == nil:
			check = io.EOF
		case n > 0:
			check = errUnexpectedData
		case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK:
		default:
			check = err
		}
		return true
	})
	if err != nil {
		return err
	}
	return check
}

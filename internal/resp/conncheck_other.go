//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd || solaris || illumos)

package resp

import "net"

// connChecker cannot peek on this platform; a dead connection shows on use.
type connChecker struct{}

func newConnChecker(net.Conn) *connChecker { return nil }

func (*connChecker) check() error { return nil }

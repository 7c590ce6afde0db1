//go:build !linux

package resp

import "net"

// newConnIO returns nc itself: raw system calls are used on Linux only.
func newConnIO(nc net.Conn) connIO { return newPlainIO(nc) }

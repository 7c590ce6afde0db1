package resp

import "net"

// connIO is how a Conn reads, writes and checks its connection.
type connIO interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	// check reports, without blocking, that an idle connection was closed
	// by the server or has bytes no command asked for.
	check() error
}

// plainIO is a connection used through net.Conn.
type plainIO struct {
	net.Conn
	k *connChecker
}

func newPlainIO(nc net.Conn) plainIO { return plainIO{Conn: nc, k: newConnChecker(nc)} }

func (c plainIO) check() error { return c.k.check() }

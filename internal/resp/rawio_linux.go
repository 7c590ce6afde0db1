package resp

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawIO reads, writes and peeks at a connection with raw system calls
// through the runtime's poller (syscall.RawConn), which waits for the
// socket as net.Conn does and honours its deadlines.
//
// net.Conn's Read and Write enter the kernel through the runtime's
// entersyscall, and the first such call after the process sat idle wakes
// the runtime's monitor thread (sysmon) from its sleep, and sets it polling
// every 20 µs for a while. Open-loop producers idle between sends, so that
// was two more thread wake-ups per round trip, about half of the
// generator's context switches at 10,000 events/s. The calls here never
// block (the socket is non-blocking), so they need no entersyscall.
type rawIO struct {
	rc             syscall.RawConn
	buf            []byte
	n              int
	errno          syscall.Errno
	rd, wr, peeked func(fd uintptr) bool // made once: a method value per call would allocate
}

// newConnIO returns nc's reader and writer: raw system calls where nc has
// a file descriptor, else nc itself (a TLS connection, a test's pipe).
func newConnIO(nc net.Conn) connIO {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return newPlainIO(nc)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return newPlainIO(nc)
	}
	r := &rawIO{rc: rc}
	r.rd, r.wr, r.peeked = r.readRaw, r.writeRaw, r.peekRaw
	return r
}

func (r *rawIO) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.buf, r.n, r.errno = p, 0, 0
	err := r.rc.Read(r.rd)
	r.buf = nil
	switch {
	case err != nil:
		return 0, err // closed, or the read deadline passed
	case r.errno != 0:
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", r.errno)}
	case r.n == 0:
		return 0, io.EOF
	}
	return r.n, nil
}

// readRaw reads once into buf; false means nothing to read yet (the poller
// waits for the socket, then calls it again).
func (r *rawIO) readRaw(fd uintptr) bool { return r.raw(syscall.SYS_READ, fd) }

// raw makes one read or write system call on buf, retried on EINTR; false
// means the socket would block (EAGAIN).
func (r *rawIO) raw(trap, fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(&r.buf[0])), uintptr(len(r.buf)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		r.n, r.errno = int(n), e
		return true
	}
}

func (r *rawIO) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		r.buf, r.n, r.errno = p[done:], 0, 0
		err := r.rc.Write(r.wr)
		r.buf = nil
		if err == nil && r.errno != 0 {
			err = &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", r.errno)}
		}
		if err != nil {
			return done, err
		}
		done += r.n
	}
	return done, nil
}

// writeRaw writes what it can of buf; false means the socket is full (the
// poller waits until it can take more).
func (r *rawIO) writeRaw(fd uintptr) bool { return r.raw(syscall.SYS_WRITE, fd) }

// check peeks, without blocking, whether the server closed the idle
// connection or sent something on it (see connCheck).
func (r *rawIO) check() error {
	r.n, r.errno = 0, 0
	if err := r.rc.Read(r.peeked); err != nil {
		return err
	}
	switch {
	case r.errno == syscall.EAGAIN:
		return nil
	case r.errno != 0:
		return r.errno
	case r.n == 0:
		return io.EOF
	}
	return errUnexpectedData
}

func (r *rawIO) peekRaw(fd uintptr) bool {
	var b [1]byte
	n, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	r.n, r.errno = int(n), e
	return true
}

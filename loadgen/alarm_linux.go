package loadgen

import (
	"errors"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// errAlarmClosed is what an alarm's wait returns once it is closed.
var errAlarmClosed = errors.New("loadgen: pacer alarm closed")

// timerfdAlarm is a Linux timerfd read through the runtime's network
// poller: it wakes the waiting goroutine within microseconds of its time
// (a kernel high-resolution timer, no timer slack), where a Go timer can
// be a millisecond late.
//
// Its system calls are raw (they never block): a syscall through the
// runtime's entersyscall wakes the runtime's monitor thread from its idle
// sleep, one more thread wake-up per alarm, and the pacer makes thousands
// of them per second.
type timerfdAlarm struct {
	fd   int
	f    *os.File
	raw  syscall.RawConn
	read func(fd uintptr) bool // made once: a method value per wait would allocate
	buf  [8]byte               // the expiry count a read returns
	err  syscall.Errno
}

// newAlarm returns a timerfd alarm, or a Go timer where no timerfd can be
// made.
func newAlarm() alarm {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return newTimerAlarm()
	}
	f := os.NewFile(uintptr(fd), "squall-pacer")
	raw, err := f.SyscallConn()
	if err != nil || f.SetReadDeadline(time.Time{}) != nil {
		// Not on the network poller: a read would fail at once, not wait.
		_ = f.Close()
		return newTimerAlarm()
	}
	a := &timerfdAlarm{fd: fd, f: f, raw: raw}
	a.read = a.readRaw
	return a
}

func (a *timerfdAlarm) set(d int64) {
	ts := unix.ItimerSpec{Value: unix.NsecToTimespec(max(d, 1))} // a zero time would disarm it
	_, _, _ = unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, uintptr(a.fd), 0, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
}

// readRaw reads the expiry count; it returns false while the alarm has not
// fired, and the poller then waits for it.
func (a *timerfdAlarm) readRaw(fd uintptr) bool {
	_, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&a.buf[0])), uintptr(len(a.buf)))
	if e == unix.EAGAIN {
		return false
	}
	a.err = e
	return true
}

func (a *timerfdAlarm) wait() error {
	if err := a.raw.Read(a.read); err != nil {
		return errors.Join(errAlarmClosed, err)
	}
	if a.err != 0 {
		return errors.Join(errAlarmClosed, a.err)
	}
	return nil
}

func (a *timerfdAlarm) close() error { return a.f.Close() }

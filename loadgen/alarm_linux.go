package loadgen

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// errAlarmClosed is what an alarm's wait returns once it is closed.
var errAlarmClosed = errors.New("loadgen: pacer alarm closed")

// timerfdAlarm is a Linux timerfd read through the runtime's network
// poller: it wakes the waiting goroutine within microseconds of its time
// (a kernel high-resolution timer, no timer slack), where a Go timer can
// be a millisecond late.
type timerfdAlarm struct {
	fd  int
	f   *os.File
	buf [8]byte // the expiry count a read returns
}

// newAlarm returns a timerfd alarm, or a Go timer where no timerfd can be
// made.
func newAlarm() alarm {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return newTimerAlarm()
	}
	f := os.NewFile(uintptr(fd), "squall-pacer")
	if f.SetReadDeadline(time.Time{}) != nil {
		// Not on the network poller: a read would fail at once, not wait.
		_ = f.Close()
		return newTimerAlarm()
	}
	return &timerfdAlarm{fd: fd, f: f}
}

func (a *timerfdAlarm) set(d int64) {
	ts := unix.ItimerSpec{Value: unix.NsecToTimespec(max(d, 1))} // a zero time would disarm it
	_ = unix.TimerfdSettime(a.fd, 0, &ts, nil)
}

func (a *timerfdAlarm) wait() error {
	if _, err := a.f.Read(a.buf[:]); err != nil {
		return errors.Join(errAlarmClosed, err)
	}
	return nil
}

func (a *timerfdAlarm) close() error { return a.f.Close() }

package main

import (
	"os"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// wakeNoise measures how late this machine wakes a sleeping goroutine right
// now: a timerfd read through the runtime's poller (as squall's pacer
// waits) at 1,000 wake-ups/s for d, returning the lateness's p50 and p99.
// On a quiet machine both are tens of microseconds; when other work holds
// the cores, the p99 is what no generator on this machine can beat.
func wakeNoise(d time.Duration) (p50, p99 time.Duration, err error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return 0, 0, err
	}
	f := os.NewFile(uintptr(fd), "noise")
	defer f.Close()
	var buf [8]byte
	var late []time.Duration
	start := time.Now()
	for i := 1; time.Duration(i)*time.Millisecond < d; i++ {
		due := start.Add(time.Duration(i) * time.Millisecond)
		ts := unix.ItimerSpec{Value: unix.NsecToTimespec(max(int64(time.Until(due)), 1))}
		if err := unix.TimerfdSettime(fd, 0, &ts, nil); err != nil {
			return 0, 0, err
		}
		if _, err := f.Read(buf[:]); err != nil {
			return 0, 0, err
		}
		late = append(late, time.Since(due))
	}
	slices.Sort(late)
	return late[len(late)/2], late[len(late)*99/100], nil
}

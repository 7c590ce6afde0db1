//go:build !linux

package main

import (
	"errors"
	"time"
)

// wakeNoise needs a timerfd (Linux).
func wakeNoise(time.Duration) (p50, p99 time.Duration, err error) {
	return 0, 0, errors.New("no timerfd on this system")
}

//go:build !linux

package loadgen

import "errors"

// errAlarmClosed is what an alarm's wait returns once it is closed.
var errAlarmClosed = errors.New("loadgen: pacer alarm closed")

// newAlarm returns a Go timer alarm: without timerfd, pacing is as precise
// as the runtime's timers.
func newAlarm() alarm { return newTimerAlarm() }

// Package chaos is the fault schedule and its injectors: it fires each step
// of a scenario's chaos list at its time against the nodes of a
// compose.Target, heals what it broke, and reports what it did, when and to
// which node. What the faults did to the pipeline is measured by the run,
// which joins these firings with the load generator's activity.
package chaos

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Step is one entry of the schedule, as the scenario wrote it.
type Step struct {
	At       time.Duration  // offset into the measured phase
	Every    time.Duration  // repeat interval; 0 fires once
	Duration time.Duration  // heal after this long; 0 leaves the fault in place
	Action   string         // kill, stop, start, restart, pause, partition, ...
	Target   string         // primary, replica, sentinel, random-primary, node:NAME, all, killed, paused, stopped, spare, consumer
	Params   map[string]any // per action: mode, delay, jitter, percent, ms, seconds, config keys
}

// Shot is one firing of a step: steps with every fire several times.
type Shot struct {
	Step  int           // index into the schedule
	Index int           // 0 for the first firing of the step
	At    time.Duration // offset into the measured phase
}

// Expand lists every firing of the schedule within the measured phase, in
// time order (schedule order breaks ties).
func Expand(steps []Step, measured time.Duration) []Shot {
	var shots []Shot
	for i, s := range steps {
		for k, at := 0, s.At; at < measured; k, at = k+1, at+s.Every {
			shots = append(shots, Shot{Step: i, Index: k, At: at})
			if s.Every <= 0 {
				break
			}
		}
	}
	sort.SliceStable(shots, func(a, b int) bool { return shots[a].At < shots[b].At })
	return shots
}

// Label is how a step is named on the timeline and in reports.
func (s Step) Label() string {
	l := s.Action + " " + s.Target
	if s.Duration > 0 {
		l += fmt.Sprintf(" for %s", s.Duration)
	}
	return l
}

// param returns a step parameter as a string ("" when absent).
func (s Step) param(name string) string {
	v, ok := s.Params[name]
	if !ok || v == nil {
		return ""
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

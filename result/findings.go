package result

import (
	"fmt"
	"strings"

	"github.com/squall-bench/squall/internal/units"
)

// Findings every renderer states in the same words: delivery alarms and
// warnings, saturation, and what a run cut short could not measure.

// CutShort reports whether the cell stopped before its measured phase and
// drain ran out (interrupted, or an infrastructure error): what it did not
// reach, such as a fault's recovery, was not observed rather than absent.
func CutShort(c *Cell) bool { return c.Error != "" }

// NeverRecovered is CheckSLO's observation for a recovery that did not come
// back within the measured phase.
const NeverRecovered = "never recovered"

// ObservedText is an objective's observation as the renderers show it: on
// a cell cut short, a recovery not seen reads "cut short" (the run stopped
// before it could be seen), not "never recovered".
func ObservedText(c *Cell, s SLOResult) string {
	if s.Observed == NeverRecovered && CutShort(c) {
		return "cut short"
	}
	return s.Observed
}

// RecoveredText is a fault's recovery time; a throughput that did not come
// back reads "never", or "cut short" when the cell stopped before it could.
func RecoveredText(c *Cell, f FaultResult) string {
	switch {
	case f.RecoveredS >= 0:
		return units.FormatSeconds(f.RecoveredS)
	case CutShort(c):
		return "cut short"
	}
	return "never"
}

// HasConsumers reports whether delivery was checked in the cell.
func HasConsumers(c *Cell) bool { return c.Workload.Consumers > 0 || c.Events.Received > 0 }

// DeliveryAlarms spell out the counts that mean the pipeline broke its
// promise, so they are not missed in a row of zeros.
func DeliveryAlarms(c *Cell) []string {
	e := c.Events
	var out []string
	if e.Lost > 0 {
		a := fmt.Sprintf("LOST: %s acknowledged %s never reached a consumer", units.FormatCount(e.Lost), units.Plural(e.Lost, "event", "events"))
		// A result from before stranded was counted: name the backlog
		// Redis still held beside the loss it may explain.
		if e.Stranded > 0 {
			a += fmt.Sprintf("; %s more %s still in Redis when the run ended (stranded: consumer lag, not loss)",
				units.FormatCount(e.Stranded), units.Plural(e.Stranded, "was", "were"))
		} else if q := c.QueuedAtEnd; q != nil && *q > 0 {
			end := "before the drain ended"
			if CutShort(c) {
				end = "before the run was cut short"
			}
			a += fmt.Sprintf(" %s; Redis still held %s then (consumer lag, not necessarily loss)", end, units.FormatCount(*q))
		}
		out = append(out, a)
	}
	if e.Duplicated > 0 {
		out = append(out, "DUPLICATED: "+DuplicatesText(e))
	}
	return out
}

// DuplicatesText says both what was duplicated and how often: an event
// that arrived three times is one duplicated event, two extra deliveries.
func DuplicatesText(e Events) string {
	s := fmt.Sprintf("%s %s received more than once", units.FormatCount(e.Duplicated), units.Plural(e.Duplicated, "event was", "events were"))
	if e.DuplicateDeliveries > 0 {
		s += fmt.Sprintf(" (%s extra %s)", units.FormatCount(e.DuplicateDeliveries), units.Plural(e.DuplicateDeliveries, "delivery", "deliveries"))
	}
	return s
}

// DeliveryWarnings are counts that do not break a delivery promise but
// qualify the figures: events the generator never sent, and events still
// waiting in Redis when the run ended.
func DeliveryWarnings(c *Cell) []string {
	e := c.Events
	var out []string
	if e.Dropped > 0 {
		out = append(out, fmt.Sprintf("DROPPED: %s %s due in the measured phase %s never sent: the generator could not keep up with its schedule",
			units.FormatCount(e.Dropped), units.Plural(e.Dropped, "event", "events"), units.Plural(e.Dropped, "was", "were")))
	}
	if e.Stranded > 0 && e.Lost == 0 { // beside a loss, the LOST alarm names them
		out = append(out, fmt.Sprintf("STRANDED: %s acknowledged %s still in Redis, not yet received, when the run ended: consumer lag, not loss",
			units.FormatCount(e.Stranded), units.Plural(e.Stranded, "event was", "events were")))
	}
	return out
}

// SaturationText is the saturation finding in one sentence, "" when the
// cell carried what it was offered.
func SaturationText(c *Cell) string {
	s := c.Saturation
	if s == nil {
		return ""
	}
	kind := "acked/s"
	if c.Workload.Consumers > 0 {
		kind = "received/s"
	}
	out := fmt.Sprintf("carried (%s) %s of the offered rate", kind, units.FormatPercent(s.CarriedRatio))
	if c.Throughput.OfferedPerS > 0 {
		out = fmt.Sprintf("carried (%s) %s of the offered %s", kind, units.FormatPercent(s.CarriedRatio), units.FormatRate(c.Throughput.OfferedPerS))
	}
	out += ", limited by " + LimitText(s.Limit)
	var cpu []string
	if s.RedisCPU >= 0 {
		cpu = append(cpu, "busiest Redis primary "+units.FormatCores(s.RedisCPU)+" cores")
	}
	if s.ClientCores > 0 {
		cpu = append(cpu, fmt.Sprintf("squall %s of %d cores", units.FormatCores(s.ClientCPU), s.ClientCores))
	}
	if len(cpu) > 0 {
		out += " (" + strings.Join(cpu, "; ") + ")"
	}
	return out
}

// LimitText names what limited a saturated cell and what that means.
func LimitText(limit string) string {
	switch limit {
	case "redis":
		return "Redis: its main thread was busy"
	case "generator":
		return "the generator: squall's own cores were busy"
	case "concurrency":
		return "concurrency: every producer connection was waiting on a reply (add producers or pipeline depth)"
	case "faults":
		return "the faults: neither Redis nor squall was busy"
	case "consumers":
		return "the consumers: Redis took the writes, the consumers did not keep up (add consumers or options.batch)"
	case "":
		return "an unknown limit"
	}
	return limit
}

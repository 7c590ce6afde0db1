// Package units is the one place squall writes numbers for people: latency
// and durations, counts with thousands separators, rates, percentages, CPU
// cores, plurals, and the compact forms the live status line uses. Every
// report, the comparison and the console write a figure the same way.
package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Unit is what a metric's values measure; it decides how they are written
// and parsed.
type Unit int

// The units of squall's metrics.
const (
	Rate    Unit = iota // events per second
	Micros              // a duration in microseconds (latency, an objective's duration limit)
	Count               // a whole number of events
	Seconds             // a duration in seconds (fault windows); +Inf means never
)

// Format writes v in the unit.
func (u Unit) Format(v float64) string {
	switch u {
	case Micros:
		return FormatMicros(v)
	case Seconds:
		return FormatSeconds(v)
	case Count:
		return FormatCount(int64(math.Round(v)))
	}
	return FormatRate(v)
}

// Finite reports whether v is neither NaN nor infinite.
func Finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// FormatMicros humanises a duration in microseconds to three significant
// digits in the largest unit that keeps it at least 1: 812µs, 1.24ms, 2.5s,
// 1m05s. Rounding happens before the unit is chosen, so 999.7µs reads 1ms.
func FormatMicros(us float64) string {
	switch {
	case math.IsNaN(us) || math.IsInf(us, 0):
		return "-"
	case us < 0:
		return "-" + FormatMicros(-us)
	case us == 0:
		return "0s"
	case math.Round(us) < 1000:
		return strconv.FormatFloat(math.Round(us), 'f', 0, 64) + "µs"
	case sig3(us/1e3) < 1000:
		return fmtSig3(us/1e3) + "ms"
	case sig3(us/1e6) < 100:
		return fmtSig3(us/1e6) + "s"
	}
	s := int64(math.Round(us / 1e6))
	switch {
	case s < 3600 && s%60 == 0:
		return fmt.Sprintf("%dm", s/60)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s%3600/60 == 0:
		return fmt.Sprintf("%dh", s/3600)
	}
	return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
}

// FormatSeconds humanises a duration in seconds like FormatMicros.
func FormatSeconds(s float64) string { return FormatMicros(s * 1e6) }

// FormatAt writes when a fault event happened (seconds since the start of
// the measured phase) in the one form every rendering uses for it, the
// console's included: "20.4s", "3.02s", "1m41s".
func FormatAt(s float64) string { return FormatSeconds(s) }

// sig3 rounds v (≥ 1) to three significant digits.
func sig3(v float64) float64 {
	switch {
	case v < 10:
		return math.Round(v*100) / 100
	case v < 100:
		return math.Round(v*10) / 10
	}
	return math.Round(v)
}

// fmtSig3 writes v (≥ 1) with three significant digits, trailing zeros dropped.
func fmtSig3(v float64) string {
	v = sig3(v)
	decimals := 0
	switch {
	case v < 10:
		decimals = 2
	case v < 100:
		decimals = 1
	}
	return TrimZeros(strconv.FormatFloat(v, 'f', decimals, 64))
}

// TrimZeros drops a decimal number's trailing zeros and a bare point:
// "2.50" reads "2.5", "3.00" reads "3".
func TrimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// FormatCount writes n with thousands separators: 1,234,567.
func FormatCount(n int64) string {
	if n < 0 {
		if n == math.MinInt64 {
			return strconv.FormatInt(n, 10)
		}
		return "-" + FormatCount(-n)
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// FormatNumber writes a per-second figure: whole with separators from 100
// up, otherwise to one decimal (a rate of 2.5/s should not read 3/s).
func FormatNumber(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "-"
	case math.Abs(v) >= 99.95 || v == math.Trunc(v):
		return FormatCount(int64(math.Round(v)))
	}
	return TrimZeros(strconv.FormatFloat(v, 'f', 1, 64))
}

// FormatRate writes events per second: 4,987/s.
func FormatRate(v float64) string { return FormatNumber(v) + "/s" }

// FormatPercent writes a ratio as a percentage to one decimal; a ratio
// short of 1 never reads 100%.
func FormatPercent(r float64) string {
	if !Finite(r) {
		return "-"
	}
	s := TrimZeros(strconv.FormatFloat(100*r, 'f', 1, 64))
	if s == "100" && r < 1 {
		return ">99.9%"
	}
	return s + "%"
}

// FormatCores writes a CPU figure in cores to two decimals.
func FormatCores(v float64) string {
	if !Finite(v) {
		return "-"
	}
	return TrimZeros(strconv.FormatFloat(math.Max(v, 0), 'f', 2, 64))
}

// Plural is one when n is 1, otherwise many: Plural(n, "event was", "events were").
func Plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// PluralCount is n, with thousands separators, and the word that goes with
// it: "1 sample", "12,000 samples".
func PluralCount(n int64, one, many string) string {
	return FormatCount(n) + " " + Plural(n, one, many)
}

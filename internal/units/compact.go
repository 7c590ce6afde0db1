package units

import (
	"fmt"
	"strconv"
	"strings"
)

// The compact forms below are for the live status line, where a column
// has five or six characters.

// Latency is a second's percentile to three significant digits; "-" when
// nothing completed in that second (0s would read as instant).
func Latency(v int64) string {
	f := float64(v)
	unit, div := "µs", 1.0
	switch {
	case v <= 0:
		return "-"
	case f >= 999_500:
		unit, div = "s", 1e6
	case f >= 999.5:
		unit, div = "ms", 1e3
	}
	x := f / div
	decimals := 0
	switch {
	case x < 9.995:
		decimals = 2
	case x < 99.95:
		decimals = 1
	}
	out := strconv.FormatFloat(x, 'f', decimals, 64)
	if decimals > 0 {
		out = strings.TrimRight(strings.TrimRight(out, "0"), ".")
	}
	return out + unit
}

// CompactCount writes n in at most five characters: 812, 9999, 20.0k, 1.25M.
func CompactCount(n int64) string {
	switch v := float64(n); {
	case n < 10_000:
		return strconv.FormatInt(n, 10)
	case n < 999_950:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	default:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	}
}

// CompactMicros writes a latency in microseconds to two significant
// digits, "-" for none: 812µs, 1.2ms, 35ms, 6.2s.
func CompactMicros(v int64) string {
	f := float64(v)
	switch {
	case v <= 0:
		return "-"
	case v < 1000:
		return fmt.Sprintf("%dµs", v)
	case f < 9_950:
		return fmt.Sprintf("%.1fms", f/1e3)
	case f < 999_500:
		return fmt.Sprintf("%.0fms", f/1e3)
	case f < 9_950_000:
		return fmt.Sprintf("%.1fs", f/1e6)
	}
	return fmt.Sprintf("%.0fs", f/1e6)
}

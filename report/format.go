package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Formats are the names Render accepts, in the order help text shows them.
var Formats = []string{"text", "md", "json", "html"}

// Render writes r in the named format (text, md, json or html); "" means
// text. html here has only r to draw from; HTMLFromDir adds the run
// directory's timelines and histograms.
func Render(w io.Writer, r *Result, format string) error {
	switch format {
	case "", "text":
		return Text(w, r)
	case "md":
		return Markdown(w, r)
	case "json":
		return JSON(w, r)
	case "html":
		return HTML(w, r, nil)
	}
	return fmt.Errorf("unknown format %q: valid formats are %s", format, strings.Join(Formats, ", "))
}

// fmtUS humanises a duration in microseconds to three significant digits in
// the largest unit that keeps it at least 1: 812µs, 1.24ms, 2.5s, 1m05s.
// Rounding happens before the unit is chosen, so 999.7µs reads 1ms.
func fmtUS(us float64) string {
	switch {
	case math.IsNaN(us) || math.IsInf(us, 0):
		return "-"
	case us < 0:
		return "-" + fmtUS(-us)
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

// fmtSeconds humanises a duration in seconds like fmtUS.
func fmtSeconds(s float64) string { return fmtUS(s * 1e6) }

// FormatMicros writes a duration given in microseconds as the reports do:
// three significant digits in the largest unit that keeps it at least 1
// (812µs, 1.24ms, 2.55s, 1m05s), never a raw float.
func FormatMicros(us float64) string { return fmtUS(us) }

// FormatAt writes when a fault event happened (seconds since the start of
// the measured phase) in the one form every rendering uses for it, the
// console's included: "20.4s", "3.02s", "1m41s".
func FormatAt(s float64) string { return fmtAt(s) }

// fmtAt is FormatAt: an event's time reads as a duration since the start
// of the measured phase.
func fmtAt(s float64) string { return fmtSeconds(s) }

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
	return trimZeros(strconv.FormatFloat(v, 'f', decimals, 64))
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// fmtCount writes n with thousands separators: 1,234,567.
func fmtCount(n int64) string {
	if n < 0 {
		if n == math.MinInt64 {
			return strconv.FormatInt(n, 10)
		}
		return "-" + fmtCount(-n)
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

// fmtNumber writes a per-second figure: whole with separators from 100 up,
// otherwise to one decimal (a rate of 2.5/s should not read 3/s).
func fmtNumber(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "-"
	case math.Abs(v) >= 99.95 || v == math.Trunc(v):
		return fmtCount(int64(math.Round(v)))
	}
	return trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
}

// fmtRate writes events per second: 4,987/s.
func fmtRate(v float64) string { return fmtNumber(v) + "/s" }

// colWidth is the number of terminal columns s takes (µ and × are one each).
func colWidth(s string) int { return utf8.RuneCountInString(s) }

// padTo aligns s in n columns, on the right when right is set.
func padTo(s string, n int, right bool) string {
	fill := strings.Repeat(" ", max(0, n-colWidth(s)))
	if right {
		return fill + s
	}
	return s + fill
}

// alignTable lays rows out in columns two spaces apart: the first column left
// aligned, the rest right aligned (they hold numbers). Trailing spaces are
// trimmed so golden files and terminals agree.
func alignTable(indent string, rows [][]string) []string {
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], colWidth(c))
		}
	}
	lines := make([]string, 0, len(rows))
	for _, row := range rows {
		var b strings.Builder
		b.WriteString(indent)
		for i, c := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(padTo(c, widths[i], i > 0))
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	return lines
}

// wrapWords writes prefix then items joined by sep, breaking before an item
// that would pass limit columns; continuation lines start with indent. An
// item longer than a line gets a line of its own rather than being cut.
func wrapWords(prefix string, items []string, sep, indent string, limit int) []string {
	var lines []string
	cur, fresh := prefix, true
	for _, it := range items {
		add := it
		if !fresh {
			add = sep + it
		}
		if !fresh && colWidth(cur)+colWidth(add) > limit {
			lines = append(lines, strings.TrimRight(cur, " "))
			cur, add = indent, it
		}
		cur += add
		fresh = false
	}
	return append(lines, strings.TrimRight(cur, " "))
}

// errWriter keeps the first write error so a renderer can print freely and
// check once at the end.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

func (e *errWriter) line(s string) { e.printf("%s\n", s) }

func (e *errWriter) lines(ls []string) {
	for _, l := range ls {
		e.line(l)
	}
}

// FormatCount writes a count with thousands separators (1,234,567), as
// every report does; notes written outside this package use it too.
func FormatCount(n int64) string { return fmtCount(n) }

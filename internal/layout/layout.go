// Package layout lays text out for people: aligned columns, word wrapping
// to a terminal's width, GitHub-flavoured Markdown tables and escaping,
// and a writer that keeps its first error. The run reports and the
// comparison share it, so both read alike.
package layout

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// TextWidth is the width the text renderings wrap to.
const TextWidth = 80

// Width is the number of terminal columns s takes (µ and × are one each).
func Width(s string) int { return utf8.RuneCountInString(s) }

// Pad aligns s in n columns, on the right when right is set.
func Pad(s string, n int, right bool) string {
	fill := strings.Repeat(" ", max(0, n-Width(s)))
	if right {
		return fill + s
	}
	return s + fill
}

// Table lays rows out in columns two spaces apart: the first column left
// aligned, the rest right aligned (they hold numbers). Trailing spaces are
// trimmed so golden files and terminals agree.
func Table(indent string, rows [][]string) []string {
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], Width(c))
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
			b.WriteString(Pad(c, widths[i], i > 0))
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	return lines
}

// Wrap writes prefix then items joined by sep, breaking before an item
// that would pass limit columns; continuation lines start with indent. An
// item longer than a line gets a line of its own rather than being cut.
func Wrap(prefix string, items []string, sep, indent string, limit int) []string {
	var lines []string
	cur, fresh := prefix, true
	for _, it := range items {
		add := it
		if !fresh {
			add = sep + it
		}
		if !fresh && Width(cur)+Width(add) > limit {
			lines = append(lines, strings.TrimRight(cur, " "))
			cur, add = indent, it
		}
		cur += add
		fresh = false
	}
	return append(lines, strings.TrimRight(cur, " "))
}

// Writer keeps the first write error so a renderer can print freely and
// check once at the end.
type Writer struct {
	w   io.Writer
	err error
}

// NewWriter writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Printf writes a formatted string unless an earlier write failed.
func (e *Writer) Printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// Line writes s and a newline.
func (e *Writer) Line(s string) { e.Printf("%s\n", s) }

// Lines writes each of ls as a line.
func (e *Writer) Lines(ls []string) {
	for _, l := range ls {
		e.Line(l)
	}
}

// Err is the first write error, if any.
func (e *Writer) Err() error { return e.err }

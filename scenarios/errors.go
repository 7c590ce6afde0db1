package scenarios

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem in a scenario, with where it was written: File is the
// scenario file, or "--set PATH=VALUE" for an override, and Key is the dotted
// key path. Callers detect scenario errors with errors.As.
type Error struct {
	File      string
	Line, Col int
	Key       string
	Msg       string
}

// Error renders FILE:LINE:COL: KEY: MSG, leaving out the parts that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
			if e.Col > 0 {
				b.WriteString(":" + strconv.Itoa(e.Col))
			}
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one pass, so a user fixes a scenario in
// one round instead of one error per run.
type ErrorList []*Error

// Error joins the errors one per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes the individual errors, so errors.As finds an *Error too.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// err returns the list as an error, or nil when it is empty (never a typed nil).
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// sorted orders errors by position, so they read top to bottom like the file;
// errors without a line (overrides, whole-file problems) come first.
func (l ErrorList) sorted() ErrorList {
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].Line != l[j].Line {
			return l[i].Line < l[j].Line
		}
		return l[i].Col < l[j].Col
	})
	return l
}

// pos is where a key was written: a file position, or an override's text.
type pos struct {
	file      string
	line, col int
}

// errorf builds an *Error at p.
func (p pos) errorf(key, format string, args ...any) *Error {
	return &Error{File: p.file, Line: p.line, Col: p.col, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// Errorf returns an error placed at the key path (file:line:col when the
// scenario was parsed), for checks made outside this package, such as
// whether a fault fits the target.
func (s *Scenario) Errorf(path, format string, args ...any) error {
	v := &validator{s: s, pos: s.pos}
	return ErrorList{v.at(path).errorf(path, format, args...)}
}

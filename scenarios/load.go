package scenarios

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Parse reads a scenario from data (file names it in messages), applies the
// --set overrides (PATH=VALUE, in order) and expands the matrix. It returns
// the base scenario (overrides and defaults applied, matrix kept, not
// validated on its own: matrix values may replace what is invalid in it) and
// the validated cells; with no matrix there is one cell named after the
// scenario. Any problem is an ErrorList holding every error found.
func Parse(file string, data []byte, sets []string) (*Scenario, []Cell, error) {
	if len(data) > MaxFileSize {
		return nil, nil, ErrorList{tooLarge(file)}
	}
	root, errs := parseTree(file, data)
	if len(errs) > 0 {
		return nil, nil, errs.sorted()
	}
	origin := map[*yaml.Node]string{}
	errs = applySets(root, sets, origin)
	base, p, derrs := decodeScenario(file, root, origin)
	if len(derrs) > 0 {
		return nil, nil, append(errs, derrs...).sorted()
	}
	applyDefaults(base, file, func(path string) bool { _, ok := p[path]; return ok })
	base.pos = p
	// A failed --set is left out, and the rest is still checked, so one
	// round shows every problem.
	cells, cerrs := expandCells(file, root, origin, base)
	if len(cerrs) == 0 {
		cerrs = checkSearchMatrix(base, cells, p)
	}
	if errs = append(errs, cerrs...); len(errs) > 0 {
		return nil, nil, errs.sorted()
	}
	return base, cells, nil
}

// Load reads the scenario ref, a file path or, when no such file exists, the
// name of a shipped scenario (see Library), and parses it with Parse.
func Load(ref string, sets []string) (*Scenario, []Cell, error) {
	data, err := readFile(ref)
	switch {
	case err == nil:
		return Parse(ref, data, sets)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, nil, ErrorList{{File: ref, Msg: "cannot read scenario: " + pathErrorText(err)}}
	}
	if data, ok := LibraryFile(ref); ok {
		return Parse(libraryDir+"/"+ref+".yaml", data, sets)
	}
	msg := "no such file, and no shipped scenario of that name (run `squall list` to see them)"
	if now, ok := retired[ref]; ok {
		msg = "no such file; the shipped scenario " + ref + " is now " + quote(now) + " (run `squall list` to see them)"
	} else if c := closest(ref, libraryNames()); c != "" {
		msg = "no such file, and no shipped scenario of that name; did you mean " + quote(c) + "? (run `squall list` to see them)"
	}
	return nil, nil, ErrorList{{File: ref, Msg: msg}}
}

// retired maps the names of shipped scenarios that were merged into
// another to the one that replaced them.
var retired = map[string]string{
	"list-queue": "list", // the same list pipeline as list, with other numbers
}

// readFile reads a scenario file, no further than one byte past
// MaxFileSize: a huge file (or /dev/zero) is refused, not read whole.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxFileSize+1))
}

// tooLarge is the error for a scenario file over MaxFileSize.
func tooLarge(file string) *Error {
	return &Error{File: file, Msg: fmt.Sprintf("scenario file is larger than %d bytes (1 MiB); scenarios are a few KiB", MaxFileSize)}
}

// pathErrorText is the cause of a file error without the path, which the
// *Error already names.
func pathErrorText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return strings.TrimSpace(err.Error())
}

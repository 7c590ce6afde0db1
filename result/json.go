package result

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ResultFile is the name of the result inside a run directory.
const ResultFile = "result.json"

// JSON writes r as indented JSON. Empty collections are written as {} and
// [] rather than null, so scripts can iterate them without a guard.
func JSON(w io.Writer, r *Result) error {
	b, err := Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Marshal is r as JSON, the way result.json holds it.
func Marshal(r *Result) ([]byte, error) {
	b, err := json.MarshalIndent(normalized(r), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding result: %w", err)
	}
	return append(b, '\n'), nil
}

// ReadResult reads a result from a result.json path or from a run directory
// (then DIR/result.json). It refuses files whose schema is missing or not
// Schema, since every field's meaning hangs on it.
func ReadResult(path string) (*Result, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, ResultFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file (expected a run directory or its %s)", path, ResultFile)
		}
		return nil, err
	}
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("%s: %s", path, jsonError(b, err))
	}
	switch {
	case head.Schema == nil:
		return nil, fmt.Errorf("%s: no \"schema\" field: not a squall result (want %q)", path, Schema)
	case *head.Schema != Schema:
		return nil, fmt.Errorf("%s: schema %q is not one this squall reads (want %q)", path, *head.Schema, Schema)
	}
	r := &Result{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("%s: %s", path, jsonError(b, err))
	}
	return r, nil
}

// jsonError adds the line and column to a decoding error; encoding/json
// only gives a byte offset.
func jsonError(b []byte, err error) string {
	var off int64
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	default:
		return err.Error()
	}
	off = min(off, int64(len(b)))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(b[:off], '\n'))
	return fmt.Sprintf("line %d, column %d: %v", line, col, err)
}

// normalized returns a shallow copy of r whose nil maps and slices are
// empty ones; r itself is not changed.
func normalized(r *Result) *Result {
	n := *r
	n.Cells = make([]Cell, len(r.Cells))
	for i, c := range r.Cells {
		if c.Params == nil {
			c.Params = map[string]string{}
		}
		if c.Errors == nil {
			c.Errors = map[string]int64{}
		}
		if c.Faults == nil {
			c.Faults = []FaultResult{}
		}
		if c.SLO == nil {
			c.SLO = []SLOResult{}
		}
		n.Cells[i] = c
	}
	return &n
}

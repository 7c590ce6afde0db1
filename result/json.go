package result

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

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

// Decode reads result.json's bytes; name says where they came from in
// errors. It refuses a missing or foreign schema, since every field's
// meaning hangs on it. Opening the file is rundir's (ReadResult).
func Decode(name string, b []byte) (*Result, error) {
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("%s: %s", name, jsonError(b, err))
	}
	switch {
	case head.Schema == nil:
		return nil, fmt.Errorf("%s: no \"schema\" field: not a squall result (want %q)", name, Schema)
	case *head.Schema != Schema:
		return nil, fmt.Errorf("%s: schema %q is not one this squall reads (want %q)", name, *head.Schema, Schema)
	}
	r := &Result{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("%s: %s", name, jsonError(b, err))
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

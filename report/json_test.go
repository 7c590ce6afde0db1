package report

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/result/resulttest"
	"github.com/squall-bench/squall/rundir"
)

func TestWriteJSONReadResultRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, rundir.ResultFile)
	want := resulttest.FullResult()
	if err := WriteJSON(path, resulttest.PassResult()); err != nil { // then overwrite it
		t.Fatal(err)
	}
	if err := WriteJSON(path, want); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{path, dir} {
		got, err := rundir.ReadResult(from)
		if err != nil {
			t.Fatalf("ReadResult(%s): %v", from, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ReadResult(%s) differs from what was written:\n got %+v\nwant %+v", from, got, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only %s (no temp files left behind)", names, rundir.ResultFile)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
}

// TestJSONWritesEmptyCollections: scripts iterate faults and slo without a
// null check, so nil must not reach the file.
func TestJSONWritesEmptyCollections(t *testing.T) {
	r := &result.Result{Schema: result.Schema, Cells: []result.Cell{{Name: "bare"}}}
	path := filepath.Join(t.TempDir(), rundir.ResultFile)
	if err := WriteJSON(path, r); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	for _, want := range []string{`"params": {}`, `"errors": {}`, `"faults": []`, `"slo": []`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("missing %s in\n%s", want, b)
		}
	}
	if r.Cells[0].Faults != nil {
		t.Error("WriteJSON changed the caller's result")
	}
}

func TestReadResultRejects(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"missing schema", write("noschema.json", `{"scenario": "x", "cells": []}`), []string{"noschema.json", `no "schema" field`, result.Schema}},
		{"wrong schema", write("v2.json", `{"schema": "squall.result/v2"}`), []string{"v2.json", `"squall.result/v2"`, result.Schema}},
		{"other json", write("other.json", `{"schema": "benchfmt"}`), []string{"other.json", `"benchfmt"`}},
		{"truncated", write("half.json", "{\n  \"schema\": \"squall.result/v1\",\n  \"cells\": [\n"), []string{"half.json", "unexpected end"}},
		{"bad type", write("type.json", "{\n  \"schema\": \"squall.result/v1\",\n  \"pass\": \"yes\"\n}"), []string{"type.json", "line 3"}},
		{"no file", filepath.Join(dir, "nope", rundir.ResultFile), []string{"nope", "no such file"}},
		{"dir without result", dir, []string{filepath.Join(dir, rundir.ResultFile), "no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rundir.ReadResult(tc.path)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestWriteJSONReportsUnwritableDir(t *testing.T) {
	err := WriteJSON(filepath.Join(t.TempDir(), "missing", rundir.ResultFile), resulttest.PassResult())
	if err == nil || !strings.Contains(err.Error(), rundir.ResultFile) {
		t.Errorf("got %v, want an error naming the file", err)
	}
}

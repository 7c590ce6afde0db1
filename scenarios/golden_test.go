package scenarios

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the testdata/bad-*.err golden files")

// TestBadScenarios parses each testdata/bad-*.yaml and compares the error
// text with bad-*.err. Lines "# set: PATH=VALUE" in a file are --set flags.
func TestBadScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/bad-*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/bad-*.yaml: %v", err)
	}
	for _, file := range files {
		file = filepath.ToSlash(file)
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, _, perr := Parse(file, data, setsIn(data))
			if perr == nil {
				t.Fatalf("Parse(%s) succeeded, want an error", file)
			}
			var list ErrorList
			var one *Error
			if !errors.As(perr, &list) || !errors.As(perr, &one) {
				t.Errorf("error is %T, want an ErrorList that unwraps to *Error", perr)
			}
			got := perr.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("Parse(%s) error:\n%s\nwant:\n%s", file, got, want)
			}
		})
	}
}

// setsIn returns the --set flags a test file asks for in "# set: " lines.
func setsIn(data []byte) []string {
	var sets []string
	for _, line := range bytes.Split(data, []byte("\n")) {
		if s, ok := bytes.CutPrefix(line, []byte("# set: ")); ok {
			sets = append(sets, string(s))
		}
	}
	return sets
}

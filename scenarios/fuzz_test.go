package scenarios

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, that an error is always an
// ErrorList, and that a scenario it accepts survives MarshalResolved and a
// second Parse unchanged.
func FuzzParse(f *testing.F) {
	for _, e := range Library() {
		data, _ := LibraryFile(e.Name)
		f.Add(data)
	}
	files, _ := filepath.Glob("testdata/bad-*.yaml")
	hostile, _ := filepath.Glob("../cmd/squall/testdata/hostile/*.yaml") // the CLI's hostile corpus
	for _, file := range append(files, hostile...) {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, cells, err := Parse("fuzz.yaml", data, []string{"seed=2"})
		if err != nil {
			if _, ok := err.(ErrorList); !ok {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			return
		}
		if len(cells) == 0 {
			t.Fatal("no cells and no error")
		}
		out, err := s.MarshalResolved()
		if err != nil {
			t.Fatalf("MarshalResolved: %v", err)
		}
		back, _, err := Parse("fuzz.yaml", out, nil)
		if err != nil {
			t.Fatalf("re-parse of\n%s\nfailed: %v", out, err)
		}
		if !reflect.DeepEqual(noPos(back), noPos(s)) {
			t.Fatalf("round trip changed the scenario:\n%s\n got %#v\nwant %#v", out, back, s)
		}
	})
}

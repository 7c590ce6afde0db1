package scenarios

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// Every shipped scenario parses, is named after its file and has a one-line
// description for `squall list`.
func TestLibrary(t *testing.T) {
	entries := Library()
	if len(entries) < 2 {
		t.Fatalf("Library() = %v, want at least quickstart and list", entries)
	}
	if !sort.SliceIsSorted(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name }) {
		t.Errorf("Library() is not sorted: %v", entries)
	}
	for _, e := range entries {
		data, ok := LibraryFile(e.Name)
		if !ok {
			t.Fatalf("LibraryFile(%q) not found", e.Name)
		}
		s, cells, err := Parse("library/"+e.Name+".yaml", data, nil)
		if err != nil {
			t.Errorf("%s: %v", e.Name, err)
			continue
		}
		if !strings.Contains(string(data), "\nname: "+e.Name+"\n") || s.Name != e.Name {
			t.Errorf("%s: the file must say name: %s, it says %q", e.Name, e.Name, s.Name)
		}
		if e.Description == "" || strings.Contains(e.Description, "\n") || e.Description != s.Description {
			t.Errorf("%s: description must be one non-empty line, got %q", e.Name, e.Description)
		}
		if len(cells) == 0 {
			t.Errorf("%s: no cells", e.Name)
		}
	}
}

func TestQuickstart(t *testing.T) {
	s, cells, err := Load("quickstart", nil)
	if err != nil {
		t.Fatal(err)
	}
	w := s.Workload
	if s.Duration.D() != 15*time.Second || s.Warmup.D() != 2*time.Second || s.Drain.D() != 3*time.Second ||
		s.Target.Provider != "auto" || s.Target.Topology != "standalone" || w.Pattern != "stream" ||
		w.Producers != 2 || w.Consumers != 2 || w.Rate.PerSecond != 5000 || w.Payload != (Payload{256, 256}) || w.Keys != 4 {
		t.Errorf("quickstart = %+v", s)
	}
	want := Objectives{{"e2e_p99", "50ms", 50000}, {"publish_p99", "50ms", 50000}, {"lost_max", "0", 0}, {"throughput_min", "4500", 4500}}
	if len(s.SLO) != len(want) {
		t.Fatalf("slo = %+v", s.SLO)
	}
	for i := range want {
		if s.SLO[i] != want[i] {
			t.Errorf("slo[%d] = %+v, want %+v", i, s.SLO[i], want[i])
		}
	}
	if len(cells) != 1 || cells[0].Name != "quickstart" {
		t.Errorf("cells = %+v", cells)
	}
	if s.Source != "library/quickstart.yaml" {
		t.Errorf("Source = %q", s.Source)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(path, []byte("workload: {rate: 10}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _, err := Load(path, []string{"workload.keys=2"})
	if err != nil || s.Name != "mine" || s.Workload.Keys != 2 || s.Source != path {
		t.Fatalf("Load(path) = %+v, %v", s, err)
	}

	// A file of a library name wins over the library.
	t.Chdir(dir)
	if err := os.WriteFile("quickstart", []byte("name: local\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, _, err := Load("quickstart", nil); err != nil || s.Name != "local" {
		t.Errorf("Load(quickstart) with a local file = %+v, %v; want the file", s, err)
	}

	for ref, want := range map[string]string{
		"nope.yaml":  "nope.yaml: no such file, and no shipped scenario of that name (run `squall list` to see them)",
		"quikstart":  `quikstart: no such file, and no shipped scenario of that name; did you mean "quickstart"?`,
		"../library": "no such file",
		dir:          "cannot read scenario",
	} {
		_, _, err := Load(ref, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%q) = %v, want %q", ref, err, want)
		}
		if _, ok := err.(ErrorList); !ok {
			t.Errorf("Load(%q) error is %T, want ErrorList", ref, err)
		}
	}
	if _, ok := LibraryFile("../library/quickstart"); ok {
		t.Error("LibraryFile accepts a path")
	}
}

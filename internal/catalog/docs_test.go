package catalog

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// docsTable returns the rows of the first table in docs/FILE whose
// header's first cell is first, as cells, with the header row as rows[0].
func docsTable(t *testing.T, file, first string) [][]string {
	t.Helper()
	b, err := os.ReadFile("../../docs/" + file)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	var rows [][]string
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "|") {
			if rows != nil {
				break
			}
			continue
		}
		line = strings.ReplaceAll(line, `\|`, "\x00") // an escaped | inside a cell
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(strings.ReplaceAll(c, "\x00", "|")))
		}
		if rows == nil && cells[0] != first {
			continue
		}
		if strings.HasPrefix(cells[0], "---") {
			continue
		}
		rows = append(rows, cells)
	}
	if rows == nil {
		t.Fatalf("docs/%s has no table headed %q", file, first)
	}
	return rows
}

var backticked = regexp.MustCompile("`([^`]+)`")

// TestDocsActions: docs/chaos.md's table of fault actions lists the
// catalog's actions in its order, (+ `duration`) on exactly the timed
// ones, and "rejected" under exactly the providers an action does not run
// on.
func TestDocsActions(t *testing.T) {
	rows := docsTable(t, "chaos.md", "action")
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var names []string
	for _, r := range rows[1:] {
		head, _, _ := strings.Cut(r[0], " (")
		for _, m := range backticked.FindAllStringSubmatch(head, -1) {
			name := m[1]
			names = append(names, name)
			a, ok := LookupAction(name)
			if !ok {
				t.Errorf("docs list action %s, which the catalog does not", name)
				continue
			}
			if timed := strings.Contains(r[0], "(+ `duration`"); timed != a.Timed {
				t.Errorf("docs: %s (+ `duration`) is %v; the catalog's Timed is %v", name, timed, a.Timed)
			}
			for _, p := range []string{"docker", "process", "external"} {
				i, ok := col[p]
				if !ok {
					t.Fatalf("docs: the table of actions has no column %s", p)
				}
				if runs := r[i] != "rejected"; runs != a.RunsOn(p) {
					t.Errorf("docs: %s on %s says %q; the catalog says it runs there: %v", name, p, r[i], a.RunsOn(p))
				}
			}
		}
	}
	if want := ActionNames(nil); !reflect.DeepEqual(names, want) {
		t.Errorf("docs: the actions, in order:\n %v\nthe catalog's:\n %v", names, want)
	}
}

// TestDocsPatterns: docs/patterns.md's table of patterns lists the catalog's
// patterns in its order, and says fan-out of exactly those that fan out.
func TestDocsPatterns(t *testing.T) {
	rows := docsTable(t, "patterns.md", "pattern")
	models := -1
	for i, h := range rows[0] {
		if h == "models" {
			models = i
		}
	}
	if models < 0 {
		t.Fatal("docs: the table of patterns has no column models")
	}
	var names []string
	for _, r := range rows[1:] {
		m := backticked.FindStringSubmatch(r[0])
		if m == nil {
			t.Errorf("docs: pattern row %q names no pattern", r[0])
			continue
		}
		name := m[1]
		if len(names) > 0 && names[len(names)-1] == name {
			continue // a mode of the pattern above (string with options.mode: register)
		}
		names = append(names, name)
		p, ok := LookupPattern(name)
		if !ok {
			t.Errorf("docs list pattern %s, which the catalog does not", name)
			continue
		}
		if fan := strings.Contains(r[models], "fan-out"); fan != p.FanOut {
			t.Errorf("docs: %s models %q; the catalog's FanOut is %v", name, r[models], p.FanOut)
		}
	}
	if want := PatternNames(); !reflect.DeepEqual(names, want) {
		t.Errorf("docs: the patterns, in order:\n %v\nthe catalog's:\n %v", names, want)
	}
}

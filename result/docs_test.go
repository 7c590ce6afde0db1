package result

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// docsTable returns the rows of the first Markdown table after the
// heading line in docs/FILE, as cells.
func docsTable(t *testing.T, file, heading string) [][]string {
	t.Helper()
	b, err := os.ReadFile("../docs/" + file)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("docs/%s has no heading %q", file, heading)
	}
	var rows [][]string
	for _, line := range strings.Split(rest, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			if len(rows) > 0 {
				break
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if strings.HasPrefix(cells[0], "--") || strings.HasPrefix(cells[0], ":-") {
			continue
		}
		rows = append(rows, cells)
	}
	if len(rows) < 2 {
		t.Fatalf("docs/%s: no table under %q", file, heading)
	}
	return rows[1:] // without the header
}

var codeSpan = regexp.MustCompile("`([a-z0-9_.]+)`")

func names(cell string) []string {
	var out []string
	for _, m := range codeSpan.FindAllStringSubmatch(cell, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestDocsObjectivesMatchRegistry: docs/scenarios.md's objectives table names
// exactly the objectives slo: accepts, and faults_fired, which squall adds.
func TestDocsObjectivesMatchRegistry(t *testing.T) {
	var doc []string
	for _, row := range docsTable(t, "scenarios.md", "## Objectives (`slo:`)") {
		doc = append(doc, names(row[0])...)
	}
	want := []string{FaultsFired}
	for _, o := range Objectives {
		want = append(want, o.Name)
	}
	slices.Sort(doc)
	slices.Sort(want)
	if !slices.Equal(doc, want) {
		t.Errorf("docs objectives %v\nregistry        %v", doc, want)
	}
}

// TestDocsMetricsMatchRegistry: docs/ci.md's compare table names
// exactly the metrics compare judges, each with the registry's direction.
func TestDocsMetricsMatchRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, row := range docsTable(t, "ci.md", "## Metrics and tolerances") {
		if len(row) != 3 {
			t.Fatalf("docs metrics row %q: want 3 columns", row)
		}
		for _, n := range names(row[0]) {
			m, ok := MetricByName(n)
			if !ok {
				t.Errorf("docs/ci.md lists metric %s, which the registry does not have", n)
				continue
			}
			seen[n] = true
			if better := map[Better]string{Lower: "lower", Higher: "higher"}[m.Better]; row[2] != better {
				t.Errorf("docs/ci.md says %s is better %s, the registry %s", n, row[2], better)
			}
		}
	}
	for _, list := range [][]Metric{Metrics, CapacityMetrics} {
		for _, m := range list {
			if !seen[m.Name] {
				t.Errorf("metric %s is missing from docs/ci.md's table", m.Name)
			}
		}
	}
}

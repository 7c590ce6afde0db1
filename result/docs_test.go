package result

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmeTable returns the rows of the first Markdown table after the
// heading line, as cells.
func readmeTable(t *testing.T, heading string) [][]string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no heading %q", heading)
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
		t.Fatalf("README.md: no table under %q", heading)
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

// TestREADMEObjectivesMatchRegistry: the README's objectives table names
// exactly the objectives slo: accepts, and faults_fired, which squall adds.
func TestREADMEObjectivesMatchRegistry(t *testing.T) {
	var doc []string
	for _, row := range readmeTable(t, "### Objectives (`slo:`)") {
		doc = append(doc, names(row[0])...)
	}
	want := []string{FaultsFired}
	for _, o := range Objectives {
		want = append(want, o.Name)
	}
	slices.Sort(doc)
	slices.Sort(want)
	if !slices.Equal(doc, want) {
		t.Errorf("README objectives %v\nregistry          %v", doc, want)
	}
}

// TestREADMEMetricsMatchRegistry: the README's compare table names
// exactly the metrics compare judges, each with the registry's direction.
func TestREADMEMetricsMatchRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, row := range readmeTable(t, "### Metrics and tolerances") {
		if len(row) != 3 {
			t.Fatalf("README metrics row %q: want 3 columns", row)
		}
		for _, n := range names(row[0]) {
			m, ok := MetricByName(n)
			if !ok {
				t.Errorf("README lists metric %s, which the registry does not have", n)
				continue
			}
			seen[n] = true
			if better := map[Better]string{Lower: "lower", Higher: "higher"}[m.Better]; row[2] != better {
				t.Errorf("README says %s is better %s, the registry %s", n, row[2], better)
			}
		}
	}
	for _, list := range [][]Metric{Metrics, CapacityMetrics} {
		for _, m := range list {
			if !seen[m.Name] {
				t.Errorf("metric %s is missing from the README's table", m.Name)
			}
		}
	}
}

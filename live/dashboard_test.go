package live

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDashboard: deploy/grafana/squall.json parses, every query in it
// (panels, annotations, variables) names only metrics squall exports, and
// it shows what docs/metrics.md promises: rates, latency quantiles, errors
// by class, fault annotations and a per-shard breakdown.
func TestDashboard(t *testing.T) {
	b, err := os.ReadFile("../deploy/grafana/squall.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("squall.json: %v", err)
	}
	var queries []string
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(x, k)
			}
		case []any:
			for _, x := range v {
				walk(x, key)
			}
		case string:
			if key == "expr" || key == "definition" || (key == "query" && strings.Contains(v, "(")) {
				queries = append(queries, v)
			}
		}
	}
	walk(dash, "")
	if len(queries) < 10 {
		t.Fatalf("only %d queries found", len(queries))
	}
	metric := regexp.MustCompile(`\b[a-z_:][a-z0-9_:]*\b`)
	exported := map[string]bool{}
	for _, n := range Names {
		exported[n] = true
	}
	for _, q := range queries {
		found := false
		for _, name := range metric.FindAllString(q, -1) {
			if !strings.HasPrefix(name, "squall_") {
				continue
			}
			found = true
			base := name
			if h := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count"); h == "squall_latency_seconds" {
				base = h
			}
			if !exported[base] {
				t.Errorf("query %q names %s, which squall does not export", q, name)
			}
		}
		if !found {
			t.Errorf("query %q names no squall metric", q)
		}
	}
	all := strings.Join(queries, "\n")
	for _, want := range []string{`outcome=~"sent|acked|received"`, "histogram_quantile(0.99", "sum by (class)", "sum by (shard)", "squall_fault_active", "squall_promotions_total"} {
		if !strings.Contains(all, want) {
			t.Errorf("no query with %s", want)
		}
	}
	ann, _ := dash["annotations"].(map[string]any)["list"].([]any)
	if len(ann) == 0 || !strings.Contains(ann[0].(map[string]any)["expr"].(string), "squall_fault_active") {
		t.Error("no fault annotation")
	}
}

// TestDocsTable: docs/metrics.md's table lists exactly the metrics squall
// exports, in the same order.
func TestDocsTable(t *testing.T) {
	b, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(squall_[a-z_]+)` \\|")
	var got []string
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		got = append(got, m[1])
	}
	if strings.Join(got, " ") != strings.Join(Names, " ") {
		t.Errorf("docs/metrics.md lists %v, squall exports %v", got, Names)
	}
}

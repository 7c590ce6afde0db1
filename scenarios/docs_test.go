package scenarios

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// schemaPaths lists every key a scenario file takes, as dotted paths
// (target.tls.ca_file), from the schema's yaml tags; maps whose keys are
// free (target.config, workload.options, matrix, slo) stop at their own
// path, and list items are written with a 0 index (chaos.0.at).
func schemaPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		path := prefix + name
		out = append(out, path)
		ft := f.Type
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			out = append(out, schemaPaths(ft.Elem(), path+".0.")...)
			continue
		}
		if ft.Kind() == reflect.Struct && ft != typDuration && ft != typRate && ft != typPayload {
			out = append(out, schemaPaths(ft, path+".")...)
		}
	}
	return out
}

// TestEveryKeyDocumented: docs/scenarios.md's table of keys names every key
// of the schema, and no key the schema lacks.
func TestEveryKeyDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "\n## Every key\n")
	if !ok {
		t.Fatal(`docs/scenarios.md has no "## Every key" section`)
	}
	table, _, _ = strings.Cut(table, "\n## ")
	documented := map[string]bool{}
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		key, _, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
		documented[key] = true
	}
	want := map[string]bool{}
	for _, p := range schemaPaths(reflect.TypeOf(Scenario{}), "") {
		want[p] = true
		if !documented[p] {
			t.Errorf("docs/scenarios.md's table of keys lacks `%s`", p)
		}
	}
	for k := range documented {
		if !want[k] {
			t.Errorf("docs/scenarios.md documents `%s`, which the schema does not have", k)
		}
	}
}

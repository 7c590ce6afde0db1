package result_test

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/result/resulttest"
)

// designKeys are the result.json fields the squall.result/v1 schema
// promises to users and scripts (docs/reports.md documents them). Hard-coded here, not read from the golden, so that regenerating
// the golden can never drop one unnoticed.
var designKeys = func() []string {
	keys := []string{
		"schema", "version", "scenario", "started_at", "pass", "cells",
		"cells[].name", "cells[].params",
		"cells[].target.provider", "cells[].target.topology", "cells[].target.persistence", "cells[].target.redis_version",
		"cells[].duration_s",
		"cells[].throughput.sent_per_s", "cells[].throughput.acked_per_s", "cells[].throughput.received_per_s",
		"cells[].errors",
		"cells[].faults[].action", "cells[].faults[].target", "cells[].faults[].at_s", "cells[].faults[].healed_at_s",
		"cells[].faults[].unavailable_s", "cells[].faults[].recovered_s",
		"cells[].slo[].name", "cells[].slo[].limit", "cells[].slo[].observed", "cells[].slo[].pass",
		"cells[].pass",
	}
	for _, h := range []string{"publish", "end_to_end", "send_delay"} {
		for _, f := range []string{"count", "min", "mean", "p50", "p90", "p99", "p999", "max"} {
			keys = append(keys, "cells[].latency_us."+h+"."+f)
		}
	}
	for _, e := range []string{"sent", "acked", "failed", "indeterminate", "received", "lost", "recovered", "duplicated", "reordered"} {
		keys = append(keys, "cells[].events."+e)
	}
	return keys
}()

// TestResultSchema pins every key path of result.json: a renamed or
// dropped field shows up as a diff of testdata/result-keys.golden, and a
// field designKeys lists fails outright.
func TestResultSchema(t *testing.T) {
	b, err := result.Marshal(resulttest.FullResult())
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	collectKeys(t, reflect.TypeOf(result.Result{}), doc, "", paths)
	declared := map[string]bool{}
	declaredKeys(reflect.TypeOf(result.Result{}), "", declared)
	for p := range declared {
		if !paths[p] {
			t.Errorf("fixture leaves %s empty: set it in fullResult so the schema golden covers it", p)
		}
	}

	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	resulttest.Golden(t, "result-keys.golden", []byte(strings.Join(sorted, "\n")+"\n"))

	for _, k := range designKeys {
		if !paths[k] {
			t.Errorf("result.json lacks %s, which the squall.result/v1 schema promises", k)
		}
	}
}

// collectKeys walks a decoded JSON value alongside the Go type it came from,
// adding the path of every object key. Map-typed fields (params, errors,
// ...) have user-chosen keys, written as ".*"; array elements as "[]".
func collectKeys(t *testing.T, typ reflect.Type, v any, prefix string, out map[string]bool) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch typ.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: want a JSON object, got %T", prefix, v)
			return
		}
		fields := map[string]reflect.Type{}
		for name, ft := range structFields(typ) {
			fields[name] = ft
		}
		for name, fv := range obj {
			ft, ok := fields[name]
			if !ok {
				t.Errorf("%s: JSON key %q matches no field of %s", prefix, name, typ)
				continue
			}
			out[joinKey(prefix, name)] = true
			collectKeys(t, ft, fv, joinKey(prefix, name), out)
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: want a JSON object, got %T", prefix, v)
			return
		}
		for _, ev := range obj {
			out[joinKey(prefix, "*")] = true
			collectKeys(t, typ.Elem(), ev, joinKey(prefix, "*"), out)
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			t.Errorf("%s: want a JSON array, got %T", prefix, v)
			return
		}
		for _, ev := range arr {
			collectKeys(t, typ.Elem(), ev, prefix+"[]", out)
		}
	}
}

// declaredKeys lists the key paths the Go types allow, the same way
// collectKeys names them.
func declaredKeys(typ reflect.Type, prefix string, out map[string]bool) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch typ.Kind() {
	case reflect.Struct:
		for name, ft := range structFields(typ) {
			out[joinKey(prefix, name)] = true
			declaredKeys(ft, joinKey(prefix, name), out)
		}
	case reflect.Map:
		out[joinKey(prefix, "*")] = true
		declaredKeys(typ.Elem(), joinKey(prefix, "*"), out)
	case reflect.Slice:
		declaredKeys(typ.Elem(), prefix+"[]", out)
	}
}

// structFields yields a struct's JSON field names and types.
func structFields(typ reflect.Type) func(func(string, reflect.Type) bool) {
	return func(yield func(string, reflect.Type) bool) {
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if !yield(name, f.Type) {
				return
			}
		}
	}
}

func joinKey(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

package scenarios

import (
	"reflect"
	"strings"
	"testing"
)

func TestMatrix(t *testing.T) {
	s, cells := mustParse(t, `
name: grid
workload:
  pattern: stream
  rate: 1000
matrix:
  target.persistence: [none, aof-everysec, aof-always]
  workload.pattern: [list, stream]
`, "workload.rate=2000")
	if !reflect.DeepEqual(s.Matrix.Keys, []string{"target.persistence", "workload.pattern"}) ||
		!reflect.DeepEqual(s.Matrix.Values["workload.pattern"], []any{"list", "stream"}) {
		t.Errorf("base matrix = %+v", s.Matrix)
	}
	var names []string
	for _, c := range cells {
		names = append(names, c.Name)
		sc := c.Scenario
		if sc.Target.Persistence != c.Params["target.persistence"] || sc.Workload.Pattern != c.Params["workload.pattern"] {
			t.Errorf("cell %s: persistence %s pattern %s, params %v", c.Name, sc.Target.Persistence, sc.Workload.Pattern, c.Params)
		}
		if sc.Workload.Rate.PerSecond != 2000 {
			t.Errorf("cell %s lost the --set: rate %v", c.Name, sc.Workload.Rate)
		}
		if len(sc.Matrix.Keys) != 0 || sc.Matrix.Values != nil {
			t.Errorf("cell %s has a matrix: %+v", c.Name, sc.Matrix)
		}
		if sc.Name != "grid" {
			t.Errorf("cell %s: scenario name %q", c.Name, sc.Name)
		}
	}
	want := []string{
		"persistence=none,pattern=list", "persistence=none,pattern=stream",
		"persistence=aof-everysec,pattern=list", "persistence=aof-everysec,pattern=stream",
		"persistence=aof-always,pattern=list", "persistence=aof-always,pattern=stream",
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("cell names:\n got %q\nwant %q", names, want)
	}
	if !reflect.DeepEqual(cells[2].Params, map[string]string{"target.persistence": "aof-everysec", "workload.pattern": "list"}) {
		t.Errorf("params = %v", cells[2].Params)
	}
	// Cells do not share maps: changing one leaves the others alone.
	cells[0].Scenario.Target.Config["x"] = 1
	if _, ok := cells[1].Scenario.Target.Config["x"]; ok {
		t.Error("cells share a config map")
	}
}

// Defaults are applied per cell: a cell's topology decides its replicas.
func TestMatrixDefaultsPerCell(t *testing.T) {
	_, cells := mustParse(t, "matrix:\n  target.topology: [standalone, sentinel, cluster]\n")
	var got [][3]int
	for _, c := range cells {
		got = append(got, [3]int{c.Scenario.Target.Shards, c.Scenario.Target.Replicas, c.Scenario.Target.Sentinels})
	}
	want := [][3]int{{0, 0, 0}, {0, 1, 3}, {3, 1, 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("shards/replicas/sentinels per cell = %v, want %v", got, want)
	}
}

// A base value that is invalid is fine when every cell replaces it.
func TestMatrixReplacesInvalidBase(t *testing.T) {
	_, cells := mustParse(t, "workload: {pattern: bogus}\nmatrix:\n  workload.pattern: [list, hash]\n")
	if len(cells) != 2 {
		t.Fatalf("%d cells", len(cells))
	}
}

func TestMatrixValues(t *testing.T) {
	_, cells := mustParse(t, `
duration: 60s
chaos:
  - {at: 5s, action: kill, target: primary}
  - {at: 9s, action: restart, target: killed}
matrix:
  chaos.0.at: [10s, 20s]
  chaos.1.at: [30s]
  workload.payload: [64, {min: 64, max: 1KiB}]
  target.config: [{}, {appendfsync: always}]
`)
	if len(cells) != 8 {
		t.Fatalf("%d cells, want 8", len(cells))
	}
	c := cells[3]
	if c.Name != "chaos.0.at=10s,chaos.1.at=30s,payload={min: 64, max: 1KiB},config={appendfsync: always}" {
		t.Errorf("name with shared last segments and structured values: %q", c.Name)
	}
	if c.Scenario.Chaos[0].At.D().String() != "10s" || c.Scenario.Workload.Payload != (Payload{64, 1024}) ||
		c.Scenario.Target.Config["appendfsync"] != "always" {
		t.Errorf("cell %s: %+v", c.Name, c.Scenario)
	}
	if c.Params["workload.payload"] != "{min: 64, max: 1KiB}" {
		t.Errorf("params = %v", c.Params)
	}
}

func TestMatrixErrors(t *testing.T) {
	for src, want := range map[string]string{
		// Each cell is validated on its own; the bad value is reported at its
		// place in the matrix, naming the cells it breaks.
		"matrix:\n  workload.consumers: [4, 0]\nslo: {e2e_p99: 5ms}": "test.yaml:3:7: slo.e2e_p99: e2e_p99 needs consumers, but workload.consumers is 0 (producer-only): nothing is received to measure (in matrix cell consumers=0)",
		"matrix:\n  workload.rate: [10, x]":                          `test.yaml:2:23: workload.rate: expected events/s as a number, "max", or a capacity search like {search: {from: 1000, to: 50000, objective: e2e_p99}}, got "x" (in matrix cell rate=x)`,
		"matrix:\n  workload.rate: [10, 10]":                         `test.yaml:2:23: matrix.workload.rate: duplicate value "10"`,
		"matrix:\n  chaos.2.at: [1s]":                                "test.yaml:2:16: chaos.2: index 2 is out of range: the list has 0 entries",
		"matrix: [a]":                                                "test.yaml:1:1: matrix: expected a mapping of key paths to lists of values, got a list",
		"matrix:\n  workload.rate: 5":                                "test.yaml:2:3: matrix.workload.rate: expected a non-empty list of values, got 5",
		"matrix:\n  a.b: [1]\n  workload.keys: [1]":                  `test.yaml:2:3: matrix.a: unknown key`,
		"matrix:\n  matrix.x: [1]":                                   "the matrix cannot vary the matrix itself",
	} {
		if got := parseErr(t, src); !strings.Contains(got, want) {
			t.Errorf("%q:\n got %s\nwant %s", src, got, want)
		}
	}
	// Too many cells is an error, not a week of runs.
	var b strings.Builder
	b.WriteString("matrix:\n")
	for _, k := range []string{"seed", "description", "workload.keys", "workload.producers"} {
		b.WriteString("  " + k + ": [1, 2, 3, 4, 5, 6, 7, 8]\n")
	}
	if got := parseErr(t, b.String()); !strings.Contains(got, "the matrix expands to more than 1000 cells") {
		t.Errorf("large matrix: %s", got)
	}
}

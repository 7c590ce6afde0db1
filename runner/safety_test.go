package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/squall-bench/squall/scenarios"
)

// Every resolved cell counts for the --allow-destructive rule, however its
// chaos or provider got there.
func TestDestructiveCells(t *testing.T) {
	const ext = "target: {provider: external, addrs: ['127.0.0.1:1']}\n"
	const pause = "chaos: [{at: 1s, action: client-pause, target: primary, duration: 1s}]\n"
	for _, tc := range []struct {
		name     string
		yaml     string
		sets     []string
		provider string
		want     int // cells refused
	}{
		{"base chaos, external", ext + pause, nil, "", 1},
		{"no chaos", ext, nil, "", 0},
		// Consumer faults act on squall's own consumers only.
		{"consumer faults, external", ext + "workload: {consumers: 2}\nchaos: [{at: 1s, action: kill-consumer, target: consumer}]\n", nil, "", 0},
		{"a consumer and a server fault, external", ext + "workload: {consumers: 2}\nchaos: [{at: 1s, action: kill-consumer, target: consumer}, {at: 2s, action: bgsave, target: primary}]\n", nil, "", 1},
		{"chaos, own target", pause, nil, "", 0},
		{"--provider external", pause, nil, "external", 1},
		{"--provider process over external", ext + pause, nil, "process", 0},
		{"--set chaos", ext, []string{"chaos=[{at: 1s, action: bgsave, target: primary}]"}, "", 1},
		{"--set target.provider", pause, []string{"target={provider: external, addrs: ['127.0.0.1:1']}"}, "", 1},
		{"matrix over chaos", ext + `matrix:
  chaos:
    - []
    - [{at: 1s, action: config, target: primary, params: {maxmemory-policy: allkeys-random}}]
`, nil, "", 1},
		{"matrix over the target", pause + `matrix:
  target:
    - {provider: process}
    - {provider: external, addrs: ['127.0.0.1:1']}
`, nil, "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cells, err := scenarios.Parse("x.yaml", []byte("name: x\n"+tc.yaml), tc.sets)
			if err != nil {
				t.Fatal(err)
			}
			got := Destructive(cells, tc.provider)
			var names []string
			for _, c := range cells {
				names = append(names, c.Name)
			}
			if len(got) != tc.want {
				t.Fatalf("Destructive = %q, want %d of cells %q", got, tc.want, names)
			}
			for _, n := range got {
				if !slices.Contains(names, n) {
					t.Errorf("Destructive named %q, not a cell (%q)", n, names)
				}
			}
		})
	}
}

// The runner refuses such a cell itself, before the target is touched and
// before the run directory is written, whoever calls it: Run, a capacity
// search, runCell directly.
func TestRunnerRefusesDestructive(t *testing.T) {
	for _, yaml := range []string{
		`
target: {provider: external, addrs: ['127.0.0.1:1']}
chaos: [{at: 1s, action: config, target: primary, params: {maxmemory: 1mb}}]
`,
		`
target: {provider: external, addrs: ['127.0.0.1:1']}
workload: {rate: {search: {from: 100, to: 1000, objective: e2e_p99}}}
slo: {e2e_p99: 50ms}
chaos: [{at: 1s, action: debug-sleep, target: primary, duration: 1s}]
`,
	} {
		sc, cells, err := scenarios.Parse("x.yaml", []byte(yaml), nil)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "run")
		res, _, err := Run(context.Background(), sc, cells, Options{Out: out, Quiet: true})
		if !errors.Is(err, ErrDestructive) || res != nil {
			t.Errorf("Run: err %v, result %v; want ErrDestructive and no result", err, res)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("a refused run wrote its directory: %v", err)
		}
		// 127.0.0.1:1 answers nothing: an error other than ErrDestructive
		// would mean runCell tried to reach it.
		rc, err := runCell(context.Background(), cells[0], Options{Quiet: true}, t.TempDir(), "", nil)
		if !errors.Is(err, ErrDestructive) || rc.Pass {
			t.Errorf("runCell: %v", err)
		}
		if _, err := runCell(context.Background(), rateCell(cells[0], 100), Options{Quiet: true, Provider: "external"}, t.TempDir(), "", nil); !errors.Is(err, ErrDestructive) {
			t.Errorf("runCell of a capacity step: %v", err)
		}
	}
}

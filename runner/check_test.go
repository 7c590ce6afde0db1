package runner

import (
	"strings"
	"testing"

	"github.com/squall-bench/squall/scenarios"
)

// TestCheck: what Check adds to scenario validation, placed at its key.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, provider string
		want                 string // substring of the error; "" means accepted
	}{
		{"accepted", "workload: {pattern: list}", "", ""},
		{"a pattern option", "workload: {pattern: list, options: {bogus: 1}}", "", "check.yaml:2:"},
		{"a fault the provider cannot run", "target: {provider: process}\nchaos: [{at: 1s, action: partition, target: primary, duration: 1s}]", "",
			"chaos.0.action: partition primary: partition needs target.provider docker"},
		{"--provider overrides the scenario's", "chaos: [{at: 1s, action: partition, target: primary, duration: 1s}]", "process",
			"partition needs target.provider docker (a container's network to cut or shape); provider is process"},
		{"a matrix names the cell", "target: {provider: process}\nmatrix: {workload.pattern: [list, stream]}\nchaos: [{at: 1s, action: start, target: primary}]", "",
			"(matrix cell "},
		{"traffic peers on processes, at the parameter", "target: {provider: process}\nchaos: [{at: 1s, action: timeout, target: primary, duration: 1s,\n  params: {traffic: peers}}]", "",
			"check.yaml:4:12: chaos.0.params.traffic: timeout primary: params.traffic: peers needs target.provider docker"},
		{"traffic peers: auto picks docker", "target: {server: redis-server}\nchaos: [{at: 1s, action: reset, target: primary, params: {traffic: peers}}]", "",
			"the scenario needs docker for chaos reset params.traffic peers"},
		{"a server auto cannot honour", "target: {server: redis-server, image: valkey/valkey:8}", "",
			"server redis-server runs on the process provider, but the scenario needs docker for target.image valkey/valkey:8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cells, err := scenarios.Parse("check.yaml", []byte("duration: 5s\n"+tc.yaml+"\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			err = Check(cells, tc.provider)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("rejected: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want it to say %q", err, tc.want)
			}
		})
	}
}

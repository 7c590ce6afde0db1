package runner

import (
	"strings"
	"testing"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/scenarios"
)

func TestDockerNeeds(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string // per cell, joined with "; "
	}{
		{"nothing docker-only", "workload: {pattern: list}", []string{""}},
		{"the default image stands for a Redis", "target: {image: " + compose.DefaultImage + "}", []string{""}},
		{"a network fault", "chaos: [{at: 1s, action: partition, target: primary, duration: 1s}, {at: 2s, action: loss, target: primary, duration: 1s, params: {percent: 1}}, {at: 3s, action: latency, target: primary, duration: 1s, params: {delay: 1ms}}]",
			[]string{"chaos partition; chaos loss"}}, // latency runs anywhere: the fault proxy carries it where netem cannot
		{"another image", "target: {image: valkey/valkey:8}", []string{"target.image valkey/valkey:8"}},
		{"a data path", "target: {data_path: published}", []string{"target.data_path published"}},
		{"a matrix over images puts every cell on docker", "matrix: {target.image: [" + compose.DefaultImage + ", valkey/valkey:8]}",
			[]string{"a matrix over target.image", "target.image valkey/valkey:8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cells, err := scenarios.Parse("needs.yaml", []byte("duration: 5s\n"+tc.yaml+"\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range cells {
				if got := strings.Join(DockerNeeds(c), "; "); got != tc.want[i] {
					t.Errorf("cell %s: DockerNeeds = %q, want %q", c.Name, got, tc.want[i])
				}
			}
		})
	}
}

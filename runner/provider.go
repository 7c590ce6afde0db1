package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/squall-bench/squall/chaos"
	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/catalog"
	"github.com/squall-bench/squall/scenarios"
)

// DockerNeeds lists what in a cell only the docker provider can do: faults
// on a container's network, an image other than the default one (which
// stands for "a Redis"; squall builds it from the host's redis-server when
// the engine lacks it), or a data path, which only containers have. A
// matrix over target.image puts every cell on docker, the default image's
// included, so that its cells compare images and not providers.
func DockerNeeds(cell scenarios.Cell) []string {
	s := cell.Scenario
	var needs []string
	seen := map[string]bool{}
	for _, f := range s.Chaos {
		if a, _ := catalog.LookupAction(f.Action); a.DockerOnly() && !seen[f.Action] {
			seen[f.Action] = true
			needs = append(needs, "chaos "+f.Action)
		}
		if v := fmt.Sprint(f.Params["traffic"]); (v == chaos.TrafficPeers || v == chaos.TrafficBoth) && !seen[f.Action+" "+v] {
			seen[f.Action+" "+v] = true
			needs = append(needs, "chaos "+f.Action+" params.traffic "+v) // the node↔node path is proxied on docker only
		}
	}
	img := s.Target.Image
	_, matrixed := cell.Params["target.image"]
	switch {
	case img != "" && img != compose.DefaultImage && !strings.HasPrefix(img, compose.HostImageRepo+":"):
		needs = append(needs, "target.image "+img)
	case matrixed:
		needs = append(needs, "a matrix over target.image")
	}
	if p := s.Target.DataPath; p != "" && p != "auto" {
		needs = append(needs, "target.data_path "+p)
	}
	return needs
}

// ChooseProvider resolves a cell's provider (flag, from --provider,
// overrides the scenario) and says why, for the terminal and result.json:
// what squall run and squall target up stand up.
func ChooseProvider(ctx context.Context, cell scenarios.Cell, flag string) (compose.Choice, error) {
	s := cell.Scenario
	p, from := s.Target.Provider, "target.provider"
	if flag != "" {
		p, from = flag, "--provider"
	}
	c, err := compose.Choose(ctx, p, compose.Needs{Docker: DockerNeeds(cell), Server: s.Target.Server})
	if err == nil && c.Why == "" {
		c.Why = from + " " + c.Provider
	}
	return c, err
}

package runner

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/squall-bench/squall/chaos"
	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/scenarios"
)

// Check validates resolved cells against what scenario validation cannot
// know on its own: the pattern's options (loadgen), the size of the target
// under a --provider override, a target.server that auto could not honour,
// whether each chaos step can run on the target (chaos), and the TLS files.
// provider, when set, overrides every cell's target.provider. The first
// problem is returned as a scenario error at its key (file:line:col), like
// validation's; squall run and squall validate call it before anything is
// stood up or written.
func Check(cells []scenarios.Cell, provider string) error {
	matrix := len(cells) > 1
	for _, c := range cells {
		w := c.Scenario.Workload
		if err := loadgen.ValidateWorkload(w.Pattern, w.Options, w.Consumers); err != nil {
			return optionsError(c, matrix, err)
		}
		t := c.Scenario.Target
		if provider != "" {
			t.Provider = provider
			if err := c.Scenario.CheckServers(provider); err != nil {
				return err
			}
		}
		if needs := DockerNeeds(c); t.Provider == "auto" && t.Server != "" && len(needs) > 0 {
			return c.Scenario.Errorf("target.server", "server %s runs on the process provider, but the scenario needs docker for %s", t.Server, strings.Join(needs, ", "))
		}
		steps := chaosSteps(c.Scenario)
		bad := chaos.Check(steps, chaos.Shape{Provider: t.Provider, Topology: t.Topology, Replicas: t.Replicas, Sentinels: t.Sentinels,
			Nodes: compose.NodeNames(t.Provider, t.Topology, t.Shards, t.Replicas, t.Sentinels, len(t.Addrs))})
		for i := range steps {
			if msg, ok := bad[i]; ok {
				if matrix {
					msg += " (matrix cell " + c.Name + ")"
				}
				key := fmt.Sprintf("chaos.%d.action", i)
				if k, _, ok := strings.Cut(msg, ":"); ok && strings.HasPrefix(k, "params.") && steps[i].Params[strings.TrimPrefix(k, "params.")] != nil {
					key = fmt.Sprintf("chaos.%d.%s", i, k) // a parameter's problem goes at the parameter
				}
				return c.Scenario.Errorf(key, "%s %s: %s", steps[i].Action, steps[i].Target, msg)
			}
		}
		if t.TLS.On() {
			if err := CheckTLS(t.TLS); err != nil { // the files are read now, not after the run directory is written
				return c.Scenario.Errorf("target.tls", "%v", err)
			}
		}
	}
	return nil
}

// optionsError places each workload.options problem at its key in the
// scenario (file:line:col); one without a key goes at workload.options.
func optionsError(c scenarios.Cell, matrix bool, err error) error {
	var list loadgen.OptionErrors
	if !errors.As(err, &list) {
		return c.Scenario.Errorf("workload.pattern", "%v", err)
	}
	var out scenarios.ErrorList
	for _, e := range list {
		path := "workload.options"
		if e.Key != "" {
			path += "." + e.Key
		}
		msg := e.Msg
		if matrix {
			msg += " (in matrix cell " + c.Name + ")"
		}
		var one scenarios.ErrorList
		if errors.As(c.Scenario.Errorf(path, "%s", msg), &one) {
			out = append(out, one...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Line < out[j].Line || out[i].Line == out[j].Line && out[i].Col < out[j].Col
	})
	return out
}

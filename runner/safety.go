package runner

import (
	"errors"
	"fmt"
	"strings"

	"github.com/squall-bench/squall/internal/catalog"
	"github.com/squall-bench/squall/scenarios"
)

// ErrDestructive marks a run refused because it would fire faults at the
// user's own servers (an external target) without Options.AllowDestructive.
// It is returned before the target is touched.
var ErrDestructive = errors.New("chaos on an external target pauses, fails over or reconfigures your servers; pass --allow-destructive to accept that")

// Destructive returns the names of the cells that would fire faults at an
// external target; provider overrides each cell's target.provider when set
// (--provider). Every resolved cell counts, however its chaos or provider
// got there: the base scenario, a matrix, --set or a library scenario.
func Destructive(cells []scenarios.Cell, provider string) []string {
	var names []string
	for _, c := range cells {
		if destructive(c.Scenario, provider) {
			names = append(names, c.Name)
		}
	}
	return names
}

func destructive(s *scenarios.Scenario, provider string) bool {
	if s == nil {
		return false
	}
	p := s.Target.Provider
	if provider != "" {
		p = provider
	}
	return p == "external" && touchesServers(s)
}

// touchesServers reports whether s has a fault that acts on the target's
// servers: consumer faults (kill-consumer, ...) act on squall's own
// consumers only, so they alone need no --allow-destructive.
func touchesServers(s *scenarios.Scenario) bool {
	for _, f := range s.Chaos {
		if a, _ := catalog.LookupAction(f.Action); !a.Consumer {
			return true
		}
	}
	return false
}

// refuseDestructive is the error for cells Destructive named.
func refuseDestructive(names []string) error {
	if len(names) == 1 {
		return fmt.Errorf("%w (cell %s)", ErrDestructive, names[0])
	}
	return fmt.Errorf("%w (cells %s)", ErrDestructive, strings.Join(names, "; "))
}

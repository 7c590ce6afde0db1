package report

import (
	"strings"

	"github.com/squall-bench/squall/internal/catalog"
	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/result"
)

// redeliveryText says what became of a consumer fault's work: what was
// redelivered and when, the duplicate deliveries and the backlog's peak;
// "" for a fault that hit a node.
func redeliveryText(f result.FaultResult) string {
	if f.Role != catalog.ConsumerTarget {
		return ""
	}
	parts := []string{"nothing redelivered"}
	if f.Redelivered > 0 {
		parts[0] = "redelivered " + units.FormatCount(f.Redelivered) + " (the last " + units.FormatSeconds(f.RedeliveredS) + " after the fault)"
	}
	parts = append(parts, "duplicate deliveries "+units.FormatCount(f.DuplicateDeliveries))
	if f.BacklogPeak != nil {
		parts = append(parts, "backlog peak "+units.FormatCount(*f.BacklogPeak))
	}
	return strings.Join(parts, ", ")
}

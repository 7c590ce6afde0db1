package report

import (
	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/result"
)

// The recording and run-directory files of this package still use these
// names for what moved to the result and units packages; they go when
// those files move out of report.

type (
	Result  = result.Result
	Cell    = result.Cell
	Summary = result.Summary
	Events  = result.Events
)

func fmtUS(us float64) string { return units.FormatMicros(us) }

func finite(v float64) bool { return units.Finite(v) }

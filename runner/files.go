//go:build unix

package runner

import (
	"fmt"
	"syscall"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/scenarios"
)

// checkOpenFiles fails a cell up front when its connections would not fit
// in the process's open-file limit, instead of letting thousands of dials
// fail mid-run. Go raises the soft limit to the hard one at start, so the
// hard limit is what counts; raising it is the user's (ulimit -Hn, or the
// service manager's LimitNOFILE).
func checkOpenFiles(s *scenarios.Scenario) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil // cannot tell: let the run find out
	}
	need := connections(s)
	if uint64(need) > lim.Cur {
		return fmt.Errorf("%w: the workload needs about %d connections (producers and consumers, one per primary each on a cluster, plus %d spare), but squall may open only %d files (ulimit -n); raise the hard limit (ulimit -Hn) or use fewer producers and consumers",
			compose.ErrInfra, need, spareFiles, lim.Cur)
	}
	return nil
}

// spareFiles is what a cell needs besides its workers' connections: the
// shared client's pool, admin connections, the run directory's files,
// child processes' pipes.
const spareFiles = 256

// connections estimates the file descriptors a cell's load opens: each
// producer and consumer holds a connection per primary at most.
func connections(s *scenarios.Scenario) int {
	per := 1
	if s.Target.Topology == "cluster" {
		per = max(s.Target.Shards, 1)
	}
	return (s.Workload.Producers+s.Workload.Consumers)*per + spareFiles
}

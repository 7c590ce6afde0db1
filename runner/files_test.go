//go:build unix

package runner

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/scenarios"
)

// TestCheckOpenFiles: a cell whose connections exceed the open-file limit
// fails up front as an infrastructure error naming the limit.
func TestCheckOpenFiles(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skip(err)
	}
	for _, tc := range []struct {
		name      string
		topology  string
		producers int
		fail      bool
	}{
		{"fits", "standalone", 10, false},
		{"too many", "standalone", int(min(lim.Cur, 1<<30)), true},
		{"a connection per primary", "cluster", int(min(lim.Cur, 1<<30)) / 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &scenarios.Scenario{}
			s.Target.Topology, s.Target.Shards = tc.topology, 3
			s.Workload.Producers, s.Workload.Consumers = tc.producers, 1
			err := checkOpenFiles(s)
			if (err != nil) != tc.fail {
				t.Fatalf("err = %v, want failure %v", err, tc.fail)
			}
			if err != nil && (!errors.Is(err, compose.ErrInfra) || !strings.Contains(err.Error(), "ulimit -n")) {
				t.Errorf("err = %v, want an infrastructure error naming ulimit -n", err)
			}
		})
	}
}

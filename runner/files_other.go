//go:build !unix

package runner

import "github.com/squall-bench/squall/scenarios"

func checkOpenFiles(*scenarios.Scenario) error { return nil }

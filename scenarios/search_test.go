package scenarios

import (
	"strings"
	"testing"
)

const searchSrc = `
name: cap
workload:
  rate: {search: {from: 1000, to: 50000, objective: e2e_p99}}
slo:
  e2e_p99: 50ms
`

func TestRateSearch(t *testing.T) {
	s, cells := mustParse(t, searchSrc)
	want := RateSearch{From: 1000, To: 50000, Objective: "e2e_p99", Steps: 6, Mode: "step"}
	if rs := s.Workload.Rate.Search; rs == nil || *rs != want {
		t.Fatalf("search = %+v, want %+v (steps and mode defaulted)", rs, want)
	}
	if len(cells) != 1 || cells[0].Scenario.Workload.Rate.Search == nil {
		t.Fatalf("cells = %+v, want one cell holding the search", cells)
	}
	roundTrip(t, s.Source, s)
	out, _ := s.MarshalResolved()
	if !strings.Contains(string(out), "search: {from: 1000, to: 50000, objective: e2e_p99, steps: 6, mode: step}") {
		t.Errorf("resolved YAML does not show the search with its defaults:\n%s", out)
	}

	s, _ = mustParse(t, `
workload:
  rate:
    search: {from: 500.5, to: 2e5, objective: throughput_min, steps: 3, mode: bisect}
slo: {throughput_min: 400}
`)
	if rs := s.Workload.Rate.Search; rs == nil || rs.From != 500.5 || rs.To != 200000 || rs.Steps != 3 || rs.Mode != "bisect" {
		t.Errorf("search = %+v", rs)
	}
	roundTrip(t, s.Source, s)
}

func TestRateSearchSet(t *testing.T) {
	// A fixed rate replaces the search...
	s, _ := mustParse(t, searchSrc, "workload.rate=5000")
	if r := s.Workload.Rate; r.Search != nil || r.PerSecond != 5000 {
		t.Errorf("--set workload.rate=5000: rate = %+v", r)
	}
	s, _ = mustParse(t, searchSrc, "workload.rate=max")
	if r := s.Workload.Rate; r.Search != nil || !r.Max {
		t.Errorf("--set workload.rate=max: rate = %+v", r)
	}
	// ...a search replaces a fixed rate...
	s, _ = mustParse(t, "slo: {e2e_p99: 5ms}\n", "workload.rate={search: {from: 10, to: 20, objective: e2e_p99}}")
	if rs := s.Workload.Rate.Search; rs == nil || rs.From != 10 || rs.To != 20 {
		t.Errorf("--set workload.rate={search: ...}: search = %+v", rs)
	}
	// ...and one key of a search can be changed on its own.
	s, _ = mustParse(t, searchSrc, "workload.rate.search.to=200000", "workload.rate.search.mode=bisect")
	if rs := s.Workload.Rate.Search; rs == nil || rs.To != 200000 || rs.From != 1000 || rs.Mode != "bisect" {
		t.Errorf("--set workload.rate.search.to: search = %+v", rs)
	}
	// Setting a search key where the rate is a number is an error at the --set.
	got := parseErr(t, "workload: {rate: 5000}\n", "workload.rate.search.to=1")
	if !strings.HasPrefix(got, "--set workload.rate.search.to=1: workload.rate: expected a mapping") {
		t.Errorf("search key on a fixed rate: %s", got)
	}
}

func TestRateSearchMatrix(t *testing.T) {
	// A matrix over the rate replaces the search in every cell: allowed.
	_, cells := mustParse(t, searchSrc+"matrix:\n  workload.rate: [1000, 2000]\n")
	if len(cells) != 2 || cells[0].Scenario.Workload.Rate.Search != nil {
		t.Errorf("cells = %+v", cells)
	}
	// A search that reaches a cell through the matrix is rejected at the matrix.
	got := parseErr(t, "slo: {e2e_p99: 5ms}\nmatrix:\n  workload.rate: [1000, {search: {from: 1, to: 2, objective: e2e_p99}}]\n")
	if !strings.HasPrefix(got, "test.yaml:2:1: matrix: a capacity search") {
		t.Errorf("search from the matrix: %s", got)
	}
	// Validate sees a search and a matrix in one scenario built in code.
	s, _ := mustParse(t, searchSrc)
	s.Matrix = Matrix{Keys: []string{"target.persistence"}, Values: map[string][]any{"target.persistence": {"none"}}}
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "workload.rate: a capacity search") {
		t.Errorf("Validate: %v", err)
	}
}

func TestRateSearchObjectiveKinds(t *testing.T) {
	got := parseErr(t, `
workload: {rate: {search: {from: 1, to: 2, objective: unavailable_max}}}
slo: {unavailable_max: 5s}
`)
	if !strings.Contains(got, "unavailable_max is measured on faults") {
		t.Errorf("fault objective: %s", got)
	}
	got = parseErr(t, "workload: {rate: {search: {from: 1, to: 2, objective: e2e_p99}}}\n")
	if !strings.Contains(got, "workload.rate.search.objective: objective e2e_p99 is not in slo: the scenario has no objectives") {
		t.Errorf("no slo: %s", got)
	}
}

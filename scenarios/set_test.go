package scenarios

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSet(t *testing.T) {
	base := `
name: set
workload:
  rate: 1000
chaos:
  - {at: 5s, action: kill, target: primary}
`
	for _, tc := range []struct {
		sets  []string
		check func(*Scenario) bool
	}{
		{[]string{"workload.rate=5000"}, func(s *Scenario) bool { return s.Workload.Rate.PerSecond == 5000 }},
		{[]string{"workload.rate=max"}, func(s *Scenario) bool { return s.Workload.Rate.Max }},
		{[]string{"workload.rate=1", "workload.rate=2"}, func(s *Scenario) bool { return s.Workload.Rate.PerSecond == 2 }},
		{[]string{"duration=1m"}, func(s *Scenario) bool { return s.Duration.D() == time.Minute }},
		{[]string{"target.addrs=[127.0.0.1:6379]", "target.provider=external"},
			func(s *Scenario) bool { return reflect.DeepEqual(s.Target.Addrs, []string{"127.0.0.1:6379"}) }},
		{[]string{"target.addrs.0=127.0.0.1:6380", "target.provider=external"},
			func(s *Scenario) bool { return reflect.DeepEqual(s.Target.Addrs, []string{"127.0.0.1:6380"}) }},
		{[]string{"target.config.maxmemory=1gb"}, func(s *Scenario) bool { return s.Target.Config["maxmemory"] == "1gb" }},
		{[]string{"workload.options.wait.replicas=1"},
			func(s *Scenario) bool {
				return reflect.DeepEqual(s.Workload.Options["wait"], map[string]any{"replicas": 1})
			}},
		{[]string{"chaos.0.at=7s"}, func(s *Scenario) bool { return s.Chaos[0].At.D() == 7*time.Second }},
		{[]string{"chaos.1={at: 9s, action: restart, target: killed}"},
			func(s *Scenario) bool { return len(s.Chaos) == 2 && s.Chaos[1].Action == "restart" }},
		{[]string{"chaos=[]"}, func(s *Scenario) bool { return s.Chaos == nil }},
		{[]string{"workload.payload.min=64", "workload.payload.max=1KiB"},
			func(s *Scenario) bool { return s.Workload.Payload == Payload{64, 1024} }},
		{[]string{"slo.e2e_p99=20ms"}, func(s *Scenario) bool { return len(s.SLO) == 1 && s.SLO[0].Value == 20000 }},
		{[]string{"target.password_env="}, func(s *Scenario) bool { return s.Target.PasswordEnv == "" }},
		{[]string{"description=a: b"}, func(s *Scenario) bool { return s.Description == "" }},
		{[]string{"matrix.workload.pattern=[list, stream]"},
			func(s *Scenario) bool { return reflect.DeepEqual(s.Matrix.Keys, []string{"workload.pattern"}) }},
		{[]string{" workload.keys = 8"}, func(s *Scenario) bool { return s.Workload.Keys == 8 }},
	} {
		s, _, err := Parse("set.yaml", []byte(base), tc.sets)
		if tc.sets[0] == "description=a: b" {
			// The value is YAML: "a: b" is a mapping, not a string.
			if err == nil || !strings.Contains(err.Error(), "--set description=a: b: description: expected a string, got a mapping") {
				t.Errorf("%v: %v", tc.sets, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.sets, err)
			continue
		}
		if !tc.check(s) {
			t.Errorf("%v: scenario %+v", tc.sets, s)
		}
	}
}

func TestSetErrors(t *testing.T) {
	base := "name: set\nworkload: {rate: 1000}\nchaos:\n  - {at: 5s, action: kill, target: primary}\ntarget: {config: {save: \"900 1\"}}\n"
	for set, want := range map[string]string{
		"workload.rate":          "--set workload.rate: expected PATH=VALUE",
		"=5":                     "--set =5: missing the key path",
		"workload.ratee=5":       `--set workload.ratee=5: workload.ratee: unknown key, did you mean "rate"?`,
		"nothing.at.all=5":       "--set nothing.at.all=5: nothing: unknown key (known: name,",
		"workload..rate=5":       "empty key in the path",
		"chaos.x.at=5s":          `--set chaos.x.at=5s: chaos.x: expected a list index (0, 1, ...), got "x"`,
		"chaos.3.at=5s":          "--set chaos.3.at=5s: chaos.3: index 3 is out of range: the list has 1 entries (1 adds one)",
		"duration.x=5s":          "--set duration.x=5s: duration.x: unknown key: duration holds a single value",
		"workload.rate=-5":       "--set workload.rate=-5: workload.rate: rate must be > 0",
		"workload.rate=[1":       "--set workload.rate=[1: workload.rate: value: not valid YAML",
		"target.config.save.x=1": `--set target.config.save.x=1: target.config.save: expected a mapping to set "x" in, got "900 1"`,
		"matrix.name=[a, b]":     "--set matrix.name=[a, b]: matrix.name: the matrix cannot vary name",
		"matrix.matrix=[a]":      "the matrix cannot vary the matrix itself",
		"slo.bogus=1":            `--set slo.bogus=1: slo.bogus: unknown objective "bogus"`,
		"workload.payload.mid=1": `workload.payload.mid: unknown key, did you mean "min"?`,
		"chaos.0.at=-1s":         "--set chaos.0.at=-1s: chaos.0.at: at must be >= 0, got -1s",
		"chaos.0.bogus=1":        `--set chaos.0.bogus=1: chaos.0.bogus: unknown key`,
	} {
		if got := parseErr(t, base, set); !strings.Contains(got, want) {
			t.Errorf("--set %s:\n got %s\nwant %s", set, got, want)
		}
	}
}

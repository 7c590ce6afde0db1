package scenarios

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// mustParse parses src as test.yaml and returns the base scenario.
func mustParse(t *testing.T, src string, sets ...string) (*Scenario, []Cell) {
	t.Helper()
	s, cells, err := Parse("test.yaml", []byte(src), sets)
	if err != nil {
		t.Fatalf("Parse:\n%s\nerror:\n%v", src, err)
	}
	return s, cells
}

// parseErr parses src and returns the error text, failing if there is none.
func parseErr(t *testing.T, src string, sets ...string) string {
	t.Helper()
	_, _, err := Parse("test.yaml", []byte(src), sets)
	if err == nil {
		t.Fatalf("Parse:\n%s\nsucceeded, want an error", src)
	}
	return err.Error()
}

func TestDefaults(t *testing.T) {
	s, cells := mustParse(t, "description: all defaults\n")
	want := &Scenario{
		Name:        "test",
		Description: "all defaults",
		Duration:    Duration(30 * time.Second),
		Warmup:      Duration(2 * time.Second),
		Drain:       Duration(5 * time.Second),
		Seed:        1,
		Target: Target{Provider: "auto", Topology: "standalone", Persistence: "none",
			Image: "redis:7.2", DataPath: "auto", Config: map[string]any{}, Addrs: []string{},
			Sentinel: SentinelTuning{DownAfter: Duration(5 * time.Second), FailoverTimeout: Duration(time.Minute)},
			Cluster:  ClusterTuning{NodeTimeout: Duration(5 * time.Second)}},
		Workload: Workload{Pattern: "stream", Producers: 4, Consumers: 4, Rate: Rate{PerSecond: 1000},
			Payload: Payload{256, 256}, Keys: 4, Pipeline: 1, Options: map[string]any{}},
		Client: Client{DialTimeout: Duration(5 * time.Second), ReadTimeout: Duration(3 * time.Second),
			WriteTimeout: Duration(3 * time.Second)},
		Source: "test.yaml",
	}
	if !reflect.DeepEqual(noPos(s), want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", s, want)
	}
	if len(cells) != 1 || cells[0].Name != "test" || cells[0].Params == nil || len(cells[0].Params) != 0 {
		t.Errorf("cells = %+v, want one cell named test with empty params", cells)
	}
	if !reflect.DeepEqual(noPos(cells[0].Scenario), want) {
		t.Errorf("cell scenario differs from base:\n%+v", cells[0].Scenario)
	}
}

func TestDefaultsByTopology(t *testing.T) {
	for _, tc := range []struct {
		src                         string
		shards, replicas, sentinels int
	}{
		{"target: {topology: standalone}", 0, 0, 0},
		{"target: {topology: sentinel}", 0, 1, 3},
		{"target: {topology: cluster}", 3, 1, 0},
		{"target: {topology: cluster, replicas: 0, shards: 6}", 6, 0, 0},
		{"target: {topology: sentinel, replicas: 2, sentinels: 5}", 0, 2, 5},
		{"target: {topology: standalone, replicas: 2}", 0, 2, 0},
	} {
		s, _ := mustParse(t, tc.src)
		got := [3]int{s.Target.Shards, s.Target.Replicas, s.Target.Sentinels}
		if want := [3]int{tc.shards, tc.replicas, tc.sentinels}; got != want {
			t.Errorf("%s: shards, replicas, sentinels = %v, want %v", tc.src, got, want)
		}
	}
	// The topology may come from --set; defaults follow it.
	s, _ := mustParse(t, "name: x", "target.topology=sentinel")
	if s.Target.Replicas != 1 || s.Target.Sentinels != 3 {
		t.Errorf("--set target.topology=sentinel: replicas %d sentinels %d", s.Target.Replicas, s.Target.Sentinels)
	}
}

// An explicit zero is validated, not replaced by the default.
func TestExplicitZeroIsNotDefaulted(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"workload: {producers: 0}", "producers must be >= 1"},
		{"workload: {pipeline: 0}", "pipeline must be between 1 and 10000"},
		{"duration: 0s", "duration must be > 0"},
		{"client: {read_timeout: 0s}", "read_timeout must be > 0"},
		{"target: {topology: cluster, shards: 0}", "shards >= 3"},
	} {
		if got := parseErr(t, tc.src); !strings.Contains(got, tc.want) {
			t.Errorf("%s: error %q, want it to contain %q", tc.src, got, tc.want)
		}
	}
	s, _ := mustParse(t, "seed: 0\nwarmup: 0s\nworkload: {consumers: 0}")
	if s.Seed != 0 || s.Warmup != 0 || s.Workload.Consumers != 0 {
		t.Errorf("explicit zeros were defaulted: seed %d warmup %v consumers %d", s.Seed, s.Warmup, s.Workload.Consumers)
	}
}

func TestValues(t *testing.T) {
	t.Setenv("REDIS_PASSWORD", "secret")
	s, _ := mustParse(t, `
name: values
duration: 1m30s
warmup: 250ms
drain: 0s
seed: 0x10
target:
  provider: external
  topology: cluster
  addrs: ["127.0.0.1:7000", "[::1]:7001"]
  config: {maxmemory: 1gb, appendfsync: everysec, hz: 100, ratio: 0.5, lazy: true}
  password_env: REDIS_PASSWORD
workload:
  pattern: list-reliable
  rate: max
  payload: {min: 64, max: 4KiB}
  options: {maxlen: 1000, wait: {replicas: 1, timeout: 100ms}}
chaos:
  - {at: 5s, action: kill, target: primary}
  - {at: 10s, every: 5s, duration: 2s, action: latency, target: "node:redis-1", params: {delay: 50ms, none: null, save: ["900 1", "300 10"], nested: {a: 1}}}
slo:
  publish_p99: 10ms
  e2e_p99: 1.5ms
  throughput_min: 19000
  lost_max: 0
  unavailable_max: 15s
`)
	if s.Duration.D() != 90*time.Second || s.Warmup.D() != 250*time.Millisecond || s.Drain != 0 || s.Seed != 16 {
		t.Errorf("durations/seed: %v %v %v %d", s.Duration.D(), s.Warmup.D(), s.Drain.D(), s.Seed)
	}
	if !s.Workload.Rate.Max || s.Workload.Payload != (Payload{64, 4096}) {
		t.Errorf("rate %+v payload %+v", s.Workload.Rate, s.Workload.Payload)
	}
	wantConfig := map[string]any{"maxmemory": "1gb", "appendfsync": "everysec", "hz": 100, "ratio": 0.5, "lazy": true}
	if !reflect.DeepEqual(s.Target.Config, wantConfig) {
		t.Errorf("config = %#v", s.Target.Config)
	}
	wantParams := map[string]any{"delay": "50ms", "none": nil, "save": []any{"900 1", "300 10"}, "nested": map[string]any{"a": 1}}
	if !reflect.DeepEqual(s.Chaos[1].Params, wantParams) {
		t.Errorf("chaos.1.params = %#v", s.Chaos[1].Params)
	}
	if got := s.Workload.Options["wait"]; !reflect.DeepEqual(got, map[string]any{"replicas": 1, "timeout": "100ms"}) {
		t.Errorf("options.wait = %#v", got)
	}
	if len(s.Chaos) != 2 || s.Chaos[1].Every.D() != 5*time.Second || s.Chaos[1].Target != "node:redis-1" ||
		s.Chaos[0].Params == nil {
		t.Errorf("chaos = %+v", s.Chaos)
	}
	wantSLO := Objectives{
		{"publish_p99", "10ms", 10000},
		{"e2e_p99", "1.5ms", 1500},
		{"throughput_min", "19000", 19000},
		{"lost_max", "0", 0},
		{"unavailable_max", "15s", 15e6},
	}
	if !reflect.DeepEqual(s.SLO, wantSLO) {
		t.Errorf("slo = %+v", s.SLO)
	}
}

func TestPayloadSizes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"256", 256}, {`"256"`, 256}, {"256B", 256}, {"1KB", 1000}, {"1KiB", 1024},
		{"1MB", 1000000}, {"1MiB", 1 << 20}, {"1 kib", 1024}, {"0.5KiB", 512}, {"64MiB", 64 << 20},
	} {
		s, _ := mustParse(t, "workload: {payload: "+tc.in+"}")
		if s.Workload.Payload != (Payload{tc.want, tc.want}) {
			t.Errorf("payload %s = %+v, want %d", tc.in, s.Workload.Payload, tc.want)
		}
	}
	for _, in := range []string{"1.5B", "1XB", "KiB", "-", "1e3", "{min: 64}", "[64]", "true", "65MiB"} {
		parseErr(t, "workload: {payload: "+in+"}")
	}
}

func TestRate(t *testing.T) {
	for in, want := range map[string]Rate{"5000": {PerSecond: 5000}, "2.5": {PerSecond: 2.5}, "max": {Max: true}} {
		s, _ := mustParse(t, "workload: {rate: "+in+"}")
		if s.Workload.Rate != want {
			t.Errorf("rate %s = %+v, want %+v", in, s.Workload.Rate, want)
		}
	}
	for in, want := range map[string]string{
		"-5":      "rate must be > 0",
		"0":       "rate must be > 0",
		".nan":    "rate must be a finite number",
		"fast":    `expected events/s as a number, "max", or a capacity search like {search: {from: 1000, to: 50000, objective: e2e_p99}}, got "fast"`,
		`"5000"`:  `got "5000"`,
		"MAX":     `got "MAX"`,
		"[1, 2]":  "got a list",
		"":        "got nothing",
		"{a: 1}":  "got a mapping",
		"-.inf":   "finite",
		"1e400":   `got "1e400"`,
		"0x10":    "", // valid: 16
		"1_000.5": "",
	} {
		_, _, err := Parse("t.yaml", []byte("workload: {rate: "+in+"}"), nil)
		switch {
		case want == "" && err != nil:
			t.Errorf("rate %s: %v", in, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("rate %s: error %v, want %q", in, err, want)
		}
	}
}

func TestDurationErrors(t *testing.T) {
	for _, in := range []string{"15", "15.5", `"15"`, "fifteen", "[15s]", "~"} {
		got := parseErr(t, "duration: "+in)
		if !strings.Contains(got, `expected a duration like "15s"`) {
			t.Errorf("duration: %s: %s", in, got)
		}
	}
	if got := parseErr(t, "duration: -5s"); !strings.Contains(got, "duration must be > 0, got -5s") {
		t.Errorf("negative duration: %s", got)
	}
}

func TestObjectiveErrors(t *testing.T) {
	for in, want := range map[string]string{
		"e2e_p99: 50":          `expected a duration like "50ms", got 50`,
		"lost_max: 0.5":        "expected a count of events (an integer), got 0.5",
		"lost_max: none":       `expected a count of events (an integer), got "none"`,
		"throughput_min: lots": `expected events/s as a number, got "lots"`,
		"throughput_min: -1":   "throughput_min must be >= 0, got -1",
		"recovery_max: -1s":    "recovery_max must be >= 0, got -1s",
		"e2e_p99x: 5ms":        `unknown objective "e2e_p99x", did you mean "e2e_p99"?`,
	} {
		if got := parseErr(t, "slo: {"+in+"}"); !strings.Contains(got, want) {
			t.Errorf("slo %s: %s, want %q", in, got, want)
		}
	}
	if got := parseErr(t, "slo: [e2e_p99]"); !strings.Contains(got, "slo: expected a mapping of objective names to limits, got a list") {
		t.Errorf("slo list: %s", got)
	}
}

func TestNeverFirstErrorOnly(t *testing.T) {
	got := parseErr(t, "workload: {producers: x, consumers: y}\ntarget: {shards: z}\nbogus: 1")
	if n := strings.Count(got, "\n") + 1; n != 4 {
		t.Errorf("want 4 errors, got %d:\n%s", n, got)
	}
}

func TestErrorsAreData(t *testing.T) {
	_, _, err := Parse("dir/s.yaml", []byte("name: x\nworkload:\n  producers: four\n"), nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("errors.As(*Error) failed for %T", err)
	}
	want := Error{File: "dir/s.yaml", Line: 3, Col: 3, Key: "workload.producers", Msg: `expected an integer, got "four"`}
	if *e != want {
		t.Errorf("error = %+v, want %+v", *e, want)
	}
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{File: "f", Line: 1, Col: 2, Key: "k", Msg: "m"}, "f:1:2: k: m"},
		{Error{File: "f", Line: 1, Key: "k", Msg: "m"}, "f:1: k: m"},
		{Error{File: "f", Msg: "m"}, "f: m"},
		{Error{Key: "k", Msg: "m"}, "k: m"},
		{Error{Msg: "m"}, "m"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v.Error() = %q, want %q", tc.e, got, tc.want)
		}
	}
	list := ErrorList{{Msg: "a"}, {Msg: "b"}}
	if list.Error() != "a\nb" {
		t.Errorf("ErrorList.Error() = %q", list.Error())
	}
}

func TestAliasesAndMergeKeys(t *testing.T) {
	s, _ := mustParse(t, `
duration: 60s
chaos:
  - &kill {at: 5s, action: kill, target: primary, params: {signal: KILL}}
  - {<<: *kill, at: 20s}
  - <<: [{action: restart, target: killed}, {at: 1s, action: stop}]
    at: 30s
`, "chaos.1.params.signal=TERM")
	want := []Fault{
		{At: Duration(5 * time.Second), Action: "kill", Target: "primary", Params: map[string]any{"signal": "KILL"}},
		{At: Duration(20 * time.Second), Action: "kill", Target: "primary", Params: map[string]any{"signal": "TERM"}},
		{At: Duration(30 * time.Second), Action: "restart", Target: "killed", Params: map[string]any{}},
	}
	if !reflect.DeepEqual(s.Chaos, want) {
		t.Errorf("chaos = %+v\nwant %+v", s.Chaos, want)
	}
	// An override of an aliased copy must not change the anchor.
	if s.Chaos[0].Params["signal"] != "KILL" {
		t.Error("--set through an alias changed the anchored value")
	}
	for src, want := range map[string]string{
		"chaos:\n  - &a [*a]":            "refers to a value that contains it",
		"chaos: [{<<: 5}]":               "a merge key (<<) takes a mapping or a list of mappings, got 5",
		"name: *nope":                    "unknown anchor",
		"a: &a [*a, *a, *a, *a, *a, *a]": "contains it",
	} {
		if got := parseErr(t, src); !strings.Contains(got, want) {
			t.Errorf("%q: %s, want %q", src, got, want)
		}
	}
}

// An alias bomb must fail fast, not exhaust memory.
func TestAliasBomb(t *testing.T) {
	src := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h"} {
		src += n + ": &" + n + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
			", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = n
	}
	if got := parseErr(t, src); !strings.Contains(got, "document too large") {
		t.Errorf("alias bomb: %s", got)
	}
}

// Validate checks a scenario changed in code; errors name the key and the
// source file but carry no position.
func TestValidateInCode(t *testing.T) {
	s, _ := mustParse(t, "name: code\n")
	if err := s.Validate(); err != nil {
		t.Fatalf("Validate() on a parsed scenario: %v", err)
	}
	s.Workload.Rate = Rate{PerSecond: -1}
	s.SLO = Objectives{{Name: "e2e_p99", Value: 50000}, {Name: "bogus", Value: 1}}
	s.Workload.Consumers = 0
	err := s.Validate()
	want := "test.yaml: workload.rate: rate must be > 0 events/s (or \"max\" for closed loop), got -1\n" +
		"test.yaml: slo.e2e_p99: e2e_p99 needs consumers, but workload.consumers is 0 (producer-only): nothing is received to measure\n" +
		"test.yaml: slo.bogus: unknown objective \"bogus\" (known: " + strings.Join(sloNames, ", ") + ")"
	if err == nil || err.Error() != want {
		t.Errorf("Validate() =\n%v\nwant\n%s", err, want)
	}
}

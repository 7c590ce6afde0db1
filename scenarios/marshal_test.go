package scenarios

import (
	"reflect"
	"strings"
	"testing"
)

// roundTrip checks that MarshalResolved's YAML parses back to an equal
// scenario, and that doing it again changes nothing.
func roundTrip(t *testing.T, file string, s *Scenario) {
	t.Helper()
	out, err := s.MarshalResolved()
	if err != nil {
		t.Fatalf("MarshalResolved: %v", err)
	}
	back, _, err := Parse(file, out, nil)
	if err != nil {
		t.Fatalf("re-parsing the resolved scenario:\n%s\nerror: %v", out, err)
	}
	if !reflect.DeepEqual(noPos(back), noPos(s)) {
		t.Fatalf("round trip changed the scenario:\n%s\n got %#v\nwant %#v", out, back, s)
	}
	again, err := back.MarshalResolved()
	if err != nil || string(again) != string(out) {
		t.Fatalf("second MarshalResolved differs:\n%s\nvs\n%s", again, out)
	}
}

func TestMarshalResolvedRoundTrip(t *testing.T) {
	t.Setenv("PW", "secret") // password_env must name a variable that is set
	for name, src := range map[string]string{
		"defaults": "name: d\n",
		"full": `
name: full
description: "every kind of value: quoted, 'odd' #chars"
duration: 1m30s
warmup: 0s
drain: 250ms
seed: -3
target:
  provider: external
  topology: sentinel
  replicas: 2
  persistence: rdb+aof-everysec
  config: {maxmemory: 1gb, ratio: 1.0, big: 1e6, hz: 10, on: true, off: "no", empty: "", nothing: ~, list: [1, "2", 3.5]}
  addrs: ["127.0.0.1:26379"]
  password_env: PW
workload:
  pattern: list-reliable
  consumers: 0
  rate: 2500.5
  payload: {min: 64, max: 4KiB}
  options: {wait: {replicas: 1, timeout: 10ms}, ack: true}
client: {max_retries: 2, read_timeout: 1500ms}
chaos:
  - {at: 5s, action: failover, target: primary}
  - {at: 10s, every: 5s, duration: 1s, action: pause, target: "node:redis-2", params: {x: 1.5}}
slo:
  publish_p999: 10ms
  throughput_min: 2400.5
  failed_max: 10
  unavailable_max: 1m
  indeterminate_max: 0x10
matrix:
  workload.rate: [1000, 2000.5, max]
  target.config: [{}, {appendfsync: always, n: 1.0}]
  description: ["1", "true", ""]
`,
		"max": "workload: {rate: max, payload: 1MiB}\n",
	} {
		t.Run(name, func(t *testing.T) {
			s, cells := mustParse(t, src)
			roundTrip(t, s.Source, s)
			for _, c := range cells {
				roundTrip(t, c.Scenario.Source, c.Scenario)
			}
		})
	}
	for _, e := range Library() {
		s, _, err := Load(e.Name, nil)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, s.Source, s)
	}
}

func TestMarshalResolvedShowsDefaults(t *testing.T) {
	s, _ := mustParse(t, "target: {topology: cluster}\n")
	out, err := s.MarshalResolved()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"duration: 30s", "shards: 3", "replicas: 1", "image: redis:7.2",
		"rate: 1000", "payload: 256", "dial_timeout: 5s", "max_retries: 0", "chaos: []", "slo: {}"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("resolved YAML lacks %q:\n%s", want, out)
		}
	}
}

// noPos drops where the keys were written, which comparisons of content ignore.
func noPos(s *Scenario) *Scenario {
	c := *s
	c.pos = nil
	return &c
}

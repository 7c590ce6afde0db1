package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// The closed sets of values a scenario may use.
var (
	providers    = []string{"auto", "docker", "process", "external"}
	dataPaths    = []string{"auto", "direct", "published"}
	topologies   = []string{"standalone", "sentinel", "cluster"}
	persistences = []string{"none", "rdb", "aof-everysec", "aof-always", "aof-no",
		"rdb+aof-everysec", "rdb+aof-always", "rdb+aof-no"}
	patterns = []string{"pubsub", "spubsub", "list", "list-reliable", "stream", "zset", "set", "string", "hash"}
	actions  = []string{"kill", "stop", "start", "restart", "pause", "partition", "latency", "loss",
		"failover", "client-pause", "debug-sleep", "bgsave", "bgrewriteaof", "config"}
	faultTargets = []string{"primary", "replica", "sentinel", "random-primary", "all", "killed", "paused", "stopped"}
	// timedActions are faults that last a while and then heal, so they need
	// a duration.
	timedActions = []string{"pause", "partition", "latency", "loss", "client-pause", "debug-sleep"}
)

const maxPipeline = 10000

// Validate checks a scenario built or changed in code (defaults already
// applied). Errors carry key paths but no positions; Parse reports positions.
func (s *Scenario) Validate() error {
	return validate(s, nil).sorted().err()
}

// validator checks a resolved scenario, placing each error at the key that
// holds the bad value, or at the nearest written parent when it was defaulted.
type validator struct {
	s    *Scenario
	pos  map[string]pos
	errs ErrorList
}

func validate(s *Scenario, pos map[string]pos) ErrorList {
	v := &validator{s: s, pos: pos}
	v.top()
	v.target()
	v.workload()
	v.client()
	v.chaos()
	v.slo()
	return v.errs
}

func (v *validator) at(path string) pos {
	for p := path; ; {
		if at, ok := v.pos[p]; ok {
			return at
		}
		if p == "" {
			return pos{file: v.s.Source}
		}
		if i := strings.LastIndexByte(p, '.'); i >= 0 {
			p = p[:i]
		} else {
			p = ""
		}
	}
}

func (v *validator) errf(path, format string, args ...any) {
	v.errs = append(v.errs, v.at(path).errorf(path, format, args...))
}

// oneOf reports got unless it is one of known.
func (v *validator) oneOf(path, what, got string, known []string) {
	if !contains(known, got) {
		v.errf(path, "%s", unknownMsg(what, got, known))
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func (v *validator) top() {
	s := v.s
	if s.Name == "" {
		v.errf("name", "name must not be empty")
	}
	if s.Duration <= 0 {
		v.errf("duration", "duration must be > 0, got %s", s.Duration.D())
	}
	if s.Warmup < 0 {
		v.errf("warmup", "warmup must be >= 0, got %s", s.Warmup.D())
	}
	if s.Drain < 0 {
		v.errf("drain", "drain must be >= 0, got %s", s.Drain.D())
	}
}

func (v *validator) target() {
	t := v.s.Target
	v.oneOf("target.provider", "provider", t.Provider, providers)
	v.oneOf("target.topology", "topology", t.Topology, topologies)
	v.oneOf("target.persistence", "persistence", t.Persistence, persistences)
	switch t.Topology {
	case "cluster":
		if t.Shards < 3 {
			v.errf("target.shards", "a cluster needs shards >= 3 (Redis Cluster needs three primaries to fail over), got %d", t.Shards)
		}
	default:
		if t.Shards < 0 {
			v.errf("target.shards", "shards must be >= 0, got %d", t.Shards)
		}
	}
	switch {
	case t.Topology == "sentinel" && t.Replicas < 1:
		v.errf("target.replicas", "sentinel needs replicas >= 1: Sentinel fails over to a replica, got %d", t.Replicas)
	case t.Replicas < 0:
		v.errf("target.replicas", "replicas must be >= 0, got %d", t.Replicas)
	}
	switch {
	case t.Topology == "sentinel" && t.Sentinels < 1:
		v.errf("target.sentinels", "sentinel needs sentinels >= 1, got %d", t.Sentinels)
	case t.Sentinels < 0:
		v.errf("target.sentinels", "sentinels must be >= 0, got %d", t.Sentinels)
	}
	if t.TLS.On() {
		switch {
		case t.Provider != "external":
			v.errf("target.tls", "tls is for the external provider; squall stands up provider %s without TLS", t.Provider)
		case (t.TLS.CertFile == "") != (t.TLS.KeyFile == ""):
			v.errf("target.tls", "cert_file and key_file go together: a client certificate needs its key")
		}
		for _, f := range []struct{ path, file string }{
			{"target.tls.ca_file", t.TLS.CAFile}, {"target.tls.cert_file", t.TLS.CertFile}, {"target.tls.key_file", t.TLS.KeyFile},
		} {
			if f.file == "" {
				continue
			}
			if _, err := os.Stat(f.file); err != nil {
				v.errf(f.path, "cannot read %s: %v", quote(f.file), errors.Unwrap(err))
			}
		}
	}
	for _, d := range []struct {
		path string
		v    Duration
	}{
		{"target.sentinel.down_after", t.Sentinel.DownAfter},
		{"target.sentinel.failover_timeout", t.Sentinel.FailoverTimeout},
		{"target.cluster.node_timeout", t.Cluster.NodeTimeout},
	} {
		if d.v < Duration(100*time.Millisecond) {
			v.errf(d.path, "%s must be >= 100ms, got %s", d.path[strings.LastIndexByte(d.path, '.')+1:], d.v.D())
		}
	}
	if t.Image == "" && t.Provider != "external" {
		v.errf("target.image", "image must not be empty")
	}
	v.oneOf("target.data_path", "data_path", t.DataPath, dataPaths)
	if t.DataPath != "auto" && (t.Provider == "process" || t.Provider == "external") {
		v.errf("target.data_path", "data_path is how squall reaches docker containers; provider %s has none to choose (leave it auto)", t.Provider)
	}
	v.server(t)
	switch {
	case t.Provider == "external" && len(t.Addrs) == 0:
		v.errf("target.addrs", "the external provider needs addrs: host:port of your Redis nodes (or sentinels)")
	case t.Provider != "external" && len(t.Addrs) > 0:
		v.errf("target.addrs", "addrs are for the external provider only; provider %s stands up its own Redis", t.Provider)
	}
	for i, a := range t.Addrs {
		if _, port, err := net.SplitHostPort(a); err != nil || !validPort(port) {
			v.errf("target.addrs."+strconv.Itoa(i), "expected host:port, got %s", quote(a))
		}
	}
}

// server checks target.server: for the process provider (or auto, which
// then picks it), and an executable that exists, so that a typo fails here
// rather than after the run started.
func (v *validator) server(t Target) {
	if t.Server == "" {
		return
	}
	switch {
	case t.Provider == "docker" || t.Provider == "external":
		v.errf("target.server", "server is the executable the process provider runs; provider %s does not run one (on docker, target.image decides the server)", t.Provider)
	case t.DataPath != "auto":
		v.errf("target.server", "server runs on the process provider, but target.data_path %s is a docker setting", t.DataPath)
	default:
		if _, err := exec.LookPath(t.Server); err != nil {
			v.errf("target.server", "%s", serverNotFound(t.Server, err))
		}
	}
}

// serverNotFound says why exec.LookPath refused server.
func serverNotFound(server string, err error) string {
	if !strings.ContainsRune(server, os.PathSeparator) {
		return fmt.Sprintf("no executable %s in PATH: give a redis-server-compatible server (valkey-server, keydb-server, ...) by name or path", quote(server))
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("%s does not exist", quote(server))
	}
	return fmt.Sprintf("%s is not an executable file", quote(server))
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n < 65536
}

func (v *validator) workload() {
	w := v.s.Workload
	v.oneOf("workload.pattern", "pattern", w.Pattern, patterns)
	if w.Producers < 1 {
		v.errf("workload.producers", "producers must be >= 1, got %d", w.Producers)
	}
	if w.Consumers < 0 {
		v.errf("workload.consumers", "consumers must be >= 0 (0: producer-only), got %d", w.Consumers)
	}
	if w.Keys < 1 {
		v.errf("workload.keys", "keys must be >= 1, got %d", w.Keys)
	}
	if w.Pipeline < 1 || w.Pipeline > maxPipeline {
		v.errf("workload.pipeline", "pipeline must be between 1 and %d, got %d", maxPipeline, w.Pipeline)
	}
	if w.Rate.Search != nil {
		v.search(w.Rate.Search)
	} else if !w.Rate.Max {
		switch r := w.Rate.PerSecond; {
		case math.IsNaN(r) || math.IsInf(r, 0):
			v.errf("workload.rate", "rate must be a finite number of events/s (or \"max\"), got %v", r)
		case r <= 0:
			v.errf("workload.rate", "rate must be > 0 events/s (or \"max\" for closed loop), got %v", r)
		}
	}
	v.payload(w.Payload)
}

// maxSearchSteps bounds a capacity search: each step is a full cell.
const maxSearchSteps = 50

// searchModes are the ways a capacity search may move between rates.
var searchModes = []string{"step", "bisect"}

func (v *validator) search(rs *RateSearch) {
	const path = "workload.rate.search"
	finite := func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
	switch {
	case !finite(rs.From) || rs.From <= 0:
		v.errf(path+".from", "from must be a finite number of events/s > 0, got %v", rs.From)
	case !finite(rs.To):
		v.errf(path+".to", "to must be a finite number of events/s, got %v", rs.To)
	case rs.To <= rs.From:
		v.errf(path+".to", "to must be above from (%v events/s), got %v", rs.From, rs.To)
	}
	if rs.Steps < 2 || rs.Steps > maxSearchSteps {
		v.errf(path+".steps", "steps must be between 2 and %d: the number of rates tried, from and to included; got %d", maxSearchSteps, rs.Steps)
	}
	v.oneOf(path+".mode", "mode", rs.Mode, searchModes)
	if len(v.s.Matrix.Keys) > 0 {
		v.errf("workload.rate", "%s", searchMatrixMsg)
	}
	switch {
	case rs.Objective == "":
		v.errf(path+".objective", "objective must name one of the scenario's slo objectives, like e2e_p99")
	case sloKinds[rs.Objective] == sloLatency && !strings.HasPrefix(rs.Objective, "e2e_") && !strings.HasPrefix(rs.Objective, "publish_"):
		v.errf(path+".objective", "%s is measured on faults, not on load: a capacity search needs a latency, throughput or event-count objective", rs.Objective)
	case len(v.s.SLO) == 0:
		v.errf(path+".objective", "objective %s is not in slo: the scenario has no objectives; add it with its limit, like slo: {%s: ...}", rs.Objective, rs.Objective)
	default:
		var names []string
		for _, o := range v.s.SLO {
			if o.Name == rs.Objective {
				return
			}
			names = append(names, o.Name)
		}
		msg := fmt.Sprintf("objective %s is not in slo (slo has: %s); add it there with its limit", quote(rs.Objective), strings.Join(names, ", "))
		if c := closest(rs.Objective, names); c != "" {
			msg = fmt.Sprintf("objective %s is not in slo; did you mean %s? (slo has: %s)", quote(rs.Objective), quote(c), strings.Join(names, ", "))
		}
		v.errf(path+".objective", "%s", msg)
	}
}

// searchMatrixMsg says why a capacity search and a matrix do not mix.
const searchMatrixMsg = "a capacity search (workload.rate: {search: ...}) cannot be combined with a matrix: each rate it tries is already a cell; remove the matrix, or run the search once per value with --set"

// checkSearchMatrix rejects a matrix whose cells hold a capacity search; the
// cells themselves carry no matrix, so their own validation cannot see it.
func checkSearchMatrix(base *Scenario, cells []Cell, p map[string]pos) ErrorList {
	if len(base.Matrix.Keys) == 0 {
		return nil
	}
	for _, c := range cells {
		if c.Scenario.Workload.Rate.Search == nil {
			continue
		}
		v := &validator{s: base, pos: p}
		if base.Workload.Rate.Search != nil {
			v.errf("workload.rate", "%s", searchMatrixMsg)
		} else {
			v.errf("matrix", "%s", searchMatrixMsg)
		}
		return v.errs
	}
	return nil
}

func (v *validator) payload(p Payload) {
	minPath, maxPath := "workload.payload", "workload.payload"
	if p.Min != p.Max {
		minPath, maxPath = "workload.payload.min", "workload.payload.max"
	}
	if p.Min < MinPayload {
		v.errf(minPath, "payload must be at least %d bytes, the size of the event envelope (producer id, sequence number, send time), got %d", MinPayload, p.Min)
	}
	if p.Max > MaxPayload {
		v.errf(maxPath, "payload must be at most 512MiB (the largest Redis string), got %d bytes", p.Max)
	}
	if p.Min > p.Max {
		v.errf(minPath, "payload min %d is larger than max %d", p.Min, p.Max)
	}
}

func (v *validator) client() {
	c := v.s.Client
	for _, d := range []struct {
		path string
		v    Duration
	}{
		{"client.dial_timeout", c.DialTimeout},
		{"client.read_timeout", c.ReadTimeout},
		{"client.write_timeout", c.WriteTimeout},
	} {
		if d.v <= 0 {
			v.errf(d.path, "%s must be > 0, got %s", d.path[len("client."):], d.v.D())
		}
	}
	if c.MaxRetries < 0 {
		v.errf("client.max_retries", "max_retries must be >= 0 (0: no retries), got %d", c.MaxRetries)
	}
	if c.CPUs < 0 {
		v.errf("client.cpus", "cpus must be >= 0 (0: auto), got %d", c.CPUs)
	}
}

func (v *validator) chaos() {
	for i, f := range v.s.Chaos {
		path := "chaos." + strconv.Itoa(i)
		switch {
		case f.Action == "":
			v.errf(path+".action", "action is required (%s)", strings.Join(actions, ", "))
		default:
			v.oneOf(path+".action", "action", f.Action, actions)
		}
		switch {
		case f.Target == "":
			v.errf(path+".target", "target is required (%s, or node:NAME)", strings.Join(faultTargets, ", "))
		case strings.HasPrefix(f.Target, "node:"):
			if strings.TrimPrefix(f.Target, "node:") == "" {
				v.errf(path+".target", "target node: needs a node name, like node:redis-1")
			}
		default:
			if !contains(faultTargets, f.Target) {
				v.errf(path+".target", "%s", unknownMsg("target", f.Target, append(faultTargets[:len(faultTargets):len(faultTargets)], "node:NAME")))
			}
		}
		switch {
		case f.At < 0:
			v.errf(path+".at", "at must be >= 0, got %s", f.At.D())
		case v.s.Duration > 0 && f.At >= v.s.Duration:
			v.errf(path+".at", "at %s is not within the measured phase [0s, %s): it would never fire", f.At.D(), v.s.Duration.D())
		}
		if f.Every < 0 {
			v.errf(path+".every", "every must be >= 0 (0: once), got %s", f.Every.D())
		}
		switch {
		case f.Duration < 0:
			v.errf(path+".duration", "duration must be >= 0, got %s", f.Duration.D())
		case f.Duration == 0 && contains(timedActions, f.Action):
			v.errf(path+".duration", "%s needs a duration > 0: how long the fault lasts before it heals", f.Action)
		}
	}
}

// consumerObjectives are measured on the consuming side, so a producer-only
// workload (consumers: 0) cannot meet or fail them.
func needsConsumers(name string) bool {
	return strings.HasPrefix(name, "e2e_") || name == "lost_max" || name == "duplicated_max" || name == "reordered_max"
}

func (v *validator) slo() {
	seen := map[string]bool{}
	for _, o := range v.s.SLO {
		path := "slo." + o.Name
		kind, ok := sloKinds[o.Name]
		if !ok {
			v.errf(path, "%s", unknownMsg("objective", o.Name, sloNames))
			continue
		}
		if seen[o.Name] {
			v.errf(path, "objective %s is given twice", o.Name)
		}
		seen[o.Name] = true
		switch {
		case math.IsNaN(o.Value) || math.IsInf(o.Value, 0):
			v.errf(path, "%s must be a finite number, got %s", o.Name, o.Limit)
		case o.Value < 0:
			v.errf(path, "%s must be >= 0, got %s", o.Name, limitText(o, kind))
		case kind == sloCount && o.Value != math.Trunc(o.Value):
			v.errf(path, "%s must be a whole number of events, got %s", o.Name, limitText(o, kind))
		}
		if needsConsumers(o.Name) && v.s.Workload.Consumers == 0 {
			v.errf(path, "%s needs consumers, but workload.consumers is 0 (producer-only): nothing is received to measure", o.Name)
		}
	}
}

// limitText is the limit as written, or rendered from Value when the
// objective was built in code.
func limitText(o Objective, kind sloKind) string {
	if o.Limit != "" {
		return o.Limit
	}
	if kind == sloLatency {
		return fmt.Sprint(time.Duration(o.Value * float64(time.Microsecond)))
	}
	return strconv.FormatFloat(o.Value, 'f', -1, 64)
}

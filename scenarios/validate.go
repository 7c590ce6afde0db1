package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/squall-bench/squall/internal/catalog"
	"github.com/squall-bench/squall/internal/redisconf"
	"github.com/squall-bench/squall/result"
)

// The closed sets of values a scenario may use.
var (
	providers    = []string{"auto", "docker", "process", "external"}
	dataPaths    = []string{"auto", "direct", "published"}
	topologies   = []string{"standalone", "sentinel", "cluster"}
	persistences = []string{"none", "rdb", "aof-everysec", "aof-always", "aof-no",
		"rdb+aof-everysec", "rdb+aof-always", "rdb+aof-no"}
	// Patterns, fault actions and fault targets come from the catalog,
	// which loadgen's patterns and chaos's injectors are checked against.
	patterns     = catalog.PatternNames()
	actions      = catalog.ActionNames(nil)
	faultTargets = catalog.Targets()
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
	switch {
	case s.Name == "":
		v.errf("name", "name must not be empty")
	case len(s.Name) > MaxName:
		v.errf("name", "name is %d bytes; at most %d: it names the run directory", len(s.Name), MaxName)
	}
	v.phase("duration", s.Duration, true)
	v.phase("warmup", s.Warmup, false)
	v.phase("drain", s.Drain, false)
}

// phase checks a length of time within a run: > 0 (positive) or >= 0, and
// at most MaxPhase.
func (v *validator) phase(path string, d Duration, positive bool) bool {
	name := path[strings.LastIndexByte(path, '.')+1:]
	switch {
	case positive && d <= 0:
		v.errf(path, "%s must be > 0, got %s", name, d.D())
	case d < 0:
		v.errf(path, "%s must be >= 0, got %s", name, d.D())
	case d > MaxPhase:
		v.errf(path, "%s must be at most %s (7 days, the longest run squall takes), got %s", name, MaxPhase.D(), d.D())
	default:
		return true
	}
	return false
}

// bounded checks a count against [lo, hi], saying what the upper limit is for.
func (v *validator) bounded(path string, n, lo, hi int, why string) bool {
	name := path[strings.LastIndexByte(path, '.')+1:]
	switch {
	case n < lo:
		v.errf(path, "%s must be >= %d, got %d", name, lo, n)
	case n > hi:
		v.errf(path, "%s must be at most %d (%s), got %d", name, hi, why, n)
	default:
		return true
	}
	return false
}

func (v *validator) target() {
	t := v.s.Target
	v.oneOf("target.provider", "provider", t.Provider, providers)
	v.oneOf("target.topology", "topology", t.Topology, topologies)
	v.oneOf("target.persistence", "persistence", t.Persistence, persistences)
	manyServers := fmt.Sprintf("squall starts at most %d servers", MaxServers)
	counted := true
	switch {
	case t.Topology == "cluster" && t.Shards < 3:
		v.errf("target.shards", "a cluster needs shards >= 3 (Redis Cluster needs three primaries to fail over), got %d", t.Shards)
		counted = false
	default:
		counted = v.bounded("target.shards", t.Shards, 0, MaxServers, manyServers)
	}
	switch {
	case t.Topology == "sentinel" && t.Replicas < 1:
		v.errf("target.replicas", "sentinel needs replicas >= 1: Sentinel fails over to a replica, got %d", t.Replicas)
		counted = false
	default:
		counted = v.bounded("target.replicas", t.Replicas, 0, MaxServers, manyServers) && counted
	}
	switch {
	case t.Topology == "sentinel" && t.Sentinels < 1:
		v.errf("target.sentinels", "sentinel needs sentinels >= 1, got %d", t.Sentinels)
		counted = false
	default:
		counted = v.bounded("target.sentinels", t.Sentinels, 0, MaxServers, manyServers) && counted
	}
	if counted && t.Provider != "external" {
		v.servers(t.Provider)
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
		name := d.path[strings.LastIndexByte(d.path, '.')+1:]
		switch {
		case d.v < Duration(100*time.Millisecond):
			v.errf(d.path, "%s must be >= 100ms, got %s", name, d.v.D())
		case d.v > MaxTimeout:
			v.errf(d.path, "%s must be at most %s, got %s", name, MaxTimeout.D(), d.v.D())
		}
	}
	switch {
	case t.Image == "" && t.Provider != "external":
		v.errf("target.image", "image must not be empty")
	case t.Image != "" && !imageRef.MatchString(t.Image):
		v.errf("target.image", "%s is not a Docker image reference like redis:7.2 or registry:5000/team/redis@sha256:...", quote(t.Image))
	}
	v.config()
	v.passwordEnv()
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
	v.account(t)
	for i, a := range t.Addrs {
		if _, port, err := net.SplitHostPort(a); err != nil || !validPort(port) {
			v.errf("target.addrs."+strconv.Itoa(i), "expected host:port, got %s", quote(a))
		}
	}
}

// account checks username and db, which name where squall's keys live on
// an external target: the servers squall starts have no users and use
// database 0.
func (v *validator) account(t Target) {
	switch {
	case t.Username != "" && t.Provider != "external":
		v.errf("target.username", "username is for the external provider; provider %s starts servers with only the default user", t.Provider)
	case t.Username != "" && (len(t.Username) > 256 || strings.IndexFunc(t.Username, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0):
		v.errf("target.username", "username must be at most 256 printable characters without spaces")
	}
	switch {
	case t.DB == 0:
	case t.DB < 0 || t.DB > MaxDB:
		v.errf("target.db", "db must be 0 to %d, got %d", MaxDB, t.DB)
	case t.Provider != "external":
		v.errf("target.db", "db is for the external provider; provider %s starts servers whose database 0 is squall's", t.Provider)
	case t.Topology == "cluster":
		v.errf("target.db", "a cluster has database 0 only, got db %d", t.DB)
	}
}

// MaxDB is the highest database number target.db takes (Redis's databases
// setting caps it lower; the server refuses what it lacks).
const MaxDB = 1 << 20

// earlier is a fault time inside a measured phase of length d, about a
// third of the way in (whole seconds when d is a few seconds or more), as
// the shipped failover scenarios place theirs: load settles before it,
// recovery is measured after it.
func earlier(d Duration) time.Duration {
	at := d.D() / 3
	if at >= 2*time.Second {
		return at.Round(time.Second)
	}
	return at.Round(time.Millisecond)
}

// servers checks the size of a target squall starts (provider is that of
// the scenario, or --provider's).
func (v *validator) servers(provider string) {
	t := v.s.Target
	n := Servers(t.Topology, t.Shards, t.Replicas, t.Sentinels)
	if n <= MaxServers {
		return
	}
	path := "target.replicas"
	switch {
	case t.Topology == "cluster" && t.Shards > t.Replicas:
		path = "target.shards"
	case t.Topology == "sentinel" && t.Sentinels > t.Replicas:
		path = "target.sentinels"
	}
	v.errf(path, "topology %s with shards %d, replicas %d and sentinels %d needs %d servers; provider %s starts at most %d on this machine",
		t.Topology, t.Shards, t.Replicas, t.Sentinels, n, provider, MaxServers)
}

// CheckServers reports a target too large for squall to start when the
// provider is overridden (squall run --provider): validation checked the
// provider the scenario names.
func (s *Scenario) CheckServers(provider string) error {
	if provider == "external" {
		return nil
	}
	v := &validator{s: s, pos: s.pos}
	v.servers(provider)
	return v.errs.err()
}

// imageRef is the shape of a Docker image reference: no spaces, no
// control characters, nothing that reads as an option.
var imageRef = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._/:@-]{0,254}$`)

// envName is the shape of an environment variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,254}$`)

// passwordEnv checks that password_env names a variable that is set; the
// value is never shown.
func (v *validator) passwordEnv() {
	name := v.s.Target.PasswordEnv
	switch {
	case name == "":
	case !envName.MatchString(name):
		v.errf("target.password_env", "%s is not an environment variable name (letters, digits and _)", quote(name))
	default:
		pw, ok := os.LookupEnv(name)
		if !ok {
			v.errf("target.password_env", "environment variable %s is not set: password_env names the variable that holds the password", name)
		} else if msg := redisconf.CheckSecret(pw); msg != "" && v.s.Target.Provider != "external" {
			v.errf("target.password_env", "the password in %s cannot be given to the servers squall starts: %s", name, msg)
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

// config checks target.config: each key a redis.conf directive that does
// not change where or how the server is reached, each value one line of
// arguments (internal/redisconf holds the rule).
func (v *validator) config() {
	keys := make([]string, 0, len(v.s.Target.Config))
	for k := range v.s.Target.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.directive("target.config."+k, k, v.s.Target.Config[k])
	}
}

// directive checks one redis.conf directive and its value.
func (v *validator) directive(path, name string, val any) {
	if msg := redisconf.CheckName(name); msg != "" {
		v.errf(path, "%s", msg)
		return
	}
	text, ok := ConfigValue(val)
	if !ok {
		v.errf(path, "expected a value (text, a number, or yes/no), got %s", describeValue(val))
		return
	}
	if msg := redisconf.CheckValue(text); msg != "" {
		v.errf(path, "%s", msg)
	}
}

// ConfigValue renders a config directive's value as redis.conf and CONFIG
// SET take it: text and numbers as written, booleans as yes or no. Lists,
// mappings and null have no such form.
func ConfigValue(val any) (string, bool) {
	switch x := val.(type) {
	case string:
		return x, true
	case bool:
		if x {
			return "yes", true
		}
		return "no", true
	case int, int64, float64:
		return fmt.Sprint(x), true
	}
	return "", false
}

// describeValue says what a free-form value is, for messages.
func describeValue(val any) string {
	switch val.(type) {
	case nil:
		return "nothing"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%T", val)
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
	ok := v.bounded("workload.producers", w.Producers, 1, MaxClients, "each is a connection to Redis")
	if w.Consumers < 0 {
		v.errf("workload.consumers", "consumers must be >= 0 (0: producer-only), got %d", w.Consumers)
		ok = false
	} else {
		ok = v.bounded("workload.consumers", w.Consumers, 0, MaxClients, "each is a connection to Redis") && ok
	}
	ok = v.bounded("workload.keys", w.Keys, 1, MaxKeys, "the generator's per-event cost is measured flat up to that many keys") && ok
	if w.Pipeline < 1 || w.Pipeline > maxPipeline {
		v.errf("workload.pipeline", "pipeline must be between 1 and %d, got %d", maxPipeline, w.Pipeline)
		ok = false
	}
	if w.Rate.Search != nil {
		v.search(w.Rate.Search)
	} else if !w.Rate.Max {
		switch r := w.Rate.PerSecond; {
		case math.IsNaN(r) || math.IsInf(r, 0):
			v.errf("workload.rate", "rate must be a finite number of events/s (or \"max\"), got %v", r)
		case r <= 0:
			v.errf("workload.rate", "rate must be > 0 events/s (or \"max\" for closed loop), got %v", r)
		case r < MinRate || r > MaxRate:
			v.errf("workload.rate", "rate must be between %v and %v events/s (or \"max\" for closed loop), got %v", MinRate, MaxRate, r)
		}
	}
	ok = v.payload(w.Payload) && ok
	if ok {
		v.footprint()
	}
}

// footprint bounds what a workload allocates before it sends anything,
// once each count is within its own bounds (so no product overflows).
func (v *validator) footprint() {
	w := v.s.Workload
	if n := w.Producers * w.Pipeline * w.Payload.Max; n > MaxEventBuffers {
		path := "workload.payload"
		if w.Pipeline > 1 {
			path = "workload.pipeline"
		}
		v.errf(path, "producers × pipeline × payload is %d bytes; at most %d (1 GiB: the event buffers squall allocates before sending)", n, MaxEventBuffers)
	}
	if p, _ := catalog.LookupPattern(w.Pattern); p.FanOut && w.Producers*w.Consumers > MaxFanOut {
		v.errf("workload.consumers", "producers × consumers is %d; at most %d for %s, where every subscriber receives every producer's events and squall keeps a ledger per pair",
			w.Producers*w.Consumers, MaxFanOut, w.Pattern)
	}
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
	case rs.From < MinRate || rs.From > MaxRate:
		v.errf(path+".from", "from must be between %v and %v events/s, got %v", MinRate, MaxRate, rs.From)
	case !finite(rs.To):
		v.errf(path+".to", "to must be a finite number of events/s, got %v", rs.To)
	case rs.To <= rs.From:
		v.errf(path+".to", "to must be above from (%v events/s), got %v", rs.From, rs.To)
	case rs.To > MaxRate:
		v.errf(path+".to", "to must be at most %v events/s, got %v", MaxRate, rs.To)
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

func (v *validator) payload(p Payload) bool {
	n := len(v.errs)
	minPath, maxPath := "workload.payload", "workload.payload"
	if p.Min != p.Max {
		minPath, maxPath = "workload.payload.min", "workload.payload.max"
	}
	if p.Min < MinPayload {
		v.errf(minPath, "payload must be at least %d bytes, the size of the event envelope (producer id, sequence number, send time), got %d", MinPayload, p.Min)
	}
	if p.Max > MaxPayload {
		v.errf(maxPath, "payload must be at most 64MiB (%d bytes: far above an event's size), got %d bytes", MaxPayload, p.Max)
	}
	if p.Min > p.Max {
		v.errf(minPath, "payload min %d is larger than max %d", p.Min, p.Max)
	}
	return len(v.errs) == n
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
		switch {
		case d.v <= 0:
			v.errf(d.path, "%s must be > 0, got %s", d.path[len("client."):], d.v.D())
		case d.v > MaxTimeout:
			v.errf(d.path, "%s must be at most %s, got %s", d.path[len("client."):], MaxTimeout.D(), d.v.D())
		}
	}
	if c.MaxRetries < 0 {
		v.errf("client.max_retries", "max_retries must be >= 0 (0: no retries), got %d", c.MaxRetries)
	} else {
		v.bounded("client.max_retries", c.MaxRetries, 0, MaxRetries, "a command retried more often is not coming back")
	}
	if c.CPUs < 0 {
		v.errf("client.cpus", "cpus must be >= 0 (0: auto), got %d", c.CPUs)
	} else {
		v.bounded("client.cpus", c.CPUs, 0, MaxCPUs, "the Go runtime allocates per core it is given")
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
			v.errf(path+".at", "at %s is not within the measured phase [0s, %s): it would never fire; move it (--set %s.at=%s) or keep a longer duration", f.At.D(), v.s.Duration.D(), path, earlier(v.s.Duration))
		default:
			v.phase(path+".at", f.At, false)
		}
		switch {
		case f.Every < 0:
			v.errf(path+".every", "every must be >= 0 (0: once), got %s", f.Every.D())
		case f.Every > 0 && f.Every < MinEvery:
			v.errf(path+".every", "every must be 0 (once) or at least %s: a fault takes that long to act and heal, got %s", MinEvery.D(), f.Every.D())
		default:
			v.phase(path+".every", f.Every, false)
		}
		switch {
		case f.Duration < 0:
			v.errf(path+".duration", "duration must be >= 0, got %s", f.Duration.D())
		case f.Duration == 0 && timed(f.Action):
			v.errf(path+".duration", "%s needs a duration > 0: how long the fault lasts before it heals", f.Action)
		default:
			v.phase(path+".duration", f.Duration, false)
		}
		if f.Action == "config" {
			keys := make([]string, 0, len(f.Params))
			for k := range f.Params {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				v.directive(path+".params."+k, k, f.Params[k])
			}
		}
		v.consumerFault(path, f)
	}
	v.shots()
}

// consumerFault checks a consumer fault's target and params against the
// workload's consumers, and that no node fault aims at them.
func (v *validator) consumerFault(path string, f Fault) {
	a, _ := catalog.LookupAction(f.Action)
	switch {
	case !a.Consumer:
		return // a node action's target consumer is refused by chaos.Check
	case f.Target != catalog.ConsumerTarget:
		v.errf(path+".target", "%s acts on squall's consumers: its target is %s, got %s", f.Action, catalog.ConsumerTarget, quote(f.Target))
		return
	}
	if _, _, key, msg := catalog.ConsumerParams(f.Params, v.s.Workload.Consumers); msg != "" {
		at := path + ".params"
		switch {
		case key != "":
			at += "." + key
		case len(f.Params) == 0:
			at = "workload.consumers"
		}
		v.errf(at, "%s: %s", f.Action, msg)
	}
}

// timed reports a fault that lasts a while and then heals, so it needs a
// duration.
func timed(action string) bool {
	a, _ := catalog.LookupAction(action)
	return a.Timed
}

// shots bounds the firings of the chaos schedule in the measured phase,
// counted as chaos.Expand lists them, once every time in it is bounded.
func (v *validator) shots() {
	d := v.s.Duration
	if d <= 0 || d > MaxPhase {
		return
	}
	total := 0
	for i, f := range v.s.Chaos {
		if f.At < 0 || f.At >= d || f.Every < 0 || (f.Every > 0 && f.Every < MinEvery) {
			return // reported above
		}
		total++
		if f.Every > 0 {
			total += int((d - 1 - f.At) / f.Every)
		}
		if total > MaxShots {
			v.errf("chaos."+strconv.Itoa(i)+".every", "the schedule fires %d or more faults in the measured phase (%s); at most %d per cell: repeat less often",
				total, d.D(), MaxShots)
			return
		}
	}
}

// consumerObjectives are measured on the consuming side, so a producer-only
// workload (consumers: 0) cannot meet or fail them.
func needsConsumers(name string) bool {
	o, _ := result.LookupObjective(name)
	return o.Consumers
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

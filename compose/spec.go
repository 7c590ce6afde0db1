// Package compose stands up the system under test: a topology (standalone,
// sentinel, cluster) with a persistence mode, on a provider (local
// redis-server processes, Docker, or the user's own endpoints), and tears it
// down again. It knows nothing of scenarios: callers translate into a Spec.
package compose

import (
	"crypto/tls"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/squall-bench/squall/internal/redisconf"
)

// Spec is the target to stand up.
type Spec struct {
	Provider    string // process | docker | external ("auto" is resolved by Resolve)
	Topology    string // standalone | sentinel | cluster
	Shards      int    // cluster primaries (default 3)
	Replicas    int    // replicas per primary
	Sentinels   int    // sentinel processes (default 3)
	Persistence string
	Image       string            // docker only (default DefaultImage)
	Server      string            // process only: a redis-server-compatible executable, by name in PATH or path (default redis-server)
	DataPath    string            // docker only: auto (""), direct or published; see PathDirect
	Config      map[string]string // extra redis.conf directives
	Addrs       []string          // external only
	TLS         *tls.Config       // external only: connect over TLS
	Username    string            // external only: the ACL user
	Password    string
	DB          int    // external only: the database squall's keys live in
	RunID       string // labels containers and names temp dirs; random when empty

	Sentinel           SentinelSpec
	ClusterNodeTimeout time.Duration // cluster-node-timeout (default 5s)
	// Spares are cluster nodes started empty and left out of the cluster
	// (role spare) until an add-shard fault joins one (Join): the node
	// list is fixed at bring-up, so nothing reads it while it grows.
	Spares int

	// PeerProxy puts squall's fault proxy on the node↔node path too
	// (docker, standalone or sentinel): replication and Sentinel reach each
	// data node through it (peerproxy.go).
	PeerProxy bool

	// Detach leaves the target running when this process exits (squall
	// target up): no parent-death signal, and later runs do not reap it.
	// Down removes it.
	Detach bool
}

// SentinelSpec holds the Sentinel timings that decide how fast a failover
// starts and how long one may take.
type SentinelSpec struct {
	DownAfter       time.Duration // down-after-milliseconds (default 5s)
	FailoverTimeout time.Duration // failover-timeout (default 60s)
}

// DefaultImage is the image the docker provider runs when Spec.Image is empty.
const DefaultImage = "redis:7.2"

// MasterName is the name Sentinels monitor the primary under.
const MasterName = "squall"

// ErrUnsupported marks a spec or an operation that the provider or topology
// cannot do; it is returned before anything starts.
var ErrUnsupported = errors.New("unsupported")

func unsupportedErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, a...))
}

// ClientOptions are the go-redis settings every client of a target uses.
type ClientOptions struct {
	DialTimeout  time.Duration
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	MaxRetries   int // 0 means none (go-redis's -1)
	PoolSize     int

	// ClusterReloadInterval is how often a cluster client reloads the slot
	// map on its own; 0 keeps go-redis's default (60 s in v9.23). Until a
	// reload or a MOVED reply, a ClusterClient keeps dialing a dead primary.
	ClusterReloadInterval time.Duration
}

// withDefaults fills in what a zero Spec leaves open.
func (s Spec) withDefaults() Spec {
	if s.Topology == "" {
		s.Topology = "standalone"
	}
	if s.Persistence == "" {
		s.Persistence = "none"
	}
	if s.Topology == "cluster" && s.Shards == 0 {
		s.Shards = 3
	}
	if s.Topology == "sentinel" && s.Sentinels == 0 {
		s.Sentinels = 3
	}
	if s.Image == "" {
		s.Image = DefaultImage
	}
	if s.Sentinel.DownAfter == 0 {
		s.Sentinel.DownAfter = 5 * time.Second
	}
	if s.Sentinel.FailoverTimeout == 0 {
		s.Sentinel.FailoverTimeout = 60 * time.Second
	}
	if s.ClusterNodeTimeout == 0 {
		s.ClusterNodeTimeout = 5 * time.Second
	}
	return s
}

// MaxServers bounds a target squall starts so that a typo (shards: 300)
// fails fast instead of starting hundreds of servers on a laptop.
const MaxServers = 64

// check rejects what no provider can stand up, before anything starts.
func (s Spec) check() error {
	switch s.Provider {
	case "process", "docker", "external":
	case "auto", "":
		return unsupportedErr("provider %q must be resolved first (compose.Resolve)", s.Provider)
	default:
		return unsupportedErr("unknown provider %q (process, docker or external)", s.Provider)
	}
	if s.Spares < 0 || s.Spares > 0 && (s.Topology != "cluster" || s.Provider == "external") {
		return unsupportedErr("spare nodes are for a cluster squall starts (topology %s, provider %s)", s.Topology, s.Provider)
	}
	if s.Shards < 0 || s.Replicas < 0 || s.Sentinels < 0 {
		return unsupportedErr("shards, replicas and sentinels must not be negative (got %d, %d, %d)", s.Shards, s.Replicas, s.Sentinels)
	}
	if _, err := persistenceConf(s.Persistence); err != nil {
		return unsupportedErr("%v", err)
	}
	if s.Sentinel.DownAfter < time.Millisecond || s.Sentinel.FailoverTimeout < time.Millisecond || s.ClusterNodeTimeout < time.Millisecond {
		return unsupportedErr("sentinel down_after, failover_timeout and cluster node timeout must be at least 1ms")
	}
	n := 0
	switch s.Topology {
	case "standalone":
		n = 1 + s.Replicas
	case "sentinel":
		if s.Sentinels < 1 {
			return unsupportedErr("topology sentinel needs at least one sentinel")
		}
		n = 1 + s.Replicas + s.Sentinels
	case "cluster":
		if s.Shards < 1 {
			return unsupportedErr("topology cluster needs at least one shard")
		}
		n = s.Shards*(1+s.Replicas) + s.Spares
	default:
		return unsupportedErr("unknown topology %q (standalone, sentinel or cluster)", s.Topology)
	}
	if s.Provider != "external" && n > MaxServers {
		return unsupportedErr("topology %s with these counts needs %d servers; squall starts at most %d", s.Topology, n, MaxServers)
	}
	for _, k := range sortedKeys(s.Config) {
		if msg := redisconf.CheckName(k); msg != "" {
			return unsupportedErr("config %s: %s", k, msg)
		}
		if msg := redisconf.CheckValue(s.Config[k]); msg != "" {
			return unsupportedErr("config %s: %s", k, msg)
		}
	}
	if msg := redisconf.CheckSecret(s.Password); msg != "" && s.Provider != "external" {
		return unsupportedErr("password: %s", msg)
	}
	if s.Provider == "docker" && !imageRef.MatchString(s.Image) {
		return unsupportedErr("image %q is not a Docker image reference like redis:7.2", s.Image)
	}
	if s.Provider == "external" && len(s.Addrs) == 0 {
		return unsupportedErr("provider external needs addrs")
	}
	switch s.DataPath {
	case "", "auto":
	case PathDirect, PathPublished:
		if s.Provider != "docker" {
			return unsupportedErr("data path %s is for the docker provider, not %s", s.DataPath, s.Provider)
		}
	default:
		return unsupportedErr("unknown data path %q (auto, direct or published)", s.DataPath)
	}
	if s.PeerProxy && s.Provider != "docker" {
		return unsupportedErr("the peer fault proxy runs on docker targets, not %s", s.Provider)
	}
	if s.Server != "" && s.Provider != "process" {
		return unsupportedErr("server %s is for the process provider; on docker the image decides the server (target.image)", s.Server)
	}
	return nil
}

// imageRef is the shape of a Docker image reference.
var imageRef = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._/:@-]{0,254}$`)

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// persistenceConf returns the redis.conf lines for a persistence mode.
func persistenceConf(mode string) ([]string, error) {
	rdb, aof, ok := strings.Cut(mode, "+")
	if !ok {
		if strings.HasPrefix(mode, "aof-") {
			rdb, aof = "", mode
		} else {
			rdb, aof = mode, ""
		}
	}
	var lines []string
	switch rdb {
	case "none", "":
		lines = append(lines, `save ""`)
	case "rdb":
		lines = append(lines, "save 60 1000 10 100000") // a typical production policy, fast enough to trigger under load
	default:
		return nil, fmt.Errorf("unknown persistence %q", mode)
	}
	switch aof {
	case "":
		lines = append(lines, "appendonly no")
	case "aof-everysec", "aof-always", "aof-no":
		lines = append(lines, "appendonly yes", "appendfsync "+strings.TrimPrefix(aof, "aof-"))
	default:
		return nil, fmt.Errorf("unknown persistence %q", mode)
	}
	return lines, nil
}

// PersistenceSettings returns what CONFIG GET must show for a persistence
// mode (save, appendonly, appendfsync), so tests and runs can verify it.
func PersistenceSettings(mode string) (map[string]string, error) {
	lines, err := persistenceConf(mode)
	if err != nil {
		return nil, err
	}
	want := map[string]string{}
	for _, l := range lines {
		k, v, _ := strings.Cut(l, " ")
		if v == `""` {
			v = ""
		}
		want[k] = v
	}
	return want, nil
}

// place is where a provider puts a node: what it listens on and where its
// files go, as the server itself sees them.
type place struct {
	Bind     string // address to listen on
	Port     int    // port inside the node's network namespace
	BusPort  int    // cluster bus port (0: port+10000)
	Dir      string // working directory for data and config
	LogFile  string // "" logs to stdout (docker logs)
	PidFile  string // "" writes none
	Announce string // IP peers reach the node at; "" when they use Bind
	// AnnouncePort is the port peers reach the node at when it is not
	// Port (a peer fault proxy's); 0 otherwise.
	AnnouncePort int
	// AnnounceBusPort is the cluster bus port peers reach the node at when
	// it is not the server's own (a peer fault proxy's); 0 otherwise.
	AnnounceBusPort int
}

// serverConf renders a data node's redis.conf: files, persistence, what
// squall's own faults need, the topology's lines, the user's extra
// directives (after squall's, so they win), and last where the server
// listens: whatever a scenario says, that is squall's (check refuses the
// directives that would change it; a later line would win).
func serverConf(spec Spec, p place, major int, topology []string) ([]string, error) {
	pers, err := persistenceConf(spec.Persistence)
	if err != nil {
		return nil, err
	}
	lines := []string{
		"dir " + quote(p.Dir),
		"dbfilename dump.rdb",
		"appendfilename appendonly.aof",
		"logfile " + quote(p.LogFile),
		"daemonize no",
		// Initial syncs start at once instead of waiting 5 s to batch
		// replicas: bring-up and full resyncs after faults stay short.
		"repl-diskless-sync-delay 0",
	}
	if p.PidFile != "" {
		lines = append(lines, "pidfile "+quote(p.PidFile))
	}
	if p.Announce != "" {
		lines = append(lines, "replica-announce-ip "+p.Announce)
	}
	if p.AnnouncePort != 0 {
		lines = append(lines, "replica-announce-port "+fmt.Sprint(p.AnnouncePort))
	}
	lines = append(lines, pers...)
	if major >= 7 {
		lines = append(lines, "enable-debug-command yes") // DEBUG SLEEP faults; from the host a docker node sees a non-local client
	}
	if spec.Password != "" {
		lines = append(lines, "requirepass "+quote(spec.Password), "masterauth "+quote(spec.Password))
	}
	lines = append(lines, topology...)
	for _, k := range sortedKeys(spec.Config) {
		lines = append(lines, k+" "+spec.Config[k])
	}
	return append(lines, listenConf(p)...), nil
}

// listenConf is where a server listens: p.Bind (127.0.0.1 for processes,
// the container's own interfaces for docker, whose port is published on
// 127.0.0.1 only) and p.Port. Protected mode is off because squall's
// clients reach docker nodes through a port mapping, which Redis sees as a
// remote client; the bind address is what keeps the server private.
func listenConf(p place) []string {
	return []string{"bind " + p.Bind, "port " + fmt.Sprint(p.Port), "protected-mode no"}
}

// sentinelConf renders a Sentinel's config monitoring primary (its address
// as peers see it) under MasterName.
func sentinelConf(spec Spec, p place, primaryInternal string) []string {
	host, port := splitHostPort(primaryInternal)
	lines := []string{
		"dir " + quote(p.Dir),
		"logfile " + quote(p.LogFile),
		"daemonize no",
	}
	if p.PidFile != "" {
		lines = append(lines, "pidfile "+quote(p.PidFile))
	}
	if p.Announce != "" {
		lines = append(lines, "sentinel announce-ip "+p.Announce, "sentinel announce-port "+fmt.Sprint(p.Port))
	}
	lines = append(lines,
		fmt.Sprintf("sentinel monitor %s %s %s %d", MasterName, host, port, spec.Sentinels/2+1),
		fmt.Sprintf("sentinel down-after-milliseconds %s %d", MasterName, spec.Sentinel.DownAfter.Milliseconds()),
		fmt.Sprintf("sentinel failover-timeout %s %d", MasterName, spec.Sentinel.FailoverTimeout.Milliseconds()),
		fmt.Sprintf("sentinel parallel-syncs %s 1", MasterName),
	)
	if spec.Password != "" {
		lines = append(lines, fmt.Sprintf("sentinel auth-pass %s %s", MasterName, quote(spec.Password)))
	}
	return append(lines, listenConf(p)...)
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// NodeNames lists the names the nodes of a target will have, so that a
// fault aimed at node:NAME is checked before anything starts. Standalone
// and Sentinel targets name data nodes redis-0 (the first primary) to
// redis-R and Sentinels sentinel-0 on; a cluster numbers its primaries
// first, then each shard's replicas. An external target's names come from
// its addresses: node-I for each, sentinel-I when they are Sentinels, and
// primary for the master they monitor; which applies is only known once
// connected, so every form is listed.
func NodeNames(provider, topology string, shards, replicas, sentinels, addrs int) []string {
	var names []string
	add := func(prefix string, n int) {
		for i := range n {
			names = append(names, fmt.Sprintf("%s-%d", prefix, i))
		}
	}
	switch {
	case provider == "external":
		add("node", addrs)
		add("sentinel", addrs)
		names = append(names, "primary")
	case topology == "cluster":
		add("redis", shards*(1+replicas))
	case topology == "sentinel":
		add("redis", 1+replicas)
		add("sentinel", sentinels)
	default:
		add("redis", 1+replicas)
	}
	return names
}

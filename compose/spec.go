// Package compose stands up the system under test: a topology (standalone,
// sentinel, cluster) with a persistence mode, on a provider (local
// redis-server processes, Docker, or the user's own endpoints), and tears it
// down again. It knows nothing of scenarios: callers translate into a Spec.
package compose

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Spec is the target to stand up.
type Spec struct {
	Provider    string // process | docker | external ("auto" is resolved by Resolve)
	Topology    string // standalone | sentinel | cluster
	Shards      int
	Replicas    int
	Sentinels   int
	Persistence string
	Image       string
	Config      map[string]string // extra redis.conf directives
	Addrs       []string          // external only
	Password    string
	RunID       string // labels containers and names temp dirs
}

// ClientOptions are the go-redis settings every client of a target uses.
type ClientOptions struct {
	DialTimeout  time.Duration
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	MaxRetries   int // 0 means none (go-redis's -1)
	PoolSize     int
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

// serverConf renders a data node's redis.conf: network, files, persistence,
// what squall's own faults need, then the user's extra directives (last, so
// they win).
func serverConf(spec Spec, port int, dir string, major int) ([]string, error) {
	p, err := persistenceConf(spec.Persistence)
	if err != nil {
		return nil, err
	}
	lines := []string{
		"port " + fmt.Sprint(port),
		"dir " + quote(dir),
		"dbfilename dump.rdb",
		"appendfilename appendonly.aof",
		"logfile " + quote("redis.log"),
		"daemonize no",
		"protected-mode no",
		"pidfile " + quote("redis.pid"),
	}
	lines = append(lines, p...)
	if major >= 7 {
		lines = append(lines, "enable-debug-command local") // DEBUG SLEEP faults
	}
	if spec.Password != "" {
		lines = append(lines, "requirepass "+quote(spec.Password), "masterauth "+quote(spec.Password))
	}
	keys := make([]string, 0, len(spec.Config))
	for k := range spec.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		lines = append(lines, k+" "+spec.Config[k])
	}
	return lines, nil
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

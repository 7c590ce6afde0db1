package compose

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/redis/go-redis/v9"
)

// upExternal describes the user's own deployment from Spec.Addrs without
// changing it: a Sentinel address makes a sentinel target, a server with
// cluster_enabled:1 a cluster, anything else a standalone primary at the
// first address. squall never flushes, reconfigures or signals it here.
func upExternal(ctx context.Context, spec Spec) (*Target, error) {
	t := &Target{Spec: spec, Provider: "external", unexpected: make(chan error, 1), hostAddrs: map[string]string{}}
	first := spec.Addrs[0]
	info, err := infoFields(ctx, adminClient(first, "", "", spec.TLS, nil), "server")
	if err != nil && strings.Contains(err.Error(), "NOAUTH") {
		info, err = infoFields(ctx, adminClient(first, spec.Username, spec.Password, spec.TLS, nil), "server")
	}
	if err != nil {
		return nil, infraErr("external target %s: INFO server: %v", first, err)
	}
	mode := info["redis_mode"]
	if mode == "" {
		mode = info["server_mode"] // Valkey 8 renamed it
	}
	switch mode {
	case "sentinel":
		t.Topology = "sentinel"
		if err := t.externalSentinel(ctx); err != nil {
			return nil, err
		}
	case "cluster":
		t.Topology = "cluster"
		for i, a := range spec.Addrs {
			role := "primary"
			if i > 0 {
				role = ""
			}
			t.Nodes = append(t.Nodes, &Node{Name: fmt.Sprintf("node-%d", i), Kind: "redis", Role: role, Addr: a, Internal: a})
		}
	default:
		t.Topology = "standalone"
		t.Nodes = []*Node{{Name: "node-0", Kind: "redis", Role: "primary", Addr: first, Internal: first}}
	}
	if want := spec.Topology; (want == "sentinel" || want == "cluster") && want != t.Topology {
		return nil, unsupportedErr("target.topology is %s, but %s is a %s server", want, first, t.Topology)
	}
	if t.Topology != "sentinel" {
		for _, r := range t.Roles(ctx) {
			if r.Role != "" {
				r.Node.Role = r.Role
			}
		}
	}
	versionOf := t.Primary()
	if versionOf == nil {
		versionOf = t.DataNodes()[0]
	}
	if err := t.describe(ctx, versionOf.Addr, spec.TLS); err != nil {
		return nil, err
	}
	return t, nil
}

// externalSentinel picks the monitored master (the only one, or one named
// MasterName) and lists the sentinels and that master as nodes.
func (t *Target) externalSentinel(ctx context.Context) error {
	first := t.Spec.Addrs[0]
	c := redis.NewSentinelClient(&redis.Options{Addr: first, MaxRetries: -1, DisableIdentity: true, TLSConfig: t.Spec.TLS})
	defer c.Close()
	masters, err := c.Masters(ctx).Result()
	if err != nil {
		return infraErr("external sentinel %s: SENTINEL MASTERS: %v", first, err)
	}
	var names []string
	for _, m := range masters {
		if mm, ok := m.(map[any]any); ok {
			names = append(names, fmt.Sprint(mm["name"]))
		} else if ms, ok := m.([]any); ok {
			for i := 0; i+1 < len(ms); i += 2 {
				if fmt.Sprint(ms[i]) == "name" {
					names = append(names, fmt.Sprint(ms[i+1]))
				}
			}
		}
	}
	sort.Strings(names)
	switch {
	case len(names) == 1:
		t.masterName = names[0]
	case contains(names, MasterName):
		t.masterName = MasterName
	default:
		return unsupportedErr("sentinel %s monitors %d masters (%s); squall uses the only one, or one named %q", first, len(names), strings.Join(names, ", "), MasterName)
	}
	addr, err := c.GetMasterAddrByName(ctx, t.masterName).Result()
	if err != nil {
		return infraErr("external sentinel %s: get-master-addr-by-name %s: %v", first, t.masterName, err)
	}
	for i, a := range t.Spec.Addrs {
		t.Nodes = append(t.Nodes, &Node{Name: fmt.Sprintf("sentinel-%d", i), Kind: "sentinel", Role: "sentinel", Addr: a, Internal: a})
	}
	p := net.JoinHostPort(addr[0], addr[1])
	t.Nodes = append(t.Nodes, &Node{Name: "primary", Kind: "redis", Role: "primary", Addr: p, Internal: p})
	return nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

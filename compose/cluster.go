package compose

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

const clusterSlots = 16384

// upCluster starts Shards primaries and Replicas replicas each, assigns the
// slots evenly, joins the nodes, attaches the replicas and waits until every
// node says cluster_state:ok and all agree on one slot map with every
// replica in place, the way redis-cli --cluster create does it.
func (t *Target) upCluster(ctx context.Context) error {
	s := t.Spec
	var primaries, all []*Node
	for i := 0; i < s.Shards; i++ {
		n := t.addNode(fmt.Sprintf("redis-%d", i), "redis", "primary", i)
		primaries = append(primaries, n)
		all = append(all, n)
	}
	replicaOf := map[*Node]*Node{}
	for r := 1; r <= s.Replicas; r++ {
		for i, p := range primaries {
			n := t.addNode(fmt.Sprintf("redis-%d", len(all)), "redis", "replica", i)
			replicaOf[n] = p
			all = append(all, n)
		}
	}
	// Spares come last, so the nodes above keep their names and addresses
	// whether or not a run asks for spares.
	var spares []*Node
	for i := 0; i < s.Spares; i++ {
		n := t.addNode(fmt.Sprintf("redis-%d", len(all)+i), "redis", "spare", s.Shards+i)
		n.state.spare = true
		spares = append(spares, n)
	}
	lines := []string{
		"cluster-enabled yes",
		"cluster-config-file nodes.conf",
		fmt.Sprintf("cluster-node-timeout %d", s.ClusterNodeTimeout.Milliseconds()),
	}
	started := append(all[:len(all):len(all)], spares...)
	for _, n := range started {
		n.bus = true
	}
	conf := func(*Node) confFunc {
		return func(p place) ([]string, error) {
			l := append([]string(nil), lines...)
			if p.BusPort != 0 {
				l = append(l, fmt.Sprintf("cluster-port %d", p.BusPort))
			}
			if p.Announce != "" {
				l = append(l, "cluster-announce-ip "+p.Announce)
			}
			// Behind peer relays (peerproxy.go) the node announces them:
			// peers' bus and replication links and the slot map clients read
			// name the relays, which clients' dialers map back (HostAddr).
			if p.AnnouncePort != 0 {
				l = append(l, fmt.Sprintf("cluster-announce-port %d", p.AnnouncePort))
			}
			if p.AnnounceBusPort != 0 {
				l = append(l, fmt.Sprintf("cluster-announce-bus-port %d", p.AnnounceBusPort))
			}
			return serverConf(t.Spec, p, t.launcher.major(), l)
		}
	}
	if err := t.startAll(ctx, started, conf); err != nil {
		return err
	}

	ids := map[*Node]string{}
	for i, n := range started {
		c := t.admin(n)
		id, err := c.ClusterMyID(ctx).Result()
		if err == nil {
			// Distinct epochs before the nodes meet, so that no epoch
			// collision has to be resolved while the slot map settles.
			err = c.Do(ctx, "CLUSTER", "SET-CONFIG-EPOCH", i+1).Err()
		}
		c.Close()
		if err != nil {
			return infraErr("cluster node %s: %v", n.Name, err)
		}
		ids[n] = id
	}
	for i, p := range primaries {
		lo, hi := i*clusterSlots/len(primaries), (i+1)*clusterSlots/len(primaries)-1
		if err := t.addSlots(ctx, p, lo, hi); err != nil {
			return err
		}
	}
	first := t.admin(all[0])
	for _, n := range all[1:] {
		host, port := splitHostPort(n.Internal)
		args := []any{"CLUSTER", "MEET", host, port}
		if n.busPort() != 0 {
			args = append(args, n.busPort())
		}
		if err := first.Do(ctx, args...).Err(); err != nil {
			first.Close()
			return infraErr("CLUSTER MEET %s from %s: %v", n.Name, all[0].Name, err)
		}
	}
	first.Close()
	if err := waitFor(ctx, bringUpTimeout, "cluster nodes meeting", func() (bool, string) {
		for _, n := range all {
			if ok, state := knowsAll(ctx, t.admin(n), len(all)); !ok {
				return false, n.Name + ": " + state
			}
		}
		return true, ""
	}); err != nil {
		return err
	}
	for _, n := range all {
		p := replicaOf[n]
		if p == nil {
			continue
		}
		c := t.admin(n)
		err := c.ClusterReplicate(ctx, ids[p]).Err()
		c.Close()
		if err != nil {
			return infraErr("CLUSTER REPLICATE %s of %s: %v", n.Name, p.Name, err)
		}
	}
	if err := waitFor(ctx, bringUpTimeout, "cluster replicas in sync", func() (bool, string) {
		for r := range replicaOf {
			info, err := infoFields(ctx, t.admin(r), "replication")
			if err != nil || info["master_link_status"] != "up" {
				return false, fmt.Sprintf("%s master_link_status:%s %v", r.Name, info["master_link_status"], err)
			}
		}
		return true, ""
	}); err != nil {
		return err
	}
	// CLUSTER SLOTS leaves out replicas whose replication offset is still 0,
	// and an idle primary moves it only every repl-ping-replica-period (10 s).
	// A FLUSHALL of the empty, new primaries is propagated and moves it now.
	if s.Replicas > 0 {
		for _, p := range primaries {
			c := t.admin(p)
			err := c.FlushAll(ctx).Err()
			c.Close()
			if err != nil {
				return infraErr("FLUSHALL on new primary %s: %v", p.Name, err)
			}
		}
	}
	want := wantSlotMap(primaries, replicaOf, ids)
	return waitFor(ctx, bringUpTimeout, "cluster converging", func() (bool, string) {
		for _, n := range all {
			if ok, state := t.clusterAgrees(ctx, n, want); !ok {
				return false, n.Name + ": " + state
			}
		}
		return true, ""
	})
}

// admin returns a short-lived admin client for a node; the caller closes it.
func (t *Target) admin(n *Node) *redis.Client {
	user, pw := t.Spec.Username, t.Spec.Password
	if n.Kind == "sentinel" {
		user, pw = "", ""
	}
	return adminClient(n.Addr, user, pw, t.Spec.TLS, nil)
}

// addSlots assigns [lo, hi] to a primary, with ADDSLOTS on servers older
// than 7.0, which lack ADDSLOTSRANGE.
func (t *Target) addSlots(ctx context.Context, p *Node, lo, hi int) error {
	c := t.admin(p)
	defer c.Close()
	var err error
	if t.launcher.major() >= 7 {
		err = c.ClusterAddSlotsRange(ctx, lo, hi).Err()
	} else {
		slots := make([]int, 0, hi-lo+1)
		for s := lo; s <= hi; s++ {
			slots = append(slots, s)
		}
		err = c.ClusterAddSlots(ctx, slots...).Err()
	}
	if err != nil {
		return infraErr("assigning slots %d-%d to %s: %v", lo, hi, p.Name, err)
	}
	return nil
}

// knowsAll checks that a node lists every node, none still in handshake.
func knowsAll(ctx context.Context, c *redis.Client, total int) (bool, string) {
	defer c.Close()
	s, err := c.ClusterNodes(ctx).Result()
	if err != nil {
		return false, err.Error()
	}
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) != total {
		return false, fmt.Sprintf("knows %d of %d nodes", len(lines), total)
	}
	for _, l := range lines {
		if f := strings.Fields(l); len(f) < 3 || strings.Contains(f[2], "handshake") || strings.Contains(f[2], "noaddr") {
			return false, "node still in handshake: " + l
		}
	}
	return true, ""
}

// wantSlotMap renders the expected slot map in slotMap's form.
func wantSlotMap(primaries []*Node, replicaOf map[*Node]*Node, ids map[*Node]string) string {
	var parts []string
	for i, p := range primaries {
		lo, hi := i*clusterSlots/len(primaries), (i+1)*clusterSlots/len(primaries)-1
		var reps []string
		for r, of := range replicaOf {
			if of == p {
				reps = append(reps, ids[r])
			}
		}
		sort.Strings(reps)
		parts = append(parts, fmt.Sprintf("%d-%d:%s[%s]", lo, hi, ids[p], strings.Join(reps, ",")))
	}
	return strings.Join(parts, " ")
}

// clusterAgrees checks one node: cluster_state:ok, its CLUSTER SLOTS equal
// to want, and (replicas) its link to the primary up.
func (t *Target) clusterAgrees(ctx context.Context, n *Node, want string) (bool, string) {
	c := t.admin(n)
	defer c.Close()
	info, err := c.ClusterInfo(ctx).Result()
	if err != nil {
		return false, err.Error()
	}
	if st := parseInfo(info)["cluster_state"]; st != "ok" {
		return false, "cluster_state:" + st
	}
	slots, err := c.ClusterSlots(ctx).Result()
	if err != nil {
		return false, err.Error()
	}
	if got := slotMap(slots); got != want {
		return false, "slot map " + got + ", want " + want
	}
	if n.Role == "replica" {
		r, err := c.Info(ctx, "replication").Result()
		if err != nil {
			return false, err.Error()
		}
		if st := parseInfo(r)["master_link_status"]; st != "up" {
			return false, "master_link_status:" + st
		}
	}
	return true, ""
}

// slotMap renders CLUSTER SLOTS as "lo-hi:primary[replica,...] ...", sorted,
// so nodes' views compare as strings.
func slotMap(slots []redis.ClusterSlot) string {
	sort.Slice(slots, func(i, j int) bool { return slots[i].Start < slots[j].Start })
	var parts []string
	for _, s := range slots {
		if len(s.Nodes) == 0 {
			continue
		}
		var reps []string
		for _, r := range s.Nodes[1:] {
			reps = append(reps, r.ID)
		}
		sort.Strings(reps)
		parts = append(parts, fmt.Sprintf("%d-%d:%s[%s]", s.Start, s.End, s.Nodes[0].ID, strings.Join(reps, ",")))
	}
	return strings.Join(parts, " ")
}

// busPort returns the cluster bus port a launcher chose for n when it is
// not the default port+10000, else 0.
func (n *Node) busPort() int {
	if !n.bus || n.busAt == 0 {
		return 0
	}
	_, p := splitHostPort(n.Internal)
	if port, _ := strconv.Atoi(p); port+10000 == n.busAt {
		return 0
	}
	return n.busAt
}

// Join brings spare node n into the cluster as a primary without slots:
// every member (each data node that answers ROLE, spares apart) sends it
// CLUSTER MEET, and Join waits until n and every member list each other,
// none in handshake. From then on Roles names n primary, and MoveSlots
// may hand it slots.
func (t *Target) Join(ctx context.Context, n *Node) error {
	if t.Topology != "cluster" {
		return unsupportedErr("join %s: the topology is %s, not cluster", n.Name, t.Topology)
	}
	var members []*Node
	return t.op(ctx, n, "join", func(s *nodeState) error {
		if !s.spare || s.down {
			return fmt.Errorf("%s is not a spare node waiting to join", n.Name)
		}
		return nil
	}, func() error {
		for _, r := range t.Roles(ctx) {
			if r.Node.Kind == "redis" && (r.Role == "primary" || r.Role == "replica") {
				members = append(members, r.Node)
			}
		}
		if len(members) == 0 {
			return fmt.Errorf("no cluster node answers to meet it")
		}
		host, port := splitHostPort(n.Internal)
		args := []any{"CLUSTER", "MEET", host, port}
		if n.busPort() != 0 {
			args = append(args, n.busPort())
		}
		for _, m := range members {
			c := t.admin(m)
			err := c.Do(ctx, args...).Err()
			c.Close()
			if err != nil {
				return fmt.Errorf("CLUSTER MEET from %s: %w", m.Name, err)
			}
		}
		// Knowing every node is not enough: until n has learnt the slot
		// map over the bus it says cluster_state:fail, and refuses the
		// keys MIGRATE would hand it (CLUSTERDOWN).
		return waitFor(ctx, bringUpTimeout, n.Name+" joining the cluster", func() (bool, string) {
			for _, m := range append(members[:len(members):len(members)], n) {
				if ok, state := knowsAll(ctx, t.admin(m), len(members)+1); !ok {
					return false, m.Name + ": " + state
				}
			}
			return t.sameSlotMap(ctx, members[0], n)
		})
	}, func(s *nodeState) { s.spare = false })
}

// spare reports whether n is a spare node not joined yet.
func (t *Target) spare(n *Node) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return n.state.spare
}

// sameSlotMap checks that n says cluster_state:ok with the slot map
// member has.
func (t *Target) sameSlotMap(ctx context.Context, member, n *Node) (bool, string) {
	c := t.admin(member)
	slots, err := c.ClusterSlots(ctx).Result()
	c.Close()
	if err != nil {
		return false, member.Name + ": " + err.Error()
	}
	if ok, state := t.clusterAgrees(ctx, n, slotMap(slots)); !ok {
		return false, n.Name + ": " + state
	}
	return true, ""
}

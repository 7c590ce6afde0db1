package loadgen

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// checkOwnedOnce fails unless every key has exactly one owner, and that
// owner is live whenever any consumer is.
func checkOwnedOnce(t *testing.T, a *assignment) {
	t.Helper()
	seen := make([]int, a.keys)
	anyLive := slices.Contains(a.live, true)
	for c, ks := range a.owned {
		for _, k := range ks {
			seen[k]++
			if anyLive && !a.live[c] {
				t.Errorf("key %d owned by dead consumer %d", k, c)
			}
		}
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("key %d owned %d times", k, n)
		}
	}
}

// TestAssignmentOwnsEveryKeyOnce: whatever the keys, consumers and deaths,
// every key has one owner; a dead consumer's keys spread over the live
// ones and come back when it rejoins; a consumer about to die takes none.
func TestAssignmentOwnsEveryKeyOnce(t *testing.T) {
	for _, tc := range []struct{ keys, consumers int }{{1, 1}, {3, 2}, {8, 4}, {4, 6}, {1000, 7}, {100_000, 16}} {
		a := newAssignment(tc.keys, tc.consumers, 1, assignSplit)
		checkOwnedOnce(t, a)
		home := a.owners()
		for k, c := range home {
			if c != k%tc.consumers {
				t.Fatalf("%+v: key %d starts with consumer %d, want %d", tc, k, c, k%tc.consumers)
			}
		}
		a.setLive(0, false)
		checkOwnedOnce(t, a)
		if len(a.owned[0]) != 0 && tc.consumers > 1 {
			t.Errorf("%+v: dead consumer 0 still owns %d keys", tc, len(a.owned[0]))
		}
		if tc.consumers > 2 && len(home) > 2*tc.consumers {
			// Its keys spread: no survivor took them all.
			gained := map[int]int{}
			for k, c := range a.owners() {
				if home[k] == 0 {
					gained[c]++
				}
			}
			if len(gained) < 2 {
				t.Errorf("%+v: consumer 0's keys went to %v, want them spread", tc, gained)
			}
		}
		for k, c := range a.owners() { // the survivors keep their own
			if home[k] != 0 && c != home[k] {
				t.Errorf("%+v: key %d moved from live consumer %d to %d", tc, k, home[k], c)
			}
		}
		if tc.consumers > 2 {
			a.dying = func(id int) bool { return id == 1 }
			a.setLive(2, false)
			checkOwnedOnce(t, a)
			for k, c := range a.owners() {
				if c == 1 && home[k] != 1 {
					t.Errorf("%+v: consumer 1, about to die, took over key %d", tc, k)
				}
			}
			a.dying = nil
			a.setLive(2, true)
		}
		a.setLive(0, true)
		if got := a.owners(); !slices.Equal(got, home) {
			t.Errorf("%+v: after rejoining the keys are not back home", tc)
		}
		for c := range tc.consumers { // everyone dead: the keys stay home, to be taken back
			a.setLive(c, false)
		}
		checkOwnedOnce(t, a)
	}
}

// TestAssignModes: each pattern's default, the modes it takes, and the
// keys a consumer reads and owns under each.
func TestAssignModes(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	defer cluster.Close()
	for _, tc := range []struct {
		pattern string
		client  redis.UniversalClient
		opts    map[string]any
		want    string // the mode, or an error containing it
	}{
		{"list", rdb, nil, "split"},
		{"list", rdb, map[string]any{"assign": "all"}, "all"},
		{"list-reliable", rdb, nil, "split"},
		{"zset", rdb, nil, "split"},
		{"set", rdb, nil, "split"},
		{"hash", rdb, nil, "split"},
		{"string", rdb, nil, "split"},
		{"string", rdb, map[string]any{"mode": "register"}, "all"},
		{"string", rdb, map[string]any{"mode": "register", "assign": "split"}, "not supported"},
		{"stream", rdb, nil, "all"},
		{"stream", rdb, map[string]any{"assign": "split"}, "split"},
		{"stream", cluster, nil, "split"},
		{"pubsub", rdb, nil, "all"},
		{"spubsub", rdb, map[string]any{"assign": "split"}, "not supported"},
		{"list", rdb, map[string]any{"assign": "some"}, "expected one of split, all"},
	} {
		env := &Env{Client: tc.client, Keys: []string{"a", "b", "c"}, Producers: 1, Consumers: 2}
		b, err := buildPattern(tc.pattern, env, tc.opts)
		got := b.assign
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s %v: %q, want %q", tc.pattern, tc.opts, got, tc.want)
		}
	}
	for _, tc := range []struct {
		mode        string
		id          int
		reads, owns []int
	}{
		{assignSplit, 0, []int{0, 3}, []int{0, 3}},
		{assignSplit, 2, []int{2}, []int{2}},
		{assignAll, 1, []int{0, 1, 2, 3, 4}, []int{1, 4}},
	} {
		reads, owns, _ := newAssignment(5, 3, 1, tc.mode).view(tc.id)
		if !slices.Equal(reads, tc.reads) || !slices.Equal(owns, tc.owns) {
			t.Errorf("%s consumer %d reads %v owns %v, want %v and %v", tc.mode, tc.id, reads, owns, tc.reads, tc.owns)
		}
	}
	// More consumers than keys: the extra ones own nothing and help on a key.
	a := newAssignment(2, 3, 1, assignSplit)
	if reads, owns, _ := a.view(2); !slices.Equal(reads, []int{0}) || len(owns) != 0 {
		t.Errorf("consumer 2 of 3 on 2 keys reads %v owns %v, want [0] and none", reads, owns)
	}
}

// TestDeadConsumersKeysHandedOver: a consumer killed for good leaves its
// keys to the others, who read them (and reclaim what it left pending):
// every event still arrives, none lost, none stranded.
func TestDeadConsumersKeysHandedOver(t *testing.T) {
	for _, tc := range []struct {
		name, pattern string
		opts          map[string]any
	}{
		// batch 1: the crash takes the one event it read, counted received.
		{"list", "list", map[string]any{"batch": 1}},
		{"stream-split", "stream", map[string]any{"assign": "split", "claim_idle": "400ms"}},
		{"stream-all", "stream", map[string]any{"claim_idle": "400ms"}},
		{"list-reliable", "list-reliable", map[string]any{"claim_idle": "400ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, rdb := startRedis(t)
			cfg := Config{Pattern: tc.pattern, Options: tc.opts, Producers: 2, Consumers: 3, Keys: 12, Pipeline: 1, Rate: 1000,
				PayloadMin: 64, PayloadMax: 64, KeyPrefix: "handover:", Duration: 2500 * time.Millisecond, Drain: 4 * time.Second, Run: 61}
			g, err := New(cfg, rdb)
			if err != nil {
				t.Fatal(err)
			}
			var after []int
			out := runInternal(t, g, func() {
				time.Sleep(500 * time.Millisecond)
				if err := g.killConsumer(0, -1); err != nil {
					t.Error(err)
				}
				time.Sleep(time.Second)
				after = g.assign.owners()
			})
			ev, err := g.Settle(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v reclaimed %d errors %v; owners after the kill %v", ev, out.Reclaimed, out.Errors, after)
			if slices.Contains(after, 0) {
				t.Errorf("owners %v: the dead consumer 0 still owns keys", after)
			}
			if ev.Lost != 0 || ev.Stranded != 0 || ev.Received != ev.Sent || ev.Sent < 2400 {
				t.Errorf("events %+v: want every one of ~2500 events received, none lost or stranded", ev)
			}
		})
	}
}

// With several delivery groups (stream options.groups) the consumers are
// split into blocks, and each block owns every key: a group's pending
// entries can only be claimed by its own members.
func TestAssignmentGroups(t *testing.T) {
	for _, tc := range []struct {
		keys, consumers, groups int
		groupOf                 []int // per consumer
	}{
		{4, 6, 3, []int{0, 0, 1, 1, 2, 2}},
		{2, 5, 2, []int{0, 0, 1, 1, 1}},
		{3, 3, 3, []int{0, 1, 2}},
		{5, 4, 1, []int{0, 0, 0, 0}},
	} {
		a := newAssignment(tc.keys, tc.consumers, tc.groups, assignSplit)
		for g := range tc.groups {
			owners := map[int]int{} // key → owners in the group
			for id := range tc.consumers {
				if got := groupOf(id, tc.consumers, tc.groups); got != tc.groupOf[id] {
					t.Errorf("%+v: groupOf(%d) = %d, want %d", tc, id, got, tc.groupOf[id])
				}
				if tc.groupOf[id] != g {
					continue
				}
				_, owns, _ := a.view(id)
				for _, k := range owns {
					owners[k]++
				}
			}
			for k := range tc.keys {
				if owners[k] != 1 {
					t.Errorf("%+v: group %d: key %d has %d owners, want 1", tc, g, k, owners[k])
				}
			}
		}
		// A dead member's keys go to the live members of its own group.
		if !hasLiveMember(tc.groupOf, 0) {
			continue
		}
		a.setLive(0, false)
		for k := range tc.keys {
			n := 0
			for id := 1; id < tc.consumers; id++ {
				if _, owns, _ := a.view(id); tc.groupOf[id] == tc.groupOf[0] && slices.Contains(owns, k) {
					n++
				}
			}
			if _, owns, _ := a.view(0); n != 1 || len(owns) > 0 {
				t.Errorf("%+v: after consumer 0 died, key %d has %d live owners in its group (want 1), the dead one owns %v", tc, k, n, owns)
			}
		}
	}
}

func hasLiveMember(groupOf []int, dead int) bool {
	for id, g := range groupOf {
		if id != dead && g == groupOf[dead] {
			return true
		}
	}
	return false
}

package resp

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestSenderChoice: producers write on their own connections to a plain
// standalone client, and to a cluster's primaries unless WAIT follows each
// round trip; Sentinel clients, and clients with connect hooks, go through
// go-redis.
func TestSenderChoice(t *testing.T) {
	plain := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	hooked := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", OnConnect: func(context.Context, *redis.Conn) error { return nil }})
	failover := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "m", SentinelAddrs: []string{"127.0.0.1:1"}})
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	hookedCluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, OnConnect: func(context.Context, *redis.Conn) error { return nil }})
	for _, c := range []redis.UniversalClient{plain, hooked, failover, cluster, hookedCluster} {
		defer c.Close()
	}
	routes := NewRoutes(cluster)
	if _, ok := NewSender(plain, nil, false).(*Conn); !ok {
		t.Error("plain standalone client: want a Conn")
	}
	if _, ok := NewSender(cluster, routes, false).(*clusterSender); !ok {
		t.Error("cluster client: want a clusterSender")
	}
	for name, c := range map[string]redis.UniversalClient{"hooked": hooked, "failover": failover, "cluster with WAIT": cluster, "hooked cluster": hookedCluster} {
		if _, ok := NewSender(c, routes, name == "cluster with WAIT").(*clientSender); !ok {
			t.Errorf("%s client: want a clientSender", name)
		}
	}
}

// TestKeySlot: the slots Redis Cluster documents for plain keys and hash
// tags.
func TestKeySlot(t *testing.T) {
	for key, want := range map[string]int{
		"":                        0,
		"foo":                     12182,
		"123456789":               12739, // CRC16/XMODEM check value 0x31C3
		"{user1000}.following":    keySlot([]byte("user1000")),
		"foo{}{bar}":              keySlot([]byte("foo{}{bar}")), // empty tag: the whole key
		"foo{{bar}}zap":           keySlot([]byte("{bar")),
		"squall:{list:3}:event:1": keySlot([]byte("list:3")),
	} {
		if got := keySlot([]byte(key)); got != want {
			t.Errorf("keySlot(%q) = %d, want %d", key, got, want)
		}
	}
}

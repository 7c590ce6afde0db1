package compose

import (
	"context"
	"testing"
	"time"

	"github.com/squall-bench/squall/internal/netproxy"
)

// The fault proxy on a Sentinel target: the data path's client reaches the
// primary Sentinel names through the primary's proxy, so a blackhole there
// stalls it, while admin clients (ROLE) go around the proxy and still see
// the node; lifted, the client works again, and Close stops the proxies.
func TestFaultProxy(t *testing.T) {
	eachProvider(t, func(t *testing.T, v variant) {
		ctx := context.Background()
		tg := up(t, v.spec(Spec{Topology: "sentinel", Replicas: 1, Sentinels: 1, Persistence: "none"}))
		if err := tg.StartFaultProxy(); err != nil {
			t.Fatal(err)
		}
		if tg.DataPath != PathProxy {
			t.Errorf("data path %q after StartFaultProxy, want %q", tg.DataPath, PathProxy)
		}
		if got := tg.ProxyProcesses() > 0; got != (v.path == PathPublished) {
			t.Errorf("docker-proxy processes counted: %v on the %s path behind the fault proxy", got, tg.pathBehind)
		}
		opts := testClientOptions
		opts.ReadTimeout, opts.MaxRetries = 300*time.Millisecond, -1
		rdb := tg.Client(opts)
		defer rdb.Close()
		writeRead(t, rdb, "proxied", 10)

		primary := tg.Primary()
		lift := tg.FaultProxy(primary).Add(netproxy.Fault{Blackhole: true})
		if err := rdb.Ping(ctx).Err(); err == nil {
			t.Error("PING answered through a blackholed proxy: the client went around it")
		}
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if r := tg.role(rctx, primary); r.Role != "primary" {
			t.Errorf("ROLE of the blackholed primary: %+v; admin clients must not go through the proxy", r)
		}
		cancel()
		lift()
		eventually(t, 5*time.Second, "the client through the lifted proxy", func() error { return rdb.Ping(ctx).Err() })

		if err := tg.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if tg.FaultProxy(primary) != nil {
			t.Error("a fault proxy outlived Close")
		}
	})
}

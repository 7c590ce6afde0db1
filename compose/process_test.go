package compose

import (
	"context"
	"errors"
	"github.com/squall-bench/squall/internal/testenv"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestProcessStandalonePersistence(t *testing.T) {
	testenv.RequireRedis(t)
	for _, mode := range []string{"none", "rdb", "aof-everysec", "aof-always", "aof-no", "rdb+aof-everysec"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			tg, err := Up(ctx, Spec{Provider: "process", Topology: "standalone", Persistence: mode, RunID: "test",
				Config: map[string]string{"maxmemory-policy": "noeviction"}})
			if err != nil {
				t.Fatal(err)
			}
			dir := tg.launcher.(*processLauncher).dir
			if tg.Version == "" || tg.Primary() == nil {
				t.Fatalf("version %q primary %v", tg.Version, tg.Primary())
			}
			c := redis.NewClient(&redis.Options{Addr: tg.Primary().Addr})
			want, _ := PersistenceSettings(mode)
			want["maxmemory-policy"] = "noeviction"
			for k, v := range want {
				got, err := c.ConfigGet(ctx, k).Result()
				if err != nil {
					t.Fatal(err)
				}
				if got[k] != v {
					t.Errorf("CONFIG GET %s = %q, want %q", k, got[k], v)
				}
			}
			c.Close()
			if err := tg.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("temp dir %s survived teardown", dir)
			}
			if processAlive(tg.Primary().Pid) && isRedis(tg.Primary().Pid) {
				t.Errorf("redis-server pid %d survived teardown", tg.Primary().Pid)
			}
		})
	}
}

func TestProcessUnexpectedExit(t *testing.T) {
	testenv.RequireRedis(t)
	ctx := context.Background()
	tg, err := Up(ctx, Spec{Provider: "process", Topology: "standalone", Persistence: "none", RunID: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close(ctx)
	p, _ := os.FindProcess(tg.Primary().Pid)
	_ = p.Kill()
	select {
	case err := <-tg.Unexpected():
		if !errors.Is(err, ErrInfra) {
			t.Fatalf("want ErrInfra, got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a killed redis-server was not reported")
	}
}

func TestProcessBadConfigFailsClearly(t *testing.T) {
	testenv.RequireRedis(t)
	_, err := Up(context.Background(), Spec{Provider: "process", Topology: "standalone", Persistence: "none", RunID: "test",
		Config: map[string]string{"no-such-directive": "1"}})
	if !errors.Is(err, ErrInfra) {
		t.Fatalf("want ErrInfra, got %v", err)
	}
	t.Log(err)
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/testenv"
)

// TestExternalTargetIsLeftAsFound points squall at a Redis it did not
// start, holding a user's keys in DB 0 and DB 1 (strings, hashes, lists,
// sets, sorted sets, a stream, keys with TTLs, names close to squall's),
// and checks through the CLI that:
//   - every route to chaos on it without --allow-destructive exits 2 before
//     anything is written or touched: a matrix over chaos, --set chaos, a
//     library scenario made external, a matrix over the target;
//   - with the flag, a config fault without duration is undone;
//   - a run deletes squall's own keys at the end, and --keep-keys keeps them;
//
// and after each step every key's DUMP bytes and CONFIG GET * are as they
// were.
func TestExternalTargetIsLeftAsFound(t *testing.T) {
	addr := testenv.StartRedis(t)
	testenv.SeedUnrelated(t, addr)
	before := testenv.TakeSnapshot(t, addr, 0, 1)
	t.Setenv("TMPDIR", t.TempDir())
	dir := t.TempDir()
	unchanged := func(t *testing.T, what string) {
		t.Helper()
		if d := testenv.TakeSnapshot(t, addr, 0, 1).Diff(before); len(d) > 0 {
			t.Errorf("%s changed the user's Redis:\n%s", what, strings.Join(d, "\n"))
		}
	}
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ext := fmt.Sprintf("target: {provider: external, addrs: [%q]}\n", addr)
	const base = "warmup: 200ms\nduration: 1s\ndrain: 1s\nworkload: {pattern: stream, producers: 2, consumers: 2, rate: 300, payload: 64}\nslo: {lost_max: 0}\n"

	t.Run("refused without --allow-destructive", func(t *testing.T) {
		matrixChaos := file("matrix-chaos.yaml", base+ext+`matrix:
  chaos:
    - [{at: 200ms, action: client-pause, target: primary, duration: 500ms}]
    - [{at: 200ms, action: config, target: primary, params: {maxmemory: 1mb, maxmemory-policy: allkeys-random}}]
`)
		plain := file("plain.yaml", base+ext)
		matrixTarget := file("matrix-target.yaml", base+fmt.Sprintf(`chaos: [{at: 200ms, action: config, target: primary, params: {maxmemory-policy: allkeys-random}}]
matrix:
  target:
    - {provider: process}
    - {provider: external, addrs: [%q]}
`, addr))
		addrs := fmt.Sprintf("target.addrs=[%q]", addr)
		for _, tc := range []struct {
			name string
			args []string
			want string // in stderr
		}{
			{"matrix over chaos", []string{matrixChaos}, "--allow-destructive"},
			{"--set chaos", []string{plain, "--set", "chaos=[{at: 200ms, action: config, target: primary, params: {maxmemory-policy: allkeys-random}}]"}, "--allow-destructive"},
			{"--set chaos on a library scenario", []string{"quickstart", "--set", "target.provider=external", "--set", addrs,
				"--set", "chaos=[{at: 200ms, action: debug-sleep, target: primary, duration: 1s}]"}, "--allow-destructive"},
			// The shipped chaos scenarios kill, pause or partition nodes,
			// which no external target allows, flag or not.
			{"library scenario with chaos", []string{"durability", "--set", "target.provider=external", "--set", addrs}, "needs control of the nodes"},
			{"--provider external", []string{"pause-primary", "--provider", "external", "--set", addrs, "--set", "chaos=[{at: 1s, action: bgsave, target: primary}]"}, "--allow-destructive"},
			{"--url", []string{"pause-primary", "--url", "redis://" + addr, "--set", "chaos=[{at: 1s, action: bgsave, target: primary}]"}, "--allow-destructive"},
			{"matrix over the target", []string{matrixTarget}, "(matrix cells target={provider: external"},
			{"matrix over the target, --provider external", []string{matrixTarget, "--provider", "external"}, "--allow-destructive"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "run")
				args := append([]string{"run"}, tc.args...)
				code, stdout, stderr := squall(context.Background(), append(args, "--out", out, "--quiet")...)
				if code != exitUsage || !strings.Contains(stderr, tc.want) {
					t.Errorf("exit %d, stderr %q; want 2 naming %q\n%s", code, stderr, tc.want, stdout)
				}
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("a refused run wrote its directory (%v)", err)
				}
				unchanged(t, tc.name)
			})
		}
		assertNoLeftovers(t) // not even the process cell of the matrix over the target ran
	})

	t.Run("config fault undone", func(t *testing.T) {
		p := file("config.yaml", base+ext+"chaos: [{at: 200ms, action: config, target: primary, params: {maxmemory-policy: allkeys-lru, hz: 50}}]\n")
		out := filepath.Join(t.TempDir(), "run")
		code, stdout, stderr := squall(context.Background(), "run", p, "--allow-destructive", "--out", out, "--quiet")
		if code != exitOK {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		f := readResult(t, out)["cells"].([]any)[0].(map[string]any)["faults"].([]any)
		if len(f) != 1 || f[0].(map[string]any)["error"] != nil || f[0].(map[string]any)["healed_at_s"] == nil {
			t.Errorf("faults %v: want the config fault fired and healed", f)
		}
		unchanged(t, "a run with a config fault")
	})

	t.Run("own keys deleted", func(t *testing.T) {
		for _, pattern := range []string{"stream", "list-reliable", "string"} {
			out := filepath.Join(t.TempDir(), "run")
			code, stdout, stderr := squall(context.Background(), "run", file("keys.yaml", base+ext), "--set", "workload.pattern="+pattern, "--out", out)
			if code != exitOK {
				t.Fatalf("%s: exit %d\n%s\n%s", pattern, code, stdout, stderr)
			}
			if !strings.Contains(stderr, "squall:{"+pattern+":*}*") {
				t.Errorf("%s: the key pattern was not announced: %q", pattern, stderr)
			}
			unchanged(t, pattern+" run")
		}
	})

	t.Run("--keep-keys", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "run")
		code, stdout, stderr := squall(context.Background(), "run", file("keep.yaml", base+ext), "--keep-keys", "--out", out, "--quiet")
		if code != exitOK {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		c := redis.NewClient(&redis.Options{Addr: addr})
		defer c.Close()
		keys, _, err := c.Scan(context.Background(), 0, "squall:{stream:*}*", 1000).Result()
		if err != nil || len(keys) == 0 {
			t.Errorf("--keep-keys: squall's keys %v (%v), want them there", keys, err)
		}
		if n := c.Unlink(context.Background(), keys...).Val(); n != int64(len(keys)) {
			t.Errorf("removing the kept keys: %d of %d", n, len(keys))
		}
		unchanged(t, "a --keep-keys run, its keys removed by hand,")
	})
}

// TestURLUserAndDB runs through --url as an ACL user into database 3, the
// password from REDISCLI_AUTH: squall's keys land in DB 3 (kept with
// --keep-keys, removed without), DB 0 stays empty, and the password
// appears in no output and no file of the run directory.
func TestURLUserAndDB(t *testing.T) {
	addr := testenv.StartRedis(t)
	ctx := context.Background()
	const pw = "url-test-pw-7c1e"
	admin := redis.NewClient(&redis.Options{Addr: addr})
	defer admin.Close()
	if err := admin.Do(ctx, "ACL", "SETUSER", "app", "on", ">"+pw, "~*", "&*", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", t.TempDir())
	t.Setenv("REDISCLI_AUTH", pw)
	db := func(n int) *redis.Client { return redis.NewClient(&redis.Options{Addr: addr, DB: n}) }
	d0, d3 := db(0), db(3)
	defer d0.Close()
	defer d3.Close()
	for _, keep := range []bool{true, false} {
		out := filepath.Join(t.TempDir(), "run")
		args := []string{"run", "quickstart", "--url", "redis://app@" + addr + "/3", "--duration", "1s",
			"--set", "warmup=200ms", "--set", "drain=1s", "--set", "slo={lost_max: 0}", "--out", out}
		if keep {
			args = append(args, "--keep-keys")
		}
		code, stdout, stderr := squall(ctx, args...)
		if code != exitOK {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		if strings.Contains(stdout+stderr, pw) {
			t.Error("the password was printed")
		}
		filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
			if b, _ := os.ReadFile(p); err == nil && !info.IsDir() && strings.Contains(string(b), pw) {
				t.Errorf("%s holds the password", p)
			}
			return nil
		})
		if n := d0.DBSize(ctx).Val(); n != 0 {
			t.Errorf("keep=%v: DB 0 holds %d keys", keep, n)
		}
		keys, _, _ := d3.Scan(ctx, 0, "squall:{stream:*}*", 1000).Result()
		if keep != (len(keys) > 0) {
			t.Errorf("keep=%v: squall's keys in DB 3: %v", keep, keys)
		}
		if keep {
			d3.Unlink(ctx, keys...)
		}
	}
}

package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"path"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/testenv"
	"github.com/squall-bench/squall/scenarios"
)

// keylessOK are the commands without keys squall may send to an external
// target: reads of the server's state, connection setup, and SCRIPT LOAD
// of the delayed zset's claim script. Pub/sub and SCAN name a channel or a
// pattern instead of keys: those must match the key pattern too. MONITOR
// does not show administrative commands (CONFIG, CLIENT PAUSE, DEBUG): what
// the faults changed is checked by comparing the configuration instead.
var keylessOK = map[string]bool{
	"info": true, "role": true, "ping": true, "hello": true, "auth": true, "command": true, "script": true,
	"multi": true, "exec": true,
}

// namesOf returns what a keyless command names in place of keys: channels
// and patterns (pub/sub), the MATCH pattern (SCAN).
func namesOf(args []string) ([]string, bool) {
	switch strings.ToLower(args[0]) {
	case "publish", "spublish":
		return args[1:2], true
	case "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe":
		return args[1:], true
	case "scan":
		for i := 2; i+1 < len(args); i++ {
			if strings.EqualFold(args[i], "match") {
				return args[i+1 : i+2], true
			}
		}
		return []string{"(SCAN without MATCH)"}, true
	}
	return nil, false
}

// TestExternalTouchesOnlyItsKeys runs every pattern against a server squall
// did not start, holding a user's keys in DB 0 and DB 1, with MONITOR
// watching every command: each runs in DB 0, every key it names matches
// the announced pattern (KeyGlob), keyless commands are reads, pub/sub and
// the faults asked for; at the end squall's keys are gone and the user's
// keys and the configuration are as they were. With KeepKeys the keys stay.
func TestExternalTouchesOnlyItsKeys(t *testing.T) {
	addr := testenv.StartRedis(t)
	testenv.SeedUnrelated(t, addr)
	before := testenv.TakeSnapshot(t, addr, 0, 1)
	mon := startMonitor(t, addr)

	variants := []struct{ pattern, options, chaos string }{
		{"list", "{}", ""},
		{"list-reliable", "{claim_idle: 500ms}", ""},
		{"stream", "{maxlen: 1000}", ""},
		{"zset", "{}", ""},
		{"zset", "{delay: 50ms}", ""},
		{"set", "{}", ""},
		{"string", "{ttl: 60s}", ""},
		{"string", "{mode: register, entities: 8}", ""},
		{"hash", "{}", ""},
		{"pubsub", "{}", ""},
		{"pubsub", "{psubscribe: true}", ""},
		{"spubsub", "{}", ""},
		{"list", "{}", `[{at: 100ms, action: config, target: primary, params: {maxmemory-policy: allkeys-lru}},
		  {at: 200ms, action: client-pause, target: primary, duration: 100ms}]`},
	}
	for _, v := range variants {
		yaml := fmt.Sprintf(`
warmup: 200ms
duration: 1s
drain: 2s
target: {provider: external, addrs: [%q]}
workload: {pattern: %s, producers: 2, consumers: 2, rate: 200, payload: 64, keys: 2, options: %s}
`, addr, v.pattern, v.options)
		if v.chaos != "" {
			yaml += "chaos: " + v.chaos + "\n"
		}
		sc, cells, err := scenarios.Parse("external.yaml", []byte(yaml), nil)
		if err != nil {
			t.Fatal(err)
		}
		res, _, err := Run(context.Background(), sc, cells, Options{Out: t.TempDir(), Quiet: true, AllowDestructive: v.chaos != ""})
		if err != nil {
			t.Fatalf("%s %s: %v", v.pattern, v.options, err)
		}
		if ev := res.Cells[0].Events; ev.Sent == 0 {
			t.Errorf("%s %s: nothing sent: %+v", v.pattern, v.options, ev)
		}
		for _, f := range res.Cells[0].Faults {
			if f.Error != "" || f.Node == "" {
				t.Errorf("fault %s did not fire: %+v", f.Action, f)
			}
		}
		for _, n := range res.Cells[0].Notes {
			if strings.Contains(n, "could not be undone") || strings.Contains(n, "deleting squall's keys") {
				t.Errorf("%s %s: %s", v.pattern, v.options, n)
			}
		}
	}
	lines, unread := mon.stop()
	for _, u := range unread {
		t.Errorf("MONITOR line %s", u)
	}

	glob := func(pattern string) string { return "squall:{" + pattern + ":*}*" }
	var globs []string
	for _, v := range variants {
		globs = append(globs, glob(v.pattern))
	}
	matches := func(key string) bool {
		for _, g := range globs {
			if ok, _ := path.Match(g, key); ok {
				return true
			}
		}
		return false
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx := context.Background()
	seen := map[string]int{}
	bad := map[string]int{}
	const batch = 1000
	for i := 0; i < len(lines); i += batch {
		chunk := lines[i:min(i+batch, len(lines))]
		cmds := make([]*redis.StringSliceCmd, len(chunk))
		_, _ = c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for j, l := range chunk {
				args := []any{"command", "getkeys"}
				for _, a := range l.args {
					args = append(args, a)
				}
				cmds[j] = redis.NewStringSliceCmd(ctx, args...)
				_ = p.Process(ctx, cmds[j])
			}
			return nil
		})
		for j, l := range chunk {
			name := strings.ToLower(l.args[0])
			sub := name
			if len(l.args) > 1 && (name == "client" || name == "config" || name == "script" || name == "command") {
				sub += " " + strings.ToLower(l.args[1])
			}
			seen[sub]++
			if l.db != 0 {
				bad[fmt.Sprintf("%s in DB %d", sub, l.db)]++
			}
			keys, err := cmds[j].Result()
			if names, ok := namesOf(l.args); ok {
				keys, err = names, nil
			}
			if err != nil && !keylessOK[name] {
				bad[fmt.Sprintf("keyless command %s (%v)", sub, err)]++
			}
			for _, k := range keys {
				if !matches(k) {
					bad[fmt.Sprintf("%s on key %q outside squall's pattern", sub, k)]++
				}
			}
		}
	}
	t.Logf("%d commands seen: %v", len(lines), seen)
	for what, n := range bad {
		t.Errorf("%d× %s", n, what)
	}
	for _, forbidden := range []string{"flushall", "flushdb", "select", "swapdb", "move", "keys", "config resetstat", "script flush", "client kill"} {
		if seen[forbidden] > 0 {
			t.Errorf("squall sent %s to an external target", strings.ToUpper(forbidden))
		}
	}
	for _, g := range globs {
		if left, _ := c.Keys(ctx, g).Result(); len(left) > 0 {
			t.Errorf("squall's keys left in DB 0: %v", left)
		}
	}
	if d := testenv.TakeSnapshot(t, addr, 0, 1).Diff(before); len(d) > 0 {
		t.Errorf("the user's data or configuration changed:\n%s", strings.Join(d, "\n"))
	}

	// --keep-keys: the keys stay, and the cell says so.
	sc, cells, err := scenarios.Parse("keep.yaml", []byte(fmt.Sprintf(`
warmup: 200ms
duration: 1s
drain: 200ms
target: {provider: external, addrs: [%q]}
workload: {pattern: string, producers: 1, consumers: 0, rate: 100, payload: 64, keys: 2}
`, addr)), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := Run(ctx, sc, cells, Options{Out: t.TempDir(), Quiet: true, KeepKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := c.Keys(ctx, "squall:{string:*}*").Result(); len(left) < 2 {
		t.Errorf("KeepKeys: %d keys left, want the base keys and the event keys", len(left))
	}
	if !strings.Contains(strings.Join(res.Cells[0].Notes, "\n"), "--keep-keys") {
		t.Errorf("the cell does not say the keys were kept: %v", res.Cells[0].Notes)
	}
}

// monitor collects what MONITOR shows on one connection.
type monitor struct {
	conn  net.Conn
	mu    sync.Mutex
	lines []monitorLine
	bad   []string // lines that did not parse
	done  chan struct{}
}

type monitorLine struct {
	db   int
	args []string
}

func startMonitor(t *testing.T, addr string) *monitor {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	m := &monitor{conn: conn, done: make(chan struct{})}
	rd := bufio.NewReaderSize(conn, 1<<20)
	if _, err := conn.Write([]byte("MONITOR\r\n")); err != nil {
		t.Fatal(err)
	}
	if l, err := rd.ReadString('\n'); err != nil || !strings.HasPrefix(l, "+OK") {
		t.Fatalf("MONITOR: %q %v", l, err)
	}
	go func() {
		defer close(m.done)
		for {
			l, err := rd.ReadString('\n')
			if err != nil {
				return
			}
			db, args, err := parseMonitorLine(strings.TrimSuffix(strings.TrimPrefix(l, "+"), "\r\n"))
			m.mu.Lock()
			if err != nil {
				m.bad = append(m.bad, fmt.Sprintf("%q: %v", l, err))
			} else {
				m.lines = append(m.lines, monitorLine{db, args})
			}
			m.mu.Unlock()
		}
	}()
	t.Cleanup(func() { conn.Close(); <-m.done })
	return m
}

// stop ends MONITOR (after a moment for the last lines) and returns what
// it saw, and the lines it could not read.
func (m *monitor) stop() ([]monitorLine, []string) {
	time.Sleep(200 * time.Millisecond)
	m.conn.Close()
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lines, m.bad
}

// parseMonitorLine reads `TIME [DB CLIENT] "ARG" "ARG"...`, the arguments
// quoted as Redis's sdscatrepr writes them.
func parseMonitorLine(l string) (int, []string, error) {
	open, close := strings.IndexByte(l, '['), strings.IndexByte(l, ']')
	if open < 0 || close < open {
		return 0, nil, errors.New("no [DB CLIENT]")
	}
	dbText, _, _ := strings.Cut(l[open+1:close], " ")
	db, err := strconv.Atoi(dbText)
	if err != nil {
		return 0, nil, err
	}
	var args []string
	rest := l[close+1:]
	for {
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			break
		}
		if rest[0] != '"' {
			return 0, nil, fmt.Errorf("unquoted argument at %q", rest)
		}
		var b strings.Builder
		i := 1
		for ; i < len(rest) && rest[i] != '"'; i++ {
			if rest[i] != '\\' {
				b.WriteByte(rest[i])
				continue
			}
			i++
			if i >= len(rest) {
				return 0, nil, errors.New("dangling escape")
			}
			switch rest[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'x':
				v, err := strconv.ParseUint(rest[i+1:i+3], 16, 8)
				if err != nil {
					return 0, nil, err
				}
				b.WriteByte(byte(v))
				i += 2
			default:
				b.WriteByte(rest[i])
			}
		}
		if i >= len(rest) {
			return 0, nil, errors.New("unterminated argument")
		}
		args = append(args, b.String())
		rest = rest[i+1:]
	}
	if len(args) == 0 {
		return 0, nil, errors.New("no command")
	}
	return db, args, nil
}

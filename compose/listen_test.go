package compose

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/testenv"
)

// TestConfigCannotMoveListeners: a directive that would add a second line
// to redis.conf, or change where or how a server listens, is refused before
// anything starts.
func TestConfigCannotMoveListeners(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, cfg := range []map[string]string{
		{"maxmemory": "100mb\nbind 0.0.0.0"},
		{"maxmemory": "100mb\r\nprotected-mode no"},
		{"bind": "0.0.0.0"},
		{"BIND": "0.0.0.0"},
		{"port": "6379"},
		{"protected-mode": "no"},
		{"tls-port": "6380"},
		{"unixsocket": "/tmp/redis.sock"},
		{"include": "/etc/redis/redis.conf"},
		{"loadmodule": "/tmp/evil.so"},
		{"maxmemory 1mb\nbind": "0.0.0.0"},
		{"maxmemory": `"100mb`},
	} {
		for _, provider := range []string{"process", "docker"} {
			_, err := Up(context.Background(), Spec{Provider: provider, Topology: "standalone", Config: cfg})
			if !errors.Is(err, ErrUnsupported) {
				t.Errorf("%s config %q: got %v, want ErrUnsupported", provider, cfg, err)
			}
		}
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "squall-*")); len(left) > 0 {
		t.Errorf("a refused spec left %v", left)
	}
	if _, err := Up(context.Background(), Spec{Provider: "docker", Image: "redis:7.2 --protected-mode no"}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("an image with spaces: got %v, want ErrUnsupported", err)
	}
}

// TestServersListenPrivately stands up every topology on every provider and
// reads where each server squall started listens, from the kernel's socket
// tables (and Docker's port bindings): a process server listens on
// 127.0.0.1 only (data port, cluster bus and Sentinel port alike), a
// container's port is published on 127.0.0.1 only and the container is on
// the run's own two networks only.
func TestServersListenPrivately(t *testing.T) {
	for _, spec := range []Spec{
		{Topology: "standalone", Replicas: 1},
		{Topology: "sentinel", Replicas: 1, Sentinels: 2},
		{Topology: "cluster", Shards: 3, Replicas: 0},
	} {
		t.Run(spec.Topology, func(t *testing.T) {
			eachProvider(t, func(t *testing.T, v variant) {
				spec := v.spec(spec)
				spec.Config = map[string]string{"maxmemory": "100mb"}
				tg := up(t, spec)
				switch l := tg.launcher.(type) {
				case *processLauncher:
					for _, n := range tg.Nodes {
						checkProcessListens(t, n)
					}
				case *dockerLauncher:
					for _, n := range tg.Nodes {
						checkContainerPublished(t, l, n)
					}
				}
				for _, n := range tg.DataNodes() {
					c := tg.NodeClient(n)
					got, err := c.ConfigGet(context.Background(), "bind").Result()
					c.Close()
					want := "127.0.0.1"
					if v.docker() {
						want = "0.0.0.0" // inside the container, whose only networks are the run's own two (checked above)
					}
					if err != nil || got["bind"] != want {
						t.Errorf("%s CONFIG GET bind = %q, %v; want %q", n.Name, got["bind"], err, want)
					}
				}
			})
		})
	}
}

// checkProcessListens reads the listening sockets of a node's process
// (/proc/PID/fd against /proc/PID/net/{tcp,tcp6,unix}) and checks that
// every one is on 127.0.0.1, including the node's port and, on a cluster
// node, its bus port.
func checkProcessListens(t *testing.T, n *Node) {
	t.Helper()
	inodes := socketInodes(t, n.Pid)
	var ports []int
	for _, table := range []string{"tcp", "tcp6"} {
		for _, s := range listeningTCP(t, n.Pid, table) {
			if !inodes[s.inode] {
				continue
			}
			if !s.ip.Equal(net.IPv4(127, 0, 0, 1)) {
				t.Errorf("%s (pid %d) listens on %s:%d (%s), want 127.0.0.1 only", n.Name, n.Pid, s.ip, s.port, table)
			}
			ports = append(ports, s.port)
		}
	}
	for _, inode := range listeningUnix(t, n.Pid) {
		if inodes[inode] {
			t.Errorf("%s (pid %d) listens on a unix socket", n.Name, n.Pid)
		}
	}
	_, p, _ := net.SplitHostPort(n.Addr)
	want := []int{atoi(t, p)}
	if n.bus {
		want = append(want, n.busAt)
	}
	slices.Sort(ports)
	slices.Sort(want)
	if !slices.Equal(ports, want) {
		t.Errorf("%s (pid %d) listens on ports %v, want %v", n.Name, n.Pid, ports, want)
	}
}

// checkContainerPublished checks a node's container: bridge networks of its
// run only, every published port bound to 127.0.0.1, and on the host no
// listener for that port on another address.
func checkContainerPublished(t *testing.T, l *dockerLauncher, n *Node) {
	t.Helper()
	b, _, err := l.current(n)
	if err != nil {
		t.Fatal(err)
	}
	c, err := l.pool.Client.InspectContainer(b.id)
	if err != nil {
		t.Fatal(err)
	}
	if c.HostConfig.NetworkMode == "host" || c.HostConfig.PublishAllPorts || c.HostConfig.Privileged {
		t.Errorf("%s: network mode %q, publish all %v, privileged %v", n.Name, c.HostConfig.NetworkMode, c.HostConfig.PublishAllPorts, c.HostConfig.Privileged)
	}
	var nets []string
	for name := range c.NetworkSettings.Networks {
		nets = append(nets, name)
	}
	slices.Sort(nets)
	if want := []string{l.peer.Network.Name, l.pub.Network.Name}; !slices.Equal(nets, want) {
		t.Errorf("%s is on networks %v, want only its run's %v", n.Name, nets, want)
	}
	published := 0
	for port, binds := range c.NetworkSettings.Ports {
		for _, bd := range binds {
			published++
			if bd.HostIP != "127.0.0.1" {
				t.Errorf("%s: %s published on %s:%s, want 127.0.0.1 only", n.Name, port, bd.HostIP, bd.HostPort)
			}
		}
	}
	if published == 0 {
		t.Errorf("%s publishes no port", n.Name)
	}
	_, hp, _ := net.SplitHostPort(n.Addr)
	port := atoi(t, hp)
	for _, table := range []string{"tcp", "tcp6"} {
		for _, s := range listeningTCP(t, os.Getpid(), table) {
			if s.port == port && !s.ip.Equal(net.IPv4(127, 0, 0, 1)) {
				t.Errorf("%s: the host listens on %s:%d (%s), want 127.0.0.1 only", n.Name, s.ip, port, table)
			}
		}
	}
	// The host reaches the node through the published port.
	rc := redis.NewClient(&redis.Options{Addr: n.Addr, DialTimeout: 2 * time.Second})
	defer rc.Close()
	if err := rc.Ping(context.Background()).Err(); err != nil {
		t.Errorf("%s: PING through %s: %v", n.Name, n.Addr, err)
	}
}

type tcpSocket struct {
	ip    net.IP
	port  int
	inode string
}

// listeningTCP parses /proc/PID/net/tcp or tcp6 (the process's network
// namespace) and returns its sockets in state LISTEN (0A).
func listeningTCP(t *testing.T, pid int, table string) []tcpSocket {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, table))
	if err != nil {
		if table == "tcp6" && os.IsNotExist(err) {
			return nil
		}
		t.Fatal(err)
	}
	defer f.Close()
	var out []tcpSocket
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != "0A" {
			continue
		}
		addr, port, _ := strings.Cut(f[1], ":")
		p, _ := strconv.ParseInt(port, 16, 32)
		out = append(out, tcpSocket{ip: procIP(t, addr), port: int(p), inode: f[9]})
	}
	return out
}

// procIP decodes /proc/net/tcp's address: 32-bit words in host (little
// endian) order.
func procIP(t *testing.T, h string) net.IP {
	b, err := hex.DecodeString(h)
	if err != nil || len(b)%4 != 0 {
		t.Fatalf("address %q in /proc/net/tcp", h)
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return net.IP(b)
}

// listeningUnix returns the inodes of listening unix sockets (flag
// __SO_ACCEPTCON) in the process's /proc/PID/net/unix.
func listeningUnix(t *testing.T, pid int) []string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/unix", pid))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) >= 7 && f[3] == "00010000" {
			out = append(out, f[6])
		}
	}
	return out
}

// socketInodes returns the inodes of the sockets a process holds open.
func socketInodes(t *testing.T, pid int) map[string]bool {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, e := range ents {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if s, ok := strings.CutPrefix(link, "socket:["); ok && err == nil {
			m[strings.TrimSuffix(s, "]")] = true
		}
	}
	return m
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPasswordSurvivesRedisConf: a password is written quoted into
// redis.conf; quotes, backslashes, spaces and non-ASCII letters come back
// as they were (the server accepts the client's AUTH), and what the quoting
// cannot carry is refused before anything starts.
func TestPasswordSurvivesRedisConf(t *testing.T) {
	testenv.RequireRedis(t)
	pw := `q"uo te\ba'ck pässwört #1`
	tg := up(t, Spec{Provider: "process", Topology: "standalone", Replicas: 1, Password: pw})
	for _, n := range tg.Nodes {
		c := tg.NodeClient(n)
		err := c.Ping(context.Background()).Err()
		c.Close()
		if err != nil {
			t.Errorf("%s: PING with the password: %v", n.Name, err)
		}
	}
	noAuth := redis.NewClient(&redis.Options{Addr: tg.Primary().Addr})
	defer noAuth.Close()
	if err := noAuth.Ping(context.Background()).Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("PING without the password: %v, want NOAUTH", err)
	}
	for _, bad := range []string{"new\nline", "form\ffeed", "zero\u200bwidth"} {
		if _, err := Up(context.Background(), Spec{Provider: "process", Password: bad}); !errors.Is(err, ErrUnsupported) {
			t.Errorf("password %q: got %v, want ErrUnsupported", bad, err)
		}
	}
}

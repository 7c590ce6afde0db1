package compose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// processLauncher runs real redis-server processes on 127.0.0.1 ports, each
// in its own folder under one temp dir per run. Children get SIGKILL when
// squall dies (Pdeathsig), and a later run reaps dirs a killed run left.
type processLauncher struct {
	bin   string
	major int
	dir   string

	mu    sync.Mutex
	procs []*proc
}

type proc struct {
	node     *Node
	cmd      *exec.Cmd
	dir      string
	done     chan struct{}
	err      error
	expected bool // set before squall itself stops it
}

// ownerFile in a run's temp dir holds the squall pid that owns it.
const ownerFile = "squall.owner"

func newProcessLauncher(spec Spec) (*processLauncher, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, infraErr("redis-server not found in PATH: install it (Debian: apt-get install -y redis-server) or use another provider")
	}
	major, err := binaryMajor(bin)
	if err != nil {
		return nil, err
	}
	ReapProcessDirs()
	dir, err := os.MkdirTemp("", "squall-"+spec.RunID+"-")
	if err != nil {
		return nil, infraErr("temp dir: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, infraErr("temp dir: %v", err)
	}
	return &processLauncher{bin: bin, major: major, dir: dir}, nil
}

var versionRe = regexp.MustCompile(`v=(\d+)\.`)

// binaryMajor reads the major version from `redis-server --version`, to know
// which directives the server accepts before starting it.
func binaryMajor(bin string) (int, error) {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return 0, infraErr("%s --version: %v", bin, err)
	}
	m := versionRe.FindSubmatch(out)
	if m == nil {
		return 0, infraErr("cannot read the version from %q", strings.TrimSpace(string(out)))
	}
	return strconv.Atoi(string(m[1]))
}

func (l *processLauncher) name() string { return "process" }

func (l *processLauncher) start(ctx context.Context, t *Target, name string, extra []string) (*Node, error) {
	dir := filepath.Join(l.dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, infraErr("%v", err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free port can be taken between probe and bind
		port, err := freePort()
		if err != nil {
			return nil, infraErr("no free port: %v", err)
		}
		conf, err := serverConf(t.Spec, port, dir, l.major)
		if err != nil {
			return nil, err
		}
		conf = append(conf, extra...)
		node := &Node{Name: name, Addr: fmt.Sprintf("127.0.0.1:%d", port)}
		_, err = l.spawn(ctx, t, node, dir, conf)
		if err == nil {
			return node, nil
		}
		lastErr = err
		if !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	return nil, lastErr
}

// spawn writes the config, starts the process and waits until it answers.
func (l *processLauncher) spawn(ctx context.Context, t *Target, node *Node, dir string, conf []string) (*proc, error) {
	confPath := filepath.Join(dir, "redis.conf")
	conf = append([]string{"bind 127.0.0.1"}, conf...)
	if err := os.WriteFile(confPath, []byte(strings.Join(conf, "\n")+"\n"), 0o644); err != nil {
		return nil, infraErr("%v", err)
	}
	_ = os.Remove(filepath.Join(dir, "redis.log"))
	cmd := exec.Command(l.bin, confPath)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		return nil, infraErr("start %s: %v", l.bin, err)
	}
	p := &proc{node: node, cmd: cmd, dir: dir, done: make(chan struct{})}
	node.Pid = cmd.Process.Pid
	l.mu.Lock()
	l.procs = append(l.procs, p)
	l.mu.Unlock()
	go func() {
		p.err = cmd.Wait()
		l.mu.Lock()
		expected := p.expected
		l.mu.Unlock()
		close(p.done)
		if !expected {
			t.reportUnexpected(fmt.Errorf("%w: redis-server %s (pid %d, %s) exited unexpectedly: %v%s",
				ErrInfra, node.Name, node.Pid, node.Addr, p.err, logTail(dir)))
		}
	}()
	if err := waitReady(ctx, node.Addr, t.Spec.Password, p.done, 10*time.Second); err != nil {
		l.stop(p)
		return nil, infraErr("redis-server %s on %s did not start: %v%s%s", node.Name, node.Addr, err, stderrText(&stderr), logTail(dir))
	}
	return p, nil
}

// waitReady pings addr until it answers PONG, the process exits, or the
// timeout passes (a server loading a large AOF answers LOADING meanwhile).
func waitReady(ctx context.Context, addr, password string, exited <-chan struct{}, timeout time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: addr, Password: password, MaxRetries: -1,
		DialTimeout: time.Second, ReadTimeout: time.Second, DisableIdentity: true})
	defer c.Close()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = c.Ping(ctx).Err(); err == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("the process exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("no answer within %s: %v", timeout, err)
}

// stop kills a process and waits for it; squall's own stops are expected.
func (l *processLauncher) stop(p *proc) {
	l.mu.Lock()
	p.expected = true
	l.mu.Unlock()
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

func (l *processLauncher) close(ctx context.Context) error {
	l.mu.Lock()
	procs := append([]*proc(nil), l.procs...)
	l.mu.Unlock()
	for _, p := range procs {
		l.stop(p)
	}
	return os.RemoveAll(l.dir)
}

func stderrText(b *bytes.Buffer) string {
	s := strings.TrimSpace(b.String())
	if s == "" {
		return ""
	}
	return "\n  output: " + s
}

// logTail returns the last lines of a node's redis.log for error messages.
func logTail(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "redis.log"))
	if err != nil || len(b) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return "\n  redis.log: " + strings.Join(lines, "\n  redis.log: ")
}

// ReapProcessDirs removes temp dirs left by squall runs whose owner process
// is gone, killing any redis-server still running from them. It returns what
// it removed.
func ReapProcessDirs() []string {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "squall-*"))
	var reaped []string
	for _, dir := range matches {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		owner, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || processAlive(owner) {
			continue
		}
		pids, _ := filepath.Glob(filepath.Join(dir, "*", "*.pid"))
		for _, pf := range pids {
			if pb, err := os.ReadFile(pf); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(pb))); err == nil && isRedis(pid) {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
		if os.RemoveAll(dir) == nil {
			reaped = append(reaped, dir)
		}
	}
	return reaped
}

func processAlive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}

// isRedis guards against pid reuse before killing a leftover.
func isRedis(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && bytes.Contains(b, []byte("redis"))
}

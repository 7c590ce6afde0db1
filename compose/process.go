package compose

import (
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

// processLauncher runs real redis-server processes (or another
// redis-server-compatible executable, Spec.Server) on 127.0.0.1 ports, each
// in its own folder under one temp dir per run. Sentinels are the same
// executable with --sentinel, which is all redis-sentinel is. Children get
// SIGKILL when squall dies (Pdeathsig) unless detached, and a later run
// reaps dirs a killed run left.
type processLauncher struct {
	bin    string
	majorV int
	dir    string
	detach bool

	mu    sync.Mutex
	procs map[*Node]*proc
}

// proc is one node's process folder and its current incarnation.
type proc struct {
	node     *Node
	dir      string
	confPath string
	args     []string // after the config path (--sentinel)
	run      *procRun
}

// procRun is one start of a node's process; a restart makes a new one, so a
// late exit of the old one is never mistaken for the new one's.
type procRun struct {
	cmd      *exec.Cmd
	done     chan struct{}
	err      error
	expected bool // set (under processLauncher.mu) before squall itself ends it
}

// ownerFile in a run's temp dir holds the squall pid that owns it, or
// "detached" for a target squall target up left running.
const ownerFile = "squall.owner"

const detachedOwner = "detached"

func newProcessLauncher(t *Target) (*processLauncher, error) {
	spec := t.Spec
	bin, err := ServerBinary(spec.Server)
	if err != nil {
		return nil, infraErr("%v", err)
	}
	major, err := binaryMajor(bin)
	if err != nil {
		return nil, err
	}
	t.Reaped = ReapProcessDirs()
	dir, err := os.MkdirTemp("", "squall-"+spec.RunID+"-")
	if err != nil {
		return nil, infraErr("temp dir: %v", err)
	}
	owner := strconv.Itoa(os.Getpid())
	if spec.Detach {
		owner = detachedOwner
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(owner), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, infraErr("temp dir: %v", err)
	}
	return &processLauncher{bin: bin, majorV: major, dir: dir, detach: spec.Detach, procs: map[*Node]*proc{}}, nil
}

// ServerBinary finds the executable the process provider runs: server (a
// name looked up in PATH, or a path), redis-server when empty.
func ServerBinary(server string) (string, error) {
	if server == "" {
		bin, err := exec.LookPath("redis-server")
		if err != nil {
			return "", errors.New("redis-server not found in PATH: install it (Debian: apt-get install -y redis-server) or use another provider")
		}
		return bin, nil
	}
	bin, err := exec.LookPath(server)
	if err != nil {
		return "", fmt.Errorf("target.server %s: %v", server, errors.Unwrap(err))
	}
	return filepath.Abs(bin)
}

var versionRe = regexp.MustCompile(`v=(\d+)\.(\d+)\.(\d+)`)

// binaryMajor reads the major version from `SERVER --version` (redis-server,
// valkey-server and keydb-server all print v=X.Y.Z), to know which
// directives the server accepts before starting it.
func binaryMajor(bin string) (int, error) {
	v, err := binaryVersion(bin)
	if err != nil {
		return 0, err
	}
	major, _, _ := strings.Cut(v, ".")
	return strconv.Atoi(major)
}

// binaryVersion returns x.y.z from `redis-server --version`.
func binaryVersion(bin string) (string, error) {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "", infraErr("%s --version: %v", bin, err)
	}
	m := versionRe.FindSubmatch(out)
	if m == nil {
		return "", infraErr("cannot read the version from %s --version (%q): squall needs a redis-server-compatible server", bin, strings.TrimSpace(string(out)))
	}
	return fmt.Sprintf("%s.%s.%s", m[1], m[2], m[3]), nil
}

func (l *processLauncher) name() string { return "process" }
func (l *processLauncher) major() int   { return l.majorV }

func (l *processLauncher) start(ctx context.Context, t *Target, n *Node, conf confFunc) error {
	dir := filepath.Join(l.dir, n.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return infraErr("%v", err)
	}
	var args []string
	if n.Kind == "sentinel" {
		args = []string{"--sentinel"}
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free port can be taken between probe and bind
		port, err := freePort()
		if err != nil {
			return infraErr("no free port: %v", err)
		}
		bus := 0
		for n.bus && (bus == 0 || bus == port) { // the kernel may hand out the same free port twice
			if bus, err = freePort(); err != nil {
				return infraErr("no free port: %v", err)
			}
		}
		lines, err := conf(place{Bind: "127.0.0.1", Port: port, BusPort: bus, Dir: dir, LogFile: "redis.log", PidFile: "redis.pid"})
		if err != nil {
			return err
		}
		n.Addr = fmt.Sprintf("127.0.0.1:%d", port)
		n.Internal, n.busAt = n.Addr, bus
		p := &proc{node: n, dir: dir, confPath: filepath.Join(dir, "redis.conf"), args: args}
		if err := os.WriteFile(p.confPath, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			return infraErr("%v", err)
		}
		l.mu.Lock()
		l.procs[n] = p
		l.mu.Unlock()
		err = l.spawn(ctx, t, p)
		if err == nil {
			return nil
		}
		lastErr = err
		if !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	return lastErr
}

// spawn starts a node's process from its config file and waits until it
// answers.
func (l *processLauncher) spawn(ctx context.Context, t *Target, p *proc) error {
	_ = os.Remove(filepath.Join(p.dir, "redis.log"))
	out, err := os.OpenFile(filepath.Join(p.dir, "output.log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return infraErr("%v", err)
	}
	defer out.Close()
	cmd := exec.Command(l.bin, append([]string{p.confPath}, p.args...)...)
	cmd.Dir = p.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if !l.detach {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return infraErr("start %s: %v", l.bin, err)
	}
	r := &procRun{cmd: cmd, done: make(chan struct{})}
	n := p.node
	l.mu.Lock()
	p.run = r
	n.Pid = cmd.Process.Pid
	l.mu.Unlock()
	go func() {
		r.err = cmd.Wait()
		l.mu.Lock()
		expected := r.expected
		l.mu.Unlock()
		close(r.done)
		if !expected {
			t.reportUnexpected(fmt.Errorf("%w: redis-server %s (pid %d, %s) exited unexpectedly: %v%s",
				ErrInfra, n.Name, cmd.Process.Pid, n.Addr, r.err, logTail(p.dir)))
		}
	}()
	pw := t.Spec.Password
	if n.Kind == "sentinel" {
		pw = ""
	}
	if err := waitReady(ctx, n.Addr, pw, r.done, 60*time.Second); err != nil {
		l.end(r, syscall.SIGKILL, 5*time.Second)
		return infraErr("redis-server %s on %s did not start: %v%s%s", n.Name, n.Addr, err, fileText(filepath.Join(p.dir, "output.log")), logTail(p.dir))
	}
	return nil
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

// current returns a node's process and its current run.
func (l *processLauncher) current(n *Node) (*proc, *procRun, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.procs[n]
	if p == nil || p.run == nil {
		return nil, nil, fmt.Errorf("%s was never started", n.Name)
	}
	return p, p.run, nil
}

// end marks a run as squall's doing, signals it and waits for the exit;
// if grace passes it sends SIGKILL. A stopped (paused) process gets SIGCONT
// so that it can act on SIGTERM.
func (l *processLauncher) end(r *procRun, sig syscall.Signal, grace time.Duration) {
	l.mu.Lock()
	r.expected = true
	l.mu.Unlock()
	select {
	case <-r.done:
		return // already gone: its pid may belong to someone else by now
	default:
	}
	pid := r.cmd.Process.Pid
	_ = syscall.Kill(-pid, sig)
	if sig != syscall.SIGKILL {
		_ = syscall.Kill(-pid, syscall.SIGCONT)
	}
	select {
	case <-r.done:
		return
	case <-time.After(grace):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
	}
}

func (l *processLauncher) kill(_ context.Context, n *Node) error {
	_, r, err := l.current(n)
	if err != nil {
		return err
	}
	l.end(r, syscall.SIGKILL, 5*time.Second)
	return nil
}

func (l *processLauncher) stop(_ context.Context, n *Node, grace time.Duration) error {
	_, r, err := l.current(n)
	if err != nil {
		return err
	}
	l.end(r, syscall.SIGTERM, grace)
	return nil
}

func (l *processLauncher) restart(ctx context.Context, t *Target, n *Node) error {
	p, r, err := l.current(n)
	if err != nil {
		return err
	}
	select {
	case <-r.done:
	default:
		return fmt.Errorf("%s (pid %d) is still running", n.Name, r.cmd.Process.Pid)
	}
	return l.spawn(ctx, t, p) // same config file: what Sentinel rewrote in it stays
}

func (l *processLauncher) signal(n *Node, sig syscall.Signal) error {
	_, r, err := l.current(n)
	if err != nil {
		return err
	}
	return syscall.Kill(-r.cmd.Process.Pid, sig)
}

func (l *processLauncher) pause(_ context.Context, n *Node) error {
	return l.signal(n, syscall.SIGSTOP)
}
func (l *processLauncher) resume(_ context.Context, n *Node) error {
	return l.signal(n, syscall.SIGCONT)
}

func (l *processLauncher) disconnect(context.Context, *Node) error {
	return unsupportedErr("the process provider cannot partition a node (all nodes share 127.0.0.1); use the docker provider")
}

func (l *processLauncher) reconnect(ctx context.Context, n *Node) error { return l.disconnect(ctx, n) }

func (l *processLauncher) handle() Handle {
	return Handle{Provider: "process", Dir: l.dir}
}

func (l *processLauncher) close(context.Context) error {
	l.mu.Lock()
	var runs []*procRun
	for _, p := range l.procs {
		if p.run != nil {
			runs = append(runs, p.run)
		}
	}
	l.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.end(r, syscall.SIGKILL, 5*time.Second)
		}()
	}
	wg.Wait()
	return os.RemoveAll(l.dir)
}

func fileText(path string) string {
	b, err := os.ReadFile(path)
	s := strings.TrimSpace(string(b))
	if err != nil || s == "" {
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

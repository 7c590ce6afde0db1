package compose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	dc "github.com/ory/dockertest/v3/docker"
)

// A squall killed with SIGKILL cannot tear its target down. Everything it
// creates therefore names its owner (a pid file in a process run's temp dir,
// a label on each container and network), and the next run removes what
// belongs to owners that are gone.

// Labels on every container and network squall creates.
const (
	labelSquall = "squall"       // "1": made by squall (docker ps -a --filter label=squall=1)
	labelRun    = "squall.run"   // the run id
	labelOwner  = "squall.owner" // host:pid:start of the squall process, or "detached"
	labelNode   = "squall.node"  // containers: the node name
)

// ownerToken names this process so that a later one can tell whether it is
// still alive: host name, pid and the pid's start time (pids are reused).
func ownerToken() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), procStart(os.Getpid()))
}

// ownerGone reports whether the squall named by token has exited. An owner
// on another host, or a detached target, is never taken for gone.
func ownerGone(token string) bool {
	if token == detachedOwner || token == "" {
		return false
	}
	parts := strings.Split(token, ":")
	if len(parts) != 3 {
		return false
	}
	if host, _ := os.Hostname(); parts[0] != host {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil {
		return false
	}
	if !processAlive(pid) {
		return true
	}
	start := procStart(pid)
	return start != "" && parts[2] != "" && start != parts[2]
}

// procStart returns a process's start time in clock ticks since boot
// (/proc/PID/stat field 22), or "" where /proc is absent.
func procStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name (field 2) may hold spaces; count from its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// ReapDocker removes the containers and networks of squall runs whose owner
// process is gone (a squall killed mid-run) and returns what it removed,
// and what it could not remove (warnings: see reapDocker). err is only
// for an engine that does not answer.
func ReapDocker(ctx context.Context) (reaped, warnings []string, err error) {
	pool, err := dockerPool(ctx)
	if err != nil {
		return nil, nil, err
	}
	reaped, warnings = reapDocker(ctx, pool.Client)
	return reaped, warnings, nil
}

// reapDocker removes other runs' leftovers. It never fails: what it cannot
// list or remove belongs to someone else (another run may be removing the
// same leftovers at this very moment) and is returned as a warning, for
// the next run to try again.
func reapDocker(ctx context.Context, c *dc.Client) (reaped, warnings []string) {
	cs, err := c.ListContainers(dc.ListContainersOptions{All: true, Context: ctx,
		Filters: map[string][]string{"label": {labelSquall + "=1"}}})
	if err != nil {
		return nil, []string{fmt.Sprintf("listing leftovers of killed squall runs: %v", err)}
	}
	nets, err := c.FilteredListNetworks(dc.NetworkFilterOpts{"label": {labelSquall + "=1": true}})
	if err != nil {
		return nil, []string{fmt.Sprintf("listing leftovers of killed squall runs: %v", err)}
	}
	gone := map[string]bool{} // run id -> its owner is gone
	for _, x := range cs {
		gone[x.Labels[labelRun]] = gone[x.Labels[labelRun]] || ownerGone(x.Labels[labelOwner])
	}
	for _, n := range nets {
		gone[n.Labels[labelRun]] = gone[n.Labels[labelRun]] || ownerGone(n.Labels[labelOwner])
	}
	for run, g := range gone {
		if !g {
			continue
		}
		r, err := removeRun(ctx, c, run, "owner gone")
		reaped = append(reaped, r...)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("leftovers of killed run %s not all removed (the next run tries again): %v", run, err))
		}
	}
	sort.Strings(reaped)
	sort.Strings(warnings)
	return reaped, warnings
}

// beingRemoved reports Docker's 409 for a container another client is
// removing right now ("removal of container ... is already in progress"):
// as good as gone.
func beingRemoved(err error) bool {
	var e *dc.Error
	return errors.As(err, &e) && e.Status == http.StatusConflict && strings.Contains(e.Message, "already in progress")
}

// inUse reports Docker's refusal to remove a network containers are still
// attached to.
func inUse(err error) bool {
	var e *dc.Error
	return errors.As(err, &e) && e.Status == http.StatusForbidden && strings.Contains(e.Message, "active endpoints")
}

// removeRun removes every container and network labelled with run id and
// says what it removed and why.
func removeRun(ctx context.Context, c *dc.Client, run, why string) ([]string, error) {
	if run == "" {
		return nil, nil
	}
	filter := labelRun + "=" + run
	cs, err := c.ListContainers(dc.ListContainersOptions{All: true, Context: ctx,
		Filters: map[string][]string{"label": {filter}}})
	if err != nil {
		return nil, infraErr("listing containers of run %s: %v", run, err)
	}
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		done   []string
		errs   []string
		others bool // another client is removing some of these containers
	)
	for _, x := range cs {
		wg.Add(1)
		go func() { // one by one, a cluster's teardown takes seconds
			defer wg.Done()
			if x.State == "paused" {
				_ = c.UnpauseContainer(x.ID) // a paused container cannot be killed
			}
			err := c.RemoveContainer(dc.RemoveContainerOptions{ID: x.ID, Force: true, RemoveVolumes: true, Context: ctx})
			name := x.ID[:12]
			if len(x.Names) > 0 {
				name = strings.TrimPrefix(x.Names[0], "/")
			}
			mu.Lock()
			defer mu.Unlock()
			var gone *dc.NoSuchContainer
			switch {
			case err == nil:
				done = append(done, fmt.Sprintf("container %s (run %s, %s)", name, run, why))
			case errors.As(err, &gone): // someone else removed it
			case beingRemoved(err): // someone else is removing it
				others = true
			default:
				errs = append(errs, err.Error())
			}
		}()
	}
	wg.Wait()
	sort.Strings(done)
	nets, err := c.FilteredListNetworks(dc.NetworkFilterOpts{"label": {filter: true}})
	if err != nil {
		return done, infraErr("listing networks of run %s: %v", run, err)
	}
	for _, n := range nets {
		if err := c.RemoveNetwork(n.ID); err != nil {
			var gone *dc.NoSuchNetwork
			// Still in use by a container another client is removing: that
			// one removes the network once its containers are gone.
			if !errors.As(err, &gone) && !(others && inUse(err)) {
				errs = append(errs, err.Error())
			}
			continue
		}
		done = append(done, fmt.Sprintf("network %s (run %s, %s)", n.Name, run, why))
	}
	if len(errs) > 0 {
		return done, infraErr("removing run %s: %s", run, strings.Join(errs, "; "))
	}
	return done, nil
}

// ReapProcessDirs removes temp dirs left by squall runs whose owner process
// is gone, killing any redis-server still running from them. It returns what
// it removed. Detached targets (squall target up) are left for Down.
func ReapProcessDirs() []string {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "squall-*"))
	var reaped []string
	for _, dir := range matches {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		owner := strings.TrimSpace(string(b))
		if owner == detachedOwner {
			continue
		}
		pid, err := strconv.Atoi(owner)
		if err != nil || processAlive(pid) {
			continue
		}
		if removeProcessDir(dir) == nil {
			reaped = append(reaped, dir)
		}
	}
	return reaped
}

// removeProcessDir kills the servers whose pid files are in a run's dir and
// removes it.
func removeProcessDir(dir string) error {
	pids, _ := filepath.Glob(filepath.Join(dir, "*", "*.pid"))
	for _, pf := range pids {
		if pb, err := os.ReadFile(pf); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(pb))); err == nil && isRedis(pid) {
				_ = syscall.Kill(pid, syscall.SIGCONT) // a paused one would not die of SIGTERM later
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	return os.RemoveAll(dir)
}

func processAlive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}

// isRedis guards against pid reuse before killing a leftover.
func isRedis(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && bytes.Contains(b, []byte("redis"))
}

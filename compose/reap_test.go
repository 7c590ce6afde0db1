package compose

import (
	"bufio"
	"context"
	"fmt"
	"github.com/squall-bench/squall/internal/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dc "github.com/ory/dockertest/v3/docker"
)

// TestHelperSquall is not a test: TestKilledSquallIsReaped runs the test
// binary as a squall that stands a target up and is then SIGKILLed.
func TestHelperSquall(t *testing.T) {
	provider := os.Getenv("SQUALL_TEST_HELPER")
	if provider == "" {
		t.Skip("helper process for TestKilledSquallIsReaped")
	}
	tg, err := Up(context.Background(), Spec{Provider: provider, Topology: "standalone", Replicas: 1})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Printf("UP %s %s\n", tg.Spec.RunID, tg.Handle().Dir)
	time.Sleep(2 * time.Minute)
	os.Exit(0)
}

// TestKilledSquallIsReaped kills a squall mid-run with SIGKILL and checks
// that the next run removes what it left and says so. Not parallel: every Up
// reaps, and would take the leftovers from under this test.
func TestKilledSquallIsReaped(t *testing.T) {
	testenv.RequireRedis(t)
	for _, provider := range []string{"process", "docker"} {
		t.Run(provider, func(t *testing.T) {
			if provider == "docker" {
				testenv.RequireDocker(t, DockerAvailable)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSquall$", "-test.v")
			cmd.Env = append(os.Environ(), "SQUALL_TEST_HELPER="+provider)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string)
			go func() {
				s := bufio.NewScanner(out)
				for s.Scan() {
					lines <- s.Text()
				}
				close(lines)
			}()
			var run, dir string
		wait:
			for {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatal("the helper squall exited before its target was up")
					}
					if f := strings.Fields(l); len(f) >= 2 && f[0] == "UP" {
						run = f[1]
						if len(f) > 2 {
							dir = f[2]
						}
						break wait
					}
					if strings.HasPrefix(l, "ERR") {
						t.Fatal(l)
					}
				case <-time.After(60 * time.Second):
					_ = cmd.Process.Kill()
					t.Fatal("the helper squall did not bring its target up")
				}
			}
			_ = cmd.Process.Kill() // SIGKILL: no teardown runs
			_ = cmd.Wait()
			go func() {
				for range lines {
				}
			}()

			if provider == "process" {
				if _, err := os.Stat(dir); err != nil {
					t.Fatalf("the killed squall's dir %s is not there: %v", dir, err)
				}
				var reaped []string
				eventually(t, 5*time.Second, "reaping the dir", func() error {
					reaped = ReapProcessDirs()
					if len(reaped) == 0 {
						return fmt.Errorf("nothing reaped")
					}
					return nil
				})
				if !contains(reaped, dir) {
					t.Errorf("reaped %v, want %s", reaped, dir)
				}
				if _, err := os.Stat(dir); !os.IsNotExist(err) {
					t.Errorf("%s survived reaping", dir)
				}
				if out, _ := exec.Command("pgrep", "-f", filepath.Base(dir)).Output(); len(out) > 0 {
					t.Errorf("redis-server processes of the killed run survive: %s", out)
				}
				return
			}
			pool, err := dockerPool(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			cs, _ := pool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {labelRun + "=" + run}}})
			if len(cs) != 2 {
				t.Fatalf("the killed squall left %d containers, want 2", len(cs))
			}
			reaped, warnings, err := ReapDocker(context.Background())
			if err != nil || len(warnings) > 0 {
				t.Fatal(err, warnings)
			}
			t.Logf("reaped: %s", strings.Join(reaped, "; "))
			var ncont, nnet int
			for _, r := range reaped {
				if strings.Contains(r, "run "+run) {
					if strings.HasPrefix(r, "container ") {
						ncont++
					} else if strings.HasPrefix(r, "network ") {
						nnet++
					}
				}
			}
			if ncont != 2 || nnet != 2 {
				t.Errorf("reaped %d containers and %d networks of run %s, want 2 and 2: %v", ncont, nnet, run, reaped)
			}
			cs, _ = pool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {labelRun + "=" + run}}})
			if len(cs) != 0 {
				t.Errorf("%d containers of the killed run survive reaping", len(cs))
			}
		})
	}
}

// TestReapSparesTheLiving checks that the reaper leaves runs whose owner is
// alive, detached (squall target up) or on another host, and removes one
// whose owner is gone.
func TestReapSparesTheLiving(t *testing.T) {
	testenv.RequireRedis(t)
	testenv.RequireDocker(t, DockerAvailable)
	ctx := context.Background()
	pool, err := dockerPool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tag, _, err := hostImage(ctx, pool.Client)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	owners := map[string]string{
		"alive":    ownerToken(),
		"detached": detachedOwner,
		"abroad":   "some-other-host:1:1",
		"dead":     fmt.Sprintf("%s:%d:1", host, 1<<22+12345), // beyond any pid_max
	}
	runs := map[string]string{}
	for what, owner := range owners {
		run := "reaptest-" + what + "-" + newRunID()
		runs[what] = run
		labels := map[string]string{labelSquall: "1", labelRun: run, labelOwner: owner}
		if _, err := pool.Client.CreateNetwork(dc.CreateNetworkOptions{Name: "squall-" + run, Labels: labels}); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Client.CreateContainer(dc.CreateContainerOptions{Name: "squall-" + run + "-redis-0",
			Config: &dc.Config{Image: tag, Labels: labels}}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = removeRun(ctx, pool.Client, run, "test cleanup") })
	}
	reaped, warnings, err := ReapDocker(ctx)
	if err != nil || len(warnings) > 0 {
		t.Fatal(err, warnings)
	}
	want := []string{
		"container squall-" + runs["dead"] + "-redis-0 (run " + runs["dead"] + ", owner gone)",
		"network squall-" + runs["dead"] + " (run " + runs["dead"] + ", owner gone)",
	}
	if strings.Join(reaped, "\n") != strings.Join(want, "\n") {
		t.Errorf("reaped:\n%s\nwant:\n%s", strings.Join(reaped, "\n"), strings.Join(want, "\n"))
	}
	for what, run := range runs {
		cs, _ := pool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {labelRun + "=" + run}}})
		if gone := len(cs) == 0; gone != (what == "dead") {
			t.Errorf("run with a %s owner: %d containers left", what, len(cs))
		}
	}
}

func TestOwnerGone(t *testing.T) {
	if ownerGone(ownerToken()) {
		t.Error("this process is taken for gone")
	}
	host, _ := os.Hostname()
	if !ownerGone(fmt.Sprintf("%s:%d:%s", host, os.Getpid(), "1")) {
		t.Error("a reused pid (other start time) is taken for its owner")
	}
	for _, tok := range []string{"", detachedOwner, "elsewhere:1:1", "garbage"} {
		if ownerGone(tok) {
			t.Errorf("%q is taken for a gone owner", tok)
		}
	}
}

// TestConcurrentReapsBothSucceed: two runs starting at once both find the
// same leftovers of a killed run and remove them together. Docker answers
// one of them 409 "removal already in progress" (or "no such container")
// for containers the other is removing: that is as good as gone, and
// neither run may fail for someone else's leftovers.
func TestConcurrentReapsBothSucceed(t *testing.T) {
	testenv.RequireRedis(t)
	testenv.RequireDocker(t, DockerAvailable)
	ctx := context.Background()
	pool, err := dockerPool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tag, _, err := hostImage(ctx, pool.Client)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	dead := fmt.Sprintf("%s:%d:1", host, 1<<22+12345) // beyond any pid_max
	for round := range 3 {
		var runs []string
		for range 2 {
			run := "reaptest-race-" + newRunID()
			runs = append(runs, run)
			labels := map[string]string{labelSquall: "1", labelRun: run, labelOwner: dead}
			for _, n := range []string{"pub", "peer"} {
				if _, err := pool.Client.CreateNetwork(dc.CreateNetworkOptions{Name: "squall-" + run + "-" + n, Labels: labels}); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 3 {
				c, err := pool.Client.CreateContainer(dc.CreateContainerOptions{Name: fmt.Sprintf("squall-%s-redis-%d", run, i),
					Config: &dc.Config{Image: tag, Labels: labels}, HostConfig: &dc.HostConfig{NetworkMode: "squall-" + run + "-pub"}})
				if err != nil {
					t.Fatal(err)
				}
				if err := pool.Client.StartContainer(c.ID, nil); err != nil {
					t.Fatal(err)
				}
			}
			t.Cleanup(func() { _, _ = removeRun(ctx, pool.Client, run, "test cleanup") })
		}
		type out struct {
			reaped, warnings []string
			err              error
		}
		outs := make(chan out, 2)
		for range 2 {
			go func() {
				r, w, err := ReapDocker(ctx)
				outs <- out{r, w, err}
			}()
		}
		got := map[string]bool{}
		for range 2 {
			o := <-outs
			if o.err != nil {
				t.Errorf("round %d: a reap failed: %v", round, o.err)
			}
			for _, w := range o.warnings {
				t.Logf("round %d: warning: %s", round, w)
			}
			for _, r := range o.reaped {
				got[r] = true
			}
		}
		for _, run := range runs {
			cs, _ := pool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {labelRun + "=" + run}}})
			if len(cs) != 0 {
				t.Errorf("round %d: %d containers of run %s survive two reaps", round, len(cs), run)
			}
			n := 0
			for r := range got {
				if strings.HasPrefix(r, "container ") && strings.Contains(r, "run "+run) {
					n++
				}
			}
			if n != 3 {
				t.Errorf("round %d: the reaps report %d containers of run %s removed, want 3 (each once, by one of them): %v", round, n, run, got)
			}
			// Whichever reap finished its containers last finds the
			// networks free and removes them.
			nets, _ := pool.Client.FilteredListNetworks(dc.NetworkFilterOpts{"label": {labelRun + "=" + run: true}})
			if len(nets) != 0 {
				t.Errorf("round %d: %d networks of run %s survive two reaps", round, len(nets), run)
			}
		}
	}
}

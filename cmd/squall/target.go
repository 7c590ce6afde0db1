package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/runner"
	"github.com/squall-bench/squall/scenarios"
)

// squall target up SCENARIO stands a scenario's target up and leaves it
// running (to poke at by hand, or to point another tool at); squall target
// down removes it. A small JSON file per target under
// $TMPDIR/squall-targets/ carries what down needs from one process to the
// next.

// targetState is the JSON file up leaves for down.
type targetState struct {
	compose.Handle
	Scenario  string            `json:"scenario"`
	Topology  string            `json:"topology"`
	Image     string            `json:"image,omitempty"`
	Nodes     []targetStateNode `json:"nodes"`
	CreatedAt time.Time         `json:"created_at"`
}

type targetStateNode struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Addr     string `json:"addr"`
	Internal string `json:"internal,omitempty"`
	Pid      int    `json:"pid,omitempty"`
}

func targetStateDir() string { return filepath.Join(os.TempDir(), "squall-targets") }

func cmdTarget(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("target takes a subcommand: up SCENARIO [flags] | down [RUN_ID] (see squall help target)")
	}
	switch args[0] {
	case "-h", "--help":
		help(stdout, "target", nil)
		return helped
	case "up":
		return targetUp(ctx, args[1:], stdout, stderr)
	case "down":
		return targetDown(ctx, args[1:], stdout, stderr)
	}
	return usagef("target: unknown subcommand %q (up or down)", args[0])
}

func targetUp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("target up", stderr)
	sf := addScenarioFlags(fs)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("target up takes one SCENARIO (a file or a shipped name; see squall list)")
	}
	sets, provider, err := sf.resolve(os.Getenv)
	if err != nil {
		return err
	}
	sc, cells, err := load(fs.Arg(0), sets, provider)
	if err != nil {
		return err
	}
	s := cells[0].Scenario
	if len(cells) > 1 {
		fmt.Fprintf(stderr, "%s has %d matrix cells; standing up the first, %s (pick another with --set)\n", sc.Source, len(cells), cells[0].Name)
	}
	choice, err := runner.ChooseProvider(ctx, cells[0], provider) // as squall run chooses it
	if err != nil {
		if errors.Is(err, compose.ErrInfra) {
			return exitWith(exitInfra, err)
		}
		return exitWith(exitUsage, err)
	}
	p := choice.Provider
	fmt.Fprintf(stderr, "provider: %s (%s)\n", p, choice.Why)
	if p == "external" {
		return usagef("target.provider external: there is nothing to stand up (the target is already at %s)", strings.Join(s.Target.Addrs, ", "))
	}
	spec, err := runner.TargetSpec(s, p, "")
	spec.Detach = true     // the target outlives this process
	spec.PeerProxy = false // the peer fault proxies live in squall's process: they would die with this one
	if err != nil {
		return exitWith(exitUsage, err)
	}
	tg, err := compose.Up(ctx, spec)
	for _, r := range reapedOf(tg) {
		fmt.Fprintln(stderr, "removed leftover of a killed squall run:", r)
	}
	if tg != nil {
		for _, w := range tg.Warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
	}
	if err != nil {
		if errors.Is(err, compose.ErrUnsupported) {
			return exitWith(exitUsage, err)
		}
		if ctx.Err() != nil { // Up stopped what it had started
			return exitWith(exitInterrupted, errors.New("interrupted while the target was coming up"))
		}
		return exitWith(exitInfra, err)
	}
	st := targetState{Handle: tg.Handle(), Scenario: sc.Name, Topology: tg.Topology, Image: tg.Image, CreatedAt: time.Now().UTC()}
	for _, n := range tg.Nodes {
		st.Nodes = append(st.Nodes, targetStateNode{Name: n.Name, Role: n.Role, Addr: n.Addr, Internal: n.Internal, Pid: n.Pid})
	}
	if err := writeTargetState(st); err != nil {
		_ = tg.Close(context.WithoutCancel(ctx))
		return exitWith(exitInfra, err)
	}

	fmt.Fprintf(stdout, "target %s up: %s on %s, %s %s, persistence %s\n", st.RunID, tg.Topology, tg.Provider, tg.Server.Name, tg.Server.Version, spec.Persistence)
	if tg.ImageNote != "" {
		fmt.Fprintf(stdout, "image: %s\n", tg.ImageNote)
	}
	if tg.Provider == "docker" {
		fmt.Fprintf(stdout, "data path: %s (%s)\n", tg.DataPath, tg.DataPathNote)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	if tg.Provider == "docker" {
		fmt.Fprintln(tw, "\nNODE\tROLE\tADDRESS\tPUBLISHED\tPEERS SEE")
	} else {
		fmt.Fprintln(tw, "\nNODE\tROLE\tADDRESS\tPEERS SEE")
	}
	for _, n := range tg.Nodes {
		if tg.Provider == "docker" {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n.Name, n.Role, n.Addr, n.Published, n.Internal)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n.Name, n.Role, n.Addr, n.Internal)
	}
	_ = tw.Flush()
	fmt.Fprintln(stdout)
	first := tg.Nodes[0]
	switch tg.Topology {
	case "sentinel":
		first = tg.Sentinels()[0]
		fmt.Fprintf(stdout, "sentinels monitor the primary as %q: redis-cli %s sentinel get-master-addr-by-name %s\n", compose.MasterName, cliAddr(first), compose.MasterName)
	case "cluster":
		fmt.Fprintf(stdout, "cluster: redis-cli -c %s cluster info\n", cliAddr(first))
	default:
		fmt.Fprintf(stdout, "connect: redis-cli %s\n", cliAddr(first))
	}
	if tg.Provider == "docker" && tg.Topology != "standalone" {
		fmt.Fprintln(stdout, "nodes announce the PEERS SEE addresses; squall's clients map them to ADDRESS, other cluster/sentinel clients need the same mapping")
	} else {
		fmt.Fprintln(stdout, "run a scenario against it:", runAgainst(fs.Arg(0), s, tg))
	}
	fmt.Fprintf(stdout, "tear down: squall target down %s\n", st.RunID)
	return nil
}

// runAgainst is the squall run command that drives a scenario through a
// target that target up started: ref's own when it has no faults (they
// need squall to stand its target up), else the stream scenario.
func runAgainst(ref string, s *scenarios.Scenario, tg *compose.Target) string {
	cmd := "squall run " + shellQuote(ref)
	if len(s.Chaos) > 0 {
		cmd = "squall run stream" // faults need a target squall stands up itself
	}
	pw := ""
	if s.Target.PasswordEnv != "" {
		pw = " (password from $" + s.Target.PasswordEnv + ")"
		if s.Target.PasswordEnv != passwordVar {
			cmd += " --set target.password_env=" + s.Target.PasswordEnv
		}
	}
	if tg.Topology == "standalone" {
		return cmd + " --url redis://" + tg.Primary().Addr + pw
	}
	var addrs []string
	nodes := tg.DataNodes()
	if tg.Topology == "sentinel" {
		nodes = tg.Sentinels()
	}
	for _, n := range nodes {
		addrs = append(addrs, n.Addr)
	}
	return fmt.Sprintf("%s --provider external --set target.topology=%s --set target.addrs=[%s]%s", cmd, tg.Topology, strings.Join(addrs, ","), pw)
}

func reapedOf(tg *compose.Target) []string {
	if tg == nil {
		return nil
	}
	return tg.Reaped
}

// cliAddr is redis-cli's -h/-p for a node as clients dial it.
func cliAddr(n *compose.Node) string {
	i := strings.LastIndex(n.Addr, ":")
	if host := n.Addr[:i]; host != "127.0.0.1" {
		return fmt.Sprintf("-h %s -p %s", host, n.Addr[i+1:])
	}
	return "-p " + n.Addr[i+1:]
}

func writeTargetState(st targetState) error {
	if err := os.MkdirAll(targetStateDir(), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(targetStateDir(), st.RunID+".json"), append(b, '\n'), 0o644)
}

func readTargetStates() ([]targetState, error) {
	files, _ := filepath.Glob(filepath.Join(targetStateDir(), "*.json"))
	var states []targetState
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var st targetState
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		states = append(states, st)
	}
	sort.Slice(states, func(i, j int) bool { return states[i].CreatedAt.Before(states[j].CreatedAt) })
	return states, nil
}

func targetDown(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("target down", stderr)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("target down takes at most one RUN_ID")
	}
	states, err := readTargetStates()
	if err != nil {
		return exitWith(exitInfra, err)
	}
	var st *targetState
	switch {
	case fs.NArg() == 1:
		for i := range states {
			if states[i].RunID == fs.Arg(0) {
				st = &states[i]
			}
		}
		if st == nil {
			return usagef("no target %s is up (see %s)", fs.Arg(0), targetStateDir())
		}
	case len(states) == 0:
		fmt.Fprintln(stdout, "no target is up")
		return nil
	case len(states) == 1:
		st = &states[0]
	default:
		var ids []string
		for _, s := range states {
			ids = append(ids, fmt.Sprintf("  %s  %s %s on %s, up since %s", s.RunID, s.Scenario, s.Topology, s.Provider, s.CreatedAt.Local().Format(time.DateTime)))
		}
		return usagef("%d targets are up; name one:\n%s", len(states), strings.Join(ids, "\n"))
	}
	removed, err := compose.Down(ctx, st.Handle)
	for _, r := range removed {
		fmt.Fprintln(stdout, "removed", r)
	}
	if err != nil {
		return exitWith(exitInfra, err)
	}
	if err := os.Remove(filepath.Join(targetStateDir(), st.RunID+".json")); err != nil && !os.IsNotExist(err) {
		return exitWith(exitInfra, err)
	}
	fmt.Fprintf(stdout, "target %s is down\n", st.RunID)
	return nil
}

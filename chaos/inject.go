package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/compose"
)

// Fired is what one shot did: when, to which node in which role, when it
// healed, and, when the primary changed, which node took over and when.
type Fired struct {
	Shot
	Step     Step
	Node     string        // "" when the shot found no node to act on
	Role     string        // the node's role when the fault fired
	Shard    int           // cluster: the node's shard
	HealedAt time.Duration // offset into the measured phase; 0: not healed
	// InPlace: the fault left something to undo (a timed fault, a killed
	// or stopped node, a configuration change), in place until HealedAt.
	InPlace    bool
	Promoted   string // the node that became primary after the fault
	PromotedAt time.Duration
	Rejoined   string // after healing, the role the faulted primary came back in ("replica": demoted)
	lastRole   string // the old primary's role at the last poll after healing
	Err        string
}

// Mark is a timeline annotation: a fault firing or healing.
type Mark struct {
	At    time.Duration
	Label string
}

// Injector runs a schedule against a target. Run fires the shots; Heal
// undoes whatever is still broken. Both are safe to call once each, in
// that order, from one goroutine.
type Injector struct {
	tg    *compose.Target
	steps []Step
	rng   *rand.Rand
	begin time.Time // start of the measured phase
	mark  func(Mark)
	// struck, when set, is called as each fault has struck (see OnStruck).
	struck func(i int)

	mu      sync.Mutex
	fired   []*Fired
	killed  []*compose.Node // by kill, not yet started again
	stopped []*compose.Node
	heals   []*heal // pending: timed faults and faults left in place
	wg      sync.WaitGroup

	// configs holds, per node, each parameter's value before squall's
	// first CONFIG SET of it (config.go); guarded by mu.
	configs map[*compose.Node]map[string]string

	consumers     Consumers // what consumer faults act on (consumer.go)
	deadConsumers []int     // killed for good by kill-consumer; guarded by mu
}

// heal undoes one fault; done is set once it ran.
type heal struct {
	f    *Fired
	node *compose.Node
	undo func(context.Context) error
	done bool
}

// New returns an injector; seed makes random choices reproducible; mark
// (may be nil) receives every firing and healing as it happens, from
// several goroutines.
func New(tg *compose.Target, steps []Step, seed int64, begin time.Time, mark func(Mark)) *Injector {
	if mark == nil {
		mark = func(Mark) {}
	}
	return &Injector{tg: tg, steps: steps, rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed)), begin: begin, mark: mark}
}

func (in *Injector) since() time.Duration { return time.Since(in.begin) }

// OnStruck sets f to be called as each fault has struck: once its action
// has completed (the node is down, frozen, cut off) or failed, before its
// mark, with its index in Fired(). A load generator takes a snapshot
// there to tell what was acknowledged before the fault from what came
// after. Set it before Run; f runs on Run's goroutine and must be quick.
func (in *Injector) OnStruck(f func(i int)) { in.struck = f }

// Run fires every shot of the schedule within the measured phase at its
// time, until ctx ends or the schedule is done; timed faults heal on their
// own clocks. It returns when the last shot has fired (heals may still be
// pending: see Heal).
func (in *Injector) Run(ctx context.Context, measured time.Duration) {
	for _, sh := range Expand(in.steps, measured) {
		t := time.NewTimer(time.Until(in.begin.Add(sh.At)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		in.fire(ctx, sh)
	}
}

// Fired returns the shots fired so far, in firing order.
func (in *Injector) Fired() []Fired {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]Fired, len(in.fired))
	for i, f := range in.fired {
		out[i] = *f
	}
	return out
}

// Heal undoes every fault still in place (pauses, partitions, netem,
// client pauses, configuration; killed and stopped nodes are started
// again), waits for timed heals in progress, and puts back every
// configuration parameter a config fault changed (config.go). Call it with
// a context that outlives the run's cancellation (context.WithoutCancel),
// so Ctrl-C never leaves a primary paused or a server reconfigured.
func (in *Injector) Heal(ctx context.Context) []error {
	in.mu.Lock()
	pending := in.heals
	in.heals = nil
	in.mu.Unlock()
	var errs []error
	for _, h := range pending {
		if err := in.runHeal(ctx, h); err != nil {
			errs = append(errs, err)
		}
	}
	in.wg.Wait()
	return append(errs, in.restoreConfigs(ctx)...)
}

func (in *Injector) runHeal(ctx context.Context, h *heal) error {
	in.mu.Lock()
	if h.done {
		in.mu.Unlock()
		return nil
	}
	h.done = true
	in.mu.Unlock()
	err := h.undo(ctx)
	at := in.since()
	in.mu.Lock()
	if h.f.HealedAt == 0 {
		h.f.HealedAt = at
	}
	in.mu.Unlock()
	label := fmt.Sprintf("healed: %s %s", h.f.Step.Action, h.node.Name)
	if err != nil {
		label += " (failed: " + err.Error() + ")"
		err = fmt.Errorf("healing %s on %s: %w", h.f.Step.Action, h.node.Name, err)
	}
	in.mark(Mark{At: at, Label: label})
	return err
}

// fire runs one shot against every node its target selects.
func (in *Injector) fire(ctx context.Context, sh Shot) {
	step := in.steps[sh.Step]
	if actions[step.Action].Consumer {
		in.fireConsumers(ctx, sh, step)
		return
	}
	nodes, roles, err := in.pick(ctx, step)
	if err == nil && len(nodes) == 0 {
		err = fmt.Errorf("no node matches target %s now", step.Target)
	}
	if err != nil {
		in.missed(sh, step, err)
		return
	}
	for i, n := range nodes {
		f := &Fired{Shot: sh, Step: step, Node: n.Name, Role: roles[i], Shard: n.Shard}
		f.At = in.since()
		idx := in.record(f)
		undo, err := in.act(ctx, step, n)
		in.strike(idx)
		in.settleShot(ctx, f, n, fmt.Sprintf("%s %s (%s)", step.Action, n.Name, roles[i]), undo, err)
	}
}

// missed records a shot that found nothing to act on, and why.
func (in *Injector) missed(sh Shot, step Step, err error) {
	f := &Fired{Shot: sh, Step: step, Err: err.Error()}
	in.strike(in.record(f))
	in.mark(Mark{At: in.since(), Label: fmt.Sprintf("%s %s: %v", step.Action, step.Target, err)})
}

// settleShot records how one fault went: its error, or how to undo it (kept
// for Heal, and run after the step's duration), and marks the timeline.
func (in *Injector) settleShot(ctx context.Context, f *Fired, n *compose.Node, label string, undo undoFunc, err error) {
	in.mu.Lock() // Fired may read f while the schedule runs (a metrics scrape)
	if err != nil {
		f.Err = err.Error()
		label += ": " + err.Error()
	}
	var h *heal
	if err == nil && undo != nil {
		h = &heal{f: f, node: n, undo: undo}
		f.InPlace = true
		in.heals = append(in.heals, h)
	}
	in.mu.Unlock()
	in.mark(Mark{At: f.At, Label: label})
	if h != nil {
		in.healAfter(ctx, h, f.Step.Duration)
	}
}

// healAfter runs h, which the caller has kept for Heal, after that long
// (never when after <= 0: Heal at teardown undoes it).
func (in *Injector) healAfter(ctx context.Context, h *heal, after time.Duration) {
	if after <= 0 {
		return
	}
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		t := time.NewTimer(after)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return // Heal, deferred by the run, undoes it
		case <-t.C:
		}
		_ = in.runHeal(context.WithoutCancel(ctx), h)
	}()
}

// record adds f to the fired faults and returns its index.
func (in *Injector) record(f *Fired) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.fired = append(in.fired, f)
	return len(in.fired) - 1
}

func (in *Injector) strike(i int) {
	if in.struck != nil {
		in.struck(i)
	}
}

// Watch follows the primaries after the faults fire and records, for
// every fired fault that hit a primary, which node was promoted in its
// place and when. It polls every interval until ctx ends.
func (in *Injector) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// Still not demoted when the run ended: say what it was.
			in.mu.Lock()
			for _, f := range in.fired {
				if f.Rejoined == "" && f.lastRole != "" {
					f.Rejoined = f.lastRole
				}
			}
			in.mu.Unlock()
			return
		case <-t.C:
		}
		in.mu.Lock()
		var open, back []*Fired
		for _, f := range in.fired {
			if f.Role == "primary" && f.Promoted == "" && f.Node != "" && in.mayPromote(f.Step) {
				open = append(open, f)
			}
			if f.Promoted != "" && f.HealedAt > 0 && f.Rejoined == "" {
				back = append(back, f)
			}
		}
		in.mu.Unlock()
		for _, f := range back { // a healed old primary: did it come back demoted?
			rctx, cancel := context.WithTimeout(ctx, interval)
			r := in.roleOf(rctx, in.tg.Node(f.Node))
			cancel()
			in.mu.Lock()
			f.lastRole = r
			if r == "replica" { // a woken primary believes it still is one until Sentinel or the cluster demotes it
				f.Rejoined = r
			}
			in.mu.Unlock()
			if r == "replica" {
				in.mark(Mark{At: in.since(), Label: fmt.Sprintf("%s rejoined as %s", f.Node, r)})
			}
		}
		if len(open) == 0 {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, interval)
		primaries := in.primaries(pctx)
		cancel()
		at := in.since()
		in.mu.Lock()
		for _, f := range open {
			for _, p := range primaries {
				if p.Name != f.Node && p.Shard == f.Shard {
					f.Promoted, f.PromotedAt = p.Name, at
					in.mark(Mark{At: at, Label: fmt.Sprintf("failover: %s promoted", p.Name)})
				}
			}
		}
		in.mu.Unlock()
	}
}

// primaries returns the nodes that are primaries now: what Sentinel names
// on a sentinel target, what ROLE says elsewhere.
func (in *Injector) primaries(ctx context.Context) []*compose.Node {
	if in.tg.Topology == "sentinel" {
		if p, err := in.tg.SentinelPrimary(ctx); err == nil {
			return []*compose.Node{p}
		}
		return nil
	}
	var ps []*compose.Node
	for _, r := range in.roles(ctx) {
		if r.Role == "primary" && r.Node.Kind == "redis" {
			ps = append(ps, r.Node)
		}
	}
	return ps
}

// pick selects the nodes a step's target names at this moment, with the
// role each has now.
func (in *Injector) pick(ctx context.Context, s Step) ([]*compose.Node, []string, error) {
	in.mu.Lock()
	killed, stopped := append([]*compose.Node(nil), in.killed...), append([]*compose.Node(nil), in.stopped...)
	in.mu.Unlock()
	role := func(n *compose.Node, r string) ([]*compose.Node, []string, error) {
		return []*compose.Node{n}, []string{r}, nil
	}
	switch {
	case s.Target == "killed" || s.Target == "stopped":
		list := killed
		if s.Target == "stopped" {
			list = stopped
		}
		if len(list) == 0 {
			return nil, nil, fmt.Errorf("no %s node to act on", s.Target)
		}
		rs := make([]string, len(list))
		for i := range rs {
			rs[i] = "down"
		}
		return list, rs, nil
	case s.Target == "paused":
		in.mu.Lock()
		defer in.mu.Unlock()
		for _, h := range in.heals {
			if !h.done && h.f.Step.Action == "pause" {
				return []*compose.Node{h.node}, []string{h.f.Role}, nil
			}
		}
		return nil, nil, errors.New("no paused node to act on")
	case strings.HasPrefix(s.Target, "node:"):
		n := in.tg.Node(strings.TrimPrefix(s.Target, "node:"))
		if n == nil {
			return nil, nil, fmt.Errorf("the target has no node %s", strings.TrimPrefix(s.Target, "node:"))
		}
		return role(n, in.roleOf(ctx, n))
	case s.Target == "sentinel":
		ss := in.tg.Sentinels()
		if len(ss) == 0 {
			return nil, nil, errors.New("the target has no sentinels")
		}
		return role(ss[in.rng.IntN(len(ss))], "sentinel")
	case s.Target == "spare":
		for _, r := range in.roles(ctx) {
			if r.Role == "spare" {
				return role(r.Node, "spare")
			}
		}
		return nil, nil, errors.New("no spare node left to add")
	case s.Target == "all":
		var ns []*compose.Node
		var rs []string
		for _, r := range in.roles(ctx) {
			if r.Node.Kind == "redis" && r.Role != "spare" && !isDown(r.Node, killed, stopped) {
				ns, rs = append(ns, r.Node), append(rs, r.Role)
			}
		}
		return ns, rs, nil
	}
	primaries := in.primaries(ctx)
	switch s.Target {
	case "primary", "random-primary":
		if len(primaries) == 0 {
			return nil, nil, errors.New("no primary answers")
		}
		p := primaries[0]
		if s.Target == "random-primary" || in.tg.Topology == "cluster" {
			p = primaries[in.rng.IntN(len(primaries))]
		}
		return role(p, "primary")
	case "replica":
		var cands []*compose.Node
		for _, r := range in.roles(ctx) {
			if r.Role == "replica" && r.Node.Kind == "redis" {
				cands = append(cands, r.Node)
			}
		}
		if len(cands) == 0 {
			return nil, nil, errors.New("no replica answers")
		}
		return role(cands[in.rng.IntN(len(cands))], "replica")
	}
	return nil, nil, fmt.Errorf("unknown target %q", s.Target)
}

func isDown(n *compose.Node, lists ...[]*compose.Node) bool {
	for _, l := range lists {
		for _, d := range l {
			if d == n {
				return true
			}
		}
	}
	return false
}

func (in *Injector) roleOf(ctx context.Context, n *compose.Node) string {
	if n.Kind == "sentinel" {
		return "sentinel"
	}
	for _, r := range in.roles(ctx) {
		if r.Node == n {
			if r.Role == "" {
				return "unreachable"
			}
			return r.Role
		}
	}
	return ""
}

// roles asks every node its role, giving a frozen node 300 ms: a
// paused replica must not delay the fault aimed at the primary.
func (in *Injector) roles(ctx context.Context) []compose.NodeRole {
	ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	return in.tg.Roles(ctx)
}

// admin runs one command on a node with a read timeout long enough for it.
func (in *Injector) admin(ctx context.Context, n *compose.Node, timeout time.Duration, args ...any) error {
	pw := in.tg.Spec.Password
	if n.Kind == "sentinel" {
		pw = ""
	}
	// A client of its own: NodeClient's read timeout would cut a long DEBUG SLEEP short.
	c := redis.NewClient(&redis.Options{Addr: n.Addr, Password: pw, MaxRetries: -1, PoolSize: 1,
		ReadTimeout: timeout + 5*time.Second, DisableIdentity: true})
	defer c.Close()
	cctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	cmd := redis.NewCmd(cctx, args...)
	_ = c.Process(cctx, cmd)
	return cmd.Err()
}

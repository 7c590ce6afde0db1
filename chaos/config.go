package chaos

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/compose"
)

// A config fault changes a server's configuration with CONFIG SET. On an
// external target that is the user's own server, so every value is read
// with CONFIG GET before it is changed, and whatever squall changed is put
// back when the fault heals: after its duration, or at teardown (Heal)
// when it has none, also when the run is interrupted or fails. Heal then
// restores the first value squall saw of every parameter it touched, so
// overlapping config faults on one parameter cannot leave a later fault's
// "old" value (an earlier fault's) in place.

// checkConfig: a config fault without parameters would change nothing.
// Each directive's name and value were checked with the scenario.
func checkConfig(s Step, _ Shape) string {
	if len(s.Params) == 0 {
		return "config needs params: the directives to CONFIG SET, e.g. {appendfsync: always}"
	}
	return ""
}

// config applies CONFIG SET for each parameter and returns the undo that
// restores the values it found.
func (in *Injector) config(ctx context.Context, s Step, n *compose.Node) (undoFunc, error) {
	keys := make([]string, 0, len(s.Params))
	for k := range s.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	c := in.tg.NodeClient(n)
	defer c.Close()
	old := map[string]string{}
	for _, k := range keys { // all read first: a parameter squall cannot read, it does not change
		v, err := configGet(ctx, c, k)
		if err != nil {
			return nil, err
		}
		old[k] = v
	}
	in.rememberConfig(n, old)
	for i, k := range keys {
		if err := c.ConfigSet(ctx, k, configArg(s.Params[k])).Err(); err != nil {
			if rerr := configRestore(context.WithoutCancel(ctx), c, keys[:i], old); rerr != nil {
				return nil, fmt.Errorf("CONFIG SET %s %v: %w; restoring the parameters set before it failed too: %v", k, s.Params[k], err, rerr)
			}
			return nil, fmt.Errorf("CONFIG SET %s %v: %w", k, s.Params[k], err)
		}
	}
	return func(ctx context.Context) error {
		c := in.tg.NodeClient(n)
		defer c.Close()
		return configRestore(ctx, c, keys, old)
	}, nil
}

// configGet returns one parameter's current value. A name CONFIG GET does
// not answer for exactly (a glob, an unknown parameter) is refused: squall
// would not know what to restore.
func configGet(ctx context.Context, c *redis.Client, k string) (string, error) {
	vals, err := c.ConfigGet(ctx, k).Result()
	if err != nil {
		return "", fmt.Errorf("CONFIG GET %s: %w", k, err)
	}
	for name, v := range vals {
		if strings.EqualFold(name, k) {
			return v, nil
		}
	}
	return "", fmt.Errorf("CONFIG GET %s returned no value for it (unknown parameter, or a pattern): squall changes only parameters whose value it can restore", k)
}

// configRestore sets each of keys back to its value in old, in reverse
// order, skipping those that already have it.
func configRestore(ctx context.Context, c *redis.Client, keys []string, old map[string]string) error {
	var errs []string
	for i := len(keys) - 1; i >= 0; i-- {
		k := keys[i]
		if now, err := configGet(ctx, c, k); err == nil && now == old[k] {
			continue
		}
		if err := c.ConfigSet(ctx, k, old[k]).Err(); err != nil {
			errs = append(errs, fmt.Sprintf("CONFIG SET %s %q: %v", k, old[k], err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// rememberConfig records, per node, the first value squall saw of each
// parameter (before any config fault of this run changed it).
func (in *Injector) rememberConfig(n *compose.Node, vals map[string]string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.configs == nil {
		in.configs = map[*compose.Node]map[string]string{}
	}
	m := in.configs[n]
	if m == nil {
		m = map[string]string{}
		in.configs[n] = m
	}
	for k, v := range vals {
		if _, seen := m[strings.ToLower(k)]; !seen {
			m[strings.ToLower(k)] = v
		}
	}
}

// restoreConfigs puts back the first value squall saw of every parameter a
// config fault touched, on every node that is up (squall's own nodes it
// killed are torn down anyway). Heal calls it last.
func (in *Injector) restoreConfigs(ctx context.Context) []error {
	in.mu.Lock()
	type nodeVals struct {
		n    *compose.Node
		vals map[string]string
	}
	var todo []nodeVals
	for n, vals := range in.configs {
		if !isDown(n, in.killed, in.stopped) {
			todo = append(todo, nodeVals{n, vals})
		}
	}
	in.mu.Unlock()
	sort.Slice(todo, func(i, j int) bool { return todo[i].n.Name < todo[j].n.Name })
	var errs []error
	for _, t := range todo {
		keys := make([]string, 0, len(t.vals))
		for k := range t.vals {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		c := in.tg.NodeClient(t.n)
		err := configRestore(ctx, c, keys, t.vals)
		c.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("restoring the configuration of %s: %w", t.n.Name, err))
		}
	}
	return errs
}

// configArg writes a parameter's value as CONFIG SET takes it: booleans as
// yes or no (YAML reads yes/no/true/false as booleans, Redis wants yes/no),
// everything else as written.
func configArg(v any) string {
	if b, ok := v.(bool); ok {
		if b {
			return "yes"
		}
		return "no"
	}
	return fmt.Sprint(v)
}

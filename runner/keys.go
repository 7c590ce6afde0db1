package runner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/squall-bench/squall/loadgen"
	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/scenarios"
)

// dropKeysTimeout bounds the deletion of squall's keys at the end of a cell
// (a backlog of millions of per-event keys takes seconds).
const dropKeysTimeout = time.Minute

// shardSettleGrace is how long shard 0 waits, after its own settling, for
// the other shards to read the keys before it deletes them.
const shardSettleGrace = 5 * time.Second

// announceKeys says, before the first write to an external target, which
// keys squall will touch there and what becomes of them.
func announceKeys(provider string, s *scenarios.Scenario, gen *loadgen.Generator, o Options) {
	if provider != "external" {
		return
	}
	end := "deletes them when the cell ends"
	if o.KeepKeys {
		end = "leaves them there at the end (--keep-keys)"
	}
	fmt.Fprintf(o.Stderr, "external target %s: squall writes, reads and deletes only keys matching %s in DB 0, and %s\n",
		strings.Join(s.Target.Addrs, ","), gen.KeyGlob(), end)
}

// dropKeys deletes squall's own keys (gen.KeyGlob) from an external target
// when a cell ends, on every path (runCell defers it, so it runs after
// everything else that reads Redis: the accounting, the heals), unless
// Options.KeepKeys asks to leave them for inspection. The targets squall
// stands up itself are torn down instead.
func dropKeys(ctx context.Context, provider string, gen *loadgen.Generator, o Options, rc *result.Cell) {
	if provider != "external" {
		return
	}
	if o.Shard != nil && o.Shard.Index > 0 {
		return // shard 0 deletes them, once every shard has read them
	}
	if o.Shard != nil && !o.KeepKeys {
		// Every shard settles (reads the keys) at the common end of the
		// drain; give the others that long before deleting.
		select {
		case <-ctx.Done():
		case <-time.After(shardSettleGrace):
		}
	}
	if o.KeepKeys {
		rc.Notes = append(rc.Notes, fmt.Sprintf("squall's keys (%s) were left on the target (--keep-keys)", gen.KeyGlob()))
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dropKeysTimeout)
	defer cancel()
	n, err := gen.DeleteKeys(ctx)
	if err != nil {
		msg := fmt.Sprintf("deleting squall's keys (%s) from the target failed after %d: %v; delete them with SCAN MATCH and UNLINK", gen.KeyGlob(), n, err)
		rc.Notes = append(rc.Notes, msg)
		fmt.Fprintln(o.Stderr, msg)
		return
	}
	if !o.Quiet {
		fmt.Fprintf(o.Stderr, "deleted squall's %d keys (%s) from the external target\n", n, gen.KeyGlob())
	}
}

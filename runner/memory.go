package runner

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/squall-bench/squall/compose"
	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/result"
)

// Memory pressure (maxmemory as target.config or a config fault) shows in
// two places: writes Redis refuses (OOM errors, classified "oom": failed,
// never lost) and keys it evicts to make room, taking their events with
// them. Evictions are what the primaries count in INFO stats
// evicted_keys over the cell.

// evictedKeys sums INFO stats evicted_keys over the primaries; false when
// one did not answer.
func evictedKeys(ctx context.Context, tg *compose.Target) (int64, bool) {
	var sum int64
	for _, info := range primaryInfo(ctx, tg, "stats") {
		if info == nil {
			return 0, false
		}
		v, ok := infoField(*info, "evicted_keys")
		if !ok {
			return 0, false
		}
		sum += v
	}
	return sum, true
}

// infoField returns the integer field name of an INFO reply.
func infoField(info, name string) (int64, bool) {
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && k == name {
			n, err := strconv.ParseInt(v, 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// memoryNotes records the evictions between two counts and explains them
// and any OOM errors in the cell's notes.
func memoryNotes(rc *result.Cell, before, after int64, counted bool) {
	if n := after - before; counted && n > 0 {
		rc.EvictedKeys = &n
		rc.Notes = append(rc.Notes, fmt.Sprintf("Redis evicted %s keys during the cell (INFO stats evicted_keys on the primaries; maxmemory reached under an evicting maxmemory-policy): the events an evicted key held are gone, so they count as lost (lost %s), not stranded; on an external target the count includes any other keys the server evicted",
			units.FormatCount(n), units.FormatCount(rc.Events.Lost)))
	}
	if n := rc.Errors["oom"]; n > 0 {
		rc.Notes = append(rc.Notes, fmt.Sprintf("%s writes were refused with OOM (used memory above maxmemory, and nothing the maxmemory-policy may evict): they count as failed, not lost", units.FormatCount(n)))
	}
}

package loadgen

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// requires fails a pattern's Setup clearly when the server lacks commands
// the pattern sends, instead of letting every event fail mid-run. It asks
// the server itself (COMMAND INFO, Redis ≥ 2.8.13, answered by Valkey,
// KeyDB and most RESP servers), so a server that reports an old
// redis_version but has the commands passes, and one that reports a new
// one but lacks them does not. Where COMMAND INFO is not answered (an ACL,
// a proxy), the redis_version that introduced the commands decides.
func requires(ctx context.Context, c redis.UniversalClient, what string, major, minor int, cmds ...string) error {
	args := append([]any{"command", "info"}, anySlice(cmds)...)
	reply, err := c.Do(ctx, args...).Slice()
	if err != nil || len(reply) != len(cmds) {
		return requireVersion(ctx, c, major, minor, what)
	}
	var missing []string
	for i, r := range reply {
		if r == nil {
			missing = append(missing, strings.ToUpper(cmds[i]))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	server := "the server"
	if v, err := serverVersion(ctx, c); err == nil {
		server = "the server (redis_version " + v + ")"
	}
	return fmt.Errorf("%s needs %s, which %s does not have (Redis ≥ %d.%d has them)", what, strings.Join(missing, ", "), server, major, minor)
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

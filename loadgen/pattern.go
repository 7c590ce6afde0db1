package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
)

// Env is what a pattern's producers and consumers share.
type Env struct {
	Client redis.UniversalClient
	// Keys is one base key per partition. The Env a reader is made with
	// holds only the keys its consumer reads (see assign.go), and Owned
	// those of them it owns: the keys whose leftovers (dead consumers'
	// pending entries, processing lists) it reclaims.
	Keys       []string
	Owned      []string
	KeyGlob    string // a glob matching every base key (PSUBSCRIBE)
	Producers  int
	Consumers  int
	PayloadMax int // the largest event, in bytes
	Run        uint32
	// Epoch is the run's time zero and Warmup the start of the measured
	// phase; both are set when the run starts, before any Queue or NewReader.
	Epoch  time.Time
	Warmup time.Duration

	stats *patternStats
}

// now returns the time since the epoch in nanoseconds (monotonic clock).
func (e *Env) now() int64 { return int64(time.Since(e.Epoch)) }

// patternStats are counts only some patterns produce; readers add to them
// and the generator copies them into the Outcome.
type patternStats struct {
	reclaimed atomic.Int64 // events taken back from a consumer presumed dead
	reads     atomic.Int64 // register reads in the measured phase
	stale     atomic.Int64 // ... that missed an acknowledged write
	backwards atomic.Int64 // ... older than one the same reader saw before
}

// A Batch is the commands of one round trip, RESP-encoded into one reused
// buffer as a pattern adds them (see resp.Batch).
type Batch = resp.Batch

// A Pattern carries events through one Redis structure: how an event is
// written, how consumers take it, and what delivery that gives.
type Pattern interface {
	// Setup prepares the keys before any load, e.g. creates consumer groups.
	Setup(ctx context.Context, env *Env) error
	// Groups is the number of independent receivers of the event stream:
	// 1 for a work queue, one per consumer for fan-out, 0 when consumers
	// observe state instead of receiving events.
	Groups(consumers int) int
	// Queue adds the commands that write event e (encoded, with its padding,
	// in ev) to b; the event is acked when all of them succeed. Producers
	// call it concurrently, each with its own batch.
	Queue(b *Batch, e Envelope, ev []byte)
	// NewReader returns the reader for consumer id (0-based) of the keys
	// in env.Keys (those it reads); name is its identity in Redis
	// (consumer name, processing list), new each time a crashed consumer
	// is replaced.
	NewReader(env *Env, id int, name string) Reader
}

// A Reader is one consumer's view of the pipeline. Optionally it is an
// Opener, and an io.Closer to release what it holds when its consumer stops
// or crashes.
type Reader interface {
	// Read waits a short while for events, hands each raw event to got, and
	// acknowledges them the way the pattern does. It returns nil when the
	// wait simply timed out. When got returns false the consumer has
	// crashed: Read must return at once, acknowledging nothing more.
	Read(ctx context.Context, got Got) error
}

// Got takes one event a reader read. due is when the event fell due, in
// nanoseconds since the epoch, for patterns that delay events; 0 means its
// intended send time. Latency is measured from it. Got returns false when
// the consumer crashed while handling the event. raw is only valid during
// the call: a reader may pass a view of its own reused buffer.
type Got func(raw string, due int64) bool

// An Opener is a Reader that must do something before it reads: subscribe,
// or take back what a dead consumer left. The generator starts the
// producers only once every consumer's Open succeeded.
type Opener interface {
	Open(ctx context.Context) error
}

// An Acker is a Pattern that wants to know each write Redis acknowledged
// (the register mode compares reads with the latest acknowledged value).
// Producers call it in their own goroutine, in sequence order.
type Acker interface {
	Acked(e Envelope)
}

// newPattern builds the named pattern from its options.
type newPattern func(env *Env, o *Options) (Pattern, error)

var patterns = map[string]newPattern{
	"pubsub":        newPubSub,
	"spubsub":       newSPubSub,
	"list":          newList,
	"list-reliable": newReliableList,
	"stream":        newStream,
	"zset":          newZSet,
	"set":           newSet,
	"string":        newString,
	"hash":          newHash,
}

// Patterns lists the pattern names this build implements.
func Patterns() []string {
	names := make([]string, 0, len(patterns))
	for n := range patterns {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// waitSpec is options.wait: after each pipeline's writes, WAIT for replicas
// within timeout; a write counts acked only when enough replicas confirmed.
type waitSpec struct {
	replicas int
	timeout  time.Duration
}

// built is a pattern with the options every pattern shares.
type built struct {
	Pattern
	wait   waitSpec
	assign string // split | all
}

func buildPattern(name string, env *Env, opts map[string]any) (built, error) {
	mk, ok := patterns[name]
	if !ok {
		return built{}, fmt.Errorf("pattern %q is not implemented (have %v)", name, Patterns())
	}
	o := NewOptions(opts)
	var b built
	if w, ok := o.Map("wait"); ok {
		b.wait = waitSpec{replicas: w.IntIn("replicas", 1, 0, maxWaitReplicas), timeout: w.DurationIn("timeout", time.Second, 0, MaxOptionWait)}
		if b.wait.timeout <= 0 {
			w.Fail("timeout", "must be > 0 (WAIT 0 blocks forever)")
		}
		if _, cluster := env.Client.(*redis.ClusterClient); cluster && b.wait.replicas > 0 {
			o.Fail("wait", "is not supported on cluster targets yet: WAIT must follow the writes on each shard's own connection")
		}
		_ = w.Err()
	}
	p, err := mk(env, o)
	if err == nil {
		b.assign = assignMode(p, env.Client, o) // read before Err lists unknown keys
		err = o.Err()
	} else if oerr := o.Err(); oerr != nil {
		err = oerr // a keyed problem explains more than the pattern's refusal
	}
	if err != nil {
		return built{}, fmt.Errorf("workload.options for %s: %w", name, err)
	}
	b.Pattern = p
	return b, nil
}

// maxWaitReplicas bounds options.wait.replicas: a target has at most 64
// servers.
const maxWaitReplicas = 64

// blockDefault is how long a consumer's blocking read waits: short, so that
// consumers notice the end of the run promptly.
const blockDefault = 100 * time.Millisecond

// block reads options.block, a consumer's blocking read: at least 1ms
// (Redis reads 0 as "block forever", and XREADGROUP takes milliseconds).
func (o *Options) block(def time.Duration) time.Duration {
	return o.DurationIn("block", def, time.Millisecond, MaxOptionWait)
}

// poll reads options.poll, a consumer's sleep when it found nothing.
func (o *Options) poll(def time.Duration) time.Duration {
	return o.DurationIn("poll", def, 100*time.Microsecond, MaxOptionWait)
}

// maxReadBatch bounds the events one read asks for (COUNT, SPOP count).
const maxReadBatch = 10000

// defaultBlock is options.block's default for a number of consumers:
// blockDefault, and longer with more than a thousand consumers (100 µs
// each, at most a second) so that idle consumers' reads, each returning
// empty every block, cost the server at most about 10,000 round trips a
// second (10,000 consumers at 100 ms: 100,000, and the producers
// starved).
func defaultBlock(consumers int) time.Duration {
	return min(max(blockDefault, time.Duration(consumers)*100*time.Microsecond), time.Second)
}

// pollDefault is how long a consumer of a structure without blocking reads
// (set, zset with delays, register) sleeps when it found nothing.
const pollDefault = 5 * time.Millisecond

// secs renders a blocking command's timeout in seconds with fractions:
// go-redis rounds its own blocking timeouts up to whole seconds, Redis ≥ 6
// takes fractions, and a short block lets consumers stop promptly.
func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

// globEscape quotes the glob metacharacters of s for MATCH and PSUBSCRIBE.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// delKeys deletes keys one command each, so that keys in different cluster
// slots never meet in one (CROSSSLOT) command.
func delKeys(ctx context.Context, c redis.UniversalClient, keys []string) error {
	pipe := c.Pipeline()
	for _, k := range keys {
		pipe.Del(ctx, k)
	}
	_, err := pipe.Exec(ctx)
	return err
}

// clearKeys deletes the base keys and every key under them (BASE:*): what
// a previous run left in per-event keys, processing lists and heartbeats.
func clearKeys(ctx context.Context, env *Env) error {
	if err := delKeys(ctx, env.Client, env.Keys); err != nil {
		return err
	}
	for _, k := range env.Keys {
		if err := deleteMatching(ctx, env.Client, globEscape(k)+":*"); err != nil {
			return err
		}
	}
	return nil
}

// deleteMatching deletes every key matching the glob: what a previous run
// left under a pattern's base keys (per-event keys, processing lists).
func deleteMatching(ctx context.Context, c redis.UniversalClient, match string) error {
	del := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.Scan(ctx, 0, match, 1000).Iterator()
		pipe := c.Pipeline()
		for iter.Next(ctx) {
			pipe.Unlink(ctx, iter.Val()) // one key each: keys of different slots
			if pipe.Len() == 500 {
				if _, err := pipe.Exec(ctx); err != nil {
					return err
				}
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		_, err := pipe.Exec(ctx)
		return err
	}
	if cc, ok := c.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return del(ctx, n) })
	}
	return del(ctx, c)
}

// isTimeout reports a read that simply timed out waiting.
func isTimeout(err error) bool {
	c, _ := Classify(err)
	return c == ClassTimeout
}

// serverVersion returns the redis_version of a node the client reaches.
func serverVersion(ctx context.Context, c redis.UniversalClient) (string, error) {
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		return "", fmt.Errorf("INFO server: %w", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v, nil
		}
	}
	return "", errors.New("INFO server has no redis_version")
}

// versionAtLeast reports whether version v (e.g. "7.0.15") is ≥ major.minor.
func versionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// requireVersion fails a pattern's Setup clearly when the server is older
// than the commands it uses (what names them). A server that does not
// answer INFO (e.g. an ACL without it) is not checked.
func requireVersion(ctx context.Context, c redis.UniversalClient, major, minor int, what string) error {
	v, err := serverVersion(ctx, c)
	if err != nil {
		return nil
	}
	if !versionAtLeast(v, major, minor) {
		return fmt.Errorf("%s needs Redis >= %d.%d; the server is %s", what, major, minor, v)
	}
	return nil
}

package loadgen

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// keySplitter is implemented by patterns whose readers block on several
// keys in one command (BLPOP k1 k2, XREADGROUP STREAMS k1 k2). On a
// cluster those keys live in different slots, so such a consumer reads each
// of its keys with a reader of its own instead.
type keySplitter interface {
	splitReads() bool
}

// newReader returns consumer id's reader: the pattern's own, or on a
// cluster one reader per partition behind a splitReader.
func (g *Generator) newReader(id int, name string) Reader {
	parts := partitionsFor(id, g.cfg.Consumers, len(g.env.Keys))
	ks, ok := g.pattern.(keySplitter)
	_, cluster := g.env.Client.(*redis.ClusterClient)
	if !cluster || !ok || !ks.splitReads() || len(parts) < 2 {
		return g.pattern.NewReader(g.env, id, name)
	}
	subs := make([]Reader, len(parts))
	for i, p := range parts {
		env := *g.env // a view with one key and one consumer: this partition's reader
		env.Keys, env.Consumers = []string{g.env.Keys[p]}, 1
		subs[i] = g.pattern.NewReader(&env, 0, name)
	}
	return &splitReader{subs: subs}
}

// splitReader runs one goroutine per sub-reader, each reading in a loop;
// Read returns as each sub-read completes. Deliveries (got) are serialised,
// since the consumer's accounting is not safe for concurrent use.
type splitReader struct {
	subs    []Reader
	opened  []bool
	mu      sync.Mutex
	got     Got
	results chan error
	stop    chan struct{}
	wg      sync.WaitGroup
}

// Open opens every sub-reader that needs it; a retry skips those already open.
func (r *splitReader) Open(ctx context.Context) error {
	if r.opened == nil {
		r.opened = make([]bool, len(r.subs))
	}
	for i, s := range r.subs {
		if o, ok := s.(Opener); ok && !r.opened[i] {
			if err := o.Open(ctx); err != nil {
				return fmt.Errorf("partition reader %d: %w", i, err)
			}
		}
		r.opened[i] = true
	}
	return nil
}

// Read starts the sub-readers on the first call and then returns the
// outcome of the next sub-read to complete.
func (r *splitReader) Read(ctx context.Context, got Got) error {
	if r.stop == nil {
		r.got = got
		r.results = make(chan error, len(r.subs))
		r.stop = make(chan struct{})
		locked := func(raw string, due int64) bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			return r.got(raw, due)
		}
		for _, s := range r.subs {
			r.wg.Add(1)
			go r.loop(ctx, s, locked)
		}
	}
	return <-r.results
}

func (r *splitReader) loop(ctx context.Context, s Reader, got Got) {
	defer r.wg.Done()
	backoff := time.Millisecond
	for {
		select {
		case <-r.stop:
			return
		default:
		}
		err := s.Read(ctx, got)
		select {
		case r.results <- err:
		case <-r.stop:
			return
		}
		if err == nil {
			backoff = time.Millisecond
			continue
		}
		select { // a dead shard is not hammered
		case <-r.stop:
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

// Close stops the sub-readers, waiting for reads in flight so that the
// events they carry are accounted, and closes them.
func (r *splitReader) Close() error {
	if r.stop != nil {
		close(r.stop)
		r.wg.Wait()
	}
	for _, s := range r.subs {
		if c, ok := s.(io.Closer); ok {
			_ = c.Close()
		}
	}
	return nil
}

func (*list) splitReads() bool   { return true }
func (*stream) splitReads() bool { return true }
func (*hash) splitReads() bool   { return true }
func (s *str) splitReads() bool  { return !s.register } // register readers use one key per GET
func (z *zset) splitReads() bool { return !z.delayed }  // delayed claims go one key per script

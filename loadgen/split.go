package loadgen

import (
	"context"
	"fmt"
	"io"
	"slices"
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

// readerShare is the keys a reader was made for: those its consumer reads
// and those it owns, from generation gen of the assignment.
type readerShare struct {
	reads, owns []int
	gen         uint64
}

// shareOf returns consumer id's share now.
func (g *Generator) shareOf(id int) readerShare {
	reads, owns, gen := g.assign.view(id)
	return readerShare{reads: reads, owns: owns, gen: gen}
}

// An ownerReader is a pattern whose readers do something with the keys
// their consumer owns (reclaim); for the others only the keys read count.
type ownerReader interface{ readsOwned() }

func (*stream) readsOwned()       {}
func (*reliableList) readsOwned() {}

// differs reports whether a reader made for share o must be replaced by
// one for s.
func (s readerShare) differs(o readerShare, p Pattern) bool {
	if !slices.Equal(s.reads, o.reads) {
		return true
	}
	_, owned := p.(ownerReader)
	return owned && !slices.Equal(s.owns, o.owns)
}

// newReader returns consumer id's reader of its share of the keys: the
// pattern's own, or on a cluster one reader per key behind a splitReader.
func (g *Generator) newReader(id int, name string) (Reader, readerShare) {
	share := g.shareOf(id)
	view := func(parts []int) *Env {
		env := *g.env // a view with the keys this reader reads, and those of them owned
		env.Keys, env.Owned = nil, nil
		o := share.owns // ascending, as parts are
		for _, p := range parts {
			env.Keys = append(env.Keys, g.env.Keys[p])
			for len(o) > 0 && o[0] < p {
				o = o[1:]
			}
			if len(o) > 0 && o[0] == p {
				env.Owned = append(env.Owned, g.env.Keys[p])
			}
		}
		return &env
	}
	ks, ok := g.pattern.(keySplitter)
	_, cluster := g.env.Client.(*redis.ClusterClient)
	if !cluster || !ok || !ks.splitReads() || len(share.reads) < 2 {
		return g.pattern.NewReader(view(share.reads), id, name), share
	}
	subs := make([]Reader, len(share.reads))
	for i, p := range share.reads {
		subs[i] = g.pattern.NewReader(view([]int{p}), id, name)
	}
	return &splitReader{subs: subs}, share
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

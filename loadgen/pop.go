package loadgen

import (
	"context"
	"time"

	"github.com/squall-bench/squall/internal/resp"
)

// popCmds are the commands that pop one end of a list or a sorted set:
// blocking and not, one element or many (Redis ≥ 7.0).
type popCmds struct {
	block1, blockN string // BRPOP k... timeout; BLMPOP timeout n k... DIR COUNT c
	pop1, popN     string // RPOP k; LMPOP n k... DIR COUNT c
	dir            string
	scored         bool // sorted set: members come with their scores
}

var (
	popRight = popCmds{"brpop", "blmpop", "rpop", "lmpop", "right", false}
	popLeft  = popCmds{"blpop", "blmpop", "lpop", "lmpop", "left", false}
	popMin   = popCmds{"bzpopmin", "bzmpop", "zpopmin", "zmpop", "min", true}
)

// popper is one consumer's pops from its keys: up to count elements of one
// key per pop where the server has the multi-pop commands (multi), one
// otherwise. Its keys are a ring (see window.go): over one window of keys
// (windowKeys) it blocks on all of them (BLMPOP, BRPOP) from just after
// the last served; with more, a pop names one window (several LMPOPs per
// round trip while they find events: an LMPOP pops one key), so that it
// costs the server a lookup of at most a window of keys however many the
// consumer reads.
type popper struct {
	link  resp.Link
	keys  ring
	cmds  popCmds
	block time.Duration
	wait  string // block, as a blocking pop's timeout argument
	count int
	multi bool
	pops  int // sweeping: LMPOPs per round trip (adapts to how many keys hold events)

	b   Batch
	rep resp.Replies
	// What the last pop took: per element, its key and value (views into
	// rep, valid until the next pop).
	from, elems []string
}

func newPopper(env *Env, cmds popCmds, block time.Duration, count int, multi bool) *popper {
	size := windowKeys
	if !multi {
		size = 64 // before Redis 7.0 a sweep takes a command per key
	}
	return &popper{link: resp.NewLink(env.Client), keys: newRing(env.Keys, size, block), cmds: cmds, block: block,
		wait: secs(block), count: count, multi: multi, pops: 1}
}

// pop takes what the next keys hold, blocking up to block when it should;
// none taken and no error means the wait timed out.
func (p *popper) pop(ctx context.Context) error {
	p.from, p.elems = p.from[:0], p.elems[:0]
	keys, blocking := p.keys.next()
	perKey := !blocking && !p.multi
	p.b.Reset()
	c := p.cmds
	var block time.Duration
	switch {
	case blocking && p.count > 1:
		block = p.block
		p.b.Cmd(6+len(keys), c.blockN).Str(p.wait).Int(int64(len(keys)))
		p.keyArgs(keys).Str(c.dir).Str("count").Int(int64(p.count))
	case blocking:
		block = p.block
		p.b.Cmd(2+len(keys), c.block1)
		p.keyArgs(keys).Str(p.wait)
	case p.multi:
		// An LMPOP pops one key; the next in the same round trip finds the
		// next key that holds events.
		for range p.pops {
			p.b.Cmd(5+len(keys), c.popN).Int(int64(len(keys)))
			p.keyArgs(keys).Str(c.dir).Str("count").Int(int64(p.count))
		}
	default: // before Redis 7.0: a single pop per key
		for _, k := range keys {
			p.b.Cmd(2, c.pop1).Str(k)
		}
	}
	if err := p.link.Do(ctx, &p.b, block, &p.rep); err != nil {
		return err
	}
	var err error
	popped := 0
	for i := range p.b.Len() {
		if e := p.rep.Err(i); e != nil {
			err = e
			continue
		}
		cur := p.rep.Cursor(i)
		before := len(p.elems)
		if perKey {
			p.single(&cur, keys[i]) // RPOP k: the element; ZPOPMIN k: member, score
		} else {
			p.multiReply(&cur, blocking && p.count == 1)
		}
		if len(p.elems) > before {
			popped++
			p.keys.served(p.from[before])
		}
	}
	if !blocking && p.multi {
		switch { // every LMPOP popped: more keys hold events; few did: fewer
		case popped == p.pops:
			p.pops = min(2*p.pops, 64)
		case 2*popped < p.pops:
			p.pops = max(p.pops/2, 1)
		}
	}
	p.keys.done()
	return err
}

func (p *popper) keyArgs(keys []string) *Batch {
	for _, k := range keys {
		p.b.Str(k)
	}
	return &p.b
}

// multiReply reads a reply naming its key: BLMPOP/LMPOP's [key, [elements]]
// (BZMPOP's elements [member, score]), or BRPOP's [key, element] and
// BZPOPMIN's [key, member, score] when flat; nil when nothing was popped.
func (p *popper) multiReply(cur *resp.Cursor, flat bool) {
	top := cur.Next()
	if top.Kind != '*' || top.N < 2 {
		return
	}
	key := p.rep.Str(cur.Next())
	if flat {
		p.add(key, cur.Next())
		return
	}
	elems := cur.Next()
	for range max(elems.N, 0) {
		e := cur.Next()
		if e.Kind == '*' { // [member, score]
			if e.N >= 1 {
				p.add(key, cur.Next())
			}
			for range e.N - 1 {
				cur.Next()
			}
			continue
		}
		p.add(key, e)
	}
}

// single reads the reply of a one-key pop: the element, or a sorted set's
// [member, score] (empty when the key was).
func (p *popper) single(cur *resp.Cursor, key string) {
	t := cur.Next()
	if t.Kind == '*' {
		if t.N >= 1 {
			p.add(key, cur.Next())
		}
		return
	}
	p.add(key, t)
}

func (p *popper) add(key string, t resp.Tok) {
	if t.Kind != '$' || t.N < 0 {
		return
	}
	p.from = append(p.from, key)
	p.elems = append(p.elems, p.rep.Str(t))
}

func (p *popper) close() { p.link.Close() }

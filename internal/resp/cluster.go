package resp

import (
	"bytes"
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// On a Redis Cluster a producer routes each command of a round trip to the
// primary serving its key's slot itself, on a connection of its own per
// primary (a Conn), instead of going through go-redis's cluster
// pipeline: that costs about 4× the client CPU per command, so that on a
// cluster squall, not Redis, would set the capacity figure. The slot map
// comes from CLUSTER SLOTS through the cluster client and is shared by the
// generator's producers; a MOVED reply or a failed connection refreshes it.
// A MOVED or ASK reply is followed (see redirect), and counted.

// clusterSlots is the number of hash slots of a Redis Cluster.
const clusterSlots = 16384

// slotMap is the primary address of every slot ("" where none serves it).
type slotMap [clusterSlots]string

// Routes is the slot map the producers of one generator share.
type Routes struct {
	client *redis.ClusterClient
	m      atomic.Pointer[slotMap]
	mu     sync.Mutex // one refresh at a time
	last   time.Time  // when the last refresh was asked for
}

// NewRoutes returns the slot map of cluster client c, loaded when a sender
// first needs it.
func NewRoutes(c *redis.ClusterClient) *Routes { return &Routes{client: c} }

// refreshGap is the least time between two CLUSTER SLOTS, so that a dead
// node's failing connections do not flood the cluster with them.
const refreshGap = 50 * time.Millisecond

// current returns the slot map, loading it the first time.
func (r *Routes) current(ctx context.Context) *slotMap {
	if m := r.m.Load(); m != nil {
		return m
	}
	r.refresh(ctx)
	return r.m.Load()
}

// refresh reloads the slot map, at most once per refreshGap. On failure the
// old map stays (nil before the first success).
func (r *Routes) refresh(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.last) < refreshGap {
		return
	}
	r.last = time.Now()
	timeout := r.client.Options().ReadTimeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	slots, err := r.client.ClusterSlots(ctx).Result()
	if err != nil {
		return
	}
	m := new(slotMap)
	for _, s := range slots {
		if len(s.Nodes) == 0 || s.Start < 0 || s.End >= clusterSlots {
			continue
		}
		for i := s.Start; i <= s.End; i++ {
			m[i] = s.Nodes[0].Addr
		}
	}
	r.m.Store(m)
}

// clusterSender is a producer's sender on a cluster: the commands of a
// round trip are grouped by the primary that serves their key, written to
// every primary involved first, then the replies read.
type clusterSender struct {
	routes *Routes
	opt    redis.Options // template of every node's options; Addr is set per node
	conns  map[string]*Conn
	groups []*nodeBatch
	used   int // groups in use this round trip
	// redirects counts the redirects followed since TakeRedirects.
	redirects Redirects
}

// nodeBatch is the part of a round trip bound for one node.
type nodeBatch struct {
	addr string
	conn *Conn
	b    Batch
	idx  []int // per command, its index in the round trip
	res  []Reply
	err  error // the write failed: every reply is failed with it
}

func newClusterSender(c *redis.ClusterClient, routes *Routes) *clusterSender {
	o := c.Options()
	dial := o.Dialer
	if dial == nil {
		d := &net.Dialer{Timeout: o.DialTimeout, KeepAlive: 5 * time.Minute}
		dial = d.DialContext
	}
	return &clusterSender{
		routes: routes,
		conns:  map[string]*Conn{},
		opt: redis.Options{
			Network: "tcp", Dialer: dial, Username: o.Username, Password: o.Password,
			DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		},
	}
}

// clusterDirectOK reports whether a cluster client's options let a
// producer open its own connections: plain TCP or a dialer of its own (one
// that does TLS itself), and nothing to run on connect but AUTH.
func clusterDirectOK(o *redis.ClusterOptions) bool {
	return (o.Dialer != nil || o.TLSConfig == nil) && o.OnConnect == nil && o.ClusterSlots == nil &&
		o.CredentialsProvider == nil && o.CredentialsProviderContext == nil && o.StreamingCredentialsProvider == nil
}

func (s *clusterSender) Exec(b *Batch, res []Reply) {
	ctx := context.Background()
	res = res[:b.Len()]
	m := s.routes.current(ctx)
	if m == nil {
		fail(res, dialError(&s.opt, errNoSlotMap))
		return
	}
	s.used = 0
	i := 0
	b.EachCmd(func(cmd, key []byte) {
		s.group(m[keySlot(key)]).add(cmd, i)
		i++
	})
	refresh := s.roundTrip(res)
	// A command redirected once may be redirected again: MOVED to the new
	// owner of a slot that is still migrating answers ASK.
	for range maxRedirects {
		followed, moved := s.redirect(b, res)
		refresh = refresh || moved
		if !followed {
			break
		}
	}
	if refresh {
		s.routes.refresh(ctx)
	}
}

// maxRedirects is how many redirects one command follows in a round trip
// (go-redis's default); a reply still MOVED or ASK after them fails it.
const maxRedirects = 3

// Redirects counts the redirect replies a sender followed by sending the
// command again where they pointed.
type Redirects struct{ Moved, Ask int64 }

// A Redirector is a Sender that follows cluster redirects (MOVED, ASK);
// TakeRedirects returns how many it followed since the last call. A
// redirect it did not follow comes back as the command's reply instead.
type Redirector interface {
	TakeRedirects() Redirects
}

// TakeRedirects returns the redirects followed since the last call.
func (s *clusterSender) TakeRedirects() Redirects {
	r := s.redirects
	s.redirects = Redirects{}
	return r
}

// Both read as failures to connect (dialError): nothing was sent.
var (
	errNoSlotMap = errors.New("no slot map: CLUSTER SLOTS did not answer")
	errNoPrimary = errors.New("no primary serves the slot (cluster down or slot map out of date)")
)

// add appends command i of the round trip (its RESP encoding) to g.
func (g *nodeBatch) add(cmd []byte, i int) {
	g.b.AppendCmd(cmd)
	g.idx = append(g.idx, i)
}

// group returns the round trip's batch for addr, starting it if needed.
func (s *clusterSender) group(addr string) *nodeBatch {
	for _, g := range s.groups[:s.used] {
		if g.addr == addr {
			return g
		}
	}
	if s.used == len(s.groups) {
		s.groups = append(s.groups, &nodeBatch{})
	}
	g := s.groups[s.used]
	s.used++
	g.addr, g.conn, g.err = addr, s.conn(addr), nil
	g.b.Reset()
	g.idx = g.idx[:0]
	return g
}

func (s *clusterSender) conn(addr string) *Conn {
	if addr == "" {
		return nil
	}
	c, ok := s.conns[addr]
	if !ok {
		o := s.opt
		o.Addr = addr
		c = &Conn{opt: &o}
		s.conns[addr] = c
	}
	return c
}

// roundTrip writes every group, then reads every group's replies into res.
// It reports whether the slot map should be refreshed: a connection failed
// or a slot had no primary.
func (s *clusterSender) roundTrip(res []Reply) (refresh bool) {
	for _, g := range s.groups[:s.used] {
		switch {
		case g.conn == nil:
			g.err = dialError(&s.opt, errNoPrimary)
		default:
			g.err = g.conn.send(g.b.Wire(), 0)
		}
	}
	runtime.Gosched() // as Conn.Exec: let the replies arrive before reading
	for _, g := range s.groups[:s.used] {
		if cap(g.res) < g.b.Len() {
			g.res = make([]Reply, g.b.Len())
		}
		g.res = g.res[:g.b.Len()]
		if g.err != nil {
			fail(g.res, g.err)
			refresh = true
		} else if err := g.conn.replies(g.res); err != nil {
			g.conn.Close()
			refresh = true
		} else {
			g.conn.used = time.Now()
		}
		for j, r := range g.res {
			if g.idx[j] >= 0 { // not an ASKING of redirect's
				res[g.idx[j]] = r
			}
		}
	}
	return refresh
}

// redirect sends each command that came back MOVED or ASK once more, to
// the node the reply named, ASK with a one-shot ASKING before it (the
// slot is migrating there and the key has already moved): both mean the
// command was not executed, so sending it again cannot write it twice
// (go-redis does the same). It reports whether it followed any redirect,
// and whether any was MOVED (the slot map is out of date).
func (s *clusterSender) redirect(b *Batch, res []Reply) (followed, moved bool) {
	for _, r := range res {
		if _, _, ok := redirectOf(r.Err); ok {
			followed = true
			break
		}
	}
	if !followed {
		return false, false
	}
	s.used = 0
	i := 0
	b.EachCmd(func(cmd, _ []byte) {
		if addr, ask, ok := redirectOf(res[i].Err); ok {
			g := s.group(addr)
			if ask {
				g.add(askingCmd, -1)
				s.redirects.Ask++
			} else {
				s.redirects.Moved++
				moved = true
			}
			g.add(cmd, i)
		}
		i++
	})
	s.roundTrip(res)
	return true, moved
}

// askingCmd is ASKING, RESP-encoded: it lets the next command on the
// connection reach a slot the node is importing.
var askingCmd = []byte("*1\r\n$6\r\nASKING\r\n")

// redirectOf returns the address of a "MOVED slot addr" or "ASK slot addr"
// error reply, and whether it is ASK.
func redirectOf(err error) (addr string, ask, ok bool) {
	e, isReply := err.(replyError)
	if !isReply {
		return "", false, false
	}
	msg := string(e)
	switch {
	case strings.HasPrefix(msg, "MOVED "):
	case strings.HasPrefix(msg, "ASK "):
		ask = true
	default:
		return "", false, false
	}
	f := strings.Fields(msg)
	if len(f) != 3 {
		return "", false, false
	}
	return f[2], ask, true
}

func (s *clusterSender) Close() {
	for _, c := range s.conns {
		c.Close()
	}
}

// keySlot is the cluster hash slot of key: CRC16 (XMODEM) of the key, or of
// its hash tag (the part between the first '{' and the next '}', when not
// empty), modulo 16384.
func keySlot(key []byte) int {
	if i := bytes.IndexByte(key, '{'); i >= 0 {
		if j := bytes.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for _, c := range key {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^c]
	}
	return int(crc) & (clusterSlots - 1)
}

// crc16Table is CRC16-CCITT (XMODEM, polynomial 0x1021), as Redis Cluster
// hashes keys.
var crc16Table = func() (t [256]uint16) {
	for i := range t {
		crc := uint16(i) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		t[i] = crc
	}
	return t
}()

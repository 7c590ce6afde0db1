package resp

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
)

// A Sender executes a producer's batches, one round trip each, and reports
// each command's reply in res (len(res) ≥ b.Len()). Commands are never
// retried: a retried write could be written twice.
type Sender interface {
	Exec(b *Batch, res []Reply)
	Close()
}

// A Reply is one command's outcome: an error (a Redis error reply, or an
// I/O failure that leaves the write's fate unknown), or success with the
// integer an integer reply carried.
type Reply struct {
	Err error
	N   int64
}

// NewSender returns a producer's sender. On a standalone server each
// producer writes on a connection of its own (a Conn): RESP straight from
// the batch, replies read without allocating. On a cluster it does the same
// on a connection per primary, routing by the slot map routes holds
// (clusterSender), except when a round trip ends with WAIT, which must
// follow the writes on each node. Sentinel clients follow failovers
// themselves, so there batches go through the client's pipeline
// (clientSender).
func NewSender(c redis.UniversalClient, routes *Routes, wait bool) Sender {
	switch c := c.(type) {
	case *redis.Client:
		if DirectOK(c.Options()) {
			return NewConn(c.Options())
		}
	case *redis.ClusterClient:
		if routes != nil && !wait && clusterDirectOK(c.Options()) {
			return newClusterSender(c, routes)
		}
	}
	return &clientSender{pipe: c.Pipeline()}
}

// DirectOK reports whether a client's options let a producer open its own
// connections: a plain standalone client (not Sentinel's failover client,
// whose Addr go-redis sets to "FailoverClient") with nothing to run on
// connect but AUTH and SELECT.
func DirectOK(o *redis.Options) bool {
	return o.Dialer != nil && o.Addr != "FailoverClient" && o.OnConnect == nil && o.Limiter == nil &&
		o.CredentialsProvider == nil && o.CredentialsProviderContext == nil && o.StreamingCredentialsProvider == nil
}

// clientSender sends batches through a go-redis pipeline.
type clientSender struct {
	pipe redis.Pipeliner
}

func (s *clientSender) Exec(b *Batch, res []Reply) {
	ctx := context.Background() // a write in flight finishes or times out, so its fate is known
	for _, args := range b.Args() {
		cmd := redis.NewCmd(ctx, args...)
		if name := args[0]; name != "publish" && name != "wait" {
			cmd.SetFirstKeyPos(1) // every write command squall sends names its key first
		}
		_ = s.pipe.Process(ctx, cmd)
	}
	cmds, _ := s.pipe.Exec(ctx)
	for i, c := range cmds {
		res[i] = Reply{Err: c.Err()}
		if cmd, ok := c.(*redis.Cmd); ok && res[i].Err == nil {
			res[i].N, _ = cmd.Int64()
		}
	}
}

func (s *clientSender) Close() {}

// A Conn is a producer's or a consumer's own connection to a standalone
// server, dialed with the client's dialer and credentials. An I/O failure
// closes it and fails the replies not yet read; the next round trip dials
// anew, as go-redis does with a broken pooled connection. It is a Sender.
type Conn struct {
	opt  *redis.Options
	nc   net.Conn
	io   connIO // nc's reads, writes and idle check
	rd   *bufio.Reader
	used time.Time // when the last reply was read
}

// NewConn returns a connection for a client with options opt (see
// DirectOK); it dials when first used.
func NewConn(opt *redis.Options) *Conn { return &Conn{opt: opt} }

// idleCheck is how long a connection may sit idle before exec checks, with
// a non-blocking peek, that the server has not closed it meanwhile (as
// go-redis checks a pooled connection), so that writes after a server
// restart fail cleanly instead of being sent into a dead socket.
const idleCheck = 100 * time.Microsecond

// replyError is an error reply from Redis (it satisfies redis.Error, so
// error classification reads it like one from go-redis).
type replyError string

func (e replyError) Error() string { return string(e) }

// RedisError marks replyError as a Redis reply.
func (replyError) RedisError() {}

// errProtocol means the server's reply was not valid RESP.
var errProtocol = errors.New("resp: malformed reply from the server")

// Exec sends b in one round trip and reads one reply per command into res.
func (c *Conn) Exec(b *Batch, res []Reply) {
	res = res[:b.Len()]
	if err := c.send(b.Wire(), 0); err != nil {
		fail(res, err)
		return
	}
	// Let the other producers write before reading: by the time this one
	// reads, its replies are most likely in, so the read neither fails with
	// EAGAIN nor parks the goroutine on the netpoller. Measured with
	// scripts/bench on 2 cores: SET at pipeline 16 rose from 0.90–0.97 to
	// 0.95–1.00 of redis-benchmark's rate, at pipeline 1 from 1.37 to 1.55.
	runtime.Gosched()
	if err := c.replies(res); err != nil {
		c.Close()
		return
	}
	c.used = time.Now()
}

// Send writes b, dialing first if the connection is down, and sets the
// deadline for its replies: the read timeout, plus block for a blocking
// command. After an error the connection is closed.
func (c *Conn) Send(b *Batch, block time.Duration) error { return c.send(b.Wire(), block) }

// Touch records that every reply asked for was read: the idle check before
// the next write counts from now.
func (c *Conn) Touch() { c.used = time.Now() }

// Connected reports whether the connection is up (closed after an error,
// it dials again at the next Send).
func (c *Conn) Connected() bool { return c.nc != nil }

// ReadTimeout is the client's read timeout.
func (c *Conn) ReadTimeout() time.Duration { return c.opt.ReadTimeout }

// SetReadDeadline sets the deadline of the reads that follow.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// Await waits, up to the read deadline, until a reply has begun to arrive;
// it consumes nothing.
func (c *Conn) Await() error {
	_, err := c.rd.Peek(1)
	return err
}

// send makes sure the connection is up, writes p and sets the deadline for
// its replies: the read timeout, plus block for a blocking command. After
// an error the connection is closed; a failure to connect comes back as a
// dial error (nothing was sent).
func (c *Conn) send(p []byte, block time.Duration) error {
	if c.nc != nil && time.Since(c.used) > idleCheck && c.io.check() != nil {
		c.Close()
	}
	if c.nc == nil {
		if err := c.dial(); err != nil {
			return err
		}
	}
	if err := c.write(p, block); err != nil {
		c.Close()
		return err
	}
	return nil
}

func (c *Conn) write(p []byte, block time.Duration) error {
	if d := c.opt.WriteTimeout; d > 0 { // go-redis: ≤ 0 is no timeout
		if err := c.nc.SetWriteDeadline(time.Now().Add(d)); err != nil {
			return err
		}
	}
	if _, err := c.io.Write(p); err != nil {
		return err
	}
	if d := c.opt.ReadTimeout; d > 0 {
		return c.nc.SetReadDeadline(time.Now().Add(d + block))
	}
	return nil
}

// replies reads one reply per element of res. An I/O error fails the
// replies not read yet and is returned; the caller closes the connection.
func (c *Conn) replies(res []Reply) error {
	for i := range res {
		n, err := c.readReply(0)
		if err != nil {
			if _, ok := err.(replyError); !ok {
				fail(res[i:], err)
				return err
			}
		}
		res[i] = Reply{Err: err, N: n}
	}
	return nil
}

func fail(res []Reply, err error) {
	for i := range res {
		res[i] = Reply{Err: err}
	}
}

// dial connects and authenticates. Any failure is reported as a dial error:
// nothing of the batch was sent.
func (c *Conn) dial() error {
	o := c.opt
	ctx := context.Background()
	if o.DialTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.DialTimeout)
		defer cancel()
	}
	nc, err := o.Dialer(ctx, o.Network, o.Addr)
	if err != nil {
		return dialError(o, err)
	}
	c.nc, c.io = nc, newConnIO(nc)
	if c.rd == nil {
		c.rd = bufio.NewReaderSize(c.io, 16<<10)
	} else {
		c.rd.Reset(c.io)
	}
	var hello Batch
	switch {
	case o.Username != "":
		hello.Cmd(3, "auth").Str(o.Username).Str(o.Password)
	case o.Password != "":
		hello.Cmd(2, "auth").Str(o.Password)
	}
	if o.DB > 0 {
		hello.Cmd(2, "select").Int(int64(o.DB))
	}
	if hello.Len() == 0 {
		return nil
	}
	res := make([]Reply, hello.Len())
	err = c.write(hello.Wire(), 0)
	if err == nil {
		err = c.replies(res)
	}
	for _, r := range res {
		if err == nil {
			err = r.Err
		}
	}
	if err != nil {
		c.Close()
		return dialError(o, err)
	}
	return nil
}

// dialError makes err read as a failure to connect (Classify: failed, not
// indeterminate).
func dialError(o *redis.Options, err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return err
	}
	return &net.OpError{Op: "dial", Net: o.Network, Err: err}
}

// Close closes the connection.
func (c *Conn) Close() {
	if c.nc != nil {
		_ = c.nc.Close()
		c.nc = nil
	}
}

// header reads the first line of the next reply: its kind ('+', '-', ':',
// '$' or '*'), the number a ':', '$' or '*' line carries, and the text of
// a '+' or '-' line (valid until the next read).
func (c *Conn) header() (kind byte, n int64, text []byte, err error) {
	line, err := c.rd.ReadSlice('\n')
	if err != nil {
		if err == bufio.ErrBufferFull {
			err = errProtocol
		}
		return 0, 0, nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return 0, 0, nil, errProtocol
	}
	kind, text = line[0], line[1:len(line)-2]
	switch kind {
	case '+', '-':
		return kind, 0, text, nil
	case ':', '$', '*':
		n, err = parseInt(text)
		return kind, n, nil, err
	}
	return 0, 0, nil, errProtocol
}

// bulk reads the n bytes (and CRLF) of a bulk string whose header said n,
// appending them to dst; n < 0 (nil) appends nothing.
func (c *Conn) bulk(n int64, dst []byte) ([]byte, error) {
	if n < 0 {
		return dst, nil
	}
	at := len(dst)
	dst = slices.Grow(dst, int(n)+2)[:at+int(n)+2]
	if _, err := io.ReadFull(c.rd, dst[at:]); err != nil {
		return dst[:at], err
	}
	if dst[len(dst)-2] != '\r' || dst[len(dst)-1] != '\n' {
		return dst[:at], errProtocol
	}
	return dst[:len(dst)-2], nil
}

// readReply reads one reply: an error reply comes back as a replyError, an
// integer or an array's length as n; other values are skipped.
func (c *Conn) readReply(depth int) (int64, error) {
	kind, n, text, err := c.header()
	if err != nil {
		return 0, err
	}
	switch kind {
	case '-':
		return 0, replyError(text)
	case '$':
		if n >= 0 {
			_, err = c.rd.Discard(int(n) + 2)
		}
		return 0, err
	case '*':
		if depth > 8 {
			return 0, errProtocol
		}
		for i := int64(0); i < n; i++ {
			if _, err := c.readReply(depth + 1); err != nil {
				if _, ok := err.(replyError); !ok {
					return 0, err
				}
			}
		}
	}
	return n, nil
}

func parseInt(p []byte) (int64, error) {
	if len(p) == 0 || len(p) > 19 {
		return 0, errProtocol
	}
	neg := p[0] == '-'
	if neg {
		p = p[1:]
		if len(p) == 0 {
			return 0, errProtocol
		}
	}
	var n int64
	for _, ch := range p {
		if ch < '0' || ch > '9' {
			return 0, errProtocol
		}
		n = n*10 + int64(ch-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

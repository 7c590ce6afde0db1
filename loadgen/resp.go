package loadgen

import (
	"strconv"
	"unsafe"

	"github.com/squall-bench/squall/internal/resp"
)

// A consumer's replies, whatever the command, are read into one flat list
// of tokens in reused buffers: the reply tree depth first, each bulk
// string a span of one byte buffer. A reader walks the tokens of each of
// its commands without a value or a string allocated per event.

// tok is one element of a reply.
type tok struct {
	kind   byte  // '*' array, '$' bulk string, ':' integer, '+' status, '-' error
	n      int64 // '*': elements that follow (-1: nil); '$': length (-1: nil); ':': the value
	lo, hi int   // '$', '+', '-': the bytes, in replies.buf
}

// nilReply reports a nil bulk string or array (RESP2), the nil of RESP3.
func (t tok) isNil() bool { return (t.kind == '*' || t.kind == '$') && t.n < 0 }

// replies holds the replies of one round trip.
type replies struct {
	toks  []tok
	buf   []byte
	start []int // per command, its first token
}

func (r *replies) reset() { r.toks, r.buf, r.start = r.toks[:0], r.buf[:0], r.start[:0] }

// str returns token i's bytes as a string that is valid only until the
// replies are reset (a view, not a copy).
func (r *replies) str(t tok) string {
	if t.hi <= t.lo {
		return ""
	}
	return unsafe.String(&r.buf[t.lo], t.hi-t.lo)
}

// err returns the error reply of command i, or nil.
func (r *replies) err(i int) error {
	if t := r.toks[r.start[i]]; t.kind == '-' {
		return resp.ReplyError(r.str(t))
	}
	return nil
}

// cursor walks the tokens of command i's reply.
func (r *replies) cursor(i int) cursor {
	end := len(r.toks)
	if i+1 < len(r.start) {
		end = r.start[i+1]
	}
	return cursor{r: r, i: r.start[i], end: end}
}

// cursor reads a reply's tokens in order; past the end it returns a nil
// token, so a malformed or short reply reads as empty, never a panic.
type cursor struct {
	r      *replies
	i, end int
}

func (c *cursor) next() tok {
	if c.i >= c.end {
		return tok{kind: '*', n: -1}
	}
	c.i++
	return c.r.toks[c.i-1]
}

// skip passes over the rest of a value whose first token was t.
func (c *cursor) skip(t tok) {
	if t.kind == '*' {
		for j := int64(0); j < t.n; j++ {
			c.skip(c.next())
		}
	}
}

// float reads a bulk string or integer token as a number (a sorted set
// score).
func (c *cursor) float(t tok) (float64, bool) {
	if t.kind == ':' {
		return float64(t.n), true
	}
	f, err := strconv.ParseFloat(c.r.str(t), 64)
	return f, err == nil
}

// readTokens reads one whole reply from the connection into r as the
// replies of one more command.
func readTokens(c *resp.Conn, r *replies) error {
	r.start = append(r.start, len(r.toks))
	return readTok(c, r, 0)
}

func readTok(c *resp.Conn, r *replies, depth int) error {
	kind, n, text, err := c.Header()
	if err != nil {
		return err
	}
	t := tok{kind: kind, n: n}
	switch kind {
	case '+', '-':
		t.lo = len(r.buf)
		r.buf = append(r.buf, text...)
		t.hi = len(r.buf)
	case '$':
		t.lo = len(r.buf)
		if r.buf, err = c.Bulk(n, r.buf); err != nil {
			return err
		}
		t.hi = len(r.buf)
	}
	r.toks = append(r.toks, t)
	if kind == '*' {
		if depth > 8 {
			return resp.ErrProtocol
		}
		for i := int64(0); i < n; i++ {
			if err := readTok(c, r, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

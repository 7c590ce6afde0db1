package resp

import (
	"strconv"
	"unsafe"
)

// A consumer's replies, whatever the command, are read into one flat list
// of tokens in reused buffers: the reply tree depth first, each bulk
// string a span of one byte buffer. A reader walks the tokens of each of
// its commands without a value or a string allocated per event.

// A Tok is one element of a reply.
type Tok struct {
	Kind   byte  // '*' array, '$' bulk string, ':' integer, '+' status, '-' error
	N      int64 // '*': elements that follow (-1: nil); '$': length (-1: nil); ':': the value
	lo, hi int   // '$', '+', '-': the bytes, in Replies.buf
}

// isNil reports a nil bulk string or array (RESP2), the nil of RESP3.
func (t Tok) isNil() bool { return (t.Kind == '*' || t.Kind == '$') && t.N < 0 }

// Replies holds the replies of one round trip.
type Replies struct {
	toks  []Tok
	buf   []byte
	start []int // per command, its first token
}

// Reset empties r, keeping its buffers.
func (r *Replies) Reset() { r.toks, r.buf, r.start = r.toks[:0], r.buf[:0], r.start[:0] }

// Size is the bytes of reply data r holds (bulk strings and texts).
func (r *Replies) Size() int { return len(r.buf) }

// Str returns token t's bytes as a string that is valid only until the
// replies are reset (a view, not a copy).
func (r *Replies) Str(t Tok) string {
	if t.hi <= t.lo {
		return ""
	}
	return unsafe.String(&r.buf[t.lo], t.hi-t.lo)
}

// Err returns the error reply of command i, or nil.
func (r *Replies) Err(i int) error {
	if t := r.toks[r.start[i]]; t.Kind == '-' {
		return replyError(r.Str(t))
	}
	return nil
}

// Cursor walks the tokens of command i's reply.
func (r *Replies) Cursor(i int) Cursor {
	end := len(r.toks)
	if i+1 < len(r.start) {
		end = r.start[i+1]
	}
	return Cursor{r: r, i: r.start[i], end: end}
}

// A Cursor reads a reply's tokens in order; past the end it returns a nil
// token, so a malformed or short reply reads as empty, never a panic.
type Cursor struct {
	r      *Replies
	i, end int
}

// Next returns the next token.
func (c *Cursor) Next() Tok {
	if c.i >= c.end {
		return Tok{Kind: '*', N: -1}
	}
	c.i++
	return c.r.toks[c.i-1]
}

// Skip passes over the rest of a value whose first token was t.
func (c *Cursor) Skip(t Tok) {
	if t.Kind == '*' {
		for j := int64(0); j < t.N; j++ {
			c.Skip(c.Next())
		}
	}
}

// Float reads a bulk string or integer token as a number (a sorted set
// score).
func (c *Cursor) Float(t Tok) (float64, bool) {
	if t.Kind == ':' {
		return float64(t.N), true
	}
	f, err := strconv.ParseFloat(c.r.Str(t), 64)
	return f, err == nil
}

// Since returns a cursor over the tokens c has read since it stood at
// mark (a copy of c taken earlier), to walk them again.
func (c *Cursor) Since(mark Cursor) Cursor { return Cursor{r: c.r, i: mark.i, end: c.i} }

// ReadReply reads one whole reply from the connection into r as the
// replies of one more command.
func (c *Conn) ReadReply(r *Replies) error {
	r.start = append(r.start, len(r.toks))
	return c.readTok(r, 0)
}

func (c *Conn) readTok(r *Replies, depth int) error {
	kind, n, text, err := c.header()
	if err != nil {
		return err
	}
	t := Tok{Kind: kind, N: n}
	switch kind {
	case '+', '-':
		t.lo = len(r.buf)
		r.buf = append(r.buf, text...)
		t.hi = len(r.buf)
	case '$':
		t.lo = len(r.buf)
		if r.buf, err = c.bulk(n, r.buf); err != nil {
			return err
		}
		t.hi = len(r.buf)
	}
	r.toks = append(r.toks, t)
	if kind == '*' {
		if depth > 8 {
			return errProtocol
		}
		for i := int64(0); i < n; i++ {
			if err := c.readTok(r, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

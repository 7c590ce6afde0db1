// Package resp is squall's own Redis client for the load generator's hot
// path: commands RESP-encoded into a reused Batch, written on connections
// of the generator's own, replies read without allocating, and on a Redis
// Cluster a slot router. Where a target needs what go-redis does (Sentinel
// failover, connect hooks), it falls back to the go-redis client.
package resp

import (
	"fmt"
	"strconv"
)

// A Batch is the commands one producer round trip writes, RESP-encoded into
// one reused buffer as a pattern adds them, so that queueing an event
// allocates nothing. A pattern starts each command with Cmd, naming how many
// arguments it has (its name included), and adds the rest with Str, Bytes,
// Int and Float.
type Batch struct {
	buf  []byte
	cmds int
	left int // arguments the command being added still expects
}

// Cmd starts a command of argc arguments, its name included, and adds the
// name.
func (b *Batch) Cmd(argc int, name string) *Batch {
	if b.left != 0 {
		panic(fmt.Sprintf("resp: Batch.Cmd(%q) while the previous command still expects %d arguments", name, b.left))
	}
	b.buf = append(b.buf, '*')
	b.buf = strconv.AppendInt(b.buf, int64(argc), 10)
	b.buf = append(b.buf, '\r', '\n')
	b.cmds++
	b.left = argc
	return b.Str(name)
}

// Str adds a string argument.
func (b *Batch) Str(s string) *Batch {
	b.header(len(s))
	b.buf = append(b.buf, s...)
	b.buf = append(b.buf, '\r', '\n')
	return b
}

// Bytes adds a binary argument.
func (b *Batch) Bytes(p []byte) *Batch {
	b.header(len(p))
	b.buf = append(b.buf, p...)
	b.buf = append(b.buf, '\r', '\n')
	return b
}

// Int adds an integer argument in decimal.
func (b *Batch) Int(n int64) *Batch {
	var num [20]byte
	return b.Bytes(strconv.AppendInt(num[:0], n, 10))
}

// Float adds a floating-point argument in the shortest decimal form that
// reads back exactly (as a sorted set score).
func (b *Batch) Float(f float64) *Batch {
	var num [32]byte
	return b.Bytes(strconv.AppendFloat(num[:0], f, 'f', -1, 64))
}

func (b *Batch) header(n int) {
	if b.left <= 0 {
		panic("resp: Batch argument beyond the count given to Cmd")
	}
	b.left--
	b.buf = append(b.buf, '$')
	b.buf = strconv.AppendInt(b.buf, int64(n), 10)
	b.buf = append(b.buf, '\r', '\n')
}

// Append adds o's commands to b.
func (b *Batch) Append(o *Batch) {
	b.buf = append(b.buf, o.Wire()...)
	b.cmds += o.cmds
}

// Len returns the number of commands in the batch.
func (b *Batch) Len() int { return b.cmds }

// Reset empties the batch, keeping its buffer.
func (b *Batch) Reset() { b.buf, b.cmds, b.left = b.buf[:0], 0, 0 }

// Wire returns the RESP encoding of every complete command, as it goes on
// the wire. It panics while the last command still expects arguments.
func (b *Batch) Wire() []byte {
	if b.left != 0 {
		panic(fmt.Sprintf("resp: Batch sent while its last command still expects %d arguments", b.left))
	}
	return b.buf
}

// Args decodes the batch back into argument lists, one per command, for
// clients that take commands as values (the cluster and Sentinel paths).
func (b *Batch) Args() [][]any {
	out := make([][]any, 0, b.cmds)
	p := b.Wire()
	for len(p) > 0 {
		var argc int
		argc, p = respLen(p, '*')
		args := make([]any, argc)
		for i := range args {
			var n int
			n, p = respLen(p, '$')
			args[i] = string(p[:n])
			p = p[n+2:]
		}
		out = append(out, args)
	}
	return out
}

// EachCmd calls fn with each command of the batch, RESP-encoded, and the
// key it routes by: its first argument after the name (for PUBLISH, the
// channel: any node takes it), or nil when it has none.
func (b *Batch) EachCmd(fn func(cmd, key []byte)) {
	p := b.Wire()
	for len(p) > 0 {
		start := p
		argc, rest := respLen(p, '*')
		var key []byte
		for a := 0; a < argc; a++ {
			var n int
			n, rest = respLen(rest, '$')
			if a == 1 {
				key = rest[:n]
			}
			rest = rest[n+2:]
		}
		fn(start[:len(start)-len(rest)], key)
		p = rest
	}
}

// AppendCmd adds one command already RESP-encoded, as EachCmd hands it.
func (b *Batch) AppendCmd(cmd []byte) {
	b.buf = append(b.buf, cmd...)
	b.cmds++
}

// respLen reads the header "<kind><n>\r\n" that Batch wrote.
func respLen(p []byte, kind byte) (int, []byte) {
	if p[0] != kind {
		panic("resp: malformed Batch")
	}
	n, i := 0, 1
	for ; p[i] != '\r'; i++ {
		n = n*10 + int(p[i]-'0')
	}
	return n, p[i+2:]
}

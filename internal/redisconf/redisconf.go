// Package redisconf holds the rule for the redis.conf directives a scenario
// may add to the servers squall starts (target.config) or change on them
// (a config fault's CONFIG SET). The rule keeps those servers where squall
// put them: reachable only on 127.0.0.1 or the run's private networks,
// with squall's password, running squall's files and no other code.
//
// A directive name is a plain word (letters, digits, hyphens), and not one
// of the reserved directives below. A value is one line of printable text
// that redis.conf reads as the arguments of that one directive.
package redisconf

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxValue bounds a value: no directive takes more than a few hundred bytes.
const MaxValue = 4096

// Why each reserved directive is refused. A scenario that could set one of
// them could expose the server, let others in, run other code or write
// files outside the run's directory.
const (
	whyListen = "squall decides where the servers it starts listen: 127.0.0.1, or the run's private Docker networks"
	whyAuth   = "squall sets the servers' password itself, from target.password_env"
	whyCmds   = "it exposes or renames commands; squall enables what its faults need itself"
	whyFiles  = "it reads or writes files outside the directory squall gives the server"
	whyCode   = "it loads code into the server"
	whyOwn    = "squall supervises the server process and builds the topology itself"
)

// reserved maps each refused directive to why.
var reserved = map[string]string{
	"bind": whyListen, "bind-source-addr": whyListen, "port": whyListen, "protected-mode": whyListen,
	"unixsocket": whyListen, "unixsocketperm": whyListen, "cluster-port": whyListen,
	"replica-announce-ip": whyListen, "replica-announce-port": whyListen,
	"slave-announce-ip": whyListen, "slave-announce-port": whyListen,
	"cluster-preferred-endpoint-type": whyListen,

	"requirepass": whyAuth, "masterauth": whyAuth, "masteruser": whyAuth, "user": whyAuth, "aclfile": whyAuth,

	"rename-command": whyCmds, "enable-debug-command": whyCmds, "enable-module-command": whyCmds,
	"enable-protected-configs": whyCmds,

	"include": whyFiles, "dir": whyFiles, "dbfilename": whyFiles, "appendfilename": whyFiles,
	"appenddirname": whyFiles, "logfile": whyFiles, "pidfile": whyFiles, "cluster-config-file": whyFiles,

	"loadmodule": whyCode,

	"daemonize": whyOwn, "supervised": whyOwn, "replicaof": whyOwn, "slaveof": whyOwn,
	"cluster-enabled": whyOwn, "sentinel": whyOwn,
}

// reservedPrefixes are families of directives refused for the same reason:
// a TLS listener and its certificate files, and the addresses a cluster
// node announces.
var reservedPrefixes = []struct{ prefix, why string }{
	{"tls-", whyListen},
	{"cluster-announce-", whyListen},
}

// CheckName returns why name cannot be a directive a scenario sets, or "".
// Redis reads directive names case-insensitively, and so does the check.
func CheckName(name string) string {
	if name == "" {
		return "a directive name must not be empty"
	}
	if len(name) > 64 {
		return fmt.Sprintf("%q is not a redis.conf directive name (longer than 64 characters)", name[:64]+"...")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Sprintf("%q is not a redis.conf directive name: a name is letters, digits and hyphens, like maxmemory-policy", name)
		}
	}
	lower := strings.ToLower(name)
	if why, ok := reserved[lower]; ok {
		return fmt.Sprintf("directive %s is reserved: %s", lower, why)
	}
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(lower, p.prefix) {
			return fmt.Sprintf("directive %s is reserved (as is every %s* directive): %s", lower, p.prefix, p.why)
		}
	}
	return ""
}

// CheckValue returns why v cannot be written after a directive name in
// redis.conf, or "": a line break would start a second directive, other
// control characters have no place in a setting, and quotes must pair up
// the way Redis splits a line into arguments, or the server refuses to
// start.
func CheckValue(v string) string {
	if len(v) > MaxValue {
		return fmt.Sprintf("value is %d bytes; a redis.conf value is at most %d", len(v), MaxValue)
	}
	if !utf8.ValidString(v) {
		return "value is not valid UTF-8"
	}
	if strings.TrimLeft(v, " ") == "" {
		return `value is empty: Redis wants an argument; write '""' for an empty one`
	}
	for _, r := range v {
		if IsControl(r) {
			return fmt.Sprintf("value holds the control character %s: %s", Rune(r), controlWhy(r))
		}
	}
	if msg := splitCheck(v); msg != "" {
		return msg
	}
	return ""
}

// CheckSecret returns why a password cannot be written (quoted) into
// redis.conf and read back the same, or "": squall quotes it with Go's %q,
// whose escapes Redis reads back only for valid UTF-8 of printable text
// (Redis does not know \u, \f or \v). The reason never quotes the value.
func CheckSecret(s string) string {
	if !utf8.ValidString(s) {
		return "it is not valid UTF-8"
	}
	for _, r := range s {
		if !unicode.IsPrint(r) && r != ' ' {
			return fmt.Sprintf("it holds the unprintable character %s, which redis.conf cannot carry", Rune(r))
		}
	}
	if len(s) > MaxValue {
		return fmt.Sprintf("it is longer than %d bytes", MaxValue)
	}
	return ""
}

// IsControl reports whether r is a control character (C0, DEL or C1).
func IsControl(r rune) bool { return unicode.IsControl(r) }

// Rune names a character for messages: U+000A (line feed).
func Rune(r rune) string {
	name := map[rune]string{'\n': "line feed", '\r': "carriage return", '\t': "tab", 0: "NUL", 0x1b: "escape"}[r]
	if name == "" {
		return fmt.Sprintf("%U", r)
	}
	return fmt.Sprintf("%U (%s)", r, name)
}

func controlWhy(r rune) string {
	if r == '\n' || r == '\r' {
		return "redis.conf would read what follows as a second directive"
	}
	return "a redis.conf value is printable text on one line"
}

// splitCheck follows Redis's sdssplitargs, which splits a config line into
// arguments: a quote opens a quoted part (also in the middle of a word),
// the part must be closed, and a closing quote must be followed by a space
// or the end of the line.
func splitCheck(v string) string {
	i := 0
	for {
		for i < len(v) && v[i] == ' ' {
			i++
		}
		if i == len(v) {
			return ""
		}
		var q byte // the open quote, or 0
		for done := false; !done; {
			if q == 0 {
				switch {
				case i == len(v) || v[i] == ' ':
					done = true
				case v[i] == '"' || v[i] == '\'':
					q = v[i]
					i++
				default:
					i++
				}
				continue
			}
			switch {
			case i == len(v):
				return fmt.Sprintf("value has an unclosed %c quote: Redis would refuse the line", q)
			case v[i] == '\\' && i+1 < len(v) && (q == '"' || v[i+1] == '\''):
				i += 2 // an escape: \" or \n in double quotes, \' in single quotes
			case v[i] == q:
				if i+1 < len(v) && v[i+1] != ' ' {
					return fmt.Sprintf("value has a closing %c quote followed by %q: Redis wants a space there", q, v[i+1])
				}
				i++
				done = true
			default:
				i++
			}
		}
	}
}

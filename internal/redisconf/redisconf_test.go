package redisconf

import (
	"strings"
	"testing"
)

func TestCheckName(t *testing.T) {
	for name, want := range map[string]string{
		"maxmemory":                  "",
		"maxmemory-policy":           "",
		"MaxMemory":                  "",
		"hz":                         "",
		"client-output-buffer-limit": "",
		"":                           "must not be empty",
		"bind":                       "reserved: squall decides where",
		"BIND":                       "directive bind is reserved",
		"port":                       "reserved",
		"protected-mode":             "reserved",
		"tls-port":                   "every tls-* directive",
		"tls-cert-file":              "every tls-* directive",
		"cluster-announce-ip":        "every cluster-announce-* directive",
		"include":                    "outside the directory",
		"dir":                        "outside the directory",
		"loadmodule":                 "loads code",
		"requirepass":                "password",
		"rename-command":             "renames commands",
		"enable-debug-command":       "exposes",
		"maxmemory 1mb":              "letters, digits and hyphens",
		"max\nmemory":                "letters, digits and hyphens",
		"maxmemory_policy":           "letters, digits and hyphens",
		strings.Repeat("a", 65):      "longer than 64",
	} {
		got := CheckName(name)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("CheckName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestCheckValue(t *testing.T) {
	for v, want := range map[string]string{
		"100mb":                         "",
		"900 1 300 10":                  "",
		`""`:                            "",
		`"a b" c`:                       "",
		`'it\'s'`:                       "",
		`"esc \" quote"`:                "",
		`ab"cd" e`:                      "",
		"100mb\nbind 0.0.0.0":           "U+000A (line feed): redis.conf would read what follows as a second directive",
		"100mb\rbind 0.0.0.0":           "carriage return",
		"a\tb":                          "U+0009 (tab)",
		"a\x1b[31m":                     "escape",
		"a\u0085b":                      "U+0085",
		"\xff":                          "not valid UTF-8",
		"":                              "empty",
		"   ":                           "empty",
		`"open`:                         `unclosed " quote`,
		`'open`:                         "unclosed ' quote",
		`"a"b`:                          `closing " quote followed by 'b'`,
		`"ends in backslash\`:           "unclosed",
		strings.Repeat("x", MaxValue+1): "at most 4096",
	} {
		got := CheckValue(v)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("CheckValue(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestCheckSecret(t *testing.T) {
	for s, want := range map[string]string{
		"s3cret pass":     "",
		`quo"te\back`:     "",
		"pässwört":        "",
		"new\nline":       "U+000A (line feed)",
		"form\ffeed":      "U+000C",
		"zero\u200bwidth": "U+200B",
		"\xff":            "not valid UTF-8",
	} {
		got := CheckSecret(s)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("CheckSecret(%q) = %q, want %q", s, got, want)
		}
		if got != "" && strings.Contains(got, s) {
			t.Errorf("CheckSecret(%q) quotes the secret: %q", s, got)
		}
	}
}

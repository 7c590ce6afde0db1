package loadgen

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Options are a pattern's workload.options, read with typed getters that
// remember which keys were used so unknown keys can be reported, and that
// check each value's bounds.
type Options struct {
	m       map[string]any
	prefix  string // "wait." for a nested mapping: errors name the full key
	used    map[string]bool
	checked bool          // unknown keys reported
	errs    *OptionErrors // shared with nested mappings
}

// OptionError is one problem with workload.options: Key is the option's
// dotted path under workload.options ("batch", "wait.timeout"), or "" when
// the problem is the options as a whole.
type OptionError struct {
	Key string
	Msg string
}

func (e *OptionError) Error() string {
	if e.Key == "" {
		return e.Msg
	}
	return e.Key + ": " + e.Msg
}

// OptionErrors is every problem found in one pattern's options, so a caller
// can place each at its key (errors.As finds it in ValidateOptions' error).
type OptionErrors []*OptionError

func (l OptionErrors) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}

// Bounds of option values a scenario cannot exceed: a consumer's wait
// between checks (block, poll) and WAIT's timeout delay the end of a run
// by as much; the other times are far above their use.
const (
	MaxOptionWait     = time.Minute
	MaxOptionDuration = time.Hour
	MaxOptionCount    = 100000 // entities, maxlen's unit is events and is not bounded
)

// NewOptions wraps a decoded options mapping.
func NewOptions(m map[string]any) *Options {
	return &Options{m: m, used: map[string]bool{}, errs: &OptionErrors{}}
}

// Fail records a problem with the option key.
func (o *Options) Fail(key, format string, args ...any) {
	*o.errs = append(*o.errs, &OptionError{Key: o.prefix + key, Msg: fmt.Sprintf(format, args...)})
}

// Int returns the option key as a non-negative integer, or def when absent.
func (o *Options) Int(key string, def int) int {
	return o.IntIn(key, def, 0, math.MaxInt)
}

// IntIn returns the option key as an integer in [lo, hi], or def.
func (o *Options) IntIn(key string, def, lo, hi int) int {
	v, ok := o.get(key)
	if !ok {
		return def
	}
	n, ok := integer(v)
	switch {
	case !ok && lo == 0:
		o.Fail(key, "expected a non-negative integer, got %v", v)
	case !ok:
		o.Fail(key, "expected an integer, got %v", v)
	case n < lo || n > hi:
		o.Fail(key, "must be between %d and %d, got %d", lo, hi, n)
	default:
		return n
	}
	return def
}

// integer reads a whole number from a decoded option.
func integer(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int(n), true
		}
	}
	return 0, false
}

// Duration returns the option key as a duration ("100ms") of at most
// MaxOptionDuration, or def.
func (o *Options) Duration(key string, def time.Duration) time.Duration {
	return o.DurationIn(key, def, 0, MaxOptionDuration)
}

// DurationIn returns the option key as a duration in [lo, hi], or def.
func (o *Options) DurationIn(key string, def, lo, hi time.Duration) time.Duration {
	v, ok := o.get(key)
	if !ok {
		return def
	}
	d, ok := duration(v)
	switch {
	case !ok:
		o.Fail(key, "expected a duration like \"100ms\", got %v", v)
	case d < lo || d > hi:
		o.Fail(key, "must be between %s and %s, got %s", lo, hi, d)
	default:
		return d
	}
	return def
}

// duration reads "100ms", or a bare 0.
func duration(v any) (time.Duration, bool) {
	switch x := v.(type) {
	case string:
		if d, err := time.ParseDuration(x); err == nil && d >= 0 {
			return d, true
		}
	case int:
		return 0, x == 0
	}
	return 0, false
}

// DurationRange returns the option key as a fixed duration ("200ms") or a
// range {min: "100ms", max: "1s"}, or def for both ends when absent.
func (o *Options) DurationRange(key string, def time.Duration) (lo, hi time.Duration) {
	v, ok := o.get(key)
	if !ok {
		return def, def
	}
	if d, ok := duration(v); ok {
		if d > MaxOptionDuration {
			o.Fail(key, "must be at most %s, got %s", MaxOptionDuration, d)
			return def, def
		}
		return d, d
	}
	if m, ok := v.(map[string]any); ok && len(m) == 2 {
		lo, okLo := duration(m["min"])
		hi, okHi := duration(m["max"])
		if okLo && okHi && lo <= hi {
			if hi > MaxOptionDuration {
				o.Fail(key, "must be at most %s, got %s", MaxOptionDuration, hi)
				return def, def
			}
			return lo, hi
		}
	}
	o.Fail(key, "expected a duration like \"200ms\" or {min: \"100ms\", max: \"1s\"} with min <= max, got %v", v)
	return def, def
}

// Text returns the option key as a non-empty free-form string, or def.
func (o *Options) Text(key, def string) string {
	v, ok := o.get(key)
	if !ok {
		return def
	}
	if s, ok := v.(string); ok && s != "" && len(s) <= 256 {
		return s
	}
	o.Fail(key, "expected a non-empty string of at most 256 bytes, got %v", v)
	return def
}

// String returns the option key as one of the allowed words, or def.
func (o *Options) String(key, def string, allowed ...string) string {
	v, ok := o.get(key)
	if !ok {
		return def
	}
	s, _ := v.(string)
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	o.Fail(key, "expected one of %s, got %v", strings.Join(allowed, ", "), v)
	return def
}

// Bool returns the option key as a boolean, or def.
func (o *Options) Bool(key string, def bool) bool {
	v, ok := o.get(key)
	if !ok {
		return def
	}
	if b, ok := v.(bool); ok {
		return b
	}
	o.Fail(key, "expected true or false, got %v", v)
	return def
}

// Map returns a nested option mapping (e.g. wait: {replicas, timeout}).
func (o *Options) Map(key string) (*Options, bool) {
	v, ok := o.get(key)
	if !ok {
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		o.Fail(key, "expected a mapping, got %v", v)
		return nil, false
	}
	return &Options{m: m, prefix: o.prefix + key + ".", used: map[string]bool{}, errs: o.errs}, true
}

// Err reports bad values, and keys no getter asked for with the ones it
// did (the options this pattern knows), of this mapping and of every one
// nested in it whose Err was called. Call it once every option was read.
func (o *Options) Err() error {
	if !o.checked {
		o.checked = true
		o.unknown()
	}
	if len(*o.errs) == 0 {
		return nil
	}
	return *o.errs
}

// unknown reports the keys no getter asked for.
func (o *Options) unknown() {
	var unknown, known []string
	for k := range o.m {
		if !o.used[k] {
			unknown = append(unknown, k)
		}
	}
	for k := range o.used {
		known = append(known, k)
	}
	sort.Strings(unknown)
	sort.Strings(known)
	for _, k := range unknown {
		msg := "unknown option"
		if len(known) > 0 {
			msg += " (known here: " + strings.Join(known, ", ") + ")"
		}
		*o.errs = append(*o.errs, &OptionError{Key: o.prefix + k, Msg: msg})
	}
}

func (o *Options) get(key string) (any, bool) {
	o.used[key] = true
	v, ok := o.m[key]
	return v, ok
}

package loadgen

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Options are a pattern's workload.options, read with typed getters that
// remember which keys were used so unknown keys can be reported.
type Options struct {
	m    map[string]any
	used map[string]bool
	errs []string
}

// NewOptions wraps a decoded options mapping.
func NewOptions(m map[string]any) *Options {
	return &Options{m: m, used: map[string]bool{}}
}

// Int returns the option key as a non-negative integer, or def when absent.
func (o *Options) Int(key string, def int) int {
	v, ok := o.get(key)
	if !ok {
		return def
	}
	switch n := v.(type) {
	case int:
		if n >= 0 {
			return n
		}
	case int64:
		if n >= 0 {
			return int(n)
		}
	case float64:
		if n >= 0 && n == float64(int(n)) {
			return int(n)
		}
	}
	o.errs = append(o.errs, fmt.Sprintf("%s: expected a non-negative integer, got %v", key, v))
	return def
}

// Duration returns the option key as a duration ("100ms"), or def.
func (o *Options) Duration(key string, def time.Duration) time.Duration {
	v, ok := o.get(key)
	if !ok {
		return def
	}
	if d, ok := duration(v); ok {
		return d
	}
	o.errs = append(o.errs, fmt.Sprintf("%s: expected a duration like \"100ms\", got %v", key, v))
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
		return d, d
	}
	if m, ok := v.(map[string]any); ok && len(m) == 2 {
		lo, okLo := duration(m["min"])
		hi, okHi := duration(m["max"])
		if okLo && okHi && lo <= hi {
			return lo, hi
		}
	}
	o.errs = append(o.errs, fmt.Sprintf("%s: expected a duration like \"200ms\" or {min: \"100ms\", max: \"1s\"} with min <= max, got %v", key, v))
	return def, def
}

// Text returns the option key as a non-empty free-form string, or def.
func (o *Options) Text(key, def string) string {
	v, ok := o.get(key)
	if !ok {
		return def
	}
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	o.errs = append(o.errs, fmt.Sprintf("%s: expected a non-empty string, got %v", key, v))
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
	o.errs = append(o.errs, fmt.Sprintf("%s: expected one of %s, got %v", key, strings.Join(allowed, ", "), v))
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
	o.errs = append(o.errs, fmt.Sprintf("%s: expected true or false, got %v", key, v))
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
		o.errs = append(o.errs, fmt.Sprintf("%s: expected a mapping, got %v", key, v))
		return nil, false
	}
	sub := NewOptions(m)
	return sub, true
}

// Err reports bad values and keys no getter asked for.
func (o *Options) Err() error {
	errs := append([]string(nil), o.errs...)
	var unknown []string
	for k := range o.m {
		if !o.used[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		errs = append(errs, fmt.Sprintf("%s: unknown option", k))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(errs, "; "))
}

func (o *Options) get(key string) (any, bool) {
	o.used[key] = true
	v, ok := o.m[key]
	return v, ok
}

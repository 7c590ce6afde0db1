package scenarios

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/result"
	"go.yaml.in/yaml/v3"
)

// Payload bounds: every event carries an envelope (producer id, sequence
// number, intended send time) that needs MinPayload bytes. MaxPayload is far
// above an event's size and below Redis's limit for one string (512 MiB):
// a pipeline of 16 such events fills Redis's default client query buffer
// (1 GiB).
const (
	MinPayload = 32
	MaxPayload = 64 << 20
)

// decodeNode reads a Go duration string; a bare number is rejected because
// its unit would be a guess.
func (t *Duration) decodeNode(d *decoder, n *yaml.Node, path string, at pos) {
	if dur, ok := parseDuration(n); ok {
		*t = Duration(dur)
		return
	}
	d.fail(at, path, `expected a duration like "15s", "1m30s" or "250ms", got %s`, describe(n))
}

func parseDuration(n *yaml.Node) (time.Duration, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != tagStr {
		return 0, false
	}
	dur, err := time.ParseDuration(strings.TrimSpace(n.Value))
	return dur, err == nil
}

// decodeNode reads events/s as a number, "max" for closed loop, or a
// capacity search {search: {from, to, objective, steps, mode}}.
func (r *Rate) decodeNode(d *decoder, n *yaml.Node, path string, at pos) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == tagStr && n.Value == "max" {
		*r = Rate{Max: true}
		return
	}
	if f, ok := number(n); ok {
		*r = Rate{PerSecond: f}
		return
	}
	const expected = `expected events/s as a number, "max", or a capacity search like {search: {from: 1000, to: 50000, objective: e2e_p99}}`
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		d.fail(at, path, "%s, got %s", expected, describe(n))
		return
	}
	var search *RateSearch
	d.pairs(n, path, func(k, v *yaml.Node) {
		key := join(path, k.Value)
		switch {
		case k.Value == "search":
			kp := d.where(k, v)
			d.pos[key] = kp
			search = decodeSearch(d, v, key, kp)
		case closest(k.Value, []string{"search"}) != "":
			d.fail(d.where(k, k), key, "%s", unknownMsg("key", k.Value, []string{"search"}))
		default:
			d.fail(d.where(k, k), key, "%s, got a mapping with key %s", expected, quote(k.Value))
		}
	})
	if search != nil {
		*r = Rate{Search: search}
	}
}

// searchKeys are the keys of workload.rate.search, in the order messages
// and the resolved scenario show them.
var searchKeys = []string{"from", "to", "objective", "steps", "mode"}

// decodeSearch reads the mapping under workload.rate.search. It returns nil
// when the value is not a mapping; missing or bad keys are reported and the
// rest still decoded, so one pass shows every problem.
func decodeSearch(d *decoder, n *yaml.Node, path string, at pos) *RateSearch {
	if n.Kind != yaml.MappingNode {
		d.fail(at, path, "expected a mapping like {from: 1000, to: 50000, objective: e2e_p99}, got %s", describe(n))
		return nil
	}
	s := &RateSearch{}
	have := map[string]bool{}
	d.pairs(n, path, func(k, v *yaml.Node) {
		key, kp := join(path, k.Value), d.where(k, v)
		if contains(searchKeys, k.Value) {
			d.pos[key] = kp
			have[k.Value] = true
		}
		switch k.Value {
		case "from", "to":
			f, ok := number(v)
			if !ok {
				d.fail(kp, key, "expected events/s as a number, got %s", describe(v))
				return
			}
			if k.Value == "from" {
				s.From = f
			} else {
				s.To = f
			}
		case "objective":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != tagStr {
				d.fail(kp, key, "expected the name of one of the scenario's slo objectives, like e2e_p99, got %s", describe(v))
				return
			}
			s.Objective = v.Value
		case "steps":
			i, ok := d.integer(v, key, kp)
			if !ok {
				return
			}
			s.Steps = int(max(min(i, 1<<30), -1<<30))
		case "mode":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != tagStr {
				d.fail(kp, key, "expected step or bisect, got %s", describe(v))
				return
			}
			s.Mode = v.Value
		default:
			d.fail(d.where(k, k), key, "%s", unknownMsg("key", k.Value, searchKeys))
		}
	})
	var missing []string
	for _, k := range searchKeys[:3] {
		if !have[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		d.fail(at, path, "a capacity search needs from, to and objective; missing %s", strings.Join(missing, ", "))
	}
	return s
}

// decodeNode reads a fixed size (256, "1KiB") or a range {min: X, max: Y}.
func (p *Payload) decodeNode(d *decoder, n *yaml.Node, path string, at pos) {
	if n.Kind != yaml.MappingNode {
		size, ok := parseSize(n)
		if !ok {
			d.fail(at, path, `expected a size in bytes like 256 or "1KiB", or {min: 64, max: 4096}, got %s`, describe(n))
			return
		}
		*p = Payload{Min: size, Max: size}
		return
	}
	var got Payload
	var haveMin, haveMax bool
	d.pairs(n, path, func(k, v *yaml.Node) {
		kp, key := d.where(k, v), join(path, k.Value)
		var dst *int
		switch k.Value {
		case "min":
			dst, haveMin = &got.Min, true
		case "max":
			dst, haveMax = &got.Max, true
		default:
			d.fail(d.where(k, k), key, "%s", unknownMsg("key", k.Value, []string{"min", "max"}))
			return
		}
		d.pos[key] = kp
		size, ok := parseSize(v)
		if !ok {
			d.fail(kp, key, `expected a size in bytes like 256 or "1KiB", got %s`, describe(v))
			return
		}
		*dst = size
	})
	if !haveMin || !haveMax {
		d.fail(at, path, "a payload range needs both min and max")
		return
	}
	*p = got
}

var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
}

// parseSize reads a byte count: an integer, or a string with a decimal (KB,
// MB, GB) or binary (KiB, MiB, GiB) unit. The result must be whole bytes.
func parseSize(n *yaml.Node) (int, bool) {
	if n.Kind != yaml.ScalarNode {
		return 0, false
	}
	switch n.ShortTag() {
	case tagInt:
		var i int
		return i, n.Decode(&i) == nil
	case tagStr:
	default:
		return 0, false
	}
	s := strings.TrimSpace(n.Value)
	i := strings.IndexFunc(s, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+') })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	}
	mult, ok := sizeUnits[unit]
	if !ok || num == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	f *= mult
	if f != math.Trunc(f) || math.Abs(f) > 1<<62 {
		return 0, false
	}
	return int(f), true
}

// sloKind says how an objective's limit is written and compared: the
// unit the metric registry gives it.
type sloKind = units.Unit

const (
	sloLatency    = units.Micros // a duration; Value in microseconds
	sloThroughput = units.Rate   // events/s, a number
	sloCount      = units.Count  // a count of events, a non-negative integer
)

// sloNames lists the objectives in the order messages show them, and
// sloKinds how each one's limit is written; both read the registry.
var sloNames, sloKinds = func() ([]string, map[string]sloKind) {
	kinds := map[string]sloKind{}
	var names []string
	for _, o := range result.Objectives {
		names = append(names, o.Name)
		kinds[o.Name] = o.Unit
	}
	return names, kinds
}()

// decodeNode reads the slo mapping, keeping the file's order.
func (o *Objectives) decodeNode(d *decoder, n *yaml.Node, path string, at pos) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(at, path, "expected a mapping of objective names to limits, got %s", describe(n))
		return
	}
	var out Objectives
	d.pairs(n, path, func(k, v *yaml.Node) {
		key := join(path, k.Value)
		kind, ok := sloKinds[k.Value]
		if !ok {
			d.fail(d.where(k, k), key, "%s", unknownMsg("objective", k.Value, sloNames))
			return
		}
		kp := d.where(k, v)
		d.pos[key] = kp
		obj := Objective{Name: k.Value, Limit: v.Value}
		switch kind {
		case sloLatency:
			dur, ok := parseDuration(v)
			if !ok {
				d.fail(kp, key, `expected a duration like "50ms", got %s`, describe(v))
				return
			}
			obj.Value = float64(dur) / float64(time.Microsecond)
		case sloThroughput:
			f, ok := number(v)
			if !ok {
				d.fail(kp, key, "expected events/s as a number, got %s", describe(v))
				return
			}
			obj.Value = f
		case sloCount:
			var i int64
			if v.Kind != yaml.ScalarNode || v.ShortTag() != tagInt || v.Decode(&i) != nil {
				d.fail(kp, key, "expected a count of events (an integer), got %s", describe(v))
				return
			}
			obj.Value = float64(i)
		}
		out = append(out, obj)
	})
	*o = out
}

// decodeNode reads the matrix: dotted key paths to non-empty lists of values.
func (m *Matrix) decodeNode(d *decoder, n *yaml.Node, path string, at pos) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(at, path, "expected a mapping of key paths to lists of values, got %s", describe(n))
		return
	}
	var out Matrix
	d.pairs(n, path, func(k, v *yaml.Node) {
		key := join(path, k.Value)
		kp := d.where(k, v)
		d.pos[key] = kp
		if bad, msg := checkMatrixKey(k.Value); msg != "" {
			d.fail(kp, join(path, bad), "%s", msg)
			return
		}
		for _, prev := range out.Keys {
			if strings.HasPrefix(k.Value, prev+".") || strings.HasPrefix(prev, k.Value+".") {
				d.fail(kp, key, "overlaps matrix key %s: a cell would set the same value twice", quote(prev))
				return
			}
		}
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			d.fail(kp, key, "expected a non-empty list of values, got %s", describe(v))
			return
		}
		seen := map[string]bool{}
		values := make([]any, len(v.Content))
		for i, e := range v.Content {
			text := scalarText(e)
			if seen[text] {
				d.fail(d.where(e, e), key, "duplicate value %s: two cells would have the same name", quote(text))
			}
			seen[text] = true
			p := join(key, strconv.Itoa(i))
			values[i] = d.free(e, p, d.where(e, e))
		}
		if out.Values == nil {
			out.Values = map[string][]any{}
		}
		out.Keys = append(out.Keys, k.Value)
		out.Values[k.Value] = values
	})
	*m = out
}

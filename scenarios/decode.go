package scenarios

import (
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decoder turns an expanded tree into a Scenario. It records where each key
// path was written (for validation messages and for "was it set?" defaults)
// and collects every error instead of stopping at the first.
type decoder struct {
	file string
	// origin marks nodes that were not written in the file at that place:
	// "--set PATH=VALUE" for an override's nodes, "" for a matrix value
	// (reported at the value's own position in the matrix).
	origin map[*yaml.Node]string
	pos    map[string]pos
	errs   ErrorList
}

// nodeDecoder is implemented by the value types with their own YAML syntax.
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node, path string, at pos)
}

// decodeScenario decodes a top-level mapping into a Scenario (no defaults).
func decodeScenario(file string, root *yaml.Node, origin map[*yaml.Node]string) (*Scenario, map[string]pos, ErrorList) {
	at := pos{file, root.Line, root.Column}
	d := &decoder{file: file, origin: origin, pos: map[string]pos{"": at}}
	s := &Scenario{Source: file}
	d.value(root, "", at, reflect.ValueOf(s).Elem())
	return s, d.pos, d.errs
}

func (d *decoder) fail(at pos, path, format string, args ...any) {
	if len(d.errs) < 200 {
		d.errs = append(d.errs, at.errorf(path, format, args...))
	}
}

// where is the position to report for the key k holding v: the key in the
// file, or the override or matrix value that replaced what the file said.
func (d *decoder) where(k, v *yaml.Node) pos {
	if o, ok := d.origin[v]; ok {
		if o != "" {
			return pos{file: o}
		}
		return pos{d.file, v.Line, v.Column}
	}
	if o, ok := d.origin[k]; ok && o != "" {
		return pos{file: o}
	}
	return pos{d.file, k.Line, k.Column}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// pairs calls f for each key/value of a mapping whose key is a scalar,
// reporting the others.
func (d *decoder) pairs(n *yaml.Node, path string, f func(k, v *yaml.Node)) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.fail(d.where(k, k), path, "expected a key name, got %s", describe(k))
			continue
		}
		if msg := keyProblem(k.Value); msg != "" {
			d.fail(d.where(k, k), path, "%s", msg)
			continue
		}
		f(k, v)
	}
}

// value decodes n into v by v's type: the walker behind every struct field.
func (d *decoder) value(n *yaml.Node, path string, at pos, v reflect.Value) {
	if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
		nd.decodeNode(d, n, path, at)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.structure(n, path, at, v)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || isNull(n) {
			d.fail(at, path, "expected a string, got %s", describe(n))
			return
		}
		if msg := textProblem(path, n.Value); msg != "" {
			d.fail(at, path, "%s", msg)
			return
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int64:
		if i, ok := d.integer(n, path, at); ok {
			v.SetInt(i)
		}
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
			d.fail(at, path, "expected true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Slice:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.fail(at, path, "expected a list, got %s", describe(n))
			return
		}
		if len(n.Content) == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		list := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, e := range n.Content {
			p := join(path, strconv.Itoa(i))
			ep := d.where(e, e)
			d.pos[p] = ep
			d.value(e, p, ep, list.Index(i))
		}
		v.Set(list)
	case reflect.Map:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.MappingNode {
			d.fail(at, path, "expected a mapping, got %s", describe(n))
			return
		}
		v.Set(reflect.ValueOf(d.free(n, path, at)))
	case reflect.Interface:
		v.Set(reflect.ValueOf(d.free(n, path, at)))
	default:
		d.fail(at, path, "cannot decode into %s", v.Type()) // a schema bug, not a user error
	}
}

// structure decodes a mapping into a struct by its yaml tags, rejecting keys
// the struct does not have.
func (d *decoder) structure(n *yaml.Node, path string, at pos, v reflect.Value) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(at, path, "expected a mapping, got %s", describe(n))
		return
	}
	fields, names := fieldsOf(v.Type())
	d.pairs(n, path, func(k, val *yaml.Node) {
		p := join(path, k.Value)
		i, ok := fields[k.Value]
		if !ok {
			d.fail(d.where(k, k), p, "%s", unknownMsg("key", k.Value, names))
			return
		}
		kp := d.where(k, val)
		d.pos[p] = kp
		d.value(val, p, kp, v.Field(i))
	})
}

// fieldsOf maps a struct's yaml key names to field indexes; names keeps
// declaration order for messages.
func fieldsOf(t reflect.Type) (map[string]int, []string) {
	fields := map[string]int{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		name := yamlName(t.Field(i))
		if name == "" {
			continue
		}
		fields[name] = i
		names = append(names, name)
	}
	return fields, names
}

// yamlName is a field's key in YAML, or "" when it has none.
func yamlName(f reflect.StructField) string {
	tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if tag == "-" || !f.IsExported() {
		return ""
	}
	if tag == "" {
		return strings.ToLower(f.Name)
	}
	return tag
}

// integer decodes a YAML integer (decimal, 0x, 0o, 0b).
func (d *decoder) integer(n *yaml.Node, path string, at pos) (int64, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != tagInt {
		d.fail(at, path, "expected an integer, got %s", describe(n))
		return 0, false
	}
	var i int64
	if err := n.Decode(&i); err != nil {
		d.fail(at, path, "integer %s is out of range", describe(n))
		return 0, false
	}
	return i, true
}

// number decodes a YAML integer or float.
func number(n *yaml.Node) (float64, bool) {
	if n.Kind != yaml.ScalarNode {
		return 0, false
	}
	if t := n.ShortTag(); t != tagInt && t != tagFloat {
		return 0, false
	}
	var f float64
	if err := n.Decode(&f); err != nil {
		return 0, false
	}
	return f, true
}

// free decodes a free-form value (config, options, params, matrix values) to
// plain Go values: string, int, float64, bool, nil, []any, map[string]any.
func (d *decoder) free(n *yaml.Node, path string, at pos) any {
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		d.pairs(n, path, func(k, v *yaml.Node) {
			p := join(path, k.Value)
			kp := d.where(k, v)
			d.pos[p] = kp
			m[k.Value] = d.free(v, p, kp)
		})
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, e := range n.Content {
			p := join(path, strconv.Itoa(i))
			ep := d.where(e, e)
			d.pos[p] = ep
			l[i] = d.free(e, p, ep)
		}
		return l
	}
	if msg := textProblem(path, n.Value); msg != "" {
		d.fail(at, path, "%s", msg)
	}
	return plain(n)
}

// plain is a scalar's Go value by its resolved tag; anything unusual
// (timestamps, binary, custom tags) stays text.
func plain(n *yaml.Node) any {
	switch n.ShortTag() {
	case tagNull:
		return nil
	case tagBool:
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case tagInt:
		var i int
		if n.Decode(&i) == nil {
			return i
		}
		var f float64
		if n.Decode(&f) == nil {
			return f
		}
	case tagFloat:
		var f float64
		if n.Decode(&f) == nil {
			return f
		}
	}
	return n.Value
}

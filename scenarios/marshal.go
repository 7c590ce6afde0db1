package scenarios

import (
	"bytes"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// MarshalResolved renders the fully resolved scenario (every default
// visible) as YAML that Parse reads back to an equal scenario: what a run
// records so it can be repeated exactly.
func (s *Scenario) MarshalResolved() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# Scenario " + strconv.Quote(s.Name) + ", resolved: every default is shown.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(toNode(reflect.ValueOf(s).Elem())); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// MarshalYAML writes a duration as Go writes it ("1m30s").
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// MarshalYAML writes "max", the number of events/s, or the capacity search
// as {search: {from, to, objective, steps, mode}}.
func (r Rate) MarshalYAML() (any, error) {
	if rs := r.Search; rs != nil {
		search := mappingNode()
		search.Style = yaml.FlowStyle
		search.Content = append(search.Content,
			strNode("from"), numberNode(rs.From),
			strNode("to"), numberNode(rs.To),
			strNode("objective"), strNode(rs.Objective),
			strNode("steps"), &yaml.Node{Kind: yaml.ScalarNode, Tag: tagInt, Value: strconv.Itoa(rs.Steps)},
			strNode("mode"), strNode(rs.Mode))
		m := mappingNode()
		m.Content = append(m.Content, strNode("search"), search)
		return m, nil
	}
	if r.Max {
		return "max", nil
	}
	return numberNode(r.PerSecond), nil
}

// MarshalYAML writes a fixed size as a number, a range as {min, max}.
func (p Payload) MarshalYAML() (any, error) {
	if p.Min == p.Max {
		return p.Min, nil
	}
	m := mappingNode()
	m.Style = yaml.FlowStyle
	m.Content = append(m.Content,
		strNode("min"), &yaml.Node{Kind: yaml.ScalarNode, Tag: tagInt, Value: strconv.Itoa(p.Min)},
		strNode("max"), &yaml.Node{Kind: yaml.ScalarNode, Tag: tagInt, Value: strconv.Itoa(p.Max)})
	return m, nil
}

// MarshalYAML writes the objectives as a mapping in their order, each limit
// as written.
func (o Objectives) MarshalYAML() (any, error) {
	m := mappingNode()
	for _, obj := range o {
		kind := sloKinds[obj.Name]
		v := &yaml.Node{Kind: yaml.ScalarNode, Value: limitText(obj, kind)}
		switch kind {
		case sloLatency:
			v.Tag = tagStr
		case sloCount:
			v.Tag = tagInt
		}
		m.Content = append(m.Content, strNode(obj.Name), v)
	}
	return m, nil
}

// MarshalYAML writes the matrix as a mapping of key paths to flow lists.
func (m Matrix) MarshalYAML() (any, error) {
	n := mappingNode()
	for _, k := range m.Keys {
		list := toNode(reflect.ValueOf(m.Values[k]))
		list.Style = yaml.FlowStyle
		n.Content = append(n.Content, strNode(k), list)
	}
	return n, nil
}

// toNode builds the YAML node for a value, mirroring the decoder: struct
// fields in declaration order, map keys sorted, and floats always written so
// they read back as floats (yaml.v3 writes 1.0 as 1, which reads back as int).
func toNode(v reflect.Value) *yaml.Node {
	if !v.IsValid() {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tagNull, Value: "null"}
	}
	if v.Kind() != reflect.Interface && v.CanInterface() {
		if m, ok := v.Interface().(yaml.Marshaler); ok {
			out, err := m.MarshalYAML()
			if err == nil {
				if n, ok := out.(*yaml.Node); ok {
					return n
				}
				return toNode(reflect.ValueOf(out))
			}
		}
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return toNode(reflect.Value{})
		}
		return toNode(v.Elem())
	case reflect.Struct:
		m := mappingNode()
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if name := yamlName(t.Field(i)); name != "" {
				m.Content = append(m.Content, strNode(name), toNode(v.Field(i)))
			}
		}
		return m
	case reflect.Slice, reflect.Array:
		s := &yaml.Node{Kind: yaml.SequenceNode, Tag: tagSeq}
		for i := 0; i < v.Len(); i++ {
			s.Content = append(s.Content, toNode(v.Index(i)))
		}
		if len(s.Content) == 0 {
			s.Style = yaml.FlowStyle
		}
		return s
	case reflect.Map:
		m := mappingNode()
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			m.Content = append(m.Content, strNode(k.String()), toNode(v.MapIndex(k)))
		}
		if len(m.Content) == 0 {
			m.Style = yaml.FlowStyle
		}
		return m
	case reflect.String:
		return strNode(v.String())
	case reflect.Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tagBool, Value: strconv.FormatBool(v.Bool())}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tagInt, Value: strconv.FormatInt(v.Int(), 10)}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tagInt, Value: strconv.FormatUint(v.Uint(), 10)}
	case reflect.Float32, reflect.Float64:
		return floatNode(v.Float())
	}
	return strNode(v.String())
}

// numberNode writes a whole number as an integer and anything else as a float.
func numberNode(f float64) *yaml.Node {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tagInt, Value: strconv.FormatInt(int64(f), 10)}
	}
	return floatNode(f)
}

// floatNode writes f so that it reads back as a float.
func floatNode(f float64) *yaml.Node {
	var s string
	switch {
	case math.IsNaN(f):
		s = ".nan"
	case math.IsInf(f, 1):
		s = ".inf"
	case math.IsInf(f, -1):
		s = "-.inf"
	default:
		s = strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tagFloat, Value: s}
}

func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tagStr, Value: s}
}

func mappingNode() *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: tagMap}
}

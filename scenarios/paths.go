package scenarios

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Key paths ("workload.rate", "chaos.0.at", "matrix.target.persistence"),
// shared by --set and the matrix: checked against the schema, then stored into
// a tree.

// splitPath splits a dotted path; under matrix, the rest is one key
// (matrix.workload.rate names the matrix key "workload.rate").
func splitPath(path string) []string {
	segs := strings.Split(path, ".")
	if len(segs) > 1 && segs[0] == "matrix" {
		return []string{"matrix", strings.Join(segs[1:], ".")}
	}
	return segs
}

var (
	typDuration   = reflect.TypeOf(Duration(0))
	typRate       = reflect.TypeOf(Rate{})
	typRateSearch = reflect.TypeOf(RateSearch{})
	typPayload    = reflect.TypeOf(Payload{})
	typObjectives = reflect.TypeOf(Objectives(nil))
	typMatrix     = reflect.TypeOf(Matrix{})
)

// checkPath checks a key path against the schema, the rules shared by --set
// and matrix keys. It returns which segments index a list, or the offending
// prefix of the path and what is wrong with it.
func checkPath(segs []string) (index []bool, bad, msg string) {
	index = make([]bool, len(segs))
	t := reflect.TypeOf(Scenario{})
	free := false
	for i, seg := range segs {
		prefix := strings.Join(segs[:i+1], ".")
		if seg == "" {
			return nil, strings.Join(segs, "."), "empty key in the path (two dots, or a dot at an end)"
		}
		if free {
			continue
		}
		if t == nil {
			return nil, prefix, fmt.Sprintf("unknown key: %s holds a single value", strings.Join(segs[:i], "."))
		}
		switch {
		case t == typMatrix:
			if bad, msg := checkMatrixKey(seg); msg != "" {
				return nil, "matrix." + bad, msg
			}
			free = true // a matrix key's value is a list of any values
		case t == typObjectives:
			if _, ok := sloKinds[seg]; !ok {
				return nil, prefix, unknownMsg("objective", seg, sloNames)
			}
			t = nil
		case t == typPayload:
			if seg != "min" && seg != "max" {
				return nil, prefix, unknownMsg("key", seg, []string{"min", "max"})
			}
			t = nil
		case t == typRate:
			// A rate is one value, except for its capacity search's keys
			// (workload.rate.search.to=100000).
			if seg != "search" {
				if closest(seg, []string{"search"}) != "" {
					return nil, prefix, unknownMsg("key", seg, []string{"search"})
				}
				return nil, prefix, fmt.Sprintf(`unknown key: %s holds a single value (events/s or "max"), or search`, strings.Join(segs[:i], "."))
			}
			t = typRateSearch
		case t == typDuration:
			return nil, prefix, fmt.Sprintf("unknown key: %s holds a single value", strings.Join(segs[:i], "."))
		case t.Kind() == reflect.Struct:
			fields, names := fieldsOf(t)
			f, ok := fields[seg]
			if !ok {
				return nil, prefix, unknownMsg("key", seg, names)
			}
			t = leafOrType(t.Field(f).Type)
		case t.Kind() == reflect.Slice:
			if n, err := strconv.Atoi(seg); err != nil || n < 0 {
				return nil, prefix, "expected a list index (0, 1, ...), got " + quote(seg)
			}
			index[i] = true
			t = leafOrType(t.Elem())
		case t.Kind() == reflect.Map || t.Kind() == reflect.Interface:
			free = true
		default:
			return nil, prefix, fmt.Sprintf("unknown key: %s holds a single value", strings.Join(segs[:i], "."))
		}
	}
	return index, "", ""
}

// leafOrType is nil for types that hold a single value, else t.
func leafOrType(t reflect.Type) reflect.Type {
	switch {
	case t == typDuration || t == typRate || t == typPayload || t == typObjectives || t == typMatrix:
		return t
	case t.Kind() == reflect.String || t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		return nil
	}
	return t
}

// checkMatrixKey checks that a matrix key is a scenario key path a cell may
// vary, returning the offending prefix and a message if not.
func checkMatrixKey(key string) (bad, msg string) {
	segs := strings.Split(key, ".")
	switch {
	case segs[0] == "matrix":
		return key, "the matrix cannot vary the matrix itself"
	case key == "name":
		return key, "the matrix cannot vary name: cells are named after their values"
	}
	_, bad, msg = checkPath(segs)
	return bad, msg
}

// put stores value at the path in the mapping root, creating missing
// mappings and lists (and a list entry one past the end); made is applied to
// every node it creates. It returns the offending prefix and a message when
// the tree's shape does not allow it.
func put(root *yaml.Node, segs []string, index []bool, value *yaml.Node, made func(*yaml.Node) *yaml.Node) (bad, msg string) {
	cur := root
	for i, seg := range segs {
		var slot **yaml.Node
		switch cur.Kind {
		case yaml.MappingNode:
			found := -1
			for j := 0; j+1 < len(cur.Content); j += 2 {
				if k := cur.Content[j]; k.Kind == yaml.ScalarNode && k.Value == seg {
					found = j + 1
				}
			}
			if found < 0 {
				cur.Content = append(cur.Content,
					made(&yaml.Node{Kind: yaml.ScalarNode, Tag: tagStr, Value: seg}),
					made(&yaml.Node{Kind: yaml.ScalarNode, Tag: tagNull}))
				found = len(cur.Content) - 1
			}
			slot = &cur.Content[found]
		case yaml.SequenceNode:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 {
				return strings.Join(segs[:i+1], "."), "expected a list index (0, 1, ...), got " + quote(seg)
			}
			if n > len(cur.Content) {
				return strings.Join(segs[:i+1], "."),
					fmt.Sprintf("index %d is out of range: the list has %d entries (%d adds one)", n, len(cur.Content), len(cur.Content))
			}
			if n == len(cur.Content) {
				cur.Content = append(cur.Content, made(&yaml.Node{Kind: yaml.ScalarNode, Tag: tagNull}))
			}
			slot = &cur.Content[n]
		default:
			return strings.Join(segs[:i], "."), fmt.Sprintf("expected a mapping to set %s in, got %s", quote(seg), describe(cur))
		}
		if i == len(segs)-1 {
			*slot = value
			return "", ""
		}
		if isNull(*slot) {
			if index[i+1] {
				*slot = made(&yaml.Node{Kind: yaml.SequenceNode, Tag: tagSeq})
			} else {
				*slot = made(&yaml.Node{Kind: yaml.MappingNode, Tag: tagMap})
			}
		}
		cur = *slot
	}
	return "", ""
}

package scenarios

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// override is one parsed --set PATH=VALUE.
type override struct {
	src   string   // "--set PATH=VALUE": errors name it instead of the file
	segs  []string // the path, split; a matrix key stays one segment
	index []bool   // which segments index a list
	value *yaml.Node
}

// applySets substitutes each --set into the tree in order (a later one wins),
// marking the nodes it adds in origin so errors about them name the --set.
func applySets(root *yaml.Node, sets []string, origin map[*yaml.Node]string) ErrorList {
	var errs ErrorList
	for _, s := range sets {
		ov, err := parseOverride(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		mark(ov.value, ov.src, origin)
		made := func(n *yaml.Node) *yaml.Node {
			origin[n] = ov.src
			return n
		}
		if key, msg := put(root, ov.segs, ov.index, ov.value, made); msg != "" {
			errs = append(errs, &Error{File: ov.src, Key: key, Msg: msg})
		}
	}
	return errs
}

// parseOverride splits PATH=VALUE, checks PATH against the schema (like an
// unknown key in a file) and reads VALUE as YAML.
func parseOverride(s string) (*override, *Error) {
	src := "--set " + s
	path, val, ok := strings.Cut(s, "=")
	if !ok {
		return nil, &Error{File: src, Msg: "expected PATH=VALUE, like --set workload.rate=5000"}
	}
	path = strings.TrimSpace(path)
	if path == "" {
		return nil, &Error{File: src, Msg: "missing the key path before '=', like --set workload.rate=5000"}
	}
	segs := splitPath(path)
	index, bad, msg := checkPath(segs)
	if msg != "" {
		return nil, &Error{File: src, Key: bad, Msg: msg}
	}
	value, err := parseValue(src, val)
	if err != nil {
		err.Key = path
		return nil, err
	}
	return &override{src: src, segs: segs, index: index, value: value}, nil
}

// parseValue reads an override's value as one YAML document; an empty value
// is the empty string.
func parseValue(src, val string) (*yaml.Node, *Error) {
	if strings.TrimSpace(val) == "" {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tagStr, Value: val}, nil
	}
	n, errs := parseDocument(src, []byte(val))
	if len(errs) > 0 {
		e := errs[0]
		e.Line, e.Col = 0, 0
		e.Msg = "value: " + e.Msg
		return nil, e
	}
	if n == nil { // only a comment
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tagNull}, nil
	}
	return n, nil
}

// mark records src as the origin of every node in the subtree.
func mark(n *yaml.Node, src string, origin map[*yaml.Node]string) {
	origin[n] = src
	for _, c := range n.Content {
		mark(c, src, origin)
	}
}

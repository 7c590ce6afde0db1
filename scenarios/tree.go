package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// YAML tags, for building nodes and reading resolved ones.
const (
	tagStr   = "!!str"
	tagInt   = "!!int"
	tagFloat = "!!float"
	tagBool  = "!!bool"
	tagNull  = "!!null"
	tagMap   = "!!map"
	tagSeq   = "!!seq"
	tagMerge = "!!merge"
)

// parseTree reads a scenario document: exactly one YAML document whose top
// level is a mapping, returned with aliases and merge keys expanded so later
// stages (overrides, matrix cells, decoding) see a plain tree in which no
// node is shared.
func parseTree(file string, data []byte) (*yaml.Node, ErrorList) {
	root, errs := parseDocument(file, data)
	if len(errs) > 0 {
		return nil, errs
	}
	if root == nil || isNull(root) {
		return nil, ErrorList{{File: file, Msg: "empty scenario"}}
	}
	if root.Kind != yaml.MappingNode {
		return nil, ErrorList{{File: file, Line: root.Line, Col: root.Column,
			Msg: "expected a mapping of scenario keys (name, duration, target, ...), got " + describe(root)}}
	}
	return root, nil
}

// parseDocument reads at most one YAML document (empty trailing documents
// are tolerated) and returns its expanded top node, or nil when it is empty.
func parseDocument(file string, data []byte) (*yaml.Node, ErrorList) {
	if e := checkEncoding(file, data); e != nil {
		return nil, ErrorList{e}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, ErrorList{syntaxError(file, data, err)}
	}
	root := content(&doc)
	if root == nil {
		return nil, nil
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, ErrorList{syntaxError(file, data, err)}
		}
		if c := content(&next); c != nil && !isNull(c) {
			return nil, ErrorList{{File: file, Line: next.Line, Col: next.Column,
				Msg: "found a second YAML document here; a scenario is one document"}}
		}
	}
	x := expander{file: file, active: map[*yaml.Node]bool{}}
	tree := x.node(root, 0)
	if len(x.errs) > 0 {
		return nil, x.errs
	}
	return tree, nil
}

// content is a document's single top node, or nil.
func content(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil
		}
		return doc.Content[0]
	}
	return doc
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 syntax error ("yaml: line 3: ...") into an
// *Error. yaml.v3 reports only the line, so the column is that line's first
// non-blank character: where an editor should put the cursor.
func syntaxError(file string, data []byte, err error) *Error {
	msg := err.Error()
	e := &Error{File: file}
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Col = firstColumn(data, e.Line)
		msg = m[2]
		if strings.Contains(msg, "tab character") || strings.Contains(msg, "cannot start any token") {
			// yaml.v3 names the line where the construct the tab broke
			// began; the tab itself may be lines below.
			if line, col, ok := indentTab(data, e.Line, strings.Contains(msg, "tab character")); ok {
				e.Line, e.Col = line, col
				msg = "a tab in the indentation (YAML indents with spaces only)"
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	e.Msg = "not valid YAML: " + msg
	return e
}

// indentTab finds the first tab in the indentation of line from (or of a
// later line, when later is set): its 1-based line and column.
func indentTab(data []byte, from int, later bool) (line, col int, ok bool) {
	lines := bytes.Split(data, []byte("\n"))
	for n := from; n >= 1 && n <= len(lines); n++ {
		l := lines[n-1]
		indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
		if i := bytes.IndexByte(indent, '\t'); i >= 0 {
			return n, i + 1, true
		}
		if !later {
			break
		}
	}
	return 0, 0, false
}

// checkEncoding reports the first byte that is not UTF-8, or the first
// control character YAML does not allow, with its position: yaml.v3 names
// neither's line. A file starting with a UTF-16 byte order mark is left to
// yaml.v3, which reads UTF-16.
func checkEncoding(file string, data []byte) *Error {
	if bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xff, 0xfe}) {
		return nil
	}
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return &Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf("not valid UTF-8 (byte 0x%02x): a scenario is UTF-8 text", data[i])}
		case r == '\n':
			line, col = line+1, 0
		case r == '\t' || r == '\r' || r == 0x85:
		case unicode.IsControl(r):
			return &Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf("control character %U in the file; YAML allows none but tab and line breaks", r)}
		}
		i += size
		col++
	}
	return nil
}

// firstColumn is the 1-based column of the first non-blank byte of line n.
func firstColumn(data []byte, n int) int {
	lines := bytes.Split(data, []byte("\n"))
	if n < 1 || n > len(lines) {
		return 1
	}
	line := lines[n-1]
	return len(line) - len(bytes.TrimLeft(line, " \t")) + 1
}

// shallow copies a node without its children, anchor or alias.
func shallow(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = nil
	c.Alias = nil
	c.Anchor = ""
	return &c
}

// clone deep-copies an expanded tree, recording each node's origin (from) for
// its copy (in to), so overrides stay attributed to their --set.
func clone(n *yaml.Node, from, to map[*yaml.Node]string) *yaml.Node {
	c := shallow(n)
	if o, ok := from[n]; ok {
		to[c] = o
	}
	if n.Content != nil {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, e := range n.Content {
			c.Content[i] = clone(e, from, to)
		}
	}
	return c
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == tagNull
}

// describe says what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			return "an empty mapping"
		}
		return "a mapping"
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return "an empty list"
		}
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case tagNull:
			if n.Value == "" {
				return "nothing"
			}
			return "null"
		case tagStr:
			return quote(n.Value)
		}
		if len(n.Value) > 60 {
			return n.Value[:60] + "..."
		}
		return n.Value
	}
	return "an alias"
}

// scalarText renders a node as it would be written in a --set value: the
// scalar's text, or flow-style YAML for lists and mappings. Cell names and
// params use it.
func scalarText(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	c := clone(n, nil, nil)
	flow(c)
	out, err := yaml.Marshal(c)
	if err != nil {
		return describe(n)
	}
	return strings.TrimSpace(string(out))
}

// flow switches a subtree to flow style, comments dropped, for one-line text.
func flow(n *yaml.Node) {
	n.Style |= yaml.FlowStyle
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		flow(c)
	}
}

// lookup returns the value under key in a mapping node, and its key node.
func lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// without returns a copy of mapping m without key (shallow: children shared).
func without(m *yaml.Node, key string) *yaml.Node {
	c := *m
	c.Content = nil
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
			continue
		}
		c.Content = append(c.Content, m.Content[i], m.Content[i+1])
	}
	return &c
}

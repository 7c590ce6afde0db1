package scenarios

import "go.yaml.in/yaml/v3"

// maxNodes bounds a document after aliases are expanded: scenarios are a few
// hundred nodes, and the bound stops alias bombs from exhausting memory.
const maxNodes = 10000

// expander copies a node tree, resolving aliases and merge keys and rejecting
// duplicate keys, within a node budget.
type expander struct {
	file   string
	count  int
	active map[*yaml.Node]bool // alias targets being expanded, to stop cycles
	tooBig bool
	errs   ErrorList
}

func (x *expander) fail(n *yaml.Node, format string, args ...any) {
	if len(x.errs) < 100 {
		x.errs = append(x.errs, pos{x.file, n.Line, n.Column}.errorf("", format, args...))
	}
}

func (x *expander) node(n *yaml.Node, depth int) *yaml.Node {
	x.count++
	if x.count > maxNodes || depth > 100 {
		if !x.tooBig {
			x.tooBig = true
			x.fail(n, "document too large or too deeply nested (over %d values after expanding aliases, or over 100 levels)", maxNodes)
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tagNull, Line: n.Line, Column: n.Column}
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil || x.active[n.Alias] {
			x.fail(n, "alias *%s refers to a value that contains it", n.Value)
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: tagNull, Line: n.Line, Column: n.Column}
		}
		x.active[n.Alias] = true
		c := x.node(n.Alias, depth+1)
		delete(x.active, n.Alias)
		return c
	case yaml.MappingNode:
		return x.mapping(n, depth)
	case yaml.SequenceNode:
		c := shallow(n)
		for _, e := range n.Content {
			c.Content = append(c.Content, x.node(e, depth+1))
		}
		return c
	case yaml.DocumentNode:
		if len(n.Content) == 1 {
			return x.node(n.Content[0], depth)
		}
	}
	return shallow(n)
}

// mapping expands a mapping. Merged keys (<<: *base) land where the merge key
// is and lose to keys written in the mapping itself, as in YAML 1.1.
func (x *expander) mapping(n *yaml.Node, depth int) *yaml.Node {
	c := shallow(n)
	explicit := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if isMerge(k) {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			continue // reported by the decoder, which knows the key path
		}
		if first, dup := explicit[k.Value]; dup {
			x.fail(k, "duplicate key %s (first at line %d)", quote(k.Value), first.Line)
			continue
		}
		explicit[k.Value] = k
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMerge(k) {
			for _, src := range x.mergeSources(v, depth) {
				for j := 0; j+1 < len(src.Content); j += 2 {
					mk := src.Content[j]
					if explicit[mk.Value] != nil || seen[mk.Value] {
						continue
					}
					seen[mk.Value] = true
					c.Content = append(c.Content, mk, src.Content[j+1])
				}
			}
			continue
		}
		if k.Kind == yaml.ScalarNode {
			if seen[k.Value] {
				continue // the duplicate, already reported
			}
			seen[k.Value] = true
		}
		c.Content = append(c.Content, x.node(k, depth+1), x.node(v, depth+1))
	}
	return c
}

// mergeSources expands the value of a merge key: a mapping or a list of them.
func (x *expander) mergeSources(v *yaml.Node, depth int) []*yaml.Node {
	e := x.node(v, depth+1)
	switch e.Kind {
	case yaml.MappingNode:
		return []*yaml.Node{e}
	case yaml.SequenceNode:
		for _, m := range e.Content {
			if m.Kind != yaml.MappingNode {
				x.fail(m, "a merge key (<<) takes a mapping or a list of mappings, got %s", describe(m))
				return nil
			}
		}
		return e.Content
	}
	x.fail(v, "a merge key (<<) takes a mapping or a list of mappings, got %s", describe(v))
	return nil
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.ShortTag() == tagMerge
}

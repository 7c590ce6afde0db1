package scenarios

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Cell is one combination of matrix values, with its own fully resolved and
// validated scenario. Params maps each matrix key path to the cell's value as
// written; Name is the "LASTSEG=value" pairs joined with ",".
type Cell struct {
	Name     string
	Params   map[string]string
	Scenario *Scenario
}

// maxCells bounds a matrix: each cell is a full run, and a typo like
// twelve values on five keys should be an error, not a week of runs.
// maxCellNodes bounds the work of expanding one (cells x scenario size), so
// even a huge scenario parses in well under a second: expanding, decoding
// and validating took about 2.3 µs a node on one core (a million nodes in
// 2.1 s, 95 MB), so 200,000 take about half a second. A shipped scenario is
// under 150 nodes, which leaves it the full 1000 cells.
const (
	maxCells     = 1000
	maxCellNodes = 200000
)

// expandCells builds the cartesian product of the matrix in file order (the
// first key varies slowest). Each cell is the overridden tree with the cell's
// values substituted, decoded, defaulted and validated on its own, so a value
// that is only wrong together with another one is caught in that cell.
func expandCells(file string, root *yaml.Node, origin map[*yaml.Node]string, base *Scenario) ([]Cell, ErrorList) {
	keys := base.Matrix.Keys
	_, mnode := lookup(root, "matrix")
	values := make([][]*yaml.Node, len(keys))
	limit := min(maxCells, maxCellNodes/countNodes(root))
	total := 1
	for i, k := range keys {
		_, list := lookup(mnode, k)
		values[i] = list.Content
		total *= len(list.Content)
		if total > limit {
			mk, _ := lookup(root, "matrix")
			at := (&decoder{file: file, origin: origin}).where(mk, mnode)
			return nil, ErrorList{at.errorf("matrix", "the matrix expands to more than %d cells", limit)}
		}
	}
	names := cellKeyNames(keys)
	body := without(root, "matrix")

	cells := make([]Cell, total)
	cellErrs := make([]ErrorList, total)
	choice := make([]int, len(keys))
	for c := range total {
		rem := c
		for i := len(keys) - 1; i >= 0; i-- {
			choice[i] = rem % len(values[i])
			rem /= len(values[i])
		}
		cells[c], cellErrs[c] = buildCell(file, body, origin, keys, names, values, choice)
		if len(keys) == 0 {
			cells[c].Name = cells[c].Scenario.Name
		}
	}
	if errs := mergeCellErrors(cells, cellErrs); len(errs) > 0 {
		return nil, errs
	}
	return cells, nil
}

// buildCell substitutes one combination of values into a copy of body.
func buildCell(file string, body *yaml.Node, origin map[*yaml.Node]string, keys, names []string, values [][]*yaml.Node, choice []int) (Cell, ErrorList) {
	to := map[*yaml.Node]string{}
	tree := clone(body, origin, to)
	cell := Cell{Params: make(map[string]string, len(keys))}
	var parts []string
	var errs ErrorList
	for i, k := range keys {
		vn := values[i][choice[i]]
		text := scalarText(vn)
		cell.Params[k] = text
		parts = append(parts, names[i]+"="+text)

		v := clone(vn, origin, to)
		src, fromSet := origin[vn]
		if !fromSet {
			to[v] = "" // report at the value's own place in the matrix
		}
		made := func(n *yaml.Node) *yaml.Node {
			n.Line, n.Column = vn.Line, vn.Column
			if fromSet {
				to[n] = src
			}
			return n
		}
		segs := strings.Split(k, ".")
		index, _, _ := checkPath(segs)
		if bad, msg := put(tree, segs, index, v, made); msg != "" {
			at := pos{file, vn.Line, vn.Column}
			if fromSet {
				at = pos{file: src}
			}
			errs = append(errs, at.errorf(bad, "%s", msg))
		}
	}
	cell.Name = strings.Join(parts, ",")
	if len(cell.Name) > MaxCellName {
		at := pos{file, values[0][choice[0]].Line, values[0][choice[0]].Column}
		if src, ok := origin[values[0][choice[0]]]; ok {
			at = pos{file: src}
		}
		errs = append(errs, at.errorf("matrix", "cell name %s... is %d bytes; at most %d: it names the cell's files; use shorter matrix values",
			quote(cell.Name[:40]), len(cell.Name), MaxCellName))
	}
	s, p, derrs := decodeScenario(file, tree, to)
	errs = append(errs, derrs...)
	if len(derrs) == 0 {
		applyDefaults(s, file, func(path string) bool { _, ok := p[path]; return ok })
		errs = append(errs, validate(s, p)...)
	}
	s.pos = p
	cell.Scenario = s
	return cell, errs
}

// countNodes is the size of a tree.
func countNodes(n *yaml.Node) int {
	c := 1
	for _, e := range n.Content {
		c += countNodes(e)
	}
	return c
}

// cellKeyNames names each matrix key in cell names by its last segment, or by
// its full path when two keys share a last segment.
func cellKeyNames(keys []string) []string {
	names := make([]string, len(keys))
	count := map[string]int{}
	for i, k := range keys {
		names[i] = k[strings.LastIndexByte(k, '.')+1:]
		count[names[i]]++
	}
	for i, k := range keys {
		if count[names[i]] > 1 {
			names[i] = k
		}
	}
	return names
}

// mergeCellErrors reports an error common to every cell once, as is, and an
// error found in some cells only once, naming those cells.
func mergeCellErrors(cells []Cell, cellErrs []ErrorList) ErrorList {
	var order []*Error
	in := map[string][]string{} // error text -> names of the cells that have it
	for c, errs := range cellErrs {
		for _, e := range errs {
			k := e.Error()
			names := in[k]
			if len(names) > 0 && names[len(names)-1] == cells[c].Name {
				continue
			}
			if names == nil {
				order = append(order, e)
			}
			in[k] = append(names, cells[c].Name)
		}
	}
	out := make(ErrorList, 0, len(order))
	for _, e := range order {
		names := in[e.Error()]
		if len(names) < len(cells) {
			e2 := *e
			e2.Msg += " (in matrix " + cellList(names) + ")"
			e = &e2
		}
		out = append(out, e)
	}
	return out
}

// cellList names a few cells for a message.
func cellList(names []string) string {
	const show = 3
	if len(names) == 1 {
		return "cell " + names[0]
	}
	if len(names) <= show {
		return "cells " + strings.Join(names[:len(names)-1], "; ") + " and " + names[len(names)-1]
	}
	return "cells " + strings.Join(names[:show], "; ") + " and " + strconv.Itoa(len(names)-show) + " more"
}

// Package jsonsel selects values out of decoded JSON. One syntax serves the token reply paths and the
// query selectors: an RFC 9535 JSONPath when the expression starts with "$" (parsed by
// github.com/theory/jsonpath), otherwise a plain dotted path ("data.accessToken", "items.0.id"),
// whose segments are literal keys so that names with dashes or spaces need no quoting.
//
// Selections are deterministic. RFC 9535 leaves the order of an object's members open, and the
// library takes it from Go's map iteration, which changes from run to run; so where a JSONPath
// iterates over an object's members (a wildcard, a filter, a descendant segment) this package does
// the iteration itself, in the document's key order when the caller knows it (SelectOrdered,
// FirstOrdered) and in sorted key order otherwise. Everything else keeps the library's order, which
// RFC 9535 fixes: selectors in the order written, arrays in index order (or the slice's order), a
// descendant segment's nodes before their descendants.
package jsonsel

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/theory/jsonpath"
	"github.com/theory/jsonpath/spec"
)

// Keys returns the keys of an object of the document in the order the document wrote them, each
// once, or nil when it does not know that object (its keys are then taken in sorted order, as they
// are when the list has not len(m) keys). frames.Doc.Keys is one.
type Keys func(m map[string]any) []string

// Selector is a compiled expression. The zero-length expression selects the whole document.
type Selector struct {
	expr   string
	path   *jsonpath.Path // RFC 9535 form
	dotted []string       // dotted form
	// The RFC 9535 form's segments when one of them iterates over an object's members (a wildcard,
	// a filter or a descendant segment): then selectOrdered runs the query. Nil when the library's
	// result has no member order in it (names, indexes, slices only), and the library runs it.
	ordered []*spec.Segment
}

// Compile parses expr. Errors say what is wrong with the expression, never anything about the data.
func Compile(expr string) (*Selector, error) {
	expr = strings.TrimSpace(expr)
	s := &Selector{expr: expr}
	switch {
	case expr == "" || expr == "$":
		return s, nil
	case strings.HasPrefix(expr, "$"):
		p, err := jsonpath.Parse(expr)
		if err != nil {
			return nil, fmt.Errorf("%q is not a valid RFC 9535 JSONPath: %v", expr, err)
		}
		s.path = p
		if iteratesMembers(p.Query().Segments()) {
			s.ordered = p.Query().Segments()
		}
	default:
		var ok bool
		if s.dotted, ok = splitDotted(expr); !ok {
			return nil, fmt.Errorf("%q has an empty segment; write a.b.c, or a JSONPath such as $['a.b']", expr)
		}
	}
	return s, nil
}

// String returns the expression as written.
func (s *Selector) String() string { return s.expr }

// IsRoot reports whether the selector selects the whole document.
func (s *Selector) IsRoot() bool { return s.path == nil && s.dotted == nil }

// Select returns every node the expression selects, taking the members of an object in sorted key
// order where the expression iterates over them (see SelectOrdered).
func (s *Selector) Select(doc any) []any { return s.SelectOrdered(doc, nil) }

// SelectOrdered returns every node the expression selects, in document order: where the expression
// iterates over an object's members, they come in the order keys gives (sorted key order when keys
// is nil or returns nil for that object).
func (s *Selector) SelectOrdered(doc any, keys Keys) []any {
	switch {
	case s.path != nil:
		return s.selectPath(doc, keys)
	case s.dotted != nil:
		if v, ok := s.walk(doc); ok {
			return []any{v}
		}
		return nil
	default:
		return []any{doc}
	}
}

// selectPath runs the JSONPath. github.com/theory/jsonpath v0.12.1 panics (nil dereference in its
// match() and search() functions) when an argument selects nothing, as in
// $.items[?match(@.name, 'a.*')] over an item without "name". Such a panic is taken as "nothing
// selected" rather than allowed to crash the caller; $.items[?@.name && match(@.name, 'a.*')] avoids it.
func (s *Selector) selectPath(doc any, keys Keys) (nodes []any) {
	defer func() {
		if recover() != nil {
			nodes = nil
		}
	}()
	if s.ordered == nil {
		return s.path.Select(doc)
	}
	return selectOrdered(s.ordered, doc, keys)
}

// First returns the first node Select selects, and whether there was one.
func (s *Selector) First(doc any) (any, bool) { return s.FirstOrdered(doc, nil) }

// FirstOrdered returns the first node SelectOrdered selects, and whether there was one.
func (s *Selector) FirstOrdered(doc any, keys Keys) (any, bool) {
	if s.dotted != nil {
		return s.walk(doc)
	}
	nodes := s.SelectOrdered(doc, keys)
	if len(nodes) == 0 {
		return nil, false
	}
	return nodes[0], true
}

func (s *Selector) walk(v any) (any, bool) {
	for _, seg := range s.dotted {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[seg]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			v = node[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// iteratesMembers reports whether a query with these segments can iterate over an object's members:
// a descendant segment, a wildcard or a filter selector. Queries inside a filter do not count: a
// filter's verdict does not depend on the order of the nodes they select.
func iteratesMembers(segs []*spec.Segment) bool {
	for _, seg := range segs {
		if seg.IsDescendant() {
			return true
		}
		for _, sel := range seg.Selectors() {
			switch sel.(type) {
			case spec.WildcardSelector, *spec.FilterSelector:
				return true
			}
		}
	}
	return false
}

// selectOrdered is spec.PathQuery.Select (segment by segment, each over the nodes of the one before,
// in order) with object members taken in keys order, for a query from the root.
func selectOrdered(segs []*spec.Segment, root any, keys Keys) []any {
	nodes := []any{root}
	for _, seg := range segs {
		next := make([]any, 0, len(nodes))
		for _, n := range nodes {
			next = segment(next, seg, n, root, keys)
		}
		nodes = next
	}
	return nodes
}

// segment appends what seg selects from node to out, as spec.Segment.Select does: the results of the
// selectors in order, then for a descendant segment the same for each child, depth first (array
// elements in order, object members in keys order), so that a node comes before its descendants.
func segment(out []any, seg *spec.Segment, node, root any, keys Keys) []any {
	node = native(node)
	for _, sel := range seg.Selectors() {
		out = child(out, sel, node, root, keys)
	}
	if !seg.IsDescendant() {
		return out
	}
	switch n := node.(type) {
	case []any:
		for _, v := range n {
			out = segment(out, seg, v, root, keys)
		}
	case map[string]any:
		for _, k := range memberOrder(n, keys) {
			out = segment(out, seg, n[k], root, keys)
		}
	}
	return out
}

// child appends what sel selects from node to out: the library's result, except that a wildcard or
// a filter over an object takes the members in keys order.
func child(out []any, sel spec.Selector, node, root any, keys Keys) []any {
	if m, ok := node.(map[string]any); ok && len(m) > 1 {
		switch sel := sel.(type) {
		case spec.WildcardSelector:
			for _, k := range memberOrder(m, keys) {
				out = append(out, m[k])
			}
			return out
		case *spec.FilterSelector:
			for _, k := range memberOrder(m, keys) {
				if v := m[k]; sel.Eval(v, root) {
					out = append(out, v)
				}
			}
			return out
		}
	}
	return append(out, sel.Select(node, root)...)
}

// memberOrder returns m's keys as keys gives them, else sorted.
func memberOrder(m map[string]any, keys Keys) []string {
	if keys != nil {
		if ks := keys(m); len(ks) == len(m) {
			return ks
		}
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// native returns v, with a Go slice or string-keyed map of another type (the library walks those
// too; decoded JSON has none) copied into a []any or map[string]any, so that segment and child see
// their members as the library would, in a fixed order. (One difference: a descendant segment also
// enters those whose element type is an interface other than any, which the library skips.)
func native(v any) any {
	switch v.(type) {
	case nil, []any, map[string]any, string, json.Number, bool, float64:
		return v
	}
	rv := reflect.ValueOf(v)
	switch {
	case rv.Kind() == reflect.Slice:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out
	case rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String:
		out := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			out[it.Key().String()] = it.Value().Interface()
		}
		return out
	}
	return v
}

// splitDotted splits a dotted path ("a.b.0") into its keys, and returns false when one is empty.
func splitDotted(expr string) ([]string, bool) {
	keys := strings.Split(expr, ".")
	for _, k := range keys {
		if k == "" {
			return nil, false
		}
	}
	return keys, true
}

// KeyPathWildcard is KeyPath, also taking a "$" key path followed by one wildcard ("$[*]", "$.*",
// "$.a.b[*]", "$.a.b.*"; wild is then true: the expression selects the children of the path's
// node). Anything else (two wildcards, a descendant segment, blanks around the wildcard) gives false.
func KeyPathWildcard(expr string) (keys []string, wild, ok bool) {
	expr = strings.TrimSpace(expr)
	if strings.HasPrefix(expr, "$") {
		for _, w := range []string{"[*]", ".*"} {
			if k, cut := strings.CutSuffix(expr, w); cut {
				if strings.TrimSpace(k) != k { // "$ [*]": KeyPath would trim the blank
					return nil, false, false
				}
				expr, wild = k, true
				break
			}
		}
	}
	keys, ok = KeyPath(expr)
	return keys, wild, ok
}

// KeyPath returns the keys of an expression that is a plain key path: empty or "$" (no keys), a
// dotted path of keys ("a.b.0"), or "$" followed by ".name" shorthand names ("$.a.b"); false for
// any other. Such a path is what a walk over a reply's bytes (frames' streaming path) can follow;
// the keys select as Compile(expr) does on the tree.
func KeyPath(expr string) ([]string, bool) {
	expr = strings.TrimSpace(expr)
	if expr == "" || expr == "$" {
		return nil, true
	}
	if expr[0] != '$' {
		return splitDotted(expr)
	}
	var segs []string
	for rest := expr[1:]; rest != ""; {
		if rest[0] != '.' {
			return nil, false
		}
		rest = rest[1:]
		n := 0
		for n < len(rest) {
			c := rest[n]
			if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (n > 0 && c >= '0' && c <= '9') {
				n++
				continue
			}
			break
		}
		if n == 0 {
			return nil, false
		}
		segs = append(segs, rest[:n])
		rest = rest[n:]
	}
	return segs, true
}

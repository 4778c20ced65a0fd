// Package jsonsel selects values out of decoded JSON. One syntax serves the token reply paths and the
// query selectors: an RFC 9535 JSONPath when the expression starts with "$" (parsed by
// github.com/theory/jsonpath), otherwise a plain dotted path ("data.accessToken", "items.0.id"),
// whose segments are literal keys so that names with dashes or spaces need no quoting.
package jsonsel

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/theory/jsonpath"
)

// Selector is a compiled expression. The zero-length expression selects the whole document.
type Selector struct {
	expr   string
	path   *jsonpath.Path // RFC 9535 form
	dotted []string       // dotted form
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
	default:
		s.dotted = strings.Split(expr, ".")
		for _, seg := range s.dotted {
			if seg == "" {
				return nil, fmt.Errorf("%q has an empty segment; write a.b.c, or a JSONPath such as $['a.b']", expr)
			}
		}
	}
	return s, nil
}

// String returns the expression as written.
func (s *Selector) String() string { return s.expr }

// IsRoot reports whether the selector selects the whole document.
func (s *Selector) IsRoot() bool { return s.path == nil && s.dotted == nil }

// Select returns every node the expression selects, in document order.
func (s *Selector) Select(doc any) []any {
	switch {
	case s.path != nil:
		return s.selectPath(doc)
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
func (s *Selector) selectPath(doc any) (nodes []any) {
	defer func() {
		if recover() != nil {
			nodes = nil
		}
	}()
	return s.path.Select(doc)
}

// First returns the first node selected, and whether there was one.
func (s *Selector) First(doc any) (any, bool) {
	if s.dotted != nil {
		return s.walk(doc)
	}
	nodes := s.Select(doc)
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

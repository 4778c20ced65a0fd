package jsonsel

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/theory/jsonpath"
)

// decodeOrdered decodes src as frames.Decode does (numbers as json.Number) and returns it with the
// Keys that give each object's keys in the order src writes them, as frames.Doc.Keys does.
func decodeOrdered(t testing.TB, src string) (any, Keys) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(src))
	dec.UseNumber()
	order := map[uintptr][]string{}
	var value func() any
	value = func() any {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		switch tok {
		case json.Delim('{'):
			m := map[string]any{}
			var keys []string
			for dec.More() {
				k, _ := dec.Token()
				keys = append(keys, k.(string))
				m[k.(string)] = value()
			}
			_, _ = dec.Token()
			if len(m) > 0 {
				order[reflect.ValueOf(m).Pointer()] = keys
			}
			return m
		case json.Delim('['):
			a := []any{}
			for dec.More() {
				a = append(a, value())
			}
			_, _ = dec.Token()
			return a
		}
		return tok
	}
	root := value()
	return root, func(m map[string]any) []string { return order[reflect.ValueOf(m).Pointer()] }
}

// reverseKeys gives every object's keys in reverse sorted order: an order neither sorted nor the
// document's.
func reverseKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(keys)))
	return keys
}

// js is the compact JSON of nodes, for comparing node lists.
func js(t testing.TB, nodes any) string {
	t.Helper()
	b, err := json.Marshal(nodes)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// orderDoc's objects are written out of sorted order, at every level and inside arrays.
const orderDoc = `{
  "zeta": {"v": 1, "k": "z", "tags": {"y": 1, "x": 2}},
  "alpha": {"v": 2, "k": "a", "list": [{"q": 1, "p": 2}, {"v": 9}]},
  "mid": {"v": 3, "k": "m"},
  "arr": [3, 1, 2]
}`

// rfcDoc is the document of RFC 9535's descendant segment examples (section 2.5.2.3).
const rfcDoc = `{"o": {"j": 1, "k": 2}, "a": [5, 3, [{"j": 4}, {"k": 6}]]}`

// The tables below give each selection in document order (keys from the document), in sorted key
// order (nil keys) and in reverse sorted key order. Every other order in them is RFC 9535's: the
// selectors of a segment in the order written, arrays in index order (or a slice's), a descendant
// segment's nodes before their descendants, duplicates kept.
var orderCases = []struct {
	doc, expr              string
	inDoc, sorted, reverse string // JSON of the node lists
}{
	// A wildcard over an object, in both spellings, and what follows it.
	{orderDoc, "$.*",
		`[{"k":"z","tags":{"x":2,"y":1},"v":1},{"k":"a","list":[{"p":2,"q":1},{"v":9}],"v":2},{"k":"m","v":3},[3,1,2]]`,
		`[{"k":"a","list":[{"p":2,"q":1},{"v":9}],"v":2},[3,1,2],{"k":"m","v":3},{"k":"z","tags":{"x":2,"y":1},"v":1}]`,
		`[{"k":"z","tags":{"x":2,"y":1},"v":1},{"k":"m","v":3},[3,1,2],{"k":"a","list":[{"p":2,"q":1},{"v":9}],"v":2}]`},
	{orderDoc, "$[*].k", `["z","a","m"]`, `["a","m","z"]`, `["z","m","a"]`},
	{orderDoc, "$.zeta.*", `[1,"z",{"x":2,"y":1}]`, `["z",{"x":2,"y":1},1]`, `[1,{"x":2,"y":1},"z"]`},
	// Nested wildcards.
	{orderDoc, "$.*.*", `[1,"z",{"x":2,"y":1},2,"a",[{"p":2,"q":1},{"v":9}],3,"m",3,1,2]`,
		`["a",[{"p":2,"q":1},{"v":9}],2,3,1,2,"m",3,"z",{"x":2,"y":1},1]`,
		`[1,{"x":2,"y":1},"z",3,"m",3,1,2,2,[{"p":2,"q":1},{"v":9}],"a"]`},
	{orderDoc, "$.*.tags.*", `[1,2]`, `[2,1]`, `[1,2]`},
	{orderDoc, "$.alpha.list[*].*", `[1,2,9]`, `[2,1,9]`, `[1,2,9]`},
	// Descendants over objects and arrays: a node's members before its descendants' members.
	{orderDoc, "$..v", `[1,2,9,3]`, `[2,9,3,1]`, `[1,3,2,9]`},
	{orderDoc, "$..k", `["z","a","m"]`, `["a","m","z"]`, `["z","m","a"]`},
	{orderDoc, "$..[0]", `[{"p":2,"q":1},3]`, `[{"p":2,"q":1},3]`, `[3,{"p":2,"q":1}]`},
	{orderDoc, "$..['v','k']", `[1,"z",2,"a",9,3,"m"]`, `[2,"a",9,3,"m",1,"z"]`, `[1,"z",3,"m",2,"a",9]`},
	{orderDoc, "$.zeta..*", `[1,"z",{"x":2,"y":1},1,2]`, `["z",{"x":2,"y":1},1,2,1]`, `[1,{"x":2,"y":1},"z",1,2]`},
	// Filters over an object's members, and over arrays (array order whatever the keys).
	{orderDoc, "$[?@.v > 1]", `[{"k":"a","list":[{"p":2,"q":1},{"v":9}],"v":2},{"k":"m","v":3}]`,
		`[{"k":"a","list":[{"p":2,"q":1},{"v":9}],"v":2},{"k":"m","v":3}]`,
		`[{"k":"m","v":3},{"k":"a","list":[{"p":2,"q":1},{"v":9}],"v":2}]`},
	{orderDoc, "$[?@.v].k", `["z","a","m"]`, `["a","m","z"]`, `["z","m","a"]`},
	{orderDoc, "$[?@.k && @.k != 'a'][?@ == 'z' || @ == 1]", `[1,"z"]`, `["z",1]`, `[1,"z"]`},
	{orderDoc, "$.zeta.tags[?@ > 0]", `[1,2]`, `[2,1]`, `[1,2]`},
	{orderDoc, "$..[?@.v]", `[{"k":"z","tags":{"x":2,"y":1},"v":1},{"k":"a","list":[{"p":2,"q":1},{"v":9}],"v":2},{"k":"m","v":3},{"v":9}]`,
		`[{"k":"a","list":[{"p":2,"q":1},{"v":9}],"v":2},{"k":"m","v":3},{"k":"z","tags":{"x":2,"y":1},"v":1},{"v":9}]`,
		`[{"k":"z","tags":{"x":2,"y":1},"v":1},{"k":"m","v":3},{"k":"a","list":[{"p":2,"q":1},{"v":9}],"v":2},{"v":9}]`},
	{orderDoc, "$.arr[?@ > 1]", `[3,2]`, `[3,2]`, `[3,2]`},
	// Orders the query itself fixes stay as written: selector lists, reversed slices, duplicates.
	{orderDoc, "$['mid','zeta'].v", `[3,1]`, `[3,1]`, `[3,1]`},
	{orderDoc, "$.arr[::-1]", `[2,1,3]`, `[2,1,3]`, `[2,1,3]`},
	{orderDoc, "$.arr[2,0,2]", `[2,3,2]`, `[2,3,2]`, `[2,3,2]`},
	{orderDoc, "$['mid',*].v", `[3,1,2,3]`, `[3,2,3,1]`, `[3,1,3,2]`},
	{orderDoc, "$.zeta.tags[*,*]", `[1,2,1,2]`, `[2,1,2,1]`, `[1,2,1,2]`},
	// RFC 9535, 2.5.2.3: the examples' results in document order.
	{rfcDoc, "$..j", `[1,4]`, `[4,1]`, `[1,4]`},
	{rfcDoc, "$..[0]", `[5,{"j":4}]`, `[5,{"j":4}]`, `[5,{"j":4}]`},
	{rfcDoc, "$..*", `[{"j":1,"k":2},[5,3,[{"j":4},{"k":6}]],1,2,5,3,[{"j":4},{"k":6}],{"j":4},{"k":6},4,6]`,
		`[[5,3,[{"j":4},{"k":6}]],{"j":1,"k":2},5,3,[{"j":4},{"k":6}],{"j":4},{"k":6},4,6,1,2]`,
		`[{"j":1,"k":2},[5,3,[{"j":4},{"k":6}]],2,1,5,3,[{"j":4},{"k":6}],{"j":4},{"k":6},4,6]`},
	{rfcDoc, "$..o", `[{"j":1,"k":2}]`, `[{"j":1,"k":2}]`, `[{"j":1,"k":2}]`},
	{rfcDoc, "$.o..[*, *]", `[1,2,1,2]`, `[1,2,1,2]`, `[2,1,2,1]`},
	{rfcDoc, "$.a..[0, 1]", `[5,3,{"j":4},{"k":6}]`, `[5,3,{"j":4},{"k":6}]`, `[5,3,{"j":4},{"k":6}]`},
	// Nothing selected.
	{orderDoc, "$.nope.*", `[]`, `[]`, `[]`},
	{orderDoc, "$..nope", `[]`, `[]`, `[]`},
}

// TestSelectOrdered: every selection comes out in the same order every time, the document's with
// its keys, sorted without, and First is its first node.
func TestSelectOrdered(t *testing.T) {
	for _, c := range orderCases {
		root, docKeys := decodeOrdered(t, c.doc)
		s := mustCompile(t, c.expr)
		for _, k := range []struct {
			name string
			keys Keys
			want string
		}{
			{"document order", docKeys, c.inDoc},
			{"nil keys", nil, c.sorted},
			{"keys that know no object", func(map[string]any) []string { return nil }, c.sorted},
			{"reverse order", reverseKeys, c.reverse},
		} {
			for run := range 50 {
				nodes := s.SelectOrdered(root, k.keys)
				if got := js(t, nodes); got != k.want {
					t.Fatalf("%s, %s, run %d: %s\ngot  %s\nwant %s", c.expr, k.name, run, c.doc, got, k.want)
				}
				first, ok := s.FirstOrdered(root, k.keys)
				if ok != (len(nodes) > 0) || (ok && js(t, first) != js(t, nodes[0])) {
					t.Fatalf("%s, %s, run %d: FirstOrdered = %s, %v; SelectOrdered = %s", c.expr, k.name, run, js(t, first), ok, js(t, nodes))
				}
				if k.keys == nil {
					if got := js(t, s.Select(root)); got != k.want {
						t.Fatalf("%s, run %d: Select = %s, want %s", c.expr, run, got, k.want)
					}
					if f, ok := s.First(root); ok != (len(nodes) > 0) || (ok && js(t, f) != js(t, nodes[0])) {
						t.Fatalf("%s, run %d: First = %s, %v", c.expr, run, js(t, f), ok)
					}
				}
			}
		}
	}
}

// A keys that does not list an object's keys exactly once each is not used for that object: its keys
// come in sorted order.
func TestSelectOrderedBadKeys(t *testing.T) {
	root, _ := decodeOrdered(t, `{"b": 1, "a": 2, "c": 3}`)
	s := mustCompile(t, "$.*")
	for _, keys := range []Keys{
		func(map[string]any) []string { return []string{} },
		func(map[string]any) []string { return []string{"c"} },
		func(map[string]any) []string { return []string{"c", "b", "a", "b"} },
	} {
		if got := js(t, s.SelectOrdered(root, keys)); got != `[2,1,3]` {
			t.Errorf("got %s, want the sorted order [2,1,3]", got)
		}
	}
}

// Where an expression cannot iterate over an object's members, the library runs it as it is.
func TestOrderedOnlyWhereMembersAreIterated(t *testing.T) {
	for expr, want := range map[string]bool{
		"$.a": false, "$.a[0].b": false, "$['a','b']": false, "$.a[1:3]": false, "$.a[::-1]": false, "$[0,1]": false,
		"$.a[?@.b]": true, "$.*": true, "$[*]": true, "$.a[*].b": true, "$..b": true, "$..[0]": true,
		"$['a',*]": true, "$.a[?count(@.*) > 1].b": true,
	} {
		if got := mustCompile(t, expr).ordered != nil; got != want {
			t.Errorf("%s: ordered = %v, want %v", expr, got, want)
		}
	}
	for _, expr := range []string{"", "$", "a.b", "a.0"} {
		if mustCompile(t, expr).ordered != nil {
			t.Errorf("%q: ordered", expr)
		}
	}
}

// On random documents and queries, the ordered selection holds the library's nodes (as a multiset),
// and exactly its list when no object has two members, so that no member order is involved.
func TestSelectOrderedMatchesLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "b", "c"}
	var gen func(depth, width int) any
	gen = func(depth, width int) any {
		switch n := r.IntN(8); {
		case depth == 0 || n == 0:
			return json.Number(fmt.Sprint(r.IntN(4)))
		case n == 1:
			return names[r.IntN(len(names))]
		case n <= 4:
			a := []any{}
			for range r.IntN(4) {
				a = append(a, gen(depth-1, width))
			}
			return a
		default:
			m := map[string]any{}
			for _, k := range names[:1+r.IntN(width)] {
				m[k] = gen(depth-1, width)
			}
			return m
		}
	}
	segs := []string{".a", ".b", "[0]", "[-1]", "[*]", ".*", "..a", "..*", "..[0]", "[?@.a]", "[?@ == 1]", "[?@.b > 1]",
		"['c','a']", "[1:]", "[::-1]", "[*,0]", "..[?@ == 'b']", "[?count(@.*) > 1]"}
	mismatches, nonEmpty := 0, 0
	for i := range 10000 {
		width := 3
		if i%2 == 0 {
			width = 1 // objects of one member: the library's order is the only one
		}
		doc := gen(4, width)
		for !isContainer(doc) {
			doc = gen(4, width)
		}
		var b strings.Builder
		b.WriteString("$")
		for range 1 + r.IntN(3) {
			b.WriteString(segs[r.IntN(len(segs))])
		}
		expr := b.String()
		s := mustCompile(t, expr)
		got := s.SelectOrdered(doc, reverseKeys)
		if len(got) > 1 {
			nonEmpty++
		}
		want := []any(jsonpath.MustParse(expr).Select(doc))
		if width == 1 {
			if js(t, got) != js(t, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%s over %s: got %s, library %s", expr, js(t, doc), js(t, got), js(t, want))
				mismatches++
			}
		} else if !sameNodes(t, got, want) {
			t.Errorf("%s over %s: got %s, library %s (as multisets)", expr, js(t, doc), js(t, got), js(t, want))
			mismatches++
		}
		if mismatches > 5 {
			t.FailNow()
		}
	}
	if nonEmpty < 1000 {
		t.Errorf("only %d of 10000 selections had several nodes", nonEmpty)
	}
}

func isContainer(v any) bool {
	switch v.(type) {
	case []any, map[string]any:
		return true
	}
	return false
}

func sameNodes(t testing.TB, a, b []any) bool {
	key := func(nodes []any) []string {
		out := make([]string, len(nodes))
		for i, n := range nodes {
			out[i] = js(t, n)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}

// Go maps and slices of other types than decoded JSON's are walked too, in sorted key order.
func TestSelectOrderedForeignTypes(t *testing.T) {
	doc := map[string]any{"m": map[string]int{"b": 1, "a": 2, "c": 3}, "s": []string{"x", "y"}}
	for expr, want := range map[string]string{
		"$.m.*": `[2,1,3]`, "$.m[?@ > 1]": `[2,3]`, "$.s[*]": `["x","y"]`, "$..[1]": `["y"]`,
		"$..*": `[{"a":2,"b":1,"c":3},["x","y"],2,1,3,"x","y"]`,
	} {
		for range 20 {
			if got := js(t, mustCompile(t, expr).Select(doc)); got != want {
				t.Fatalf("%s: got %s, want %s", expr, got, want)
			}
		}
	}
}

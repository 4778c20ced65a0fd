package jsonsel

import (
	"testing"

	"github.com/theory/jsonpath"
)

// FuzzCompileSelect compiles arbitrary expressions and runs the ones that compile against a fixed
// document. Compile errors are fine; panics are not. A selection is the same on every run, and holds
// the library's nodes (in an order of its own where members of an object are iterated).
func FuzzCompileSelect(f *testing.F) {
	for _, s := range []string{
		"", "$", " ", "a", "a.b", "a..b", ".", "a.0.b", "items.1.tags.0", "data.expires-in",
		"$.a[0].b", "$..id", "$..*", "$[*]", "$[", "$.a[-1]", "$.a[0:2]", "$.a[::-1]", "$.a[1:0:-1]",
		"$['a.b']", `$["a"]`, "$[?@.id > 1]", "$[?@.id == 'x']", "$.items[?length(@.tags) > 0].id",
		"$[?match(@.id, 'r.*')]", "$[?search(@.id, '[')]", "$[?count(@.*) == 2]", "$[?value(@..id) == 1]",
		"$.a[9223372036854775807]", "$.a[-9223372036854775808]", "$.a[0:9223372036854775807:9223372036854775807]",
	} {
		f.Add(s)
	}
	d := doc(f)
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Compile(expr)
		if err != nil {
			return
		}
		got := s.Select(d)
		if again := s.Select(d); js(t, again) != js(t, got) {
			t.Fatalf("%q: %s, then %s", expr, js(t, got), js(t, again))
		}
		if s.path != nil {
			lib := func() (nodes []any) {
				defer func() {
					if recover() != nil {
						nodes = nil
					}
				}()
				return jsonpath.MustParse(s.expr).Select(d)
			}()
			if !sameNodes(t, got, lib) {
				t.Fatalf("%q: %s, library %s", expr, js(t, got), js(t, lib))
			}
		}
		_, _ = s.First(d)
		_ = s.String()
		_ = s.IsRoot()
	})
}

package jsonsel

import "testing"

// FuzzCompileSelect compiles arbitrary expressions and runs the ones that compile against a fixed
// document. Compile errors are fine; panics are not.
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
		_ = s.Select(d)
		_, _ = s.First(d)
		_ = s.String()
		_ = s.IsRoot()
	})
}

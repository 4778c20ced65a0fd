package frames

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/benchdata"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonsel"
)

// fastHits counts the calls of checkConvertBytes that ConvertBytes handled (ok), so that the tests
// can check the fast path is actually taken.
var fastHits, fastCalls atomic.Int64

// treeConvert is the reference: Decode then Convert.
func treeConvert(body []byte, spec Spec) (data.Frames, error) {
	doc, err := Decode(body)
	if err != nil {
		return nil, err
	}
	return Convert(doc, spec)
}

// sameResult reports how ConvertBytes's result differs from Decode+Convert's ("" when it does not, or
// when ConvertBytes gave up); ok says whether ConvertBytes handled the input.
func sameResult(body []byte, spec Spec) (diff string, ok bool) {
	got, ok, gotErr := ConvertBytes(body, spec)
	fastCalls.Add(1)
	if !ok {
		if got != nil || gotErr != nil {
			return "not ok but returned frames or an error", false
		}
		return "", false
	}
	fastHits.Add(1)
	want, wantErr := treeConvert(body, spec)
	return diffFrames(got, gotErr, want, wantErr), true
}

// diffFrames says how frames and an error differ from the tree's ("" when they do not).
func diffFrames(got data.Frames, gotErr error, want data.Frames, wantErr error) string {
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		return fmt.Sprintf("error %v, tree error %v", gotErr, wantErr)
	}
	if wantErr != nil {
		if got != nil {
			return "frames with an error"
		}
		return ""
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d frames, tree %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || !reflect.DeepEqual(g.Meta, w.Meta) || len(g.Fields) != len(w.Fields) {
			return fmt.Sprintf("frame %d: name %q meta %+v %d fields; tree: name %q meta %+v %d fields",
				i, g.Name, g.Meta, len(g.Fields), w.Name, w.Meta, len(w.Fields))
		}
		for j := range w.Fields {
			gf, wf := g.Fields[j], w.Fields[j]
			if gf.Name != wf.Name || gf.Type() != wf.Type() || gf.Len() != wf.Len() ||
				!reflect.DeepEqual(gf.Labels, wf.Labels) || !reflect.DeepEqual(gf.Config, wf.Config) {
				return fmt.Sprintf("frame %d field %d: %q %s len %d; tree %q %s len %d", i, j,
					gf.Name, gf.Type(), gf.Len(), wf.Name, wf.Type(), wf.Len())
			}
			for r := 0; r < wf.Len(); r++ {
				gv, _ := gf.ConcreteAt(r)
				wv, _ := wf.ConcreteAt(r)
				if !reflect.DeepEqual(gv, wv) && !(isNaN(gv) && isNaN(wv)) {
					return fmt.Sprintf("frame %d field %q row %d: %#v; tree %#v", i, wf.Name, r, gv, wv)
				}
			}
		}
		gj, err1 := data.FrameToJSON(g, data.IncludeAll)
		wj, err2 := data.FrameToJSON(w, data.IncludeAll)
		if fmt.Sprint(err1) != fmt.Sprint(err2) || !bytes.Equal(gj, wj) {
			return fmt.Sprintf("frame %d JSON:\n%s\ntree:\n%s", i, gj, wj)
		}
	}
	return ""
}

func isNaN(v any) bool { f, ok := v.(float64); return ok && f != f }

// checkConvertBytes fails t when ConvertBytes handles body and its result differs from the tree's.
func checkConvertBytes(t testing.TB, body []byte, spec Spec) {
	t.Helper()
	if diff, _ := sameResult(body, spec); diff != "" {
		t.Errorf("ConvertBytes(%.200q, %+v) differs from Decode+Convert: %s", body, spec, diff)
	}
}

var fastSpecs = func() []Spec {
	var specs []Spec
	for _, root := range []string{"", "$", " $ ", "data", "data.items", "$.data.items", "$.data", "items", "a.b", "value", "$.a_1.b", "data..items", "$['data']", "$.data[*]", "data.0",
		// A key path and one wildcard (the Stream's), then the wildcards it leaves to the tree and
		// dotted paths whose "[*]" or "*" is a literal key.
		"$[*]", "$.*", " $[*] ", "$.items[*]", "$.items.*", "$.data.items[*]", "$.data.*", "$.a.b[*]", "$.value.*",
		"$[*][*]", "$..*", "$.*.*", "$ [*]", "$.data [*]", "$.data[ * ]", "$.data[*].items", "items[*]", "data.*"} {
		for _, format := range []string{"", FormatTable, FormatTimeSeries, FormatSingle, FormatVariable} {
			specs = append(specs, Spec{Name: "A", RootSelector: root, Format: format})
		}
	}
	specs = append(specs,
		Spec{Name: "A", Format: FormatVariable, VariableValue: "id"},
		Spec{Name: "A", Columns: []Column{{Selector: "id"}}},
	)
	return specs
}()

// declaredSpecs are the specs with declared columns or variable selectors, over the keys of
// trickyBodies and genRows (a, b, a.b, t, value, ...): every type and time format on every kind of
// value, missing keys, nested paths, dotted paths through arrays (indexes, also 010, +1, -0, -1),
// scalars and null, names defaulting to the selector as written, invalid types, and the selectors
// ConvertBytes leaves to the tree.
var declaredSpecs = func() []Spec {
	var specs []Spec
	// One column a spec, every type on a few selectors: the first conversion error hides the others.
	for _, sel := range []string{"a", "$.a.b", "a.1.z", "t", " $ "} {
		for _, c := range columnTypes {
			c.Selector = sel
			specs = append(specs, Spec{Name: "A", Columns: []Column{c}})
			if sel == "a" || sel == " $ " { // and over a root wildcard, whose rows may be anything
				specs = append(specs, Spec{Name: "A", RootSelector: "$[*]", Columns: []Column{c}})
			}
		}
	}
	// Every selector in one spec, as inferred, string and json columns (which do not fail).
	var all []Column
	for _, sel := range []string{"a", "$.a", "a.b", "$.a.b", "a.a", "b.a", "b", "t", "value", "é", `x"y`, "a. b",
		"a.0", "a.1", "a.1.z", "a.1.y.0", "0", "1", "a.10", "a.010", "a.+1", "a.-0", "a.-1", "a.1e0",
		" $ ", "", "$.true", "a.a.a", "id", "n.k", "$.data.items", "data.items.0.id"} {
		all = append(all, Column{Selector: sel})
	}
	all[0].Name, all[3].Name = "first", "a.b" // a name, and a name that repeats another column's
	for _, typ := range []string{"", TypeString, TypeJSON} {
		cols := append([]Column(nil), all...)
		for i := range cols {
			cols[i].Type = typ
		}
		for _, root := range []string{"", "data.items", "$.data", "$.data.items[*]", "$[*]", "$.*"} {
			specs = append(specs, Spec{Name: "A", RootSelector: root, Columns: cols})
		}
	}
	bench := []Column{{Selector: "id", Type: TypeInteger}, {Selector: "v", Type: TypeNumber},
		{Selector: "ok", Type: TypeBoolean}, {Selector: "s", Type: TypeString}, {Selector: "n.k", Type: TypeString},
		{Selector: "n", Type: TypeJSON}, {Selector: "$.n.k", Name: "k"}}
	series := []Column{{Selector: "t", Type: TypeTime}, {Selector: "a", Type: TypeNumber}, {Selector: "b", Type: TypeString}}
	for _, format := range []string{"", FormatTimeSeries, FormatSingle, FormatVariable} {
		for _, cols := range [][]Column{bench, series, {{Selector: "a.b", Name: "x"}, {Selector: "t"}}} {
			specs = append(specs, Spec{Name: "A", RootSelector: "data.items", Format: format, Columns: cols},
				Spec{Name: "A", Format: format, Columns: cols},
				Spec{Name: "A", RootSelector: "$.data.items[*]", Format: format, Columns: cols})
		}
	}
	bogus := Column{Selector: "a", Type: "float"}
	specs = append(specs,
		// Invalid types: the first one is the error, whatever the reply (unless it is not JSON).
		Spec{Name: "A", Columns: []Column{bogus}},
		Spec{Name: "A", Columns: []Column{{Selector: "a", Type: TypeInteger}, {Selector: "b", Type: "Integer"}, bogus}},
		Spec{Name: "A", RootSelector: "data.items", Format: FormatTimeSeries, Columns: []Column{{Selector: "t"}, bogus}},
		// Selectors left to the tree.
		Spec{Name: "A", Columns: []Column{{Selector: "a"}, {Selector: "$..a"}}},
		Spec{Name: "A", Columns: []Column{{Selector: "$.a[0]"}, bogus}},
		Spec{Name: "A", Columns: []Column{{Selector: "a..b"}}},
		Spec{Name: "A", Columns: []Column{{Selector: "$['a']"}}},
		Spec{Name: "A", Format: FormatVariable, VariableValue: "$[*]"},
		// Variable selectors (a missing one takes the other's; declared columns, even invalid, are ignored).
		Spec{Name: "A", Format: FormatVariable, VariableValue: "a"},
		Spec{Name: "A", Format: FormatVariable, VariableText: "a.b"},
		Spec{Name: "A", Format: FormatVariable, VariableText: "t", VariableValue: "a.0", Columns: []Column{bogus}},
		Spec{Name: "A", Format: FormatVariable, VariableText: "$.a", VariableValue: " $ "},
		Spec{Name: "A", RootSelector: "data.items", Format: FormatVariable, VariableText: "b", VariableValue: "a.1.z"},
		Spec{Name: "A", RootSelector: "$.data", Format: FormatVariable, VariableText: "items.0", VariableValue: "items"},
		Spec{Name: "A", RootSelector: "$.data.*", Format: FormatVariable, VariableText: "0.id", VariableValue: "id"},
		Spec{Name: "A", RootSelector: "$.items[*]", Format: FormatVariable, VariableText: "a", VariableValue: " $ "},
		Spec{Name: "A", RootSelector: "$.data.items[*]", Columns: []Column{{Selector: "$..id"}}}, // left to the tree
	)
	return specs
}()

// columnTypes are the declared types and time formats, "" (inferred) first.
var columnTypes = []Column{{}, {Type: TypeString}, {Type: TypeNumber}, {Type: TypeInteger}, {Type: TypeBoolean},
	{Type: TypeJSON}, {Type: TypeTime}, {Type: TypeTime, TimeFormat: TimeRFC3339},
	{Type: TypeTime, TimeFormat: TimeEpochS}, {Type: TypeTime, TimeFormat: TimeEpochMS},
	{Type: TypeTime, TimeFormat: "2006-01-02 15:04:05"}, {Type: TypeTime, TimeFormat: "2006-01-02 15:04 MST"}}

// genSpec returns a random spec with declared columns, or variable selectors, whose selectors are
// paths over the keys genRows writes (dotted or "$." form, through objects, arrays and scalars;
// some not handled by ConvertBytes), with random types, time formats and formats.
func genSpec(r *rand.Rand) Spec {
	steps := []string{"a", "b", "t", "value", "é", "0", "1", "01", "z", "y", "q"}
	sel := func() string {
		parts := make([]string, r.IntN(4))
		for i := range parts {
			parts[i] = steps[r.IntN(len(steps))]
		}
		if r.IntN(3) == 0 {
			return "$." + strings.Join(parts, ".")
		}
		return strings.Join(parts, ".")
	}
	spec := Spec{Name: "A", RootSelector: []string{"", "data.items", "$.data.items[*]", "$[*]", "$.data.*"}[r.IntN(5)],
		Format: []string{"", FormatTimeSeries, FormatSingle, FormatVariable}[r.IntN(4)]}
	for range 1 + r.IntN(4) {
		c := columnTypes[r.IntN(len(columnTypes))]
		c.Selector = sel()
		if r.IntN(4) == 0 {
			c.Name = "n"
		}
		spec.Columns = append(spec.Columns, c)
	}
	if spec.Format == FormatVariable && r.IntN(2) == 0 {
		spec.VariableText, spec.VariableValue = sel(), sel()
	}
	if r.IntN(3) == 0 { // small budgets: the Stream gives up exactly where the tree path errs, or earlier
		spec.Limits = Limits{MaxRows: 1 + r.IntN(6), MaxCells: 1 + r.IntN(15), MaxColumns: 1 + r.IntN(5), MaxColumnNameLength: 1 + r.IntN(8)}
	}
	return spec
}

// allSpecs are fastSpecs and declaredSpecs.
var allSpecs = append(append([]Spec(nil), fastSpecs...), declaredSpecs...)

// trickyBodies are inputs chosen to break a byte-level converter (shared with jsonscan's tests).
var trickyBodies = benchdata.TrickyBodies

// TestConvertBytesMatchesTree compares ConvertBytes with Decode+Convert on the tricky inputs and every
// spec of fastSpecs (the golden tests compare their inputs too, through convert and convertErr).
func TestConvertBytesMatchesTree(t *testing.T) {
	hits, wildHits, wildCases := 0, 0, 0 // wild: the specs whose root selector ends in a wildcard the Stream takes
	for _, body := range trickyBodies {
		for _, spec := range allSpecs {
			diff, ok := sameResult([]byte(body), spec)
			if diff != "" {
				t.Errorf("ConvertBytes(%.200q, %+v) differs from Decode+Convert: %s", body, spec, diff)
			}
			if ok {
				hits++
			}
			if _, wild, _ := jsonsel.KeyPathWildcard(spec.RootSelector); wild {
				wildCases++
				if ok {
					wildHits++
				}
			}
		}
	}
	t.Logf("fast path: %d of %d tricky cases (root wildcards: %d of %d); %d of %d checks so far in this run",
		hits, len(trickyBodies)*len(allSpecs), wildHits, wildCases, fastHits.Load(), fastCalls.Load())
	if hits < len(trickyBodies)*len(allSpecs)/4 || wildHits < wildCases/3 {
		t.Errorf("the fast path took only %d of %d cases, %d of %d with a root wildcard", hits, len(trickyBodies)*len(allSpecs), wildHits, wildCases)
	}
	// The common cases must take the fast path.
	for _, c := range []struct {
		body string
		spec Spec
	}{
		{string(benchPayload(100)), Spec{Name: "A"}},
		{`{"data":{"items":[{"id":1}]}}`, Spec{Name: "A", RootSelector: "data.items"}},
		{`{"data":{"items":[{"id":1}]}}`, Spec{Name: "A", RootSelector: "$.data.items", Format: FormatSingle}},
		{`[{"time":"2024-01-01T00:00:00Z","cpu":1}]`, Spec{Name: "A", Format: FormatTimeSeries}},
		{`[{"id":1,"name":"a"}]`, Spec{Name: "A", Format: FormatVariable}},
		{`[1,2]`, Spec{Name: "A", RootSelector: "$"}},
		{`[{"id":1}]`, Spec{Name: "A", Columns: []Column{{Selector: "id"}}}},
		{`[{"a":{"b":1}}]`, Spec{Name: "A", Columns: []Column{{Selector: "a.b", Type: TypeInteger}, {Selector: "$.a.b"}, {Selector: " $ "}}}},
		{`[{"a":[{"b":1}]}]`, Spec{Name: "A", Columns: []Column{{Selector: "a.0.b"}, {Selector: "a.b"}}}},
		{`[{"a":1,"a":2}]`, Spec{Name: "A", Columns: []Column{{Selector: "a"}}}},
		{`[{"a":1}]`, Spec{Name: "A", Columns: []Column{{Selector: "a", Type: "float"}}}},
		{`[{"a":1}]`, Spec{Name: "A", Format: FormatVariable, VariableText: "a", VariableValue: "$.a"}},
		// A key path and a wildcard: an array (of one element too), an object's members.
		{`[{"id":1}]`, Spec{Name: "A", RootSelector: "$[*]"}},
		{`{"items":[{"id":1},{"id":2}]}`, Spec{Name: "A", RootSelector: "$.items[*]"}},
		{`{"items":[{"id":1},{"id":2}]}`, Spec{Name: "A", RootSelector: "$.items.*", Format: FormatTimeSeries}},
		{`{"data":{"items":[{"id":1}]}}`, Spec{Name: "A", RootSelector: "$.data.items[*]", Columns: []Column{{Selector: "id", Type: TypeInteger}}}},
		{`{"data":{"items":[[1,2]]}}`, Spec{Name: "A", RootSelector: "$.data.items[*]"}},
		{`{"a":{"b":[]}}`, Spec{Name: "A", RootSelector: "$.a.b[*]"}},
		{`{"items":"x"}`, Spec{Name: "A", RootSelector: "$.items[*]"}},
		{`{"x":{"id":1},"y":{"id":2}}`, Spec{Name: "A", RootSelector: "$.*", Format: FormatVariable, VariableValue: "id"}},
	} {
		if _, ok, _ := ConvertBytes([]byte(c.body), c.spec); !ok {
			t.Errorf("ConvertBytes(%q, %+v) gave up", c.body, c.spec)
		}
	}
	// And the ones it cannot reproduce must not.
	for _, c := range []struct {
		body string
		spec Spec
	}{
		{`[{"a":1,"a":2}]`, Spec{Name: "A"}},
		{`[1] x`, Spec{Name: "A"}},
		{`{"data":[{"id":1}]}`, Spec{Name: "A", RootSelector: "data.0"}},
		{`{"items":{"x":1,"x":2}}`, Spec{Name: "A", RootSelector: "$.items.*"}}, // a duplicate member
		{`{"items":{"\u0078":1,"y":2,"x":3}}`, Spec{Name: "A", RootSelector: "$.items[*]", Columns: []Column{{Selector: "id"}}}},
		{`[{"items":[1]}]`, Spec{Name: "A", RootSelector: "$.items[*]"}}, // a root path step into an array
		{`[[{"id":1}]]`, Spec{Name: "A", RootSelector: "$[*][*]"}},
		{`[{"id":1}]`, Spec{Name: "A", RootSelector: "$..*"}},
		{`[{"id":1}]`, Spec{Name: "A", RootSelector: "$ [*]"}},
		{`[{"id":1}]`, Spec{Name: "A", RootSelector: "$[ * ]"}},
		{`[{"id":1}]`, Spec{Name: "A", RootSelector: "$[0]"}},
		{`[{"id":1}]`, Spec{Name: "A", Columns: []Column{{Selector: "id"}, {Selector: "$..id"}}}},
		{`[{"id":1}]`, Spec{Name: "A", Columns: []Column{{Selector: "$.id[0]"}}}},
		{`[{"id":1}]`, Spec{Name: "A", Columns: []Column{{Selector: "$['id']"}}}},
		{`[{"id":1}]`, Spec{Name: "A", Columns: []Column{{Selector: "$.é"}}}},
		{`[{"id":1}]`, Spec{Name: "A", Columns: []Column{{Selector: "id..x"}}}},
		{`[{"id":1}]`, Spec{Name: "A", Format: FormatVariable, VariableText: "$[?@.id]"}},
		{`[{"id":1}`, Spec{Name: "A", Columns: []Column{{Selector: "id", Type: "float"}}}}, // Decode's error first
	} {
		if _, ok, _ := ConvertBytes([]byte(c.body), c.spec); ok {
			t.Errorf("ConvertBytes(%q, %+v) did not give up", c.body, c.spec)
		}
	}
}

// fuzzDeclared declares a column of every type over the keys genRows writes.
var fuzzDeclared = Spec{Name: "A", Columns: []Column{{Selector: "a"}, {Selector: "a.b", Type: TypeString},
	{Selector: "$.a.b", Type: TypeJSON}, {Selector: "b", Type: TypeNumber}, {Selector: "a.a", Type: TypeInteger},
	{Selector: "value", Type: TypeBoolean}, {Selector: "t", Type: TypeTime}, {Selector: "a.1.z"}, {Selector: ""}}}

// FuzzConvertBytesEquivalence: whenever ConvertBytes handles an input, its frames and error are those
// of Decode+Convert.
func FuzzConvertBytesEquivalence(f *testing.F) {
	for i, b := range trickyBodies {
		if len(b) < 4096 {
			f.Add([]byte(b), uint8(i)) // i: each seed picks other specs
		}
	}
	if len(fastSpecs) > 256 || len(declaredSpecs) > 256 {
		f.Fatal("the fuzzer's uint8 cannot pick every spec")
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		// The input as it is, and a valid reply generated from it (random bytes are rarely JSON).
		h := fnv.New64a()
		h.Write(body)
		r := rand.New(rand.NewPCG(h.Sum64(), uint64(which)))
		gen, random := genRows(r), genSpec(r)
		for _, in := range [][]byte{body, gen} {
			for _, spec := range []Spec{fastSpecs[int(which)%len(fastSpecs)], declaredSpecs[int(which)%len(declaredSpecs)],
				{Name: "A"}, {Name: "A", RootSelector: "data.items"}, {Name: "A", RootSelector: "$.data.items[*]"}, fuzzDeclared, random} {
				if diff, _ := sameResult(in, spec); diff != "" {
					t.Fatalf("ConvertBytes(%q, %+v) differs from Decode+Convert: %s", in, spec, diff)
				}
			}
		}
	})
}

// genRows writes a random valid reply built to hit the fast path's hard cases: a small key set (so
// shapes repeat, change and collide, including "a.b" against a nested a.b and duplicates), nested
// and empty objects, escapes, every kind of value, sometimes under {"data":{"items":...}}.
func genRows(r *rand.Rand) []byte {
	keys := []string{"a", "b", "a.b", "t", "value", `\u0061`, "é", `x\"y`}
	scalars := []string{`null`, `true`, `false`, `0`, `-0`, `1`, `-7`, `9007199254740993`, `9223372036854775808`,
		`1.5`, `1e3`, `-2E-2`, `1e400`, `""`, `"s"`, `"\u00e9\ud800"`, "\"\xff\"", `"2024-01-01T00:00:00Z"`,
		`"2024-01-01T00:00:00.5+02:00"`, `"12"`, `[]`, `{}`, `[1,{"z":1,"y":[null]}]`, `{"q":"<&>"}`}
	var value func(depth int) string
	object := func(depth int) string {
		n := r.IntN(4)
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"` + keys[r.IntN(len(keys))] + `":` + value(depth+1)) // keys are written as JSON
		}
		b.WriteString("}")
		return b.String()
	}
	value = func(depth int) string {
		if depth < 3 && r.IntN(3) == 0 {
			return object(depth)
		}
		return scalars[r.IntN(len(scalars))]
	}
	var b strings.Builder
	b.WriteString("[")
	for i := range r.IntN(6) {
		if i > 0 {
			b.WriteString(",")
		}
		if r.IntN(8) == 0 {
			b.WriteString(value(3))
		} else {
			b.WriteString(object(0))
		}
	}
	b.WriteString("]")
	out := b.String()
	switch r.IntN(4) {
	case 0:
		out = `{"data":{"items":` + out + `}}`
	case 1:
		out = `{"data":{"items":` + value(0) + `,"other":1}}`
	}
	return []byte(out)
}

// TestConvertBytesMatchesTreeRandom runs genRows inputs through every spec of allSpecs and through
// random specs of genSpec.
func TestConvertBytesMatchesTreeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	hits, cases := 0, 0
	n := 1500
	if testing.Short() {
		n = 200
	}
	const randomSpecs = 20 // a body
	for range n {
		body := genRows(r)
		for i := range len(allSpecs) + randomSpecs {
			var spec Spec
			if i < len(allSpecs) {
				spec = allSpecs[i]
			} else {
				spec = genSpec(r)
			}
			diff, ok := sameResult(body, spec)
			if diff != "" {
				t.Fatalf("ConvertBytes(%q, %+v) differs from Decode+Convert: %s", body, spec, diff)
			}
			if ok {
				hits++
			}
			cases++
		}
	}
	t.Logf("fast path taken in %d of %d cases", hits, cases)
}

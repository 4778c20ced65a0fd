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
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		return fmt.Sprintf("error %v, tree error %v", gotErr, wantErr), true
	}
	if wantErr != nil {
		if got != nil {
			return "frames with an error", true
		}
		return "", true
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d frames, tree %d", len(got), len(want)), true
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || !reflect.DeepEqual(g.Meta, w.Meta) || len(g.Fields) != len(w.Fields) {
			return fmt.Sprintf("frame %d: name %q meta %+v %d fields; tree: name %q meta %+v %d fields",
				i, g.Name, g.Meta, len(g.Fields), w.Name, w.Meta, len(w.Fields)), true
		}
		for j := range w.Fields {
			gf, wf := g.Fields[j], w.Fields[j]
			if gf.Name != wf.Name || gf.Type() != wf.Type() || gf.Len() != wf.Len() ||
				!reflect.DeepEqual(gf.Labels, wf.Labels) || !reflect.DeepEqual(gf.Config, wf.Config) {
				return fmt.Sprintf("frame %d field %d: %q %s len %d; tree %q %s len %d", i, j,
					gf.Name, gf.Type(), gf.Len(), wf.Name, wf.Type(), wf.Len()), true
			}
			for r := 0; r < wf.Len(); r++ {
				gv, _ := gf.ConcreteAt(r)
				wv, _ := wf.ConcreteAt(r)
				if !reflect.DeepEqual(gv, wv) && !(isNaN(gv) && isNaN(wv)) {
					return fmt.Sprintf("frame %d field %q row %d: %#v; tree %#v", i, wf.Name, r, gv, wv), true
				}
			}
		}
		gj, err1 := data.FrameToJSON(g, data.IncludeAll)
		wj, err2 := data.FrameToJSON(w, data.IncludeAll)
		if fmt.Sprint(err1) != fmt.Sprint(err2) || !bytes.Equal(gj, wj) {
			return fmt.Sprintf("frame %d JSON:\n%s\ntree:\n%s", i, gj, wj), true
		}
	}
	return "", true
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
	for _, root := range []string{"", "$", " $ ", "data", "data.items", "$.data.items", "$.data", "items", "a.b", "value", "$.a_1.b", "data..items", "$['data']", "$.data[*]", "data.0"} {
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

// trickyBodies are inputs chosen to break a byte-level converter.
var trickyBodies = []string{
	``, ` `, `null`, `true`, `"x"`, `1`, `-0`, `1e400`, `[]`, `{}`, `[{}]`, `[{},{}]`, `[null]`, `[null,null]`,
	`[1,2,3]`, `[1,"a",true,null,1.5,{"x":1},[1]]`, `[[1,2],[3]]`, `[{"value":1},2,{"value":"x"}]`,
	`{"a":1,"a":2}`, `[{"a":1,"b":2,"a":3}]`, `[{"a":1},{"a":1,"a":{"x":1}}]`, `{"data":[1],"data":[2]}`,
	`{"data":{"items":[{"id":1}]},"data":{"items":[{"id":2}]}}`, `[{"a":"x","\u0061":"y"}]`,
	`[{"a":{}},{"a":{"b":1}}]`, `[{"a":{"b":{}}},{"a":{"b":{"c":null}}}]`, `[{"a":{"b":{"c":{}}}}]`,
	`[{"a.b":1,"a":{"b":2}}]`, `[{"a":{"b":2},"a.b":null}]`, `[{"a":{"b":2},"a.b":3},{"a.b":4}]`,
	`[{"\u00e9":"\u00e9\ud83d\ude00\ud800x\udc00"},{"\u00e9":"caf\u00e9"}]`, "[{\"k\xff\":\"v\xfe\xff\"}]",
	"[\"\xff\",\"a\"]", `[{"s":"a\"b\\c\/d\b\f\n\r\t"}]`, `[{"s":"<&>"},{"s":{"h":"<&>"}}]`,
	`[{"n":9223372036854775807},{"n":-9223372036854775808}]`, `[{"n":9223372036854775808}]`,
	`[{"n":9007199254740993},{"n":9007199254740992}]`, `[{"n":123456789012345678901234567890}]`,
	`[{"f":1e3},{"f":1E-3},{"f":-1.5e+10},{"f":0.0}]`, `[{"f":1e400}]`, `[{"f":1},{"f":1e400}]`, `[{"f":-0},{"f":0.5}]`,
	`[{"a":null},{"a":null}]`, `[{"a":null,"b":{"c":null}}]`, `[{"a":1},{"a":"1"},{"a":true},{"a":[1]},{"a":{}},{"a":null}]`,
	`[{"a":true},{"a":false},{"a":null}]`, `[{"a":[]},{"a":{}},{"a":[{"x":{"y":1}}]}]`, `[{"a":{"z":1,"y":{"b":2,"a":1}}}]`,
	`[{"t":"2024-01-01T00:00:00Z","v":1},{"t":"2024-01-01T00:00:01.5+02:00","v":2.5}]`,
	`[{"t":"2024-01-01T00:00:00Z","v":1},{"t":"nope","v":2}]`, `[{"t":"2024-13-01T00:00:00Z"}]`,
	`[{"time":"2024-01-01T00:00:00Z","host":"a","cpu":1},{"time":"2024-01-01T00:00:00Z","host":"b","cpu":2}]`,
	`[{"time":"2024-01-01T00:01:00Z","host":"a","cpu":1},{"time":"2024-01-01T00:00:00Z","host":null,"cpu":"x"}]`,
	`[{"time":"2024-01-01T00:00:00Z","up":true,"cpu":1},{"time":null,"up":null,"cpu":2}]`,
	`{"data":{"items":[{"id":1,"name":"a"},{"id":2,"name":"b"}]}}`, `{"data":{"items":{"id":1}}}`,
	`{"data":{"items":null}}`, `{"data":{"items":"x"}}`, `{"data":[{"items":1}]}`, `{"data":{"items":[]}}`,
	`{"data":{"items":[[1],[2]]}}`, `{"a_1":{"b":[{"x":1}]}}`, `{"a":{"b":{"c":1}}}`, `{"value":[1,2]}`,
	`{"d\u0061ta":{"items":[{"id":1}]}}`, `{"data" : { "items" : [ { "id" : 1 } , { "id" : 2 } ] } }`,
	" [ { \"a\" : 1 , \"b\" : { \"c\" : [ 1 , { } ] } } ] \n\t", `[{"a":1}] x`, `[{"a":1},]`, `[{"a":01}]`,
	`[{"a":1.}]`, `[{"a":tru}]`, `[{"a":"x}]`, "[{\"a\":\"\x01\"}]", `[{"a":"\x"}]`, `[{"a":"\u12"}]`, `{"a" 1}`,
	`[{"id":1,"v":1.25,"ok":false,"s":"s7","n":{"k":49}},{"id":2,"v":null,"ok":true,"s":"s8","n":{"k":"x"}}]`,
	strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
	strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
	strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2),
	strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth),
	strings.Repeat(`{"a":`, maxDepth+1) + "1" + strings.Repeat("}", maxDepth+1),
	"[" + strings.Repeat(`{"a":`, maxDepth-1) + "[]" + strings.Repeat("}", maxDepth-1) + "]",
	`[{"s":"` + strings.Repeat("x", 3000) + `"},{"s":"y"}]`,
	func() string { // more keys than the small duplicate check, and a late duplicate
		var b strings.Builder
		b.WriteString(`[{`)
		for i := range 20 {
			fmt.Fprintf(&b, `"k%d":%d,`, i, i)
		}
		b.WriteString(`"k3":"dup"}]`)
		return b.String()
	}(),
	string(benchPayload(3000)), // more than two chunks of rows, with late and mixed columns
}

// TestConvertBytesMatchesTree compares ConvertBytes with Decode+Convert on the tricky inputs and every
// spec of fastSpecs (the golden tests compare their inputs too, through convert and convertErr).
func TestConvertBytesMatchesTree(t *testing.T) {
	hits := 0
	for _, body := range trickyBodies {
		for _, spec := range fastSpecs {
			diff, ok := sameResult([]byte(body), spec)
			if diff != "" {
				t.Errorf("ConvertBytes(%.200q, %+v) differs from Decode+Convert: %s", body, spec, diff)
			}
			if ok {
				hits++
			}
		}
	}
	t.Logf("fast path: %d of %d tricky cases; %d of %d checks so far in this run", hits, len(trickyBodies)*len(fastSpecs), fastHits.Load(), fastCalls.Load())
	if hits < len(trickyBodies)*len(fastSpecs)/4 {
		t.Errorf("the fast path took only %d of %d cases", hits, len(trickyBodies)*len(fastSpecs))
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
		{`[{"id":1}]`, Spec{Name: "A", RootSelector: "$[*]"}},
		{`[{"id":1}]`, Spec{Name: "A", Columns: []Column{{Selector: "id"}}}},
	} {
		if _, ok, _ := ConvertBytes([]byte(c.body), c.spec); ok {
			t.Errorf("ConvertBytes(%q, %+v) did not give up", c.body, c.spec)
		}
	}
}

// FuzzConvertBytesEquivalence: whenever ConvertBytes handles an input, its frames and error are those
// of Decode+Convert.
func FuzzConvertBytesEquivalence(f *testing.F) {
	for _, b := range trickyBodies {
		if len(b) < 4096 {
			f.Add([]byte(b), uint8(0))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		// The input as it is, and a valid reply generated from it (random bytes are rarely JSON).
		h := fnv.New64a()
		h.Write(body)
		gen := genRows(rand.New(rand.NewPCG(h.Sum64(), uint64(which))))
		specs := fastSpecs
		for _, in := range [][]byte{body, gen} {
			for _, spec := range []Spec{specs[int(which)%len(specs)], {Name: "A"}, {Name: "A", RootSelector: "data.items"}} {
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

// TestConvertBytesMatchesTreeRandom runs genRows inputs through every spec of fastSpecs.
func TestConvertBytesMatchesTreeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	hits := 0
	n := 1500
	if testing.Short() {
		n = 200
	}
	for range n {
		body := genRows(r)
		for _, spec := range fastSpecs {
			diff, ok := sameResult(body, spec)
			if diff != "" {
				t.Fatalf("ConvertBytes(%q, %+v) differs from Decode+Convert: %s", body, spec, diff)
			}
			if ok {
				hits++
			}
		}
	}
	t.Logf("fast path taken in %d of %d cases", hits, n*len(fastSpecs))
}

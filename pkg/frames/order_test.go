package frames

import (
	"fmt"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// cells is column name's cells as text ("null" for a null), in row order.
func cells(t *testing.T, f *data.Frame, name string) string {
	t.Helper()
	for _, fld := range f.Fields {
		if fld.Name != name {
			continue
		}
		out := make([]string, fld.Len())
		for i := range out {
			if v, ok := fieldText(fld, i); ok {
				out[i] = v
			} else {
				out[i] = "null"
			}
		}
		return strings.Join(out, ",")
	}
	t.Fatalf("no field %q in %q", name, fieldNames(f))
	return ""
}

// A root selector with a wildcard over an object gives the rows in the reply's order, on every
// refresh (Go's map order changes from run to run).
func TestRootSelectorWildcardKeepsReplyOrder(t *testing.T) {
	const body = `{"byHost":{"zeta":{"host":"zeta","v":1},"alpha":{"host":"alpha","v":2},"mid":{"host":"mid","v":3}}}`
	for _, c := range []struct{ root, want string }{
		{"$.byHost.*", "zeta,alpha,mid"},
		{"$.byHost[*]", "zeta,alpha,mid"},
		{"$.byHost[?@.v > 1]", "alpha,mid"},
		{"$..[?@.host]", "zeta,alpha,mid"},
	} {
		for run := range 50 {
			out := convert(t, body, Spec{Name: "A", RootSelector: c.root})
			wantFields(t, out[0], "host", "v")
			if got := cells(t, out[0], "host"); got != c.want {
				t.Fatalf("%s, run %d: rows %s, want %s", c.root, run, got, c.want)
			}
		}
	}
	// Rows that are not objects: the values of "$..v" in the reply's order.
	for run := range 50 {
		out := convert(t, `{"b":{"v":1,"x":[{"v":2}]},"a":{"v":3}}`, Spec{Name: "A", RootSelector: "$..v"})
		if got := cells(t, out[0], "value"); got != "1,2,3" {
			t.Fatalf("run %d: $..v rows %s, want 1,2,3", run, got)
		}
	}
}

// A declared column (and a variable selector) with a wildcard reads the first node in the order of
// the row's reply, for every row and page.
func TestDeclaredWildcardColumnTakesFirstInReplyOrder(t *testing.T) {
	const body = `[{"id":"r1","m":{"zz":1,"aa":2}},{"id":"r2","m":{"aa":3,"zz":4}},{"id":"r3","m":{}},{"id":"r4","m":{"b":{"c":5},"a":{"c":6}}}]`
	spec := Spec{Name: "A", Columns: []Column{{Selector: "id"}, {Selector: "$.m.*", Name: "first"}, {Selector: "$..c", Name: "c"}}}
	for run := range 50 {
		out := convert(t, body, spec)
		if got := cells(t, out[0], "first"); got != `1,3,null,{"c":5}` {
			t.Fatalf("run %d: first %s, want 1,3,null,{\"c\":5}", run, got)
		}
		if got := cells(t, out[0], "c"); got != "null,null,null,5" {
			t.Fatalf("run %d: c %s", run, got)
		}
		vars := convert(t, body, Spec{Name: "A", Format: FormatVariable, VariableText: "id", VariableValue: "$.m[?@ > 0]"})
		checkPairs(t, vars[0], "r1=1", "r2=3")
	}

	// Pages: each row's selector follows its own reply's key order.
	pages := []string{`{"m":{"b":1,"a":2}}`, `{"m":{"a":3,"b":4}}`, `[{"m":{"y":5,"x":6}},{"m":{"x":7,"y":8}}]`}
	for run := range 50 {
		var set RowSet
		for _, p := range pages {
			doc, err := Decode([]byte(p))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := set.Add(doc, ""); err != nil {
				t.Fatal(err)
			}
		}
		out, err := ConvertRows(&set, Spec{Name: "A", Columns: []Column{{Selector: "$.m.*", Name: "first"}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := cells(t, out[0], "first"); got != "1,3,5,7" {
			t.Fatalf("run %d: pages give %s, want 1,3,5,7", run, got)
		}
	}
}

// wildcardSpecs are specs the streaming path refuses (wildcards, descendants and filters), whose
// result depends on the order of an object's members.
var wildcardSpecs = []Spec{
	{Name: "A", RootSelector: "$.*"}, {Name: "A", RootSelector: "$[*]"}, {Name: "A", RootSelector: "$..*"},
	{Name: "A", RootSelector: "$..a"}, {Name: "A", RootSelector: "$.data.*"}, {Name: "A", RootSelector: "$[?@.a]"},
	{Name: "A", Columns: []Column{{Selector: "$.*"}, {Selector: "$..b", Name: "b"}, {Selector: "$.a.*", Name: "a"}}},
	{Name: "A", RootSelector: "$.*", Columns: []Column{{Selector: "$[*]"}}},
	{Name: "A", Format: FormatVariable, VariableText: "$.*", VariableValue: "$..*"},
	{Name: "A", Format: FormatSingle, RootSelector: "$..*"},
}

// The tree path gives the same frames every time for the specs the streaming path refuses (the
// equivalence tests, TestStreamMatchesTree and the like, compare the others with it) and every tricky
// reply.
func TestTreeIsDeterministic(t *testing.T) {
	specs := append([]Spec(nil), wildcardSpecs...)
	for _, spec := range allSpecs {
		if _, ok := NewStream(spec); !ok {
			specs = append(specs, spec)
		}
	}
	bodies := append(append([]string(nil), trickyBodies...),
		`{"c":{"b":1,"a":[{"z":2,"y":3}]},"b":{"a":{"c":4,"b":5}},"a":[{"c":6,"a":7}]}`,
		`{"data":{"z":{"a":1,"b":"x"},"y":{"b":"y","a":2},"x":{"a":3}}}`)
	for _, body := range bodies {
		if len(body) > 4096 { // the large ones: they add time, not cases
			continue
		}
		for _, spec := range specs {
			want, wantErr := treeConvert([]byte(body), spec)
			for run := range 3 {
				got, gotErr := treeConvert([]byte(body), spec)
				if diff := diffFrames(got, gotErr, want, wantErr); diff != "" {
					t.Fatalf("%.200q, %+v, run %d: %s", body, spec, run, diff)
				}
			}
		}
	}
}

// ExampleConvert_wildcardOrder shows the rows of a wildcard over an object in the reply's order.
func ExampleConvert_wildcardOrder() {
	doc, _ := Decode([]byte(`{"byHost":{"zeta":{"v":1},"alpha":{"v":2},"mid":{"v":3}}}`))
	out, _ := Convert(doc, Spec{Name: "A", RootSelector: "$.byHost.*"})
	for i := range out[0].Rows() {
		fmt.Print(*out[0].Fields[0].At(i).(*int64), " ")
	}
	// Output: 1 2 3
}

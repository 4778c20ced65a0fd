package frames

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// treePages is the reference for a query of several pages: each page decoded and added to one RowSet
// with the root selector, then ConvertRows. rows is what each Add returned, up to the first error.
func treePages(pages [][]byte, spec Spec) (out data.Frames, rows []int, err error) {
	set := RowSet{Limits: spec.Limits}
	for _, p := range pages {
		doc, err := Decode(p)
		if err != nil {
			return nil, rows, err
		}
		n, err := set.Add(doc, spec.RootSelector)
		if err != nil {
			return nil, rows, err
		}
		rows = append(rows, n)
	}
	out, err = ConvertRows(&set, spec)
	return out, rows, err
}

// streamPages converts the pages as a query without jq does (pkg/plugin's run): on a Stream while it
// takes them, then from the first page it refuses on the tree path, starting from Trees. streamed is
// how many pages the Stream took (0 when the spec is outside the streaming case).
func streamPages(pages [][]byte, spec Spec) (out data.Frames, rows []int, streamed int, err error) {
	s, _ := NewStream(spec)
	set := &RowSet{Limits: spec.Limits}
	for _, p := range pages {
		if s != nil {
			if n, ok := s.Add(p); ok {
				rows = append(rows, n)
				streamed++
				continue
			}
			if set, err = s.Trees(nil); err != nil {
				return nil, rows, streamed, err
			}
			s = nil
		}
		doc, err := Decode(p)
		if err != nil {
			return nil, rows, streamed, err
		}
		n, err := set.Add(doc, spec.RootSelector)
		if err != nil {
			return nil, rows, streamed, err
		}
		rows = append(rows, n)
	}
	if s != nil {
		out, err = s.Frames()
	} else {
		out, err = ConvertRows(set, spec)
	}
	return out, rows, streamed, err
}

// samePages reports how streamPages differs from treePages ("" when it does not, or when the spec is
// outside the streaming case), and how many pages the Stream took. Specs outside it are not compared:
// both sides would be the tree path (TestTreeIsDeterministic checks that it gives the same frames
// every time, wildcards over objects included).
func samePages(pages [][]byte, spec Spec) (diff string, streamed int) {
	if _, ok := NewStream(spec); !ok {
		return "", 0
	}
	got, gotRows, streamed, gotErr := streamPages(pages, spec)
	want, wantRows, wantErr := treePages(pages, spec)
	if !slices.Equal(gotRows, wantRows) {
		return fmt.Sprintf("rows per page %v, tree %v", gotRows, wantRows), streamed
	}
	return diffFrames(got, gotErr, want, wantErr), streamed
}

func strs(pages ...string) [][]byte {
	out := make([][]byte, len(pages))
	for i, p := range pages {
		out[i] = []byte(p)
	}
	return out
}

// TestStreamMatchesTree compares a Stream over several pages with the tree path on chosen page lists
// (with how many pages the Stream must take: all, or up to a page it refuses) and every spec.
func TestStreamMatchesTree(t *testing.T) {
	for _, c := range []struct {
		pages    [][]byte
		spec     Spec
		streamed int
	}{
		// Columns first seen on a later page, types merged across pages, key order of first sight.
		{strs(`[{"a":1,"b":"x"}]`, `[{"c":{"d":true},"a":2.5}]`, `[{"b":null,"e":[1]},{"a":"2024-01-01T00:00:00Z"}]`), Spec{Name: "A"}, 3},
		{strs(`[{"b":3,"a":4}]`, `[{"a":1,"b":2}]`), Spec{Name: "A"}, 2},
		{strs(`[{"t":"2024-01-01T00:00:00Z","v":1}]`, `[{"t":"2024-01-01T00:00:01Z","v":2}]`), Spec{Name: "A", Format: FormatTimeSeries}, 2},
		{strs(`[{"t":"2024-01-01T00:00:00Z","v":1}]`, `[{"t":"later","v":2}]`), Spec{Name: "A"}, 2},
		// Empty pages, null, a page of one object, scalars.
		{strs(`[{"a":1}]`, `[]`, `null`, `{"a":2}`, `[3,null]`), Spec{Name: "A"}, 5},
		{strs(`{"data":{"items":[{"id":1}]}}`, `{"data":{}}`, `{"data":{"items":[{"id":2},{"id":"x"}]}}`), Spec{Name: "A", RootSelector: "data.items"}, 3},
		// Declared columns and variable selectors: a conversion error names the row over all pages.
		{strs(`[{"a":1}]`, `[{"a":2},{"a":"x"}]`), Spec{Name: "A", Columns: []Column{{Selector: "a", Type: TypeInteger}}}, 2},
		{strs(`[{"a":{"b":1}}]`, `[{"a":[{"b":2}]}]`), Spec{Name: "A", Columns: []Column{{Selector: "a.b"}, {Selector: "a.0.b", Type: TypeNumber}}}, 2},
		{strs(`[{"k":"x","v":1}]`, `[{"k":"y"},{"v":3}]`), Spec{Name: "A", Format: FormatVariable, VariableText: "k", VariableValue: "v"}, 2},
		{strs(`[{"a":1}]`, `[{"a":2}]`), Spec{Name: "A", Columns: []Column{{Selector: "a", Type: "float"}}}, 2},
		// A middle page the Stream refuses: a duplicate key (inferred columns), invalid JSON (the
		// tree's error), a root path through an array.
		{strs(`[{"a":1}]`, `[{"a":1,"a":2}]`, `[{"b":3}]`), Spec{Name: "A"}, 1},
		{strs(`[{"a":1}]`, `[{"a":2}]`, `[{"a":1}] x`, `[{"a":3}]`), Spec{Name: "A"}, 2},
		{strs(`[{"a":1}]`, `[{"a":2}]`, `[{"a":1}] x`), Spec{Name: "A", Columns: []Column{{Selector: "a", Type: "float"}}}, 2},
		{strs(`{"data":{"items":[{"id":1}]}}`, `{"data":[{"items":[{"id":2}]}]}`, `{"data":{"items":[{"id":3}]}}`), Spec{Name: "A", RootSelector: "data.items"}, 1},
		{strs(`{"data":{"items":[{"id":1}]}}`, `{"data":[{"items":[{"id":2}]}]}`), Spec{Name: "A", RootSelector: "data.items", Columns: []Column{{Selector: "id"}}}, 1},
		// Rows past a chunk of offsets, across pages.
		{[][]byte{benchRows(0, 1000), benchRows(1000, 1030), benchRows(1030, 2100)}, Spec{Name: "A"}, 3},
		{[][]byte{benchRows(0, 1500), benchRows(1500, 3000)}, benchDeclared, 2},
		{[][]byte{benchRows(0, 1500), []byte(`[{"id":1,"id":2}]`), benchRows(1500, 3000)}, Spec{Name: "A"}, 1},
		// Root wildcards: pages whose key path selects an array, one array in an array, an object's
		// members, null, nothing; a page with a duplicate member refused in the middle.
		{strs(`{"items":[{"a":1},{"a":2}]}`, `{"items":[[{"a":3},{"b":4}]]}`, `{"items":[null]}`, `{"items":{"x":{"a":5},"y":{"c":6}}}`, `{}`, `{"items":"x"}`),
			Spec{Name: "A", RootSelector: "$.items[*]"}, 6},
		{strs(`{"items":{"x":{"a":1}}}`, `{"items":{"x":{"a":2},"y":{"a":3},"x":{"a":4}}}`, `{"items":{"z":{"a":5}}}`),
			Spec{Name: "A", RootSelector: "$.items.*"}, 1},
		{strs(`[{"t":"2024-01-01T00:00:00Z","v":1}]`, `[[{"t":"2024-01-01T00:00:01Z","v":2}]]`, `[{"t":"2024-01-01T00:00:02Z","v":3},{"v":4}]`),
			Spec{Name: "A", RootSelector: "$[*]", Format: FormatTimeSeries}, 3},
		{strs(`{"data":{"items":[{"id":1}]}}`, `{"data":{"items":[{"id":"x"},{"id":3}]}}`),
			Spec{Name: "A", RootSelector: "$.data.items[*]", Columns: []Column{{Selector: "id", Type: TypeInteger}}}, 2},
	} {
		if diff, streamed := samePages(c.pages, c.spec); diff != "" || streamed != c.streamed {
			t.Errorf("pages %.300q, %+v: the Stream took %d pages, want %d; %s", c.pages, c.spec, streamed, c.streamed, diff)
		}
		specs := allSpecs
		if len(bytes.Join(c.pages, nil)) > 4096 { // the large pages: a few specs, to keep the test short
			specs = []Spec{{Name: "A", Format: FormatSingle}, benchDeclared, {Name: "A", Format: FormatVariable, VariableValue: "n.k"}}
		}
		for _, spec := range specs {
			if diff, _ := samePages(c.pages, spec); diff != "" {
				t.Errorf("pages %.300q, %+v: %s", c.pages, spec, diff)
			}
		}
	}
}

// TestStreamMatchesTreeRandom runs lists of 2 to 4 pages, drawn from the tricky bodies and genRows
// replies, through every spec of allSpecs and random specs of genSpec.
func TestStreamMatchesTreeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var small []string // the large tricky bodies are in TestStreamMatchesTree
	for _, b := range trickyBodies {
		if len(b) < 4096 {
			small = append(small, b)
		}
	}
	lists := 300
	if testing.Short() {
		lists = 50
	}
	var all, middle, cases int // cases where the Stream took every page; refused one after taking some
	for range lists {
		pages := randomPages(r, small, 2+r.IntN(3))
		for i := range len(allSpecs) + 10 {
			spec := genSpec(r)
			if i < len(allSpecs) {
				spec = allSpecs[i]
			}
			diff, streamed := samePages(pages, spec)
			if diff != "" {
				t.Fatalf("pages %q, %+v: %s", pages, spec, diff)
			}
			cases++
			switch {
			case streamed == len(pages):
				all++
			case streamed > 0:
				middle++
			}
		}
	}
	t.Logf("%d cases: the Stream took every page in %d, refused a later page in %d", cases, all, middle)
	if all < cases/10 || middle < cases/100 {
		t.Errorf("too few cases on the Stream (%d) or falling back after a page (%d) out of %d", all, middle, cases)
	}
}

// randomPages returns n pages, each a body of tricky or a genRows reply.
func randomPages(r *rand.Rand, tricky []string, n int) [][]byte {
	pages := make([][]byte, n)
	for i := range pages {
		if r.IntN(2) == 0 {
			pages[i] = []byte(tricky[r.IntN(len(tricky))])
		} else {
			pages[i] = genRows(r)
		}
	}
	return pages
}

// FuzzStreamEquivalence: a Stream over several pages, falling back to the tree path from the first
// page it refuses, gives the frames and error of the tree path. The input is split into pages at NUL
// bytes (which valid JSON never holds), some of them replaced by genRows replies.
func FuzzStreamEquivalence(f *testing.F) {
	for i, b := range trickyBodies {
		if next := trickyBodies[(i*7+3)%len(trickyBodies)]; len(b)+len(next) < 4096 {
			f.Add([]byte(b+"\x00"+next), uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, which uint8) {
		h := fnv.New64a()
		h.Write(in)
		r := rand.New(rand.NewPCG(h.Sum64(), uint64(which)))
		pieces := bytes.Split(in, []byte{0})
		pages := make([][]byte, 1+r.IntN(4))
		for i := range pages {
			if i < len(pieces) && r.IntN(3) > 0 {
				pages[i] = pieces[i]
			} else {
				pages[i] = genRows(r)
			}
		}
		for _, spec := range []Spec{fastSpecs[int(which)%len(fastSpecs)], declaredSpecs[int(which)%len(declaredSpecs)],
			{Name: "A"}, {Name: "A", RootSelector: "data.items"}, {Name: "A", RootSelector: "$.data.items[*]"}, fuzzDeclared, genSpec(r)} {
			if diff, _ := samePages(pages, spec); diff != "" {
				t.Fatalf("pages %q, %+v: %s", pages, spec, diff)
			}
		}
	})
}

// A refused page leaves the Stream unusable: later pages are refused and Frames fails, so that a
// caller cannot mix up half a page with the tree path.
func TestStreamRefusedPageIsFinal(t *testing.T) {
	s, ok := NewStream(Spec{Name: "A"})
	if !ok {
		t.Fatal("NewStream refused the inferred spec")
	}
	if n, ok := s.Add([]byte(`[{"a":1},{"a":2}]`)); !ok || n != 2 {
		t.Fatalf("Add: %d rows, ok %v", n, ok)
	}
	if _, ok := s.Add([]byte(`[{"a":3},{"a":1,"a":2}]`)); ok {
		t.Fatal("a duplicate key was taken")
	}
	if _, ok := s.Add([]byte(`[{"a":4}]`)); ok {
		t.Error("a page after a refused one was taken")
	}
	if _, err := s.Frames(); err == nil {
		t.Error("Frames after a refused page")
	}
	set, err := s.Trees(nil)
	if err != nil || set.Len() != 2 {
		t.Errorf("Trees: %d rows, %v; want the 2 rows of the page taken", set.Len(), err)
	}
	if _, ok := NewStream(Spec{Name: "A", RootSelector: "$.data[0]"}); ok {
		t.Error("NewStream took a JSONPath root selector")
	}
}

// A root wildcard selects the children of its key path's node, and rowsOf makes rows of them: the
// rows are those of the key path alone only for an array of several elements. The Stream gives the
// tree's rows in every case it takes, and refuses an object whose members repeat a key.
func TestStreamWildcardRows(t *testing.T) {
	for _, c := range []struct {
		body      string
		root      string
		rows      int // -1: refused
		keyPathOf int // the rows of the key path alone ("$.items"), for contrast
	}{
		{`{"items":[{"id":1},{"id":2}]}`, "$.items[*]", 2, 2},
		{`{"items":[{"id":1}]}`, "$.items[*]", 1, 1},
		{`{"items":[[1,2,3]]}`, "$.items[*]", 3, 1}, // one node, an array: its elements
		{`{"items":[[]]}`, "$.items[*]", 0, 1},
		{`{"items":[null]}`, "$.items[*]", 0, 1}, // one node, null: no row
		{`{"items":[null,null]}`, "$.items[*]", 2, 2},
		{`{"items":[]}`, "$.items[*]", 0, 0},
		{`{"items":{"x":{"id":1},"y":{"id":2}}}`, "$.items.*", 2, 1}, // an object's members
		{`{"items":{"x":[1,2]}}`, "$.items.*", 2, 1},
		{`{"items":{}}`, "$.items.*", 0, 1},
		{`{"items":"x"}`, "$.items[*]", 0, 1}, // a scalar has no children
		{`{"items":null}`, "$.items[*]", 0, 0},
		{`{"other":1}`, "$.items[*]", 0, 0},
		{`{"items":{"x":1,"y":2,"x":3}}`, "$.items.*", -1, 1},
		{`{"items":{"x":1,"x":2}}`, "$.items[*]", -1, 1},
	} {
		var set RowSet
		doc, err := Decode([]byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := set.Add(doc, c.root)
		keyPath, _ := set.Add(doc, "$.items")
		s, ok := NewStream(Spec{Name: "A", RootSelector: c.root})
		if !ok {
			t.Fatalf("NewStream refused %q", c.root)
		}
		n, ok := s.Add([]byte(c.body))
		if !ok {
			n = -1
		}
		if n != c.rows || (ok && n != want) || keyPath != c.keyPathOf {
			t.Errorf("%s, %q: the Stream gave %d rows (-1: refused), want %d; the tree %d, and %d for $.items (want %d)",
				c.body, c.root, n, c.rows, want, keyPath, c.keyPathOf)
		}
	}
}

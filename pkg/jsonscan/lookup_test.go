package jsonscan

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/benchdata"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonsel"
)

// lookup is how pkg/paginate reads a cursor: Lookup when path is a key path and body is valid JSON;
// otherwise ok is false (the caller decodes the body, and Decode gives the error).
func lookup(body []byte, path string) (value any, found, ok bool) {
	keys, isKey := jsonsel.KeyPath(path)
	if !isKey || !Valid(body) {
		return nil, false, false
	}
	return Lookup(body, keys)
}

// diffLookup says how lookup(body, path) differs from jsonsel's First on the decoded body ("" when it
// does not); ok is Lookup's. A refusal (ok false) must have a reason: a path that is not a key path,
// a body Decode refuses, or an object or array selected.
func diffLookup(body []byte, path string) (diff string, ok bool) {
	v, found, ok := lookup(body, path)
	sel, selErr := jsonsel.Compile(path)
	doc, decErr := Decode(body)
	if !ok {
		if v != nil || found {
			return "refused but returned a value", false
		}
		if _, key := jsonsel.KeyPath(path); !key || selErr != nil || decErr != nil {
			return "", false
		}
		switch w, _ := sel.First(doc.Root); w.(type) {
		case map[string]any, []any:
			return "", false
		}
		return "refused a scalar or nothing", false
	}
	if selErr != nil || decErr != nil {
		return fmt.Sprintf("took a path jsonsel refuses (%v) or a body Decode refuses (%v)", selErr, decErr), true
	}
	w, wFound := sel.First(doc.Root)
	if found != wFound || !reflect.DeepEqual(v, w) {
		return fmt.Sprintf("%#v, %v; jsonsel: %#v, %v", v, found, w, wFound), true
	}
	return "", true
}

// lookupPaths are cursor and link paths over the keys of benchdata.TrickyBodies and the random rows
// of pkg/frames' tests: dotted and "$."
// forms, through objects and arrays, and paths Lookup leaves to the tree.
var lookupPaths = []string{"", "$", " $ ", "a", "$.a", "a.b", "$.a.b", "b", "t", "value", "é", `x"y`, "a.0", "a.1",
	"a.1.z", "a.01", "a.+1", "a.-0", "a.-1", "0", "1", "data", "data.items", "$.data.items", "data.items.0",
	"data.items.0.id", "data.items.1.name", "next_cursor", "$.next_cursor", "paging.next", "links.next", "n.k",
	"a..b", "a.", "$['a']", "$.a[0]", "$..a", "$[*]", "$.é", "$.*", "$.data.items[*]", "$.a.*", "items[*]", "a.*"}

func TestLookupMatchesJsonsel(t *testing.T) {
	if benchdata.MaxDepth != MaxDepth {
		t.Fatalf("benchdata.MaxDepth %d, MaxDepth %d: the bodies at the bound are not", benchdata.MaxDepth, MaxDepth)
	}
	for _, body := range benchdata.TrickyBodies {
		for _, path := range lookupPaths {
			if diff, _ := diffLookup([]byte(body), path); diff != "" {
				t.Errorf("Lookup(%.200q, %q): %s", body, path, diff)
			}
		}
	}
	for _, c := range []struct {
		body, path string
		value      any
		found, ok  bool
	}{
		{`{"meta":{"next":"c10"},"items":[]}`, "meta.next", "c10", true, true},
		{`{"meta":{"next":"c10"}}`, "$.meta.next", "c10", true, true},
		{`{"next":" a\u00e9\n "}`, "next", " aé\n ", true, true}, // scalarAt trims, not Lookup
		{`{"next":12345678901234567890}`, "next", json.Number("12345678901234567890"), true, true},
		{`{"next":-1.5e3}`, "next", json.Number("-1.5e3"), true, true},
		{`{"next":false}`, "next", false, true, true},
		{`{"next":null}`, "next", nil, true, true},
		{`{"other":1}`, "next", nil, false, true},
		{`{"next":"a","next":"b"}`, "next", "b", true, true}, // the last one, as in the map
		{`{"links":[{"next":"x"}]}`, "links.0.next", "x", true, true},
		{`{"links":[{"next":"x"}]}`, "links.1.next", nil, false, true},
		{`{"links":[{"next":"x"}]}`, "$.links.next", nil, false, true}, // a name selects nothing in an array
		{`[1,2]`, "1", json.Number("2"), true, true},
		{`"root"`, "", "root", true, true},
		{`{"next":"x"}`, "", nil, false, false}, // an object: the tree's error
		{`{"next":{"a":1}}`, "next", nil, false, false},
		{`{"next":[1]}`, "next", nil, false, false},
		{`{"next":"x"} x`, "next", nil, false, false},       // invalid JSON: Decode's error
		{`{"next":"x","a":tru}`, "next", nil, false, false}, // even after the value
		{`{"next":"x"}`, "$['next']", nil, false, false},    // not a key path
		{`{"next":["x"]}`, "$.next[*]", nil, false, false},  // a root wildcard is the Stream's, not Lookup's
		{`{"next":{"a":"x"}}`, "$.next.*", nil, false, false},
	} {
		v, found, ok := lookup([]byte(c.body), c.path)
		if !reflect.DeepEqual(v, c.value) || found != c.found || ok != c.ok {
			t.Errorf("Lookup(%q, %q) = %#v, %v, %v; want %#v, %v, %v", c.body, c.path, v, found, ok, c.value, c.found, c.ok)
		}
		if diff, _ := diffLookup([]byte(c.body), c.path); diff != "" {
			t.Errorf("Lookup(%q, %q): %s", c.body, c.path, diff)
		}
	}
}

// FuzzLookup: Lookup gives what jsonsel gives on the decoded body, or refuses with a reason.
func FuzzLookup(f *testing.F) {
	for i, b := range benchdata.TrickyBodies {
		if len(b) < 4096 {
			f.Add([]byte(b), lookupPaths[i%len(lookupPaths)])
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		if diff, _ := diffLookup(body, path); diff != "" {
			t.Fatalf("Lookup(%q, %q): %s", body, path, diff)
		}
	})
}

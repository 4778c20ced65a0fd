package frames

import (
	"strings"
	"testing"
)

// An object or array cell over maxStreamComposite is decoded on its own when its column is built,
// outside the memory budget the tree path charges before decoding: the stream gives such a page up
// (for inferred and declared columns), and keeps one at the limit.
func TestStreamGivesUpLargeCompositeCells(t *testing.T) {
	array := func(n int) string { return "[" + strings.TrimSuffix(strings.Repeat("0,", n), ",") + "]" }
	big, atLimit := array(maxStreamComposite/2), array(maxStreamComposite/2-1) // 2n+1 bytes
	if len(big) <= maxStreamComposite || len(atLimit) > maxStreamComposite {
		t.Fatalf("test cells: %d and %d bytes around %d", len(big), len(atLimit), maxStreamComposite)
	}
	for _, tc := range []struct {
		name string
		body string
		spec Spec
		ok   bool
	}{
		{"root object member", `{"id":1,"data":` + big + `}`, Spec{}, false},
		{"nested member", `[{"id":1,"a":{"b":` + big + `}}]`, Spec{}, false},
		{"array row", `[` + big + `]`, Spec{}, false},
		{"object cell", `[{"a":{"x":` + array(10) + `},"b":` + big[:len(big)-1] + `,{"k":1}]}]`, Spec{}, false},
		{"declared column", `[{"a":` + big + `}]`, Spec{Columns: []Column{{Selector: "a", Type: "json"}}}, false},
		{"declared column at the limit", `[{"a":` + atLimit + `}]`, Spec{Columns: []Column{{Selector: "a", Type: "json"}}}, true},
		{"member at the limit", `[{"id":1,"data":` + atLimit + `}]`, Spec{}, true},
		{"big string (not decoded on its own)", `[{"s":"` + strings.Repeat("x", 2*maxStreamComposite) + `"}]`, Spec{}, true},
	} {
		_, ok, err := ConvertBytes([]byte(tc.body), tc.spec)
		if err != nil || ok != tc.ok {
			t.Errorf("%s: streamed %v (err %v), want %v", tc.name, ok, err, tc.ok)
		}
	}
}

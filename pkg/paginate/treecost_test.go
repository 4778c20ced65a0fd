package paginate

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/benchdata"
)

// decodeAlloc is what frames.Decode allocates for body, in bytes (runtime.MemStats.TotalAlloc, so
// garbage counts), with the Doc's object index built as a selector's out-of-order lookup builds it.
func decodeAlloc(body []byte) (uint64, error) {
	foreign := map[string]any{"x": 1} // not in the Doc: Keys misses and builds the index
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	doc, err := frames.Decode(body)
	if err == nil {
		doc.Keys(foreign)
	}
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(doc)
	return after.TotalAlloc - before.TotalAlloc, err
}

func jsonArray(n int, el func(i int) string) []byte {
	var sb strings.Builder
	sb.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(el(i))
	}
	sb.WriteByte(']')
	return []byte(sb.String())
}

func bigObject(members int, val string) []byte {
	var sb strings.Builder
	sb.WriteByte('{')
	for i := 0; i < members; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"k%d":%s`, i, val)
	}
	sb.WriteByte('}')
	return []byte(sb.String())
}

// treeCostCases are the shapes that cost Decode the most per byte (measured 40-80 times the
// body), ordinary replies, and invalid ones.
func treeCostCases() map[string][]byte {
	const n = 100_000
	c := map[string][]byte{
		"numbers":               jsonArray(n, func(int) string { return "0" }),
		"empty strings":         jsonArray(n, func(int) string { return `""` }),
		"strings":               jsonArray(n, func(int) string { return `"a"` }),
		"literals":              jsonArray(n, func(i int) string { return [3]string{"true", "false", "null"}[i%3] }),
		"empty objects":         jsonArray(n, func(int) string { return `{}` }),
		"empty arrays":          jsonArray(n, func(int) string { return `[]` }),
		"one-element arrays":    jsonArray(n, func(int) string { return `[0]` }),
		"one-member objects":    jsonArray(n, func(int) string { return `{"":0}` }),
		"two-member objects":    jsonArray(n, func(int) string { return `{"":0,"a":null}` }),
		"eight-member objects":  jsonArray(n/4, func(int) string { return `{"a":0,"b":0,"c":0,"d":0,"e":0,"f":0,"g":0,"h":0}` }),
		"nine-member objects":   jsonArray(n/4, func(int) string { return `{"a":0,"b":0,"c":0,"d":0,"e":0,"f":0,"g":0,"h":0,"i":0}` }),
		"distinct keys":         jsonArray(n, func(i int) string { return fmt.Sprintf(`{"%d":0}`, i) }),
		"alternating keys":      jsonArray(n, func(i int) string { return fmt.Sprintf(`{"%d":0}`, i%2) }),
		"alternating key lists": jsonArray(n/2, func(i int) string { return [2]string{`{"a":0,"b":0}`, `{"b":0,"a":0}`}[i%2] }),
		"duplicate keys":        jsonArray(n, func(int) string { return `{"":0,"":0}` }),
		"escaped alike keys":    jsonArray(n, func(int) string { return `{"a":0,"\u0061":0}` }),
		"escapes":               jsonArray(n, func(int) string { return `"\n"` }),
		"invalid UTF-8":         jsonArray(n, func(int) string { return "\"\xff\xfe\"" }),
		"valid UTF-8":           jsonArray(n, func(int) string { return `"é€😀"` }),
		"surrogates":            jsonArray(n/4, func(int) string { return `"\ud83d\ude00\ud800x"` }),
		"nested objects":        jsonArray(n/10, func(int) string { return strings.Repeat(`{"":`, 10) + "0" + strings.Repeat("}", 10) }),
		"nested arrays":         jsonArray(n/10, func(int) string { return strings.Repeat(`[`, 10) + "0" + strings.Repeat("]", 10) }),
		"deep":                  []byte(strings.Repeat(`[{"a":`, 128) + "1" + strings.Repeat(`}]`, 128)),
		"one long escaped":      []byte(`["` + strings.Repeat(`\u00e9`, 200_000) + `"]`),
		"rows":                  benchdata.Payload(20_000),
		"rows in an object":     []byte(`{"data":{"items":` + string(benchdata.Payload(20_000)) + `},"next":"c2"}`),
		"scalar":                []byte(`"x"`),
		"empty":                 nil,
		"truncated":             benchdata.Payload(20_000)[:500_000],
		"unclosed":              []byte(strings.Repeat(`[{"a":[1,2,`, 500)),
		"garbage":               []byte(strings.Repeat(`{"a":]}#,::"`, 10_000)),
		"too deep":              []byte(strings.Repeat(`[`, 300) + strings.Repeat(`]`, 300)),
		"far too deep":          []byte(strings.Repeat(`[{"":`, 5000)),
		"braces in strings":     jsonArray(n, func(int) string { return `"{{{{{{{{"` }),
	}
	for _, m := range []int{9, 15, 16, 57, 100, 1_000, 1_746, 7_169, 10_000, 100_000} {
		c[fmt.Sprintf("object of %d members", m)] = bigObject(m, "0")
	}
	c["dictionary of rows"] = bigObject(20_000, `{"id":7,"v":1.25,"ok":false,"s":"s7"}`)
	return c
}

// TreeCost is the memory bound of the tree path: it must never be below what Decode allocates, for
// any shape; and near it for ordinary replies, or the budget would refuse replies that fit.
func TestTreeCostBoundsDecode(t *testing.T) {
	for name, body := range treeCostCases() {
		got, err := decodeAlloc(body)
		cost := TreeCost(body)
		t.Logf("%-28s %9d bytes: Decode %11d (%5.1fx), TreeCost %11d (%.2fx of Decode) err=%v",
			name, len(body), got, float64(got)/float64(max(len(body), 1)), cost, float64(cost)/float64(got), err)
		if uint64(cost) < got {
			t.Errorf("%s: TreeCost %d < %d bytes Decode allocated", name, cost, got)
		}
	}
	// TreeCost stops reading at maxCostDepth: Decode must refuse nesting well before it.
	if _, err := frames.Decode([]byte(strings.Repeat(`[`, 300) + strings.Repeat(`]`, 300))); err == nil {
		t.Error("Decode took 300 levels of nesting: TreeCost's depth cut would be unsound")
	}
	// Ordinary rows: a typical reply fits as many bytes as the budget allows trees of it.
	body := benchdata.Payload(20_000)
	got, _ := decodeAlloc(body)
	if cost := TreeCost(body); float64(cost) > 1.3*float64(got) {
		t.Errorf("rows: TreeCost %d is more than 1.3x the %d bytes Decode allocates", cost, got)
	}
}

// growth must bound what appending one element at a time allocates, for every length.
func TestTreeCostGrowth(t *testing.T) {
	var before, after runtime.MemStats
	for _, n := range []int{1, 2, 7, 100, 255, 256, 257, 1000, 4096, 10_000, 65_537, 300_000, 1 << 20} {
		runtime.GC()
		runtime.ReadMemStats(&before)
		var s []any
		for range n {
			s = append(s, nil)
		}
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(s)
		if got := after.TotalAlloc - before.TotalAlloc; uint64(growth(int64(16*n))) < got {
			t.Errorf("growth(%d) = %d < %d allocated appending %d elements", 16*n, growth(int64(16*n)), got, n)
		}
	}
}

// FuzzTreeCost: for any body, TreeCost bounds what Decode allocates.
func FuzzTreeCost(f *testing.F) {
	for _, s := range []string{`[]`, `{"a":[1,{"b":"\u00e9"}],"a":2}`, `[{"":0},{"":0,"":1}]`, "\"\xff\"", `[[[`, `{"a":`, `[1 2]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, _ := decodeAlloc(body)
		if cost := TreeCost(body); uint64(cost) < got {
			t.Errorf("TreeCost %d < %d bytes Decode allocated for %q", cost, got, body)
		}
	})
}

func TestTreeBudgetChargesPerQuery(t *testing.T) {
	body := benchdata.Payload(20_000) // about 1 MiB, a tree of about 20 MiB
	per := TreeCost(body)
	b := &TreeBudget{MiB: int((3*per)>>20) + 1} // room for 3 such pages, not 4
	for i := 0; i < 3; i++ {
		if _, err := b.Decode(body); err != nil {
			t.Fatalf("page %d: %v", i+1, err)
		}
	}
	n := frames.Decodes()
	_, err := b.Decode(body)
	var be *frames.BudgetError
	if !errors.As(err, &be) || be.Key != "queryMemoryMiB" || !strings.Contains(err.Error(), fmt.Sprintf("(bound: queryMemoryMiB = %d)", b.MiB)) {
		t.Fatalf("4th page: %v, want a budget error naming queryMemoryMiB", err)
	}
	if frames.Decodes() != n {
		t.Error("the refused page was decoded anyway")
	}
	if !strings.Contains(err.Error(), "with the JSON the query decoded before") {
		t.Errorf("error does not say the earlier pages count: %v", err)
	}
	// No budget: no bound.
	var none *TreeBudget
	if _, err := none.Decode(body); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkTreeCost: what charging the budget adds to the tree path (TreeCost reads the bytes once;
// Decode builds the tree), on the 1 MB rows of the frames benchmarks.
func BenchmarkTreeCost(b *testing.B) {
	body := benchdata.Payload(20_000)
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := frames.Decode(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("treecost", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			TreeCost(body)
		}
	})
}

package frames

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonscan"
)

// TestBudgetsStreamMatchesTree: with small output budgets, a Stream (giving up to the tree path where
// it goes over one) ends as the tree path does: same frames, or the same error naming the bound.
// Inferred columns over tricky bodies and genRows pages, with random budgets.
func TestBudgetsStreamMatchesTree(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 1))
	var small []string
	for _, b := range trickyBodies {
		if len(b) < 4096 {
			small = append(small, b)
		}
	}
	var bounded, cases int
	for range 1000 {
		pages := randomPages(r, small, 1+r.IntN(3))
		if r.IntN(2) == 0 { // rows of one shape: columns all seen on the first row, cells growing with the rows
			pages[0] = benchRows(0, 1+r.IntN(10))
		}
		spec := fastSpecs[r.IntN(len(fastSpecs))]
		if r.IntN(2) == 0 { // mostly the Stream's root selectors
			spec = Spec{Name: "A", RootSelector: []string{"", "$[*]", "data.items", "$.data.items[*]"}[r.IntN(4)]}
		}
		// Each bound near what the pages need, or the default (0).
		bound := func(n int) int { return r.IntN(3) * r.IntN(n+1) }
		spec.Limits = Limits{MaxRows: bound(12), MaxCells: bound(40), MaxColumns: bound(7), MaxColumnNameLength: bound(8)}
		if diff, _ := samePages(pages, spec); diff != "" {
			t.Fatalf("pages %q, %+v: %s", pages, spec, diff)
		}
		cases++
		var be *BudgetError
		if _, _, err := treePages(pages, spec); errors.As(err, &be) {
			bounded++
			if !strings.Contains(err.Error(), "bound: "+be.Key+" = ") {
				t.Errorf("error %q does not name its bound", err)
			}
		}
	}
	t.Logf("%d cases, %d over a budget", cases, bounded)
	if bounded < cases/5 || bounded > cases*9/10 {
		t.Errorf("%d of %d cases over a budget: too few or too many to compare both outcomes", bounded, cases)
	}
}

// convertLimited is treeConvert's field count.
func convertLimited(body string, spec Spec) (int, error) {
	out, err := treeConvert([]byte(body), spec)
	if err != nil {
		return 0, err
	}
	return len(out[0].Fields), nil
}

func TestBudgetErrorsNameTheBound(t *testing.T) {
	deep := strings.Repeat(`{"k":`, 40) + "1" + strings.Repeat("}", 40)
	for _, c := range []struct {
		body string
		spec Spec
		want string
	}{
		{`[1,2,3]`, Spec{Limits: Limits{MaxRows: 2}}, "the result has more than 2 rows (bound: maxRows = 2)"},
		{`[{"a":1,"b":2,"c":3}]`, Spec{Limits: Limits{MaxColumns: 2}}, "more than 2 columns (bound: maxColumns = 2)"},
		{`[{"a":1,"b":2},{"a":1},{"c":1}]`, Spec{Limits: Limits{MaxCells: 8}}, "more than 8 cells (3 columns x 3 rows) (bound: maxCells = 8)"},
		{`[{"a":1}]`, Spec{Columns: []Column{{Selector: "a"}, {Selector: "b"}}, Limits: Limits{MaxColumns: 1}}, "(bound: maxColumns = 1)"},
		{`[{"a":1},{"a":2}]`, Spec{Columns: []Column{{Selector: "a"}, {Selector: "b"}}, Limits: Limits{MaxCells: 3}}, "(bound: maxCells = 3)"},
		{`[{"a":1}]`, Spec{Columns: []Column{{Selector: "a", Name: strings.Repeat("n", 20)}}, Limits: Limits{MaxColumnNameLength: 16}}, "columns[0].name: column name"},
		{`[` + deep + `]`, Spec{Limits: Limits{MaxColumnNameLength: 40}}, `column name "k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k." is longer than 40 bytes (bound: maxColumnNameLength = 40)`},
		{`[{"a":{"b":1}}]`, Spec{Limits: Limits{MaxColumnNameLength: 2}}, `column name "a." is longer than 2 bytes`},
		{`[{"abcd":1}]`, Spec{Limits: Limits{MaxColumnNameLength: 3}}, `column name "abcd" is longer than 3 bytes`},
		// Dashboard variables: the same bounds (selectors read two columns, text and value).
		{`[{"a":1},{"a":2}]`, Spec{Format: FormatVariable, VariableValue: "a", Limits: Limits{MaxRows: 1}}, "(bound: maxRows = 1)"},
		{`[{"a":1},{"a":2}]`, Spec{Format: FormatVariable, VariableValue: "a", Limits: Limits{MaxCells: 3}}, "variable selectors: the result has more than 3 cells (2 columns x 2 rows) (bound: maxCells = 3)"},
		{`[{"a":1,"b":2}]`, Spec{Format: FormatVariable, Limits: Limits{MaxColumns: 1}}, "(bound: maxColumns = 1)"},
	} {
		_, err := convertLimited(c.body, c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: error %v, want %q", c.body, c.spec.Limits, err, c.want)
		}
	}
	// Exactly at the bounds: no error.
	if n, err := convertLimited(`[{"ab":{"c":1}},{"x":2}]`, Spec{Limits: Limits{MaxRows: 2, MaxColumns: 2, MaxCells: 4, MaxColumnNameLength: 4}}); err != nil || n != 2 {
		t.Errorf("at the bounds: %d fields, %v", n, err)
	}
}

// A value at the nesting bound (the deepest Decode, and so jq's decoded output, allows) is
// converted, its cell as JSON text; the table and variable formats both walk it.
func TestValuesAtTheNestingBound(t *testing.T) {
	body := `[{"a":` + strings.Repeat("[", jsonscan.MaxDepth-2) + "1" + strings.Repeat("]", jsonscan.MaxDepth-2) + "}]"
	doc, err := Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	set := RowSet{}
	if _, err := set.Add(doc, ""); err != nil {
		t.Fatalf("Add at the bound: %v", err)
	}
	if _, err := ConvertRows(&set, Spec{Name: "A"}); err != nil {
		t.Fatal(err)
	}
	if out, err := ConvertRows(&set, Spec{Name: "A", Format: FormatVariable, VariableValue: "a"}); err != nil || out[0].Rows() != 1 {
		t.Fatalf("variable at the bound: %v", err)
	}
	if _, err := Decode([]byte("[" + body + "]")); err == nil {
		t.Fatal("Decode took a value over the bound")
	}
}

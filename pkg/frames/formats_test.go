package frames

import (
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

func TestGoldenSingleFirstNumber(t *testing.T) {
	out := convert(t, `{"items":[{"name":"a","count":null,"ratio":0.5},{"name":"b","count":9007199254740993,"ratio":1.5}]}`,
		Spec{Name: "A", RootSelector: "items", Format: FormatSingle})
	if len(out) != 1 || out[0].Rows() != 1 {
		t.Fatalf("want one frame with one row, got %v", out)
	}
	wantFields(t, out[0], "count")
	// The first non-null value of the first number column, exact.
	if got := *out[0].Fields[0].At(0).(*int64); got != 9007199254740993 {
		t.Errorf("value %d", got)
	}
	checkGolden(t, "single_first_number", out)
}

func TestGoldenSingleDeclaredColumn(t *testing.T) {
	out := convert(t, `{"status":"green","uptime":"99.95"}`,
		Spec{Name: "A", Format: FormatSingle, Columns: []Column{{Selector: "uptime", Name: "Uptime", Type: TypeNumber}}})
	wantFields(t, out[0], "Uptime")
	wantTypes(t, out[0], data.FieldTypeNullableFloat64)
	if got := *out[0].Fields[0].At(0).(*float64); got != 99.95 {
		t.Errorf("value %v", got)
	}
	checkGolden(t, "single_declared_column", out)
}

func TestSingleEdgeCases(t *testing.T) {
	// All nulls: one row holding null.
	out := convert(t, `[{"v":1},{"v":null}]`, Spec{Name: "A", Format: FormatSingle, Columns: []Column{{Selector: "w", Type: TypeNumber}}})
	if out[0].Rows() != 1 || out[0].Fields[0].At(0).(*float64) != nil {
		t.Errorf("want one null row, got %v", out[0].Fields[0].At(0))
	}
	if err := convertErr(t, `[{"name":"a"}]`, Spec{Name: "A", Format: FormatSingle}); !strings.Contains(err.Error(), "needs a number column") {
		t.Errorf("error %q", err)
	}
	if err := convertErr(t, `[]`, Spec{Name: "A", Format: FormatSingle}); !strings.Contains(err.Error(), "no rows") {
		t.Errorf("error %q", err)
	}
}

func TestGoldenVariableInferred(t *testing.T) {
	// value: the first string or number column (id); text: the first string column (name).
	out := convert(t, `[{"id":9007199254740993,"name":"alpha","on":true},{"id":2,"name":null},{"id":null,"name":"skipped"}]`,
		Spec{Name: "A", Format: FormatVariable})
	wantFields(t, out[0], "text", "value")
	wantTypes(t, out[0], data.FieldTypeString, data.FieldTypeString)
	checkPairs(t, out[0], "alpha=9007199254740993", "2=2")
	checkGolden(t, "variable_inferred", out)
}

func TestGoldenVariableSelectors(t *testing.T) {
	out := convert(t, `{"regions":[{"code":"eu-1","label":{"en":"Europe"}},{"code":"us-2","label":{"en":"America"}},{"label":{"en":"none"}}]}`,
		Spec{Name: "A", RootSelector: "$.regions", Format: FormatVariable, VariableText: "label.en", VariableValue: "$.code"})
	checkPairs(t, out[0], "Europe=eu-1", "America=us-2")
	checkGolden(t, "variable_selectors", out)
}

func TestVariableEdgeCases(t *testing.T) {
	// Only a value selector: the text is the value.
	out := convert(t, `[{"n":1},{"n":2}]`, Spec{Name: "A", Format: FormatVariable, VariableValue: "n"})
	checkPairs(t, out[0], "1=1", "2=2")
	// Strings only: text and value are the same column.
	out = convert(t, `["a","b"]`, Spec{Name: "A", Format: FormatVariable})
	checkPairs(t, out[0], "a=a", "b=b")
	// No rows: no options, but the fields are there.
	out = convert(t, `[]`, Spec{Name: "A", Format: FormatVariable})
	wantFields(t, out[0], "text", "value")
	if out[0].Rows() != 0 {
		t.Errorf("%d rows", out[0].Rows())
	}
	if err := convertErr(t, `[{"t":"2024-01-01T00:00:00Z"}]`, Spec{Name: "A", Format: FormatVariable}); !strings.Contains(err.Error(), "variableValueSelector") {
		t.Errorf("error %q", err)
	}
	if err := convertErr(t, `[1]`, Spec{Name: "A", Format: FormatVariable, VariableText: "$["}); !strings.Contains(err.Error(), "variable selectors") {
		t.Errorf("error %q", err)
	}
}

func checkPairs(t *testing.T, f *data.Frame, want ...string) {
	t.Helper()
	var got []string
	for i := 0; i < f.Rows(); i++ {
		got = append(got, f.Fields[0].At(i).(string)+"="+f.Fields[1].At(i).(string))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("options %q, want %q", got, want)
	}
}

// Rows of several replies (pages) are converted together: inference sees every row, and each
// row's keys keep the order of the reply it came from.
func TestGoldenRowSetPages(t *testing.T) {
	var set RowSet
	for _, body := range []string{
		`{"items":[{"id":1,"name":"a"},{"id":2,"name":"b"}]}`,
		`{"items":[{"id":3,"name":"c","late":"x"}]}`,
		`{"items":[{"id":4.5,"name":"d"}]}`, // makes id a float column across pages
	} {
		doc, err := Decode([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := set.Add(doc, "items"); err != nil {
			t.Fatal(err)
		}
	}
	if set.Len() != 4 {
		t.Fatalf("%d rows", set.Len())
	}
	out, err := ConvertRows(&set, Spec{Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, out[0], "id", "name", "late")
	wantTypes(t, out[0], data.FieldTypeNullableFloat64, data.FieldTypeNullableString, data.FieldTypeNullableString)
	checkGolden(t, "rowset_pages", out)
}

// Every column type, declared, in one golden.
func TestGoldenEveryColumnType(t *testing.T) {
	body := `[{"s":"x","n":"1.25","i":9007199254740993,"b":"false","t":"2024-05-06 07:08:09","j":{"k":[1,2]}},
	          {"s":7,"n":2,"i":"-3","b":1,"t":"2024-05-06 07:09:09","j":null}]`
	out := convert(t, body, Spec{Name: "A", Columns: []Column{
		{Selector: "s", Type: TypeString}, {Selector: "n", Type: TypeNumber}, {Selector: "i", Type: TypeInteger},
		{Selector: "b", Type: TypeBoolean}, {Selector: "t", Type: TypeTime, TimeFormat: "2006-01-02 15:04:05"}, {Selector: "j", Type: TypeJSON},
	}})
	wantTypes(t, out[0], data.FieldTypeNullableString, data.FieldTypeNullableFloat64, data.FieldTypeNullableInt64,
		data.FieldTypeNullableBool, data.FieldTypeNullableTime, data.FieldTypeNullableJSON)
	checkGolden(t, "every_column_type", out)
}

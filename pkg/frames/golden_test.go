package frames

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
)

// update rewrites the golden files. It defaults to false so that a missing golden file fails the test.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// convert decodes body and converts it with spec, failing the test on any error.
func convert(t *testing.T, body string, spec Spec) data.Frames {
	t.Helper()
	doc, err := Decode([]byte(body))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	out, err := Convert(doc, spec)
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	checkConvertBytes(t, []byte(body), spec)
	return out
}

// convertErr decodes body, converts it with spec and returns Convert's error, which must not be nil.
func convertErr(t *testing.T, body string, spec Spec) error {
	t.Helper()
	doc, err := Decode([]byte(body))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	out, err := Convert(doc, spec)
	if err == nil {
		t.Fatalf("Convert succeeded, want an error; frames: %v", out)
	}
	checkConvertBytes(t, []byte(body), spec)
	return err
}

func checkGolden(t *testing.T, name string, frames data.Frames) {
	t.Helper()
	experimental.CheckGoldenJSONResponse(t, "testdata", name, &backend.DataResponse{Frames: frames}, *update)
}

// fieldNames returns the names of f's fields, in order.
func fieldNames(f *data.Frame) []string {
	names := make([]string, len(f.Fields))
	for i, fld := range f.Fields {
		names[i] = fld.Name
	}
	return names
}

func wantFields(t *testing.T, f *data.Frame, want ...string) {
	t.Helper()
	got := fieldNames(f)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("fields = %q, want %q", got, want)
	}
}

func wantTypes(t *testing.T, f *data.Frame, want ...data.FieldType) {
	t.Helper()
	if len(f.Fields) != len(want) {
		t.Fatalf("%d fields, want %d", len(f.Fields), len(want))
	}
	for i, fld := range f.Fields {
		if fld.Type() != want[i] {
			t.Errorf("field %d (%q) type = %s, want %s", i, fld.Name, fld.Type(), want[i])
		}
	}
}

func TestGoldenFlatObjectsKeepKeyOrder(t *testing.T) {
	out := convert(t, `[{"z":1,"a":"x","m":true},{"z":2,"a":"y","m":false}]`, Spec{Name: "A"})
	wantFields(t, out[0], "z", "a", "m")
	wantTypes(t, out[0], data.FieldTypeNullableInt64, data.FieldTypeNullableString, data.FieldTypeNullableBool)
	checkGolden(t, "flat_objects", out)
}

func TestGoldenNestedFlattened(t *testing.T) {
	out := convert(t, `[{"id":1,"a":{"b":2,"c":{"d":"x"}},"e":{}},{"id":2,"a":{"b":3,"c":{"d":"y"}},"e":{}}]`, Spec{Name: "A"})
	// An empty object has nothing to flatten and stays a JSON value.
	wantFields(t, out[0], "id", "a.b", "a.c.d", "e")
	wantTypes(t, out[0], data.FieldTypeNullableInt64, data.FieldTypeNullableInt64, data.FieldTypeNullableString, data.FieldTypeNullableJSON)
	checkGolden(t, "nested_flattened", out)
}

func TestGoldenNulls(t *testing.T) {
	out := convert(t, `[{"a":null,"b":1,"c":null},{"a":null,"b":null,"c":"x"}]`, Spec{Name: "A"})
	wantFields(t, out[0], "a", "b", "c")
	// A column of nulls only is a string column.
	wantTypes(t, out[0], data.FieldTypeNullableString, data.FieldTypeNullableInt64, data.FieldTypeNullableString)
	if out[0].Fields[1].At(1).(*int64) != nil {
		t.Errorf("b[1] should be null")
	}
	checkGolden(t, "nulls", out)
}

func TestGoldenEmptyArray(t *testing.T) {
	out := convert(t, `[]`, Spec{Name: "A"})
	if len(out) != 1 || len(out[0].Fields) != 0 {
		t.Fatalf("want one frame without fields, got %v", out)
	}
	checkGolden(t, "empty_array", out)
}

func TestGoldenRootSelectors(t *testing.T) {
	body := `{"meta":{"n":2},"data":{"items":[{"id":1,"name":"a"},{"id":2,"name":"b"}]}}`
	for _, sel := range []string{"$.data.items", "data.items", " data.items ", "$.data.items[*]"} {
		t.Run(sel, func(t *testing.T) {
			out := convert(t, body, Spec{Name: "A", RootSelector: sel})
			wantFields(t, out[0], "id", "name")
			// All spellings give the same frame, so they share one golden file.
			checkGolden(t, "root_selector_data_items", out)
		})
	}
}

func TestGoldenRootSelectorWildcard(t *testing.T) {
	out := convert(t, `{"items":[{"id":1,"v":1.5},{"id":2,"v":2.5}],"other":[{"x":1}]}`, Spec{Name: "A", RootSelector: "$.items[*]"})
	wantFields(t, out[0], "id", "v")
	checkGolden(t, "root_selector_wildcard", out)
}

func TestGoldenRootSelectorMissing(t *testing.T) {
	// A root selector that selects nothing gives an empty frame, not an error.
	for _, sel := range []string{"$.nope", "nope.deeper", "$.data.items[5]"} {
		out := convert(t, `{"data":{"items":[1]}}`, Spec{Name: "A", RootSelector: sel})
		if len(out) != 1 || len(out[0].Fields) != 0 {
			t.Errorf("%s: want an empty frame, got %v", sel, out)
		}
	}
}

func TestGoldenLateColumn(t *testing.T) {
	out := convert(t, `[{"a":1},{"a":2},{"a":3,"late":"x"},{"a":4,"late":"2024-01-01"}]`, Spec{Name: "A"})
	wantFields(t, out[0], "a", "late")
	wantTypes(t, out[0], data.FieldTypeNullableInt64, data.FieldTypeNullableString)
	if out[0].Fields[1].At(0).(*string) != nil {
		t.Errorf("late[0] should be null")
	}
	checkGolden(t, "late_column", out)
}

func TestGoldenBigInteger(t *testing.T) {
	out := convert(t, `[{"id":9007199254740993},{"id":-9223372036854775808},{"id":9223372036854775807}]`, Spec{Name: "A"})
	wantTypes(t, out[0], data.FieldTypeNullableInt64)
	// The golden comparison goes through float64 (assert.JSONEq), so check the exact value here.
	want := []int64{9007199254740993, -9223372036854775808, 9223372036854775807}
	for i, w := range want {
		if got := *out[0].Fields[0].At(i).(*int64); got != w {
			t.Errorf("id[%d] = %d, want %d", i, got, w)
		}
	}
	checkGolden(t, "big_integer", out)
}

func TestGoldenMixedIntFloat(t *testing.T) {
	out := convert(t, `[{"v":1},{"v":2.5},{"v":-3},{"v":1e2}]`, Spec{Name: "A"})
	wantTypes(t, out[0], data.FieldTypeNullableFloat64)
	checkGolden(t, "mixed_int_float", out)
}

func TestGoldenMixedNumberString(t *testing.T) {
	out := convert(t, `[{"v":1},{"v":"two"},{"v":3.5},{"v":true},{"v":null}]`, Spec{Name: "A"})
	wantTypes(t, out[0], data.FieldTypeNullableString)
	checkGolden(t, "mixed_number_string", out)
}

func TestGoldenBooleans(t *testing.T) {
	out := convert(t, `[{"ok":true,"n":1},{"ok":false,"n":2},{"ok":null,"n":3}]`, Spec{Name: "A"})
	wantTypes(t, out[0], data.FieldTypeNullableBool, data.FieldTypeNullableInt64)
	checkGolden(t, "booleans", out)
}

func TestGoldenRFC3339(t *testing.T) {
	out := convert(t, `[{"ts":"2024-01-02T03:04:05Z","v":1},{"ts":"2024-01-02T05:04:05.123+02:00","v":2},{"ts":null,"v":3}]`, Spec{Name: "A"})
	wantTypes(t, out[0], data.FieldTypeNullableTime, data.FieldTypeNullableInt64)
	got := *out[0].Fields[0].At(1).(*time.Time)
	if want := time.Date(2024, 1, 2, 3, 4, 5, 123e6, time.UTC); !got.Equal(want) {
		t.Errorf("ts[1] = %v, want %v", got, want)
	}
	checkGolden(t, "rfc3339_time", out)
}

func TestGoldenArrayValues(t *testing.T) {
	out := convert(t, `[{"id":1,"tags":["a","b"]},{"id":2,"tags":[]},{"id":3,"tags":[{"k":1}]}]`, Spec{Name: "A"})
	wantTypes(t, out[0], data.FieldTypeNullableInt64, data.FieldTypeNullableJSON)
	checkGolden(t, "array_values", out)
}

func TestGoldenDeclaredColumns(t *testing.T) {
	body := `{"rows":[
	  {"id":"7","price":"1.5","on":"true","s":1700000000,"ms":1700000000123,"iso":"2023-11-14T22:13:20Z","local":"2023-11-14 22:13","extra":"ignored"},
	  {"id":8,"price":2,"on":false,"s":"1700000060","ms":"1700000060000","iso":"2023-11-14T22:14:20+01:00","local":"2023-11-14 22:14"},
	  {"id":null}
	]}`
	spec := Spec{Name: "A", RootSelector: "rows", Columns: []Column{
		{Selector: "local", Name: "Local", Type: TypeTime, TimeFormat: "2006-01-02 15:04"},
		{Selector: "id", Name: "ID", Type: TypeInteger},
		{Selector: "price", Type: TypeNumber},
		{Selector: "on", Name: "Enabled", Type: TypeBoolean},
		{Selector: "s", Name: "Seconds", Type: TypeTime, TimeFormat: TimeEpochS},
		{Selector: "ms", Name: "Millis", Type: TypeTime, TimeFormat: TimeEpochMS},
		{Selector: "$.iso", Name: "ISO", Type: TypeTime, TimeFormat: TimeRFC3339},
	}}
	out := convert(t, body, spec)
	wantFields(t, out[0], "Local", "ID", "price", "Enabled", "Seconds", "Millis", "ISO")
	wantTypes(t, out[0],
		data.FieldTypeNullableTime, data.FieldTypeNullableInt64, data.FieldTypeNullableFloat64, data.FieldTypeNullableBool,
		data.FieldTypeNullableTime, data.FieldTypeNullableTime, data.FieldTypeNullableTime)
	f := out[0]
	wantTime := func(field, row int, want time.Time) {
		t.Helper()
		got := f.Fields[field].At(row).(*time.Time)
		if got == nil || !got.Equal(want) {
			t.Errorf("%s[%d] = %v, want %v", f.Fields[field].Name, row, got, want)
		}
	}
	wantTime(0, 0, time.Date(2023, 11, 14, 22, 13, 0, 0, time.UTC))
	wantTime(4, 0, time.Unix(1700000000, 0))
	wantTime(4, 1, time.Unix(1700000060, 0))
	wantTime(5, 0, time.UnixMilli(1700000000123))
	wantTime(6, 1, time.Date(2023, 11, 14, 21, 14, 20, 0, time.UTC))
	if got := *f.Fields[1].At(0).(*int64); got != 7 {
		t.Errorf("ID[0] = %d, want 7", got)
	}
	checkGolden(t, "declared_columns", out)
}

func TestDeclaredIntegerBadValue(t *testing.T) {
	err := convertErr(t, `[{"n":1},{"n":"abc"}]`, Spec{Name: "A", Columns: []Column{{Selector: "n", Name: "count", Type: TypeInteger}}})
	msg := err.Error()
	for _, want := range []string{`"count"`, "row 1", `"abc"`, "integer"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %s", msg, want)
		}
	}
}

func TestDeclaredColumnErrors(t *testing.T) {
	cases := []struct {
		name string
		body string
		cols []Column
		want []string
	}{
		{"bad type", `[{"a":1}]`, []Column{{Selector: "a", Type: "float"}}, []string{"columns[0].type", `"float"`}},
		{"bad selector", `[{"a":1}]`, []Column{{Selector: "a"}, {Selector: "$["}}, []string{"columns[1].selector"}},
		{"bad number", `[{"a":"x1"}]`, []Column{{Selector: "a", Type: TypeNumber}}, []string{`"a"`, "row 0", "number"}},
		{"bad boolean", `[{"a":"maybe"}]`, []Column{{Selector: "a", Type: TypeBoolean}}, []string{`"a"`, "row 0", "boolean"}},
		{"bad layout", `[{"t":"2024/01/01"}]`, []Column{{Selector: "t", Type: TypeTime, TimeFormat: "2006-01-02"}}, []string{`"t"`, "row 0", "2006-01-02"}},
		{"number with layout", `[{"t":5}]`, []Column{{Selector: "t", Type: TypeTime, TimeFormat: "2006-01-02"}}, []string{`"t"`, "row 0", "layout"}},
		{"bad rfc3339", `[{"t":"yesterday"}]`, []Column{{Selector: "t", Type: TypeTime, TimeFormat: TimeRFC3339}}, []string{`"t"`, "RFC 3339"}},
		{"bad epoch", `[{"t":"soon"}]`, []Column{{Selector: "t", Type: TypeTime, TimeFormat: TimeEpochS}}, []string{`"t"`, "epoch"}},
		{"object as time", `[{"t":{"x":1}}]`, []Column{{Selector: "t", Type: TypeTime}}, []string{`"t"`, "object"}},
		{"integer overflow", `[{"n":9223372036854775808}]`, []Column{{Selector: "n", Type: TypeInteger}}, []string{`"n"`, "row 0", "integer"}},
		{"fraction as integer", `[{"n":1.5}]`, []Column{{Selector: "n", Type: TypeInteger}}, []string{`"n"`, "integer"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := convertErr(t, c.body, Spec{Name: "A", Columns: c.cols}).Error()
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %s", msg, w)
				}
			}
		})
	}
}

func TestDeclaredIntegerBounds(t *testing.T) {
	out := convert(t, `[{"n":-9223372036854775808},{"n":"1e3"},{"n":2.0},{"n":" 42 "}]`,
		Spec{Name: "A", Columns: []Column{{Selector: "n", Type: TypeInteger}}})
	want := []int64{-9223372036854775808, 1000, 2, 42}
	for i, w := range want {
		if got := *out[0].Fields[0].At(i).(*int64); got != w {
			t.Errorf("n[%d] = %d, want %d", i, got, w)
		}
	}
}

func TestGoldenTimeSeriesLongToWide(t *testing.T) {
	body := `[
	  {"time":"2024-01-01T00:01:00Z","host":"b","cpu":20},
	  {"time":"2024-01-01T00:00:00Z","host":"a","cpu":1.5},
	  {"time":"2024-01-01T00:00:00Z","host":"b","cpu":10},
	  {"time":"2024-01-01T00:01:00Z","host":"a","cpu":2.5},
	  {"time":null,"host":"a","cpu":99}
	]`
	out := convert(t, body, Spec{Name: "A", Format: FormatTimeSeries})
	if len(out) != 1 {
		t.Fatalf("%d frames, want 1", len(out))
	}
	f := out[0]
	if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesWide {
		t.Fatalf("Meta = %+v, want type %s", f.Meta, data.FrameTypeTimeSeriesWide)
	}
	wantFields(t, f, "time", "cpu", "cpu")
	if f.Fields[0].Type() != data.FieldTypeTime {
		t.Errorf("time field type = %s", f.Fields[0].Type())
	}
	for i, host := range []string{"a", "b"} {
		fld := f.Fields[i+1]
		if !fld.Type().Numeric() {
			t.Errorf("field %d type %s is not numeric", i+1, fld.Type())
		}
		if got := fld.Labels["host"]; got != host || len(fld.Labels) != 1 {
			t.Errorf("field %d labels = %v, want host=%s", i+1, fld.Labels, host)
		}
	}
	if f.Rows() != 2 {
		t.Errorf("%d rows, want 2 (the row without a time is dropped)", f.Rows())
	}
	checkGolden(t, "timeseries_long_to_wide", out)
}

func TestGoldenTimeSeriesAlreadyWide(t *testing.T) {
	body := `[{"t":1700000060000,"cpu":2,"mem":0.5},{"t":1700000000000,"cpu":1,"mem":0.25}]`
	spec := Spec{Name: "A", Format: FormatTimeSeries, Columns: []Column{
		{Selector: "t", Type: TypeTime, TimeFormat: TimeEpochMS},
		{Selector: "cpu", Type: TypeNumber},
		{Selector: "mem", Type: TypeNumber},
	}}
	out := convert(t, body, spec)
	f := out[0]
	if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesWide {
		t.Fatalf("Meta = %+v, want type %s", f.Meta, data.FrameTypeTimeSeriesWide)
	}
	wantFields(t, f, "t", "cpu", "mem")
	if first := f.Fields[0].At(0).(time.Time); !first.Equal(time.UnixMilli(1700000000000)) {
		t.Errorf("rows not sorted by time: first time %v", first)
	}
	checkGolden(t, "timeseries_wide", out)
}

func TestTimeSeriesErrors(t *testing.T) {
	cases := []struct {
		name, body string
		want       string
	}{
		{"no time column", `[{"host":"a","cpu":1},{"host":"b","cpu":2}]`, "needs a time column"},
		{"no number column", `[{"time":"2024-01-01T00:00:00Z","host":"a"}]`, "needs at least one number column"},
		{"empty", `[]`, "needs a time column"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := convertErr(t, c.body, Spec{Name: "A", Format: FormatTimeSeries})
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func TestGoldenScalarArray(t *testing.T) {
	out := convert(t, `[1,2,3]`, Spec{Name: "A"})
	wantFields(t, out[0], "value")
	wantTypes(t, out[0], data.FieldTypeNullableInt64)
	checkGolden(t, "scalar_array", out)
}

func TestConvertRootObjectIsOneRow(t *testing.T) {
	out := convert(t, `{"status":"ok","count":3}`, Spec{Name: "A"})
	wantFields(t, out[0], "status", "count")
	if out[0].Rows() != 1 {
		t.Errorf("%d rows, want 1", out[0].Rows())
	}
}

func TestConvertRootScalarAndNull(t *testing.T) {
	out := convert(t, `"hello"`, Spec{Name: "A"})
	wantFields(t, out[0], "value")
	out = convert(t, `null`, Spec{Name: "A"})
	if len(out[0].Fields) != 0 {
		t.Errorf("null root: want no fields, got %v", fieldNames(out[0]))
	}
}

func TestConvertBadRootSelector(t *testing.T) {
	err := convertErr(t, `[]`, Spec{Name: "A", RootSelector: "$["})
	if !strings.Contains(err.Error(), "rootSelector") {
		t.Errorf("error %q does not mention rootSelector", err)
	}
}

// A JSONPath with several matches yields one row per match, in document order; objects a selector
// builds are not in the Doc, so their keys come out sorted (stable).
func TestConvertRecursiveDescentRows(t *testing.T) {
	out := convert(t, `{"a":{"id":1},"b":[{"id":2},{"id":3}]}`, Spec{Name: "A", RootSelector: "$..id"})
	wantFields(t, out[0], "value")
	if out[0].Rows() != 3 {
		t.Fatalf("%d rows, want 3", out[0].Rows())
	}
}

// With a new time and a new label on every row the wide frame grows as the square of the reply; it is
// capped instead of taking gigabytes.
func TestTimeSeriesWideFrameCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < 2300; i++ { // 2300 x 2301 cells > maxWideCells
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"t":%d,"h":"h%d","v":1}`, 1700000000+i, i)
	}
	b.WriteString("]")
	err := convertErr(t, b.String(), Spec{Name: "A", Format: FormatTimeSeries, Columns: []Column{
		{Selector: "t", Type: TypeTime, TimeFormat: TimeEpochS}, {Selector: "h"}, {Selector: "v", Type: TypeNumber},
	}})
	if !strings.Contains(err.Error(), "too large") {
		t.Errorf("error %q does not say the result is too large", err)
	}
}

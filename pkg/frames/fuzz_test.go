package frames

import (
	"strings"
	"testing"
)

// FuzzDecodeConvert feeds arbitrary bytes to Decode and, when they decode, converts the document with
// the table and the time series formats, inferred and with declared columns. Errors are fine; panics
// are not.
func FuzzDecodeConvert(f *testing.F) {
	seeds := []string{
		``,
		`null`,
		`[]`,
		`{}`,
		`[1,2,3]`,
		`[1,"a",true,null,1.5,{"x":1},[1]]`,
		`[{"z":1,"a":"x","m":true},{"z":2,"a":"y","m":false}]`,
		`[{"id":1,"a":{"b":2,"c":{"d":"x"}}},{"id":2,"a":{"b":3}}]`,
		`{"data":{"items":[{"id":9007199254740993},{"id":1.5}]}}`,
		`[{"time":"2024-01-01T00:00:00Z","host":"a","cpu":1},{"time":"2024-01-01T00:00:00Z","host":"b","cpu":2}]`,
		`[{"time":"2024-01-01T00:01:00Z","host":"a","cpu":1},{"time":"2024-01-01T00:00:00Z","host":null,"cpu":"x"}]`,
		`[{"time":"2024-01-01T00:00:00Z","up":true,"cpu":1},{"time":"2024-01-01T00:00:00Z","up":null,"cpu":2}]`,
		`[{"t":"2024-01-01T00:00:00Z","a.b":1,"a":{"b":2}}]`,
		`[{"t":1e300,"v":-1e300},{"t":"-9223372036854775808","v":9223372036854775808}]`,
		`{"a":"` + strings.Repeat("x", 100) + `"}`,
		strings.Repeat("[", 300),
		"[\"\xff\"]",
		"<html>",
		`{"a":1} x`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	declared := []Column{
		{Selector: "t", Type: TypeTime},
		{Selector: "time", Type: TypeTime, TimeFormat: TimeEpochMS},
		{Selector: "$.time", Name: "time2", Type: TypeTime, TimeFormat: TimeRFC3339},
		{Selector: "host", Type: TypeString},
		{Selector: "cpu", Type: TypeNumber},
		{Selector: "id", Type: TypeInteger},
		{Selector: "up", Type: TypeBoolean},
		{Selector: "a", Type: TypeJSON},
		{Selector: "s", Type: TypeTime, TimeFormat: TimeEpochS},
		{Selector: "l", Type: TypeTime, TimeFormat: "2006-01-02 15:04"},
		{Selector: "$..id", Name: "anyid"},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, err := Decode(body)
		if err != nil {
			return
		}
		for _, root := range []string{"", "$[*]", "data.items", "$..*"} {
			for _, format := range []string{FormatTable, FormatTimeSeries} {
				_, _ = Convert(doc, Spec{Name: "A", RootSelector: root, Format: format})
				_, _ = Convert(doc, Spec{Name: "A", RootSelector: root, Format: format, Columns: declared})
			}
		}
	})
}

// TestConvertInvalidUTF8: replies with invalid UTF-8 (which Decode replaces or refuses) convert
// without a panic (moved here from the decoder's tests, which no longer convert).
func TestConvertInvalidUTF8(t *testing.T) {
	bodies := [][]byte{
		[]byte("[\"a\xffb\"]"),
		[]byte("{\"k\xc3\":\"\xed\xa0\x80\"}"),
		[]byte("\"\xfe\xfe\""),
		[]byte("[\"\\ud800\"]"),
	}
	for _, b := range bodies {
		doc, err := Decode(b)
		if err != nil {
			continue // an error is acceptable; a panic is not
		}
		for _, format := range []string{FormatTable, FormatTimeSeries} {
			_, _ = Convert(doc, Spec{Name: "A", Format: format})
		}
	}
}

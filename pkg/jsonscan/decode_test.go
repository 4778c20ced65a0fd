package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name string
		body string
		want string // substring of the error
	}{
		{"empty", ``, "ends too early"},
		{"whitespace", " \n\t ", "ends too early"},
		{"invalid", `{"a":}`, "not valid JSON"},
		{"bad literal", `[tru]`, "not valid JSON"},
		{"single quotes", `{'a':1}`, "not valid JSON"},
		{"truncated object", `{"a":[1,2`, "ends too early"},
		{"truncated string", `{"a":"abc`, "not valid JSON"},
		{"truncated after key", `{"a"`, "not valid JSON"},
		{"trailing garbage", `{"a":1} x`, "unexpected data after the top-level value"},
		{"two values", `1 2`, "unexpected data after the top-level value"},
		{"trailing bracket", `[1]]`, "unexpected data after the top-level value"},
		{"html", "<html><body>502 Bad Gateway</body></html>", "not valid JSON"},
		{"non-string key", `{1:2}`, "not valid JSON"},
		{"unclosed array then object", `[{]`, "not valid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := Decode([]byte(c.body))
			if err == nil {
				t.Fatalf("Decode(%q) succeeded with %#v, want an error", c.body, doc.Root)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("Decode(%q) error %q does not contain %q", c.body, err, c.want)
			}
		})
	}
}

func TestDecodeHTMLMentionsPosition(t *testing.T) {
	_, err := Decode([]byte("<html>"))
	if err == nil || !strings.Contains(err.Error(), "at byte") {
		t.Fatalf("error = %v, want one with the byte offset", err)
	}
}

func TestDecodeInvalidUTF8(t *testing.T) {
	// Invalid UTF-8 inside a string is replaced (encoding/json behaviour), never a panic.
	bodies := [][]byte{
		[]byte("[\"a\xffb\"]"),
		[]byte("{\"k\xc3\":\"\xed\xa0\x80\"}"),
		[]byte("\"\xfe\xfe\""),
		[]byte("[\"\\ud800\"]"),
	}
	for _, b := range bodies {
		_, _ = Decode(b) // an error is acceptable; a panic is not (frames' TestConvertInvalidUTF8 converts them)
	}
	doc, err := Decode([]byte("[\"a\xffb\"]"))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if got := doc.Root.([]any)[0].(string); got != "a\uFFFDb" {
		t.Errorf("got %q, want the replacement character", got)
	}
	// Invalid UTF-8 outside a string is a syntax error.
	if _, err := Decode([]byte("[\xff]")); err == nil {
		t.Errorf("a bare invalid byte should be an error")
	}
}

func TestDecodeDepth(t *testing.T) {
	deep := strings.Repeat("[", 10000)
	if _, err := Decode([]byte(deep)); err == nil || !strings.Contains(err.Error(), "deeper than") {
		t.Errorf("10000 '[': error = %v, want a nesting error", err)
	}
	closed := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	if _, err := Decode([]byte(closed)); err == nil || !strings.Contains(err.Error(), "deeper than") {
		t.Errorf("10000 nested arrays: error = %v, want a nesting error", err)
	}
	objs := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	if _, err := Decode([]byte(objs)); err == nil || !strings.Contains(err.Error(), "deeper than") {
		t.Errorf("10000 nested objects: error = %v, want a nesting error", err)
	}
	// Exactly at the limit is fine: MaxDepth+1 levels of containers, the innermost value at depth MaxDepth+1
	// would fail, so count precisely.
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := Decode([]byte(ok)); err != nil {
		t.Errorf("%d nested arrays: %v", MaxDepth, err)
	}
	tooDeep := strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2)
	if _, err := Decode([]byte(tooDeep)); err == nil {
		t.Errorf("%d nested arrays should be refused", MaxDepth+2)
	}
}

func TestDecodeKeepsKeyOrderAndNumbers(t *testing.T) {
	doc, err := Decode([]byte(`{"z":1,"a":{"y":2,"b":3},"m":9007199254740993,"z":4}`))
	if err != nil {
		t.Fatal(err)
	}
	root := doc.Root.(map[string]any)
	if got := strings.Join(doc.Keys(root), ","); got != "z,a,m" {
		t.Errorf("keys = %s, want z,a,m (a duplicate key keeps its first position)", got)
	}
	if got := root["z"]; got != json.Number("4") {
		t.Errorf("duplicate key: z = %v, want the last value 4", got)
	}
	if got := strings.Join(doc.Keys(root["a"].(map[string]any)), ","); got != "y,b" {
		t.Errorf("nested keys = %s, want y,b", got)
	}
	if got := root["m"]; got != json.Number("9007199254740993") {
		t.Errorf("m = %v, want the exact json.Number", got)
	}
	if doc.Keys(map[string]any{"x": 1}) != nil {
		t.Errorf("Keys of a foreign map should be nil")
	}
}

func TestDecodeScalars(t *testing.T) {
	for body, want := range map[string]any{
		`null`:   nil,
		`true`:   true,
		` "x" `:  "x",
		`-1.5e3`: json.Number("-1.5e3"),
		`[]`:     nil, // checked below
	} {
		doc, err := Decode([]byte(body))
		if err != nil {
			t.Errorf("Decode(%q): %v", body, err)
			continue
		}
		if body == `[]` {
			if arr, ok := doc.Root.([]any); !ok || len(arr) != 0 {
				t.Errorf("Decode([]) = %#v, want an empty slice", doc.Root)
			}
			continue
		}
		if doc.Root != want {
			t.Errorf("Decode(%q) = %#v, want %#v", body, doc.Root, want)
		}
	}
}

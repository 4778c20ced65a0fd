package benchdata

import (
	"fmt"
	"strings"
)

// MaxDepth is jsonscan.MaxDepth, the nesting bound some TrickyBodies sit at (jsonscan's tests,
// which import this package, check that the two agree).
const MaxDepth = 256

// TrickyBodies are inputs chosen to break a byte-level JSON reader (the streaming converter of
// pkg/frames, Lookup of pkg/jsonscan): duplicate keys, escapes, invalid UTF-8, numbers at the
// edges of int64 and float64, nesting, blanks.
var TrickyBodies = []string{
	``, ` `, `null`, `true`, `"x"`, `1`, `-0`, `1e400`, `[]`, `{}`, `[{}]`, `[{},{}]`, `[null]`, `[null,null]`,
	`[1,2,3]`, `[1,"a",true,null,1.5,{"x":1},[1]]`, `[[1,2],[3]]`, `[{"value":1},2,{"value":"x"}]`,
	`{"a":1,"a":2}`, `[{"a":1,"b":2,"a":3}]`, `[{"a":1},{"a":1,"a":{"x":1}}]`, `{"data":[1],"data":[2]}`,
	`{"data":{"items":[{"id":1}]},"data":{"items":[{"id":2}]}}`, `[{"a":"x","\u0061":"y"}]`,
	`[{"a":{}},{"a":{"b":1}}]`, `[{"a":{"b":{}}},{"a":{"b":{"c":null}}}]`, `[{"a":{"b":{"c":{}}}}]`,
	`[{"a.b":1,"a":{"b":2}}]`, `[{"a":{"b":2},"a.b":null}]`, `[{"a":{"b":2},"a.b":3},{"a.b":4}]`,
	`[{"\u00e9":"\u00e9\ud83d\ude00\ud800x\udc00"},{"\u00e9":"caf\u00e9"}]`, "[{\"k\xff\":\"v\xfe\xff\"}]",
	"[\"\xff\",\"a\"]", `[{"s":"a\"b\\c\/d\b\f\n\r\t"}]`, `[{"s":"<&>"},{"s":{"h":"<&>"}}]`,
	`[{"n":9223372036854775807},{"n":-9223372036854775808}]`, `[{"n":9223372036854775808}]`,
	`[{"n":9007199254740993},{"n":9007199254740992}]`, `[{"n":123456789012345678901234567890}]`,
	`[{"f":1e3},{"f":1E-3},{"f":-1.5e+10},{"f":0.0}]`, `[{"f":1e400}]`, `[{"f":1},{"f":1e400}]`, `[{"f":-0},{"f":0.5}]`,
	`[{"a":null},{"a":null}]`, `[{"a":null,"b":{"c":null}}]`, `[{"a":1},{"a":"1"},{"a":true},{"a":[1]},{"a":{}},{"a":null}]`,
	`[{"a":true},{"a":false},{"a":null}]`, `[{"a":[]},{"a":{}},{"a":[{"x":{"y":1}}]}]`, `[{"a":{"z":1,"y":{"b":2,"a":1}}}]`,
	`[{"t":"2024-01-01T00:00:00Z","v":1},{"t":"2024-01-01T00:00:01.5+02:00","v":2.5}]`,
	`[{"t":"2024-01-01T00:00:00Z","v":1},{"t":"nope","v":2}]`, `[{"t":"2024-13-01T00:00:00Z"}]`,
	`[{"time":"2024-01-01T00:00:00Z","host":"a","cpu":1},{"time":"2024-01-01T00:00:00Z","host":"b","cpu":2}]`,
	`[{"time":"2024-01-01T00:01:00Z","host":"a","cpu":1},{"time":"2024-01-01T00:00:00Z","host":null,"cpu":"x"}]`,
	`[{"time":"2024-01-01T00:00:00Z","up":true,"cpu":1},{"time":null,"up":null,"cpu":2}]`,
	`{"data":{"items":[{"id":1,"name":"a"},{"id":2,"name":"b"}]}}`, `{"data":{"items":{"id":1}}}`,
	`{"data":{"items":null}}`, `{"data":{"items":"x"}}`, `{"data":[{"items":1}]}`, `{"data":{"items":[]}}`,
	`{"data":{"items":[[1],[2]]}}`, `{"a_1":{"b":[{"x":1}]}}`, `{"a":{"b":{"c":1}}}`, `{"value":[1,2]}`,
	`{"d\u0061ta":{"items":[{"id":1}]}}`, `{"data" : { "items" : [ { "id" : 1 } , { "id" : 2 } ] } }`,
	" [ { \"a\" : 1 , \"b\" : { \"c\" : [ 1 , { } ] } } ] \n\t", `[{"a":1}] x`, `[{"a":1},]`, `[{"a":01}]`,
	`[{"a":1.}]`, `[{"a":tru}]`, `[{"a":"x}]`, "[{\"a\":\"\x01\"}]", `[{"a":"\x"}]`, `[{"a":"\u12"}]`, `{"a" 1}`,
	`[{"id":1,"v":1.25,"ok":false,"s":"s7","n":{"k":49}},{"id":2,"v":null,"ok":true,"s":"s8","n":{"k":"x"}}]`,
	strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth),
	strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2),
	strings.Repeat(`{"a":`, MaxDepth) + "1" + strings.Repeat("}", MaxDepth),
	strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1),
	"[" + strings.Repeat(`{"a":`, MaxDepth-1) + "[]" + strings.Repeat("}", MaxDepth-1) + "]",
	`[{"s":"` + strings.Repeat("x", 3000) + `"},{"s":"y"}]`,
	func() string { // more keys than the small duplicate check, and a late duplicate
		var b strings.Builder
		b.WriteString(`[{`)
		for i := range 20 {
			fmt.Fprintf(&b, `"k%d":%d,`, i, i)
		}
		b.WriteString(`"k3":"dup"}]`)
		return b.String()
	}(),
	string(Payload(3000)), // more than two chunks of rows, with late and mixed columns
	// For declared columns: conversions of every kind to every type, and paths.
	`[{"a":"12"},{"a":" 7 "},{"a":true},{"a":false},{"a":1.0},{"a":1e2},{"a":-0},{"a":"1e400"}]`,
	`[{"a":1.5}]`, `[{"a":"x"}]`, `[{"a":"1.5"}]`, `[{"a":[1]}]`, `[{"a":{"b":"c"}}]`, `[{"a":"9223372036854775808"}]`,
	`[{"a":"true"},{"a":" FALSE "},{"a":"0"},{"a":"t"},{"a":1},{"a":0.0},{"a":-1e-400}]`, `[{"a":"yes"}]`, `[{"a":"1e400"}]`,
	`[{"t":"2024-01-01T00:00:00Z"},{"t":1700000000},{"t":1700000000123},{"t":"1700000000"},{"t":-1.5}]`,
	`[{"t":" 2024-01-01T00:00:00.123+02:00 "},{"t":"1700000000123.5"},{"t":null},{"t":1e400}]`,
	`[{"t":"2024-01-01 10:20:30"},{"t":"2024-01-01 10:20 CEST"},{"t":"2024-01-01 10:20 UTC"}]`,
	`[{"t":"2024-01-01T00:00:00Z"},{"t":"tomorrow"}]`, `[{"t":true}]`, `[{"t":{"x":1}}]`, `[{"t":"` + strings.Repeat("y", 50) + `"}]`,
	`[{"a":{"b":1,"a":{"b":2},"0":3},"a.b":4,"b":{"a":5}},{"a":{"b":"x"}},{"a":{"b":null}},{"a":{}},{"a":null},{"a":7}]`,
	`[{"a":[{"z":1},{"z":2,"y":[5,6]}]},{"a":[1]},{"a":[]},{"a":"xyz"},{"a":{"1":{"z":"key"}}},{"a":[null,null]}]`,
	`[{"a":[0,1,2,3,4,5,6,7,8,9,10,11]},{"a":[[0],{"z":{}}]}]`, `[[1,2],[3],"ab",null,{"0":"k","1":"l"}]`,
	`[{"a":{"b":1},"a":{"c":2}},{"a":{"b":1},"a":null},{"a":1,"a":{"b":2}},{"a":{"b":1,"b":2}},{"a":[{"z":1}],"a":[0,{"z":3}]}]`,
	`[{"\u0061":{"\u0062":1},"x\"y":"q","\u00e9":"e"},{"a":{"b":2},"\u0061":{"b":3}}]`,
	`{"data":{"items":[{"id":1,"a":{"b":2}}],"items":[{"id":3,"a":{"b":4}}]}}`, `{"data":{"items":{"a":{"b":2},"id":1}}}`,
	`{"data":{"items":[1,"x",true,null,[2]]}}`, `{"data":{"items":[{"t":"2024-01-01T00:00:01Z","a":{"b":2.5},"b":"h2"}]}}`,
	`[{"t":"2024-01-01T00:00:01Z","a":{"b":1},"b":"h1"},{"t":"2024-01-01T00:00:00Z","a":{"b":2.5},"b":"h2"}]`,
	`[{"true":1,"id":"7","n":{"k":"x"}}]`, `[{"a":{"a":{"a":"deep"}}}]`,
	// For the root wildcards: what a key path selects (an array of one array, of one null, of one
	// object; an object of one or several members; a scalar; nothing), duplicate keys on the path and
	// among the members a wildcard takes, member order, a path through an array.
	`[[1,2]]`, `[[]]`, `[[[1]]]`, `[[null]]`, `[[{"a":1},{"a":2}]]`, `[{"a":[1,2]}]`, `{"x":[1,2]}`, `{"x":null}`,
	`{"x":{"a":1}}`, `{"b":{"a":1},"a":{"a":2,"b":3}}`, `{"b":1,"a":[2]}`, `{"b":1,"b":2}`, `{"a":1,"\u0061":[2]}`,
	`{"items":[[1,2]]}`, `{"items":[null]}`, `{"items":[{"a":1}]}`, `{"items":[[{"a":1},{"a":2}]]}`, `{"items":[[]]}`,
	`{"items":[[1],[2,3]]}`, `{"items":[null,null]}`, `{"items":[]}`, `{"items":{}}`, `{"items":"x"}`, `{"items":null}`,
	`{"items":1}`, `{"other":[1]}`, `{"items":[1],"items":[[1,2]]}`, `{"items":[[1,2]],"items":{"a":[3]}}`,
	`{"items":{"x":{"a":1},"y":{"a":2,"b":3}}}`, `{"items":{"y":[1,2],"x":{"a":1}}}`, `{"items":{"x":[1,2]}}`,
	`{"items":{"x":null}}`, `{"items":{"x":[{"a":1}]}}`, `{"items":{"x":{"a":1},"x":{"a":2}}}`,
	`{"items":{"x":1,"y":2,"x":3}}`, `{"items":{"\u0078":1,"x":2}}`, `{"items":{"y":null,"x":null}}`,
	`{"items":{"b":{"a":{"b":1}},"a":{"a.b":2}}}`, `[{"items":[1]}]`, `{"a":{"b":[[1,2]]}}`, `{"a":{"b":{"c":[1],"d":[2]}}}`,
	`{"a":[{"b":[1]}]}`, `{"a":{"b":{"x":{"t":"2024-01-01T00:00:00Z","a":1}}}}`, `{"value":[[1]]}`, `{"value":{"v":[2,3]}}`,
	`{"data":{"items":[[{"id":1}]]}}`, `{"data":{"items":[[]]}}`, `{"data":{"items":[null]}}`, `{"data":{"items":[{"id":1,"id":2}]}}`,
	`{"data":{"z":{"id":1,"a":{"b":2}},"y":{"id":2,"t":"2024-01-01T00:00:00Z"}}}`, `{"data":{"items":[{"id":1}]},"data":{"z":[{"id":2}]}}`,
	`{"data":{"items":[{"id":1},{"id":2}],"next":"c2"}}`, `{"data":{"items":{"0":{"id":1}}}}`,
}

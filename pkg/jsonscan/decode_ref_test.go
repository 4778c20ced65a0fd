package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/benchdata"
)

// refDecode is the previous Decode, built on encoding/json's Decoder.Token: the reference the
// hand-written scanner must match, value for value and key order for key order.
func refDecode(body []byte) (root any, keys map[*map[string]any][]string, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type orderOf struct {
		m    map[string]any
		keys []string
	}
	var orders []orderOf
	var value func(depth int) (any, error)
	value = func(depth int) (any, error) {
		if depth > MaxDepth {
			return nil, errors.New("deeper")
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		delim, ok := tok.(json.Delim)
		if !ok {
			return tok, nil
		}
		if delim == '{' {
			m := map[string]any{}
			var ks []string
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				v, err := value(depth + 1)
				if err != nil {
					return nil, err
				}
				if _, dup := m[k]; !dup {
					ks = append(ks, k)
				}
				m[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			orders = append(orders, orderOf{m, ks})
			return m, nil
		}
		arr := []any{}
		for dec.More() {
			v, err := value(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return arr, nil
	}
	root, err = value(0)
	if err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("trailing data")
	}
	return root, nil, nil
}

// refKeys walks v and returns the key order of every object, in walk order, from the reference.
func walkKeys(v any, keysOf func(map[string]any) []string, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		ks := keysOf(x)
		*out = append(*out, "{"+strings.Join(ks, ",")+"}")
		for _, k := range ks {
			walkKeys(x[k], keysOf, out)
		}
	case []any:
		for _, e := range x {
			walkKeys(e, keysOf, out)
		}
	}
}

// refKeyOrder decodes body with json.Decoder tokens and lists every object's keys in walk order.
func refKeyOrder(t testing.TB, body []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var out []string
	var walk func() error
	walk = func() error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		delim, ok := tok.(json.Delim)
		if !ok {
			return nil
		}
		if delim == '{' {
			// Keys come first in document order; nested objects are listed after their parent,
			// following the parent's (deduplicated) key order, to match walkKeys.
			type member struct {
				key  string
				subs []string
			}
			var mems []member
			idx := map[string]int{}
			for dec.More() {
				kt, _ := dec.Token()
				k := kt.(string)
				saved := out
				out = nil
				if err := walk(); err != nil {
					return err
				}
				subs := out
				out = saved
				if i, dup := idx[k]; dup {
					mems[i].subs = subs // last value wins
				} else {
					idx[k] = len(mems)
					mems = append(mems, member{k, subs})
				}
			}
			_, _ = dec.Token()
			ks := make([]string, len(mems))
			for i, m := range mems {
				ks[i] = m.key
			}
			out = append(out, "{"+strings.Join(ks, ",")+"}")
			for _, m := range mems {
				out = append(out, m.subs...)
			}
			return nil
		}
		for dec.More() {
			if err := walk(); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	}
	if err := walk(); err != nil {
		t.Fatalf("reference walk: %v", err)
	}
	return out
}

// checkAgainstReference: Decode accepts exactly what the reference accepts (up to the depth limit,
// which both enforce) and yields equal values and key orders.
func checkAgainstReference(t *testing.T, body []byte) {
	doc, err := Decode(body)
	want, _, refErr := refDecode(body)
	if (err == nil) != (refErr == nil) {
		t.Fatalf("Decode(%q): err %v, reference err %v", body, err, refErr)
	}
	if err != nil {
		if !strings.HasPrefix(err.Error(), "reply is not valid JSON") {
			t.Fatalf("Decode(%q): error %q lacks the common prefix", body, err)
		}
		return
	}
	if !reflect.DeepEqual(doc.Root, want) {
		t.Fatalf("Decode(%q) = %#v, reference %#v", body, doc.Root, want)
	}
	var got []string
	walkKeys(doc.Root, doc.Keys, &got)
	if ref := refKeyOrder(t, body); strings.Join(got, "|") != strings.Join(ref, "|") {
		t.Fatalf("Decode(%q) key order %q, reference %q", body, got, ref)
	}
}

var refSeeds = []string{
	``, ` `, `null`, `true`, `false`, `0`, `-0`, `-0.5e-3`, `1E+2`, `12345678901234567890123`, `"x"`,
	`[]`, `{}`, `[[]]`, `[{}]`, `{"a":{}}`, `[1,2,3]`, `[1,"a",true,null,1.5,{"x":1},[1]]`,
	`{"z":1,"a":{"y":2,"b":3},"m":9007199254740993,"z":4}`,
	`[{"a":1,"b":2},{"a":3,"b":4},{"b":5,"a":6},{"a":7,"b":8,"a":9},{"a":{"c":1}},{"a":{"c":2}}]`,
	`{"a":"\u00e9\ud83d\ude00\n\t\\\/\"\b\f\r"}`, `"\ud800"`, `"\ud800\u0041"`, `"\udc00\ud800"`, `"\uD83D\uDE00"`,
	"[\"a\xffb\"]", "{\"k\xc3\":\"\xed\xa0\x80\"}", "\"\xfe\xfe\"", "[\xff]", `"é日本"`,
	`{"a":}`, `[tru]`, `{'a':1}`, `{"a":[1,2`, `{"a":"abc`, `{"a"`, `{"a":1} x`, `1 2`, `[1]]`, `<html>`,
	`{1:2}`, `[{]`, `[1,]`, `{"a":1,}`, `01`, `1.`, `-`, `1e`, `.5`, `+1`, `"\x"`, `"\u12"`, `"\u12G4"`,
	"\"a\nb\"", `nul`, `[nulx]`, `tRue`, ` [ 1 , { "a" : [ ] } ] `, "\t\r\n{}\n",
	strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth),
	strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2),
	strings.Repeat(`{"a":`, MaxDepth) + "1" + strings.Repeat("}", MaxDepth),
	strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1),
}

func TestDecodeMatchesReference(t *testing.T) {
	for _, s := range refSeeds {
		checkAgainstReference(t, []byte(s))
	}
	checkAgainstReference(t, benchdata.Payload(2000))
}

// FuzzDecodeMatchesReference compares the scanner with the encoding/json reference on any input.
func FuzzDecodeMatchesReference(f *testing.F) {
	for _, s := range refSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkAgainstReference(t, body) })
}

// TestKeysAnyOrderAndConcurrent: Keys answers for objects asked in any order (past the window near
// the last hit, so through the index) and from several goroutines at once.
func TestKeysAnyOrderAndConcurrent(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"rows":[`)
	for i := range 500 {
		if i > 0 {
			b.WriteByte(',')
		}
		if i%7 == 0 {
			fmt.Fprintf(&b, `{"b%d":1,"a":{"y":1,"x":2}}`, i)
		} else {
			fmt.Fprintf(&b, `{"z":%d,"a":{"x":1,"y":2},"e":{}}`, i)
		}
	}
	b.WriteString(`],"tail":{"q":1,"p":2}}`)
	doc, err := Decode([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		m    map[string]any
		keys string
	}
	root := doc.Root.(map[string]any)
	wants := []want{{root, "rows,tail"}, {root["tail"].(map[string]any), "q,p"}}
	for i, r := range root["rows"].([]any) {
		row := r.(map[string]any)
		if i%7 == 0 {
			wants = append(wants, want{row, fmt.Sprintf("b%d,a", i)}, want{row["a"].(map[string]any), "y,x"})
		} else {
			wants = append(wants, want{row, "z,a,e"}, want{row["a"].(map[string]any), "x,y"})
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(wants), func(i, j int) { wants[i], wants[j] = wants[j], wants[i] })
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range wants {
				w := wants[(i+g*100)%len(wants)]
				if got := strings.Join(doc.Keys(w.m), ","); got != w.keys {
					t.Errorf("Keys = %s, want %s", got, w.keys)
					return
				}
			}
			if doc.Keys(map[string]any{"z": 1, "a": 2, "e": 3}) != nil {
				t.Errorf("Keys of a foreign map with a known shape should be nil")
			}
		}()
	}
	wg.Wait()
}

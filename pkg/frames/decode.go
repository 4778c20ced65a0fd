// Package frames converts decoded API replies into Grafana data frames. It does no I/O: a reply and
// a query spec go in, frames come out, so golden-file tests pin the output.
package frames

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"unsafe"
)

// maxDepth bounds nesting so that a hostile reply cannot exhaust the stack.
const maxDepth = 256

// Doc is a decoded JSON document that remembers the key order of every object, because users expect
// columns in the order the API wrote them and Go maps forget it. Objects are plain map[string]any so
// that JSONPath libraries can walk them; the order is kept on the side, keyed by map identity.
type Doc struct {
	Root  any
	order map[unsafe.Pointer][]string
}

// Keys returns m's keys in document order (m must come from this Doc).
func (d *Doc) Keys(m map[string]any) []string {
	if keys, ok := d.order[reflect.ValueOf(m).UnsafePointer()]; ok {
		return keys
	}
	return nil
}

// Decode parses body. Numbers stay json.Number so that integers beyond 2^53 survive.
func Decode(body []byte) (*Doc, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	d := &Doc{order: map[unsafe.Pointer][]string{}}
	root, err := d.value(dec, 0)
	if err != nil {
		return nil, describe(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("reply is not valid JSON: unexpected data after the top-level value")
	}
	d.Root = root
	return d, nil
}

func (d *Doc) value(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("reply nests deeper than %d levels", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch delim {
	case '{':
		m := map[string]any{}
		var keys []string
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k := kt.(string)
			v, err := d.value(dec, depth+1)
			if err != nil {
				return nil, err
			}
			if _, dup := m[k]; !dup {
				keys = append(keys, k)
			}
			m[k] = v
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		d.order[reflect.ValueOf(m).UnsafePointer()] = keys
		return m, nil
	case '[':
		arr := []any{}
		for dec.More() {
			v, err := d.value(dec, depth+1)
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
	return nil, fmt.Errorf("unexpected %v", delim)
}

func describe(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("reply is not valid JSON (at byte %d): %v", se.Offset, se)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("reply is not valid JSON: it ends too early (empty or truncated)")
	}
	return fmt.Errorf("reply is not valid JSON: %v", err)
}

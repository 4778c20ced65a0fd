package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds nesting so that a hostile reply cannot exhaust the stack: Decode, Valid and every
// walk of a reply refuse a value nested deeper.
const MaxDepth = 256

// Doc is a decoded JSON document that remembers the key order of every object, because users expect
// columns in the order the API wrote them and Go maps forget it. Objects are plain map[string]any so
// that JSONPath libraries can walk them; the order is kept on the side, keyed by map identity.
//
// The side table is a list of the non-empty objects in document order, each with its key list
// (objects with the same keys in the same order, such as every row of a typical reply, share one).
// Keys looks near the object it found last, so a walk in document order (what Convert does) costs a
// pointer comparison per object; any other lookup falls back to an index built on first need.
type Doc struct {
	Root any

	objs   []object   // non-empty objects in document order (pre-order)
	shapes [][]string // distinct key lists

	next      atomic.Int64 // index in objs after the last object Keys found
	indexOnce sync.Once
	index     map[uintptr]int32 // object -> index in objs, built on the first miss near next
}

// object is one non-empty object of the document. A map's address is its identity: the Doc keeps
// every map alive through Root, and Go's collector does not move heap objects, so the address stays
// unique and fixed for the Doc's lifetime.
type object struct {
	m     uintptr // the map's address (reflect.Value.Pointer)
	shape int32   // index in shapes
}

// keysWindow is how far from the last hit Keys looks before using the index.
const keysWindow = 32

// Keys returns m's keys in document order (m must come from this Doc, else Keys returns nil). The
// slice may be shared with other objects of the same shape: do not modify it. Safe for concurrent use.
func (d *Doc) Keys(m map[string]any) []string {
	if len(m) == 0 {
		return nil
	}
	p := reflect.ValueOf(m).Pointer()
	objs := d.objs
	next := int(d.next.Load())
	for i := next; i < len(objs) && i < next+keysWindow; i++ {
		if objs[i].m == p {
			d.next.Store(int64(i + 1))
			return d.shapes[objs[i].shape]
		}
	}
	for i := min(next, len(objs)) - 1; i >= 0 && i >= next-keysWindow; i-- {
		if objs[i].m == p {
			d.next.Store(int64(i + 1))
			return d.shapes[objs[i].shape]
		}
	}
	d.indexOnce.Do(func() {
		d.index = make(map[uintptr]int32, len(objs))
		for i, o := range objs {
			d.index[o.m] = int32(i)
		}
	})
	if i, ok := d.index[p]; ok {
		d.next.Store(int64(i + 1))
		return d.shapes[objs[i].shape]
	}
	return nil
}

var (
	errEOF      = errors.New("reply is not valid JSON: it ends too early (empty or truncated)")
	errTrailing = errors.New("reply is not valid JSON: unexpected data after the top-level value")
	errDepth    = fmt.Errorf("reply is not valid JSON: reply nests deeper than %d levels", MaxDepth)
)

// Decode parses body. Numbers stay json.Number so that integers beyond 2^53 survive. Strings follow
// encoding/json: invalid UTF-8 and lone surrogates become U+FFFD. body is not retained: strings and
// numbers are slices of one private copy of it, so they cost no allocation of their own.
//
// This is a hand-written scanner (encoding/json's Decoder.Token allocates for every token and is
// several times slower): it builds the same values, with objects and arrays sized exactly once.
func Decode(body []byte) (*Doc, error) {
	d := decoder{buf: body, str: string(body)}
	// An upper bound on the number of objects sizes the object list once, instead of growing it
	// through every power of two; capped so that braces inside strings cannot inflate it much.
	hint := min(bytes.Count(body, []byte{'{'}), len(body)/8)
	d.doc = &Doc{objs: make([]object, 0, hint)}
	root, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos < len(d.buf) {
		return nil, errTrailing
	}
	d.doc.Root = root
	return d.doc, nil
}

type member struct {
	key string
	val any
}

type decoder struct {
	buf  []byte
	str  string // buf as a string; strings without escapes and numbers are slices of it
	pos  int
	doc  *Doc
	vals []any    // elements of the arrays being read, innermost last
	mems []member // members of the objects being read, innermost last
	// last shape (index in doc.shapes) seen at each depth: consecutive objects at one depth usually
	// have the same keys, and then share one key list
	last []int32
	tmp  []byte // scratch for strings with escapes
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.buf) {
		switch d.buf[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// syntax describes the byte at d.pos the way encoding/json does.
func (d *decoder) syntax(context string) error {
	return fmt.Errorf("reply is not valid JSON (at byte %d): invalid character %s %s", d.pos+1, quoteChar(d.buf[d.pos]), context)
}

func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

func (d *decoder) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, errDepth
	}
	d.skipSpace()
	if d.pos >= len(d.buf) {
		return nil, errEOF
	}
	switch c := d.buf[d.pos]; c {
	case '{':
		return d.object(depth)
	case '[':
		return d.array(depth)
	case '"':
		s, err := d.string()
		if err != nil {
			return nil, err
		}
		return s, nil
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return d.number()
		}
		return nil, d.syntax("looking for beginning of value")
	}
}

func (d *decoder) literal(word string) error {
	for i := 1; i < len(word); i++ {
		p := d.pos + i
		if p >= len(d.buf) {
			return errEOF
		}
		if d.buf[p] != word[i] {
			d.pos = p
			return d.syntax(fmt.Sprintf("in literal %s (expecting %s)", word, quoteChar(word[i])))
		}
	}
	d.pos += len(word)
	return nil
}

// IsDigit reports whether c is an ASCII digit.
func IsDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? as a json.Number.
func (d *decoder) number() (any, error) {
	b, start := d.buf, d.pos
	i := start
	if b[i] == '-' {
		i++
	}
	digits := func(context string) error {
		if i >= len(b) {
			return errEOF
		}
		if !IsDigit(b[i]) {
			d.pos = i
			return d.syntax(context)
		}
		for i < len(b) && IsDigit(b[i]) {
			i++
		}
		return nil
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if err := digits("in numeric literal"); err != nil {
		return nil, err
	}
	if i < len(b) && b[i] == '.' {
		i++
		if err := digits("after decimal point in numeric literal"); err != nil {
			return nil, err
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if err := digits("in exponent of numeric literal"); err != nil {
			return nil, err
		}
	}
	d.pos = i
	return json.Number(d.str[start:i]), nil
}

// string reads a string at d.pos (a '"'). Plain ASCII or valid UTF-8 without escapes is a slice of
// the body copy; anything else is rebuilt as encoding/json would.
func (d *decoder) string() (string, error) {
	b := d.buf
	start := d.pos + 1
	clean := true
	i := start
	for {
		if i >= len(b) {
			return "", errEOF
		}
		c := b[i]
		switch {
		case c == '"':
			d.pos = i + 1
			if clean {
				return d.str[start:i], nil
			}
			return d.unquote(b[start:i]), nil
		case c == '\\':
			clean = false
			if i+1 >= len(b) {
				return "", errEOF
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for j := i + 2; j < i+6; j++ {
					if j >= len(b) {
						return "", errEOF
					}
					if !isHex(b[j]) {
						d.pos = j
						return "", d.syntax("in \\u hexadecimal character escape")
					}
				}
				i += 6
			default:
				d.pos = i + 1
				return "", d.syntax("in string escape code")
			}
		case c < 0x20:
			d.pos = i
			return "", d.syntax("in string literal")
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				clean = false
			}
			i += size
		}
	}
}

func isHex(c byte) bool {
	return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case IsDigit(c):
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// unquote decodes the inside of a string literal already checked by string(), with encoding/json's
// rules: surrogate pairs combine, a lone surrogate or an invalid UTF-8 byte becomes U+FFFD.
func (d *decoder) unquote(s []byte) string {
	d.tmp = AppendUnquoted(d.tmp[:0], s)
	return string(d.tmp)
}

// AppendUnquoted appends the decoded inside of a checked string literal to out (see unquote).
func AppendUnquoted(out, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			switch e := s[i+1]; e {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := hex4(s[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, hex4(s[i+2:])); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
				continue
			default: // '"', '\\', '/'
				out = append(out, e)
			}
			i += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, s[i:i+size]...)
			}
			i += size
		}
	}
	return out
}

// next reads what follows an array element or an object member: more at a comma, !more at close;
// anything else is a syntax error "after" what was read.
func (d *decoder) next(close byte, after string) (more bool, err error) {
	d.skipSpace()
	if d.pos >= len(d.buf) {
		return false, errEOF
	}
	switch d.buf[d.pos] {
	case ',':
		d.pos++
		return true, nil
	case close:
		d.pos++
		return false, nil
	}
	return false, d.syntax(after)
}

func (d *decoder) array(depth int) (any, error) {
	d.pos++ // '['
	d.skipSpace()
	if d.pos < len(d.buf) && d.buf[d.pos] == ']' {
		d.pos++
		return []any{}, nil
	}
	base := len(d.vals)
	for {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.vals = append(d.vals, v)
		more, err := d.next(']', "after array element")
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	arr := make([]any, len(d.vals)-base)
	copy(arr, d.vals[base:])
	clear(d.vals[base:])
	d.vals = d.vals[:base]
	return arr, nil
}

func (d *decoder) object(depth int) (any, error) {
	d.pos++ // '{'
	d.skipSpace()
	if d.pos < len(d.buf) && d.buf[d.pos] == '}' {
		d.pos++
		return map[string]any{}, nil
	}
	rec := len(d.doc.objs) // reserved now so that the list is in pre-order, the order Convert walks
	d.doc.objs = append(d.doc.objs, object{})
	base := len(d.mems)
	for {
		d.skipSpace()
		if d.pos >= len(d.buf) {
			return nil, errEOF
		}
		if d.buf[d.pos] != '"' {
			return nil, d.syntax("looking for beginning of object key string")
		}
		k, err := d.string()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.buf) {
			return nil, errEOF
		}
		if d.buf[d.pos] != ':' {
			return nil, d.syntax("after object key")
		}
		d.pos++
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.mems = append(d.mems, member{k, v})
		more, err := d.next('}', "after object key:value pair")
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	mems := d.mems[base:]
	m := make(map[string]any, len(mems))
	for _, kv := range mems {
		m[kv.key] = kv.val // a duplicate key: the last value wins
	}
	d.doc.objs[rec] = object{m: reflect.ValueOf(m).Pointer(), shape: d.shape(mems, len(m), depth)}
	clear(mems)
	d.mems = d.mems[:base]
	return m, nil
}

// shape returns the index in doc.shapes of the key list of an object with these members (n distinct
// keys), reusing the previous list at this depth when it is the same.
func (d *decoder) shape(mems []member, n, depth int) int32 {
	for len(d.last) <= depth {
		d.last = append(d.last, -1)
	}
	if i := d.last[depth]; i >= 0 && n == len(mems) {
		if prev := d.doc.shapes[i]; len(prev) == n {
			same := true
			for j, kv := range mems {
				if prev[j] != kv.key {
					same = false
					break
				}
			}
			if same {
				return i
			}
		}
	}
	keys := make([]string, 0, n)
	if n == len(mems) {
		for _, kv := range mems {
			keys = append(keys, kv.key)
		}
	} else { // duplicate keys keep their first position
		seen := make(map[string]bool, n)
		for _, kv := range mems {
			if !seen[kv.key] {
				seen[kv.key] = true
				keys = append(keys, kv.key)
			}
		}
	}
	d.doc.shapes = append(d.doc.shapes, keys)
	i := int32(len(d.doc.shapes) - 1)
	d.last[depth] = i
	return i
}

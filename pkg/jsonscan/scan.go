// Package jsonscan reads JSON replies for the frames package: Decode builds the tree (maps, slices,
// json.Number) and remembers each object's key order, Valid checks a body against the same grammar
// and nesting bound without allocating, and Cursor walks a valid body byte by byte, for the
// streaming conversion that never builds the tree. All three share one grammar (RFC 8259, strings
// decoded as encoding/json does) and one bound, MaxDepth. The reference tests compare Decode with
// encoding/json and Valid with Decode, on fixed cases and under fuzzing.
//
// It is hand-written: encoding/json's Decoder.Token allocates for every token and is several times
// slower, and the streaming path needs byte offsets, which no library keeps.
package jsonscan

import (
	"strconv"
	"unicode/utf8"
)

// Valid reports whether Decode accepts body (same grammar, same nesting bound), without allocating.
func Valid(body []byte) bool {
	v := validator{b: body}
	if !v.value(0) {
		return false
	}
	v.ws()
	return v.pos == len(body)
}

// validator accepts exactly what Decode accepts (or less): same grammar, same depth limit.
type validator struct {
	b   []byte
	pos int
}

func (v *validator) ws() {
	for v.pos < len(v.b) {
		switch v.b[v.pos] {
		case ' ', '\t', '\n', '\r':
			v.pos++
		default:
			return
		}
	}
}

// next reads what follows an element or a member: more at a comma (another follows), !more and ok
// at close (the end of the array or object), !ok at anything else.
func (v *validator) next(close byte) (more, ok bool) {
	v.ws()
	if v.pos >= len(v.b) {
		return false, false
	}
	switch v.b[v.pos] {
	case ',':
		v.pos++
		return true, true
	case close:
		v.pos++
		return false, true
	}
	return false, false
}

func (v *validator) value(depth int) bool {
	if depth > MaxDepth {
		return false
	}
	v.ws()
	if v.pos >= len(v.b) {
		return false
	}
	switch c := v.b[v.pos]; c {
	case '{':
		v.pos++
		v.ws()
		if v.pos < len(v.b) && v.b[v.pos] == '}' {
			v.pos++
			return true
		}
		for {
			v.ws()
			if v.pos >= len(v.b) || v.b[v.pos] != '"' || !v.str() {
				return false
			}
			v.ws()
			if v.pos >= len(v.b) || v.b[v.pos] != ':' {
				return false
			}
			v.pos++
			if !v.value(depth + 1) {
				return false
			}
			if more, ok := v.next('}'); !more {
				return ok
			}
		}
	case '[':
		v.pos++
		v.ws()
		if v.pos < len(v.b) && v.b[v.pos] == ']' {
			v.pos++
			return true
		}
		for {
			if !v.value(depth + 1) {
				return false
			}
			if more, ok := v.next(']'); !more {
				return ok
			}
		}
	case '"':
		return v.str()
	case 't':
		return v.lit("true")
	case 'f':
		return v.lit("false")
	case 'n':
		return v.lit("null")
	default:
		if c == '-' || IsDigit(c) {
			return v.num()
		}
		return false
	}
}

func (v *validator) lit(word string) bool {
	if len(v.b)-v.pos < len(word) || string(v.b[v.pos:v.pos+len(word)]) != word {
		return false
	}
	v.pos += len(word)
	return true
}

func (v *validator) num() bool {
	b, i := v.b, v.pos
	if b[i] == '-' {
		i++
	}
	digits := func() bool {
		if i >= len(b) || !IsDigit(b[i]) {
			return false
		}
		for i < len(b) && IsDigit(b[i]) {
			i++
		}
		return true
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if !digits() {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	v.pos = i
	return true
}

func (v *validator) str() bool {
	b := v.b
	for i := v.pos + 1; i < len(b); {
		c := b[i]
		switch {
		case c == '"':
			v.pos = i + 1
			return true
		case c == '\\':
			if i+1 >= len(b) {
				return false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return false
				}
				for j := i + 2; j < i+6; j++ {
					if !isHex(b[j]) {
						return false
					}
				}
				i += 6
			default:
				return false
			}
		case c < 0x20:
			return false
		default:
			i++ // invalid UTF-8 is accepted (it becomes U+FFFD)
		}
	}
	return false
}

// Cursor walks a body Valid accepted: B is the body, Pos the current byte. Its methods trust that
// the body is valid (on anything else they may index out of range) and allocate nothing but the
// scratch of escaped keys.
type Cursor struct {
	B   []byte
	Pos int
	tmp []byte
}

// WS moves past blanks.
func (b *Cursor) WS() {
	for b.Pos < len(b.B) {
		switch b.B[b.Pos] {
		case ' ', '\t', '\n', '\r':
			b.Pos++
		default:
			return
		}
	}
}

// SkipString moves past the string at pos and returns its inside, and whether it needs no decoding
// (no escape, valid UTF-8).
func (b *Cursor) SkipString() (raw []byte, clean bool) {
	s := b.B
	start := b.Pos + 1
	clean = true
	i := start
	for {
		c := s[i]
		switch {
		case c == '"':
			b.Pos = i + 1
			return s[start:i], clean
		case c == '\\':
			clean = false
			i += 2
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				clean = false
			}
			i += size
		}
	}
}

// SkipValue moves past the value at pos.
func (b *Cursor) SkipValue() {
	s := b.B
	switch s[b.Pos] {
	case '"':
		b.SkipString()
	case 't', 'n':
		b.Pos += 4
	case 'f':
		b.Pos += 5
	case '{', '[':
		depth := 0
		for {
			switch s[b.Pos] {
			case '"':
				b.SkipString()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					b.Pos++
					return
				}
			}
			b.Pos++
		}
	default:
		b.Pos = NumEnd(s, b.Pos)
	}
}

// NumEnd returns the end of the number that starts at s[i].
func NumEnd(s []byte, i int) int {
	for i < len(s) {
		switch c := s[i]; {
		case IsDigit(c), c == '-', c == '+', c == '.', c == 'e', c == 'E':
			i++
		default:
			return i
		}
	}
	return i
}

// MemberKey reads a member's key and colon from pos (just after '{' or ','), leaving pos at the
// value, and returns the decoded key: a view of the body or of b.tmp, valid until the next call.
func (b *Cursor) MemberKey() []byte {
	b.WS()
	raw, clean := b.SkipString()
	b.WS()
	b.Pos++ // ':'
	b.WS()
	if clean {
		return raw
	}
	b.tmp = AppendUnquoted(b.tmp[:0], raw)
	return b.tmp
}

// More moves past the ',' after a member or element and returns true, or past the closing '}' or
// ']' and returns false.
func (b *Cursor) More() bool {
	b.WS()
	if b.B[b.Pos] == ',' {
		b.Pos++
		return true
	}
	b.Pos++
	return false
}

// IsEmpty reports whether the object or array at pos is {} or [].
func (b *Cursor) IsEmpty() bool {
	i := b.Pos + 1
	for {
		switch b.B[i] {
		case ' ', '\t', '\n', '\r':
			i++
		case '}', ']':
			return true
		default:
			return false
		}
	}
}

// Find walks path from the top of the body as jsonsel does on the tree, leaves pos at the value found
// and reports whether there is one. In an object a step takes the value of its key (the last one if
// the key repeats, as in the map Decode builds). In an array it takes the element at the index the
// step parses as (strconv.Atoi, as jsonsel's dotted walk; a "$.name" never parses as one), or, when
// arrays is false, gives up: ok is false.
func (b *Cursor) Find(path []string, arrays bool) (found, ok bool) {
	b.WS()
	for _, seg := range path {
		at := -1
		switch b.B[b.Pos] {
		case '{':
			if b.IsEmpty() {
				break
			}
			b.Pos++
			for {
				if string(b.MemberKey()) == seg {
					at = b.Pos
				}
				b.SkipValue()
				if !b.More() {
					break
				}
			}
		case '[':
			if !arrays {
				return false, false
			}
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || b.IsEmpty() {
				break
			}
			b.Pos++
			for k := 0; ; k++ {
				b.WS()
				if k == i {
					at = b.Pos
					break
				}
				b.SkipValue()
				if !b.More() {
					break
				}
			}
		}
		if at < 0 {
			return false, true // a missing key or element, a scalar, null: nothing selected
		}
		b.Pos = at
	}
	return true, true
}

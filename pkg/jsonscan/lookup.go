package jsonscan

import "encoding/json"

// Lookup is the scalar at the key path keys (what jsonsel.KeyPath gives) of body, a body Valid
// accepted, read from the bytes: what jsonsel's First gives on the decoded body, so a pagination
// cursor or next link costs no tree. value is a string, a json.Number, a bool or nil (null); found is
// false when the path selects nothing. ok is false when the value is an object or an array: the
// caller decodes the body (TestLookupMatchesJsonsel, FuzzLookup).
func Lookup(body []byte, keys []string) (value any, found, ok bool) {
	c := Cursor{B: body}
	if found, _ := c.Find(keys, true); !found {
		return nil, false, true
	}
	if k := body[c.Pos]; k == '{' || k == '[' {
		return nil, false, false
	}
	return c.Scalar(), true, true
}

// Scalar reads the string, number, boolean or null at Pos as Decode gives it (a string copied, a
// json.Number, a bool, nil) and moves past it.
func (c *Cursor) Scalar() any {
	switch p := c.Pos; c.B[p] {
	case 'n':
		c.Pos += len("null")
		return nil
	case 't':
		c.Pos += len("true")
		return true
	case 'f':
		c.Pos += len("false")
		return false
	case '"':
		raw, clean := c.SkipString()
		if !clean {
			raw = AppendUnquoted(nil, raw)
		}
		return string(raw)
	default:
		c.Pos = NumEnd(c.B, p)
		return json.Number(string(c.B[p:c.Pos]))
	}
}

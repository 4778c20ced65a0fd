package jsonscan

import (
	"testing"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/benchdata"
)

// checkValid: Valid accepts exactly what Decode accepts, and a Cursor skips a valid body's top value
// to its end (SkipValue is what the streaming conversion walks the body with).
func checkValid(t *testing.T, body []byte) {
	_, err := Decode(body)
	if got := Valid(body); got != (err == nil) {
		t.Fatalf("Valid(%q) = %v, Decode error %v", body, got, err)
	}
	if err != nil {
		return
	}
	c := Cursor{B: body}
	c.WS()
	c.SkipValue()
	c.WS()
	if c.Pos != len(body) {
		t.Fatalf("Cursor on %q stopped at %d of %d", body, c.Pos, len(body))
	}
}

func TestValidMatchesDecode(t *testing.T) {
	for _, s := range refSeeds {
		checkValid(t, []byte(s))
	}
	checkValid(t, benchdata.Payload(2000))
}

// FuzzValidMatchesDecode compares Valid and the Cursor with Decode on any input.
func FuzzValidMatchesDecode(f *testing.F) {
	for _, s := range refSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkValid(t, body) })
}

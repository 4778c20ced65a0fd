package redact

import "testing"

func TestRedactor(t *testing.T) {
	r := New("abc", "secret-part", "secret-part-longer", "p@ss word")
	cases := map[string]string{
		"no secrets here":                   "no secrets here",
		"x secret-part-longer y":            "x [redacted] y",
		"x secret-part y":                   "x [redacted] y",
		"form: p%40ss+word, raw: p@ss word": "form: [redacted], raw: [redacted]",
		"abc is too short to redact":        "abc is too short to redact",
	}
	for in, want := range cases {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
		if got := string(r.Bytes([]byte(in))); got != want {
			t.Errorf("Bytes(%q) = %q, want %q", in, got, want)
		}
	}
	var none *Redactor
	if none.String("x") != "x" || string(none.Bytes([]byte("x"))) != "x" {
		t.Error("nil Redactor changed text")
	}
}

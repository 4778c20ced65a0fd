// Package redact removes secret values (client secrets, tokens, secure header values) from text
// before it reaches an error message, a log line, a frame or a resource reply.
package redact

import (
	"bytes"
	"net/url"
	"sort"
	"strings"
)

// Mark replaces every secret.
const Mark = "[redacted]"

// MinLen is the shortest value redacted: shorter ones would blank out ordinary words.
const MinLen = 4

// Redactor replaces a fixed set of secrets. The zero value redacts nothing.
type Redactor struct {
	text *strings.Replacer
	raw  [][]byte
}

// New builds a Redactor for secrets and their URL-encoded forms (servers echo form bodies).
// Longest first: the replacer tries patterns in argument order, and a short secret that is part of
// a longer one must not leave the rest of the longer one behind.
func New(secrets ...string) *Redactor {
	var all []string
	for _, s := range secrets {
		if len(s) >= MinLen {
			all = append(all, s)
			if q := url.QueryEscape(s); q != s {
				all = append(all, q)
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return len(all[i]) > len(all[j]) })
	r := &Redactor{raw: make([][]byte, len(all))}
	pairs := make([]string, 0, 2*len(all))
	for i, s := range all {
		pairs = append(pairs, s, Mark)
		r.raw[i] = []byte(s)
	}
	r.text = strings.NewReplacer(pairs...)
	return r
}

// String returns s without the secrets.
func (r *Redactor) String(s string) string {
	if r == nil || r.text == nil {
		return s
	}
	return r.text.Replace(s)
}

// Bytes returns b without the secrets. When none is present (the common case) it only scans b and
// returns it as is.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil {
		return b
	}
	for _, s := range r.raw {
		if bytes.Contains(b, s) {
			b = bytes.ReplaceAll(b, s, []byte(Mark))
		}
	}
	return b
}

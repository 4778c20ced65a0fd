package settings

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRangesGoodAndBad: every duration and size has a range; values inside load, values outside
// (1e300, NaN, Inf, 0, negative, above the maximum, an integer that would wrap) are refused with an
// error naming the field.
func TestRangesGoodAndBad(t *testing.T) {
	const tok = `"tokenUrl":"https://a/t"`
	type good struct {
		value string // JSON
		check func(*Settings) any
		want  any
	}
	timeout := func(s *Settings) any { return s.Upstream.Timeout }
	tokenTimeout := func(s *Settings) any { return s.Token.Timeout }
	lifetime := func(s *Settings) any { return s.Token.DefaultLifetime }
	maxBytes := func(s *Settings) any { return s.Upstream.MaxResponseBytes }
	for _, tc := range []struct {
		field string
		good  []good
		bad   []string
	}{
		{"timeout", []good{
			{`"100ms"`, timeout, 100 * time.Millisecond}, {`"10m"`, timeout, 10 * time.Minute}, {`45`, timeout, 45 * time.Second},
			{`"0.5"`, timeout, 500 * time.Millisecond}, {`600`, timeout, 10 * time.Minute},
		}, []string{`1e300`, `"1e300"`, `"NaN"`, `"Inf"`, `"-Inf"`, `0`, `"0s"`, `-1`, `"-5s"`, `"99ms"`, `601`, `"10m1s"`, `"9999999999h"`, `"soon"`}},
		{"tokenTimeout", []good{
			{`"1s"`, tokenTimeout, time.Second}, {`"5m"`, tokenTimeout, 5 * time.Minute}, {`0.1`, tokenTimeout, 100 * time.Millisecond},
		}, []string{`1e300`, `"NaN"`, `0`, `-3`, `"5m1s"`, `301`, `"0.05"`}},
		{"defaultTokenLifetime", []good{
			{`"1s"`, lifetime, time.Second}, {`"8760h"`, lifetime, 8760 * time.Hour}, {`300`, lifetime, 5 * time.Minute},
		}, []string{`1e300`, `"NaN"`, `0`, `"-1h"`, `"0.5"`, `"8761h"`, `"forever"`}},
		{"maxResponseBytes", []good{
			{`1024`, maxBytes, int64(1024)}, {`1073741824`, maxBytes, int64(1 << 30)}, {`"16777216"`, maxBytes, int64(16 << 20)},
			{`1.6777216e+07`, maxBytes, int64(16 << 20)},
		}, []string{`9223372036854775807`, `"9223372036854775807"`, `9223372036854775808`, `1e300`, `"NaN"`, `"Inf"`, `0`, `-1`,
			`1023`, `1073741825`, `1.5e2`, `1024.5`, `"lots"`}},
	} {
		for _, g := range tc.good {
			t.Run(fmt.Sprintf("%s=%s", tc.field, g.value), func(t *testing.T) {
				s, err := load("https://x", fmt.Sprintf(`{%s,%q:%s}`, tok, tc.field, g.value), nil)
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got := g.check(s); got != g.want {
					t.Fatalf("got %v, want %v", got, g.want)
				}
			})
		}
		for _, b := range tc.bad {
			t.Run(fmt.Sprintf("%s=%s refused", tc.field, b), func(t *testing.T) {
				_, err := load("https://x", fmt.Sprintf(`{%s,%q:%s}`, tok, tc.field, b), nil)
				fe, ok := err.(*FieldError)
				if !ok || fe.Field != tc.field {
					t.Fatalf("error %v (%T), want a FieldError naming %s", err, err, tc.field)
				}
				if !strings.Contains(fe.Reason, "range") {
					t.Errorf("reason %q does not state the range", fe.Reason)
				}
			})
		}
	}
	// redisDb is a number with a range too.
	for v, ok := range map[string]bool{`0`: true, `15`: true, `65535`: true, `-1`: false, `65536`: false, `1e300`: false, `"NaN"`: false} {
		_, err := load("https://x", fmt.Sprintf(`{%s,"sharedStore":"redis","redisAddress":"r:6379","redisDb":%s}`, tok, v), nil)
		if fe, isFE := err.(*FieldError); ok != (err == nil) || (!ok && (!isFE || fe.Field != "redisDb")) {
			t.Errorf("redisDb %s: error %v, want accepted=%v", v, err, ok)
		}
	}
}

// TestRequestPolicy: allowedMethods defaults to GET, accepts GET and POST in any case, refuses
// others naming the index; postPathPatterns are checked and matched as documented.
func TestRequestPolicy(t *testing.T) {
	const tok = `"tokenUrl":"https://a/t"`
	s, err := load("https://x", `{`+tok+`}`, nil)
	if err != nil || fmt.Sprint(s.Upstream.AllowedMethods) != "[GET]" || s.Upstream.PostPathPatterns != nil {
		t.Fatalf("defaults: %v %v", s.Upstream.AllowedMethods, err)
	}
	s, err = load("https://x", `{`+tok+`,"allowedMethods":["get"," Post ","GET"],"postPathPatterns":["search","/graphql","/v1/*/query","/bulk/**"]}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(s.Upstream.AllowedMethods) != "[GET POST]" || fmt.Sprint(s.Upstream.PostPathPatterns) != "[/search /graphql /v1/*/query /bulk/**]" {
		t.Fatalf("policy %v %v", s.Upstream.AllowedMethods, s.Upstream.PostPathPatterns)
	}
	for _, bad := range []struct{ json, field string }{
		{`"allowedMethods":["DELETE"]`, "allowedMethods[0]"},
		{`"allowedMethods":["GET","PUT"]`, "allowedMethods[1]"},
		{`"allowedMethods":"GET"`, "jsonData"},
		{`"postPathPatterns":["/a?b=1"]`, "postPathPatterns[0]"},
		{`"postPathPatterns":["/ok","/a/../b"]`, "postPathPatterns[1]"},
		{`"postPathPatterns":["/a/**/b"]`, "postPathPatterns[0]"},
		{`"postPathPatterns":["/a[b"]`, "postPathPatterns[0]"},
		{`"postPathPatterns":["/a\\b"]`, "postPathPatterns[0]"},
		{`"postPathPatterns":["/a\nb"]`, "postPathPatterns[0]"},
	} {
		_, err := load("https://x", `{`+tok+`,`+bad.json+`}`, nil)
		if fe, ok := err.(*FieldError); !ok || fe.Field != bad.field {
			t.Errorf("%s: error %v, want a FieldError naming %s", bad.json, err, bad.field)
		}
	}
	patterns := s.Upstream.PostPathPatterns
	for rel, want := range map[string]bool{
		"/search": true, "/search/": false, "/searches": false, "/graphql": true, "/v1/x/query": true, "/v1/x/y/query": false,
		"/bulk": true, "/bulk/a": true, "/bulk/a/b": true, "/bulkx": false, "/items": false, "/": false,
	} {
		if got := MatchPostPath(patterns, rel); got != want {
			t.Errorf("MatchPostPath(%q) = %v, want %v", rel, got, want)
		}
	}
}

// TestSecureAuthParamsRefused: authorization parameters reach the admin's browser, so a secure one
// is refused with an error naming it.
func TestSecureAuthParamsRefused(t *testing.T) {
	_, err := load("https://x", `{"grantType":"authorization_code","tokenUrl":"https://a/t","authUrl":"https://a/authorize",
		"authParams":[{"name":"prompt","value":"consent"},{"name":"login_hint","secure":true}]}`,
		map[string]string{"clientId": "id", "clientSecret": "secret", "authParam.login_hint": "hint-value-1234"})
	fe, ok := err.(*FieldError)
	if !ok || fe.Field != "authParams[1]" || !strings.Contains(fe.Reason, "browser") || strings.Contains(err.Error(), "hint-value-1234") {
		t.Fatalf("error %v, want a FieldError naming authParams[1] that says why", err)
	}
}

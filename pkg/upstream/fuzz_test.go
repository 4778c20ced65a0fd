package upstream_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// FuzzResolveURL: for any path, ResolveURL either refuses it with a StepURL *Error, or returns a URL
// on the base's scheme and host, under the base path, that survives a String/Parse round trip
// unchanged (so what is sent is what was checked) and has no dot segments, userinfo or fragment.
func FuzzResolveURL(f *testing.F) {
	for _, s := range []string{
		"", "/", "items", "/items?limit=5", "/a%20b", "/café", "..", "../x", "/a/../../x",
		"//evil.com/x", `\\evil.com`, `/\evil.com`, "http://evil/x", "HTTPS://evil", "javascript:alert(1)",
		"%2e%2e/x", "%2E%2E%2Fx", "a%2fb", "%252e%252e", "%5c", "evil.com@x", "user:pass@evil.com/x",
		"[::1]:80/x", "evil.com:8080/x", "/x\r\nHost: evil", "/x\ty", "#frag", "%zz", "/a%3Fb",
		"/a%23b", "/x%0D%0A", "/ns:item", "/.%2e", "/a/.", "?x=1", "/x?a=%0d%0a&b=%zz", "/\u2028x",
		"/\xff\xfe", "/%c0%ae%c0%ae/x", "/%ef%bc%8e%ef%bc%8e/x",
	} {
		f.Add(s, "")
		f.Add(s, "/v1")
	}
	f.Fuzz(func(t *testing.T, path, basePath string) {
		base, err := url.Parse("https://api.example.com" + basePath)
		if err != nil || base.Host != "api.example.com" || base.RawQuery != "" || base.Fragment != "" ||
			base.Opaque != "" || (base.Path != "" && !strings.HasPrefix(base.Path, "/")) {
			t.Skip()
		}
		prefix := strings.TrimRight(base.Path, "/")
		u, err := upstream.ResolveURL(base, path, url.Values{"p": {"v"}})
		if err != nil {
			var ue *upstream.Error
			if !errors.As(err, &ue) || ue.Step != upstream.StepURL || ue.Msg == "" {
				t.Fatalf("error %v (%T) is not a StepURL *Error", err, err)
			}
			return
		}
		check := func(what string, v *url.URL) {
			if v.Scheme != base.Scheme || v.Host != base.Host || v.User != nil || v.Opaque != "" {
				t.Fatalf("%s %q left the base %q (path %q)", what, v, base, path)
			}
			if v.Path != prefix && !strings.HasPrefix(v.Path, prefix+"/") {
				t.Fatalf("%s %q path %q not under base path %q (path %q)", what, v, v.Path, base.Path, path)
			}
			for _, seg := range strings.Split(strings.TrimPrefix(v.Path, prefix), "/") {
				if seg == "." || seg == ".." {
					t.Fatalf("%s %q has a dot segment (path %q)", what, v, path)
				}
			}
			if v.Fragment != "" {
				t.Fatalf("%s %q has a fragment (path %q)", what, v, path)
			}
		}
		check("result", u)
		s := u.String()
		for _, r := range s {
			if r <= ' ' || r == 0x7f || r == '\\' || r >= 0x80 {
				t.Fatalf("URL %q carries an unencoded %U (path %q)", s, r, path)
			}
		}
		back, err := url.Parse(s)
		if err != nil {
			t.Fatalf("result %q does not parse: %v (path %q)", s, err, path)
		}
		check("re-parsed", back)
		if back.Path != u.Path || back.RawQuery != u.RawQuery {
			t.Fatalf("round trip changed %q/%q to %q/%q (path %q)", u.Path, u.RawQuery, back.Path, back.RawQuery, path)
		}
	})
}

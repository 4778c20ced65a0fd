package upstream_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return u
}

// asURLError checks that err is an *upstream.Error of StepURL whose message contains one of why.
func asURLError(t *testing.T, err error, why ...string) *upstream.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error, got none")
	}
	var ue *upstream.Error
	if !errors.As(err, &ue) {
		t.Fatalf("error %v (%T) is not an *upstream.Error", err, err)
	}
	if ue.Step != upstream.StepURL {
		t.Fatalf("Step = %q, want %q (err %v)", ue.Step, upstream.StepURL, err)
	}
	for _, w := range why {
		if strings.Contains(ue.Msg, w) {
			return ue
		}
	}
	t.Fatalf("message %q does not say why (want one of %q)", ue.Msg, why)
	return ue
}

// recordingTransport records every request that leaves the client, whatever its host.
type recordingTransport struct {
	mu    sync.Mutex
	hosts []string
	next  http.RoundTripper
}

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.hosts = append(r.hosts, req.URL.Host)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recordingTransport) sent() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.hosts...)
}

const (
	whyHost       = "not a host"
	whyAbsolute   = "not an absolute URL or host"
	whyDots       = ". or .. segments"
	whyDouble     = "double-encoded"
	whyEncSlash   = "encoded slash"
	whyEncBack    = "encoded backslash"
	whyControl    = "control character"
	whyFragment   = "fragment"
	whyPercent    = "invalid percent-encoding"
	whyQuery      = "invalid query string"
	evilPlacehold = "{evil}"
)

// hostilePaths must all be refused. {evil} is replaced by the host:port of a live httptest server
// that counts the requests it gets.
var hostilePaths = []struct {
	path string
	why  []string
}{
	// absolute URLs and other schemes
	{"http://evil.com/x", []string{whyAbsolute}},
	{"https://evil.com/x", []string{whyAbsolute}},
	{"HTTPS://evil.com/x", []string{whyAbsolute}},
	{"hTtP://evil.com/x", []string{whyAbsolute}},
	{"HtTpS://evil.com", []string{whyAbsolute}},
	{"javascript:alert(1)", []string{whyAbsolute}},
	{"JavaScript:alert(document.cookie)", []string{whyAbsolute}},
	{"data:text/html,<script>x</script>", []string{whyAbsolute}},
	{"file:///etc/passwd", []string{whyAbsolute}},
	{"http:evil.com", []string{whyAbsolute}},
	{"http:/evil.com/x", []string{whyAbsolute}},
	{"http://" + evilPlacehold + "/steal", []string{whyAbsolute}},
	// protocol-relative and backslash hosts
	{"//evil.com/x", []string{whyHost}},
	{"///evil.com/x", []string{whyHost}},
	{"//" + evilPlacehold + "/steal", []string{whyHost}},
	{"  //evil.com/x", []string{whyHost}},
	{`\\evil.com`, []string{whyHost}},
	{`/\evil.com`, []string{whyHost}},
	{`\/evil.com`, []string{whyHost}},
	{`\\` + evilPlacehold + `\steal`, []string{whyHost}},
	{`http:\\evil.com`, []string{whyHost}},
	{`a\..\..\x`, []string{whyHost}},
	// dot segments, plain and encoded
	{"..", []string{whyDots}},
	{".", []string{whyDots}},
	{"../x", []string{whyDots}},
	{"/../x", []string{whyDots}},
	{"/a/../../x", []string{whyDots}},
	{"a/./b", []string{whyDots}},
	{"/a/..", []string{whyDots}},
	{"/a/../b?x=1", []string{whyDots}},
	{"%2e%2e/x", []string{whyDots}},
	{"%2E%2E/x", []string{whyDots}},
	{".%2e/x", []string{whyDots}},
	{"/a/%2e", []string{whyDots}},
	{"/%2e%2e/%2e%2e/" + evilPlacehold, []string{whyDots}},
	// encoded slashes and backslashes, single and double
	{"%2E%2E%2Fx", []string{whyEncSlash, whyDots}},
	{"a%2fb", []string{whyEncSlash}},
	{"a%2Fb", []string{whyEncSlash}},
	{"%2f%2fevil.com/x", []string{whyEncSlash}},
	{"%252e%252e", []string{whyDouble}},
	{"%252e%252e%252fx", []string{whyDouble}},
	{"%252F", []string{whyDouble}},
	{"%255c", []string{whyDouble}},
	{"%5c", []string{whyEncBack}},
	{"a%5Cb", []string{whyEncBack}},
	{"%5c%5cevil.com", []string{whyEncBack}},
	// userinfo and host:port in the first segment
	{"evil.com@x", []string{whyAbsolute}},
	{"user@evil.com/x", []string{whyAbsolute}},
	{"user:pass@evil.com/x", []string{whyAbsolute}},
	{"user:pass@" + evilPlacehold + "/x", []string{whyAbsolute}},
	{"[::1]:80/x", []string{whyAbsolute}},
	{"evil.com:8080/x", []string{whyAbsolute}},
	{"localhost:80", []string{whyAbsolute}},
	{evilPlacehold + "/x", []string{whyAbsolute}},
	// control characters
	{"/x\r\nHost: evil", []string{whyControl}},
	{"/x\nX-Injected: 1", []string{whyControl}},
	{"/x\rY", []string{whyControl}},
	{"/x\ty", []string{whyControl}},
	{"/x\x00y", []string{whyControl}},
	{"/x\x7fy", []string{whyControl}},
	{"/x\x1by", []string{whyControl}},
	// fragments
	{"#frag", []string{whyFragment}},
	{"/x#frag", []string{whyFragment}},
	{"/x?y=1#frag", []string{whyFragment}},
	// invalid percent-encoding and query strings
	{"%zz", []string{whyPercent}},
	{"/a%2", []string{whyPercent}},
	{"%", []string{whyPercent}},
	{"/items?a=1;b=2", []string{whyQuery}},
	{"/items?a=%zz", []string{whyQuery}},
}

func TestResolveURLRejectsHostilePaths(t *testing.T) {
	var evilHits atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Add(1)
	}))
	defer evil.Close()
	var apiHits atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiHits.Add(1)
		w.Write([]byte(`{}`))
	}))
	defer api.Close()
	evilHost := mustURL(t, evil.URL).Host

	if len(hostilePaths) < 35 {
		t.Fatalf("only %d hostile paths", len(hostilePaths))
	}
	for _, tc := range hostilePaths {
		path := strings.ReplaceAll(tc.path, evilPlacehold, evilHost)
		t.Run(path, func(t *testing.T) {
			base := mustURL(t, api.URL+"/v1")
			before := *base
			u, err := upstream.ResolveURL(base, path, nil)
			if u != nil {
				t.Errorf("got URL %s, want none", u)
			}
			ue := asURLError(t, err, tc.why...)
			if !strings.Contains(ue.Error(), upstream.StepURL) {
				t.Errorf("Error() %q does not name the step", ue.Error())
			}
			if *base != before {
				t.Errorf("base was modified: %v -> %v", &before, base)
			}
			// The message quotes the path with %q, so it never carries a raw line break.
			if strings.ContainsAny(ue.Msg, "\r\n") {
				t.Errorf("message carries a raw line break: %q", ue.Msg)
			}

			// Through the client: nothing may leave, neither to the API nor to any other host,
			// even for paths a naive join (base.ResolveReference) would have sent elsewhere.
			rec := &recordingTransport{next: http.DefaultTransport}
			src := &fakeSource{}
			c := upstream.New(testConfig(t, api.URL+"/v1"), src, &http.Client{Transport: rec}, nil)
			resp, err := c.Do(context.Background(), upstream.Request{Path: path})
			if resp != nil {
				t.Errorf("got a response: %+v", resp)
			}
			asURLError(t, err, tc.why...)
			if sent := rec.sent(); len(sent) != 0 {
				t.Errorf("requests left the client: %v", sent)
			}
			if n := src.tokenCalls(); n != 0 {
				t.Errorf("token fetched %d times for a refused path", n)
			}
			if ref, perr := url.Parse(path); perr == nil {
				if naive := base.ResolveReference(ref); naive.Host != base.Host {
					t.Logf("naive join would have gone to %s", naive.Host)
				}
			}
		})
	}
	if n := evilHits.Load(); n != 0 {
		t.Errorf("the other host received %d requests", n)
	}
	if n := apiHits.Load(); n != 0 {
		t.Errorf("the API received %d requests for refused paths", n)
	}
}

func TestResolveURLAccepts(t *testing.T) {
	const base = "https://api.example.com/v1"
	for _, tc := range []struct {
		name   string
		base   string
		path   string
		params url.Values
		want   string
	}{
		{"leading slash", base, "/items", nil, "https://api.example.com/v1/items"},
		{"no leading slash", base, "items", nil, "https://api.example.com/v1/items"},
		{"nested", base, "/items/42/children", nil, "https://api.example.com/v1/items/42/children"},
		{"trailing slash kept", base, "/items/", nil, "https://api.example.com/v1/items/"},
		{"empty is base", base, "", nil, "https://api.example.com/v1"},
		{"slash is base", base, "/", nil, "https://api.example.com/v1"},
		{"spaces trimmed", base, "  /items \t", nil, "https://api.example.com/v1/items"},
		{"base trailing slash", base + "/", "/items", nil, "https://api.example.com/v1/items"},
		{"base without path", "https://api.example.com", "items", nil, "https://api.example.com/items"},
		{"base without path, empty", "https://api.example.com", "", nil, "https://api.example.com"},
		{"base with port", "http://127.0.0.1:8080/api/v2", "x", nil, "http://127.0.0.1:8080/api/v2/x"},
		{"base userinfo dropped", "https://u:p@api.example.com/v1", "x", nil, "https://api.example.com/v1/x"},
		{"query in path merged with params", base, "items?limit=5", url.Values{"offset": {"10"}},
			"https://api.example.com/v1/items?limit=5&offset=10"},
		{"same key in path and params", base, "items?tag=a", url.Values{"tag": {"b", "c"}},
			"https://api.example.com/v1/items?tag=a&tag=b&tag=c"},
		{"params only", base, "/items", url.Values{"q": {"a b&c=d"}, "empty": {""}},
			"https://api.example.com/v1/items?empty=&q=a+b%26c%3Dd"},
		{"params on base", base, "", url.Values{"x": {"1"}}, "https://api.example.com/v1?x=1"},
		{"encoded space", base, "/a%20b", nil, "https://api.example.com/v1/a%20b"},
		{"raw space", base, "/a b", nil, "https://api.example.com/v1/a%20b"},
		{"encoded percent", base, "/100%25", nil, "https://api.example.com/v1/100%25"},
		{"encoded question mark", base, "/a%3Fb", nil, "https://api.example.com/v1/a%3Fb"},
		{"encoded hash", base, "/a%23b", nil, "https://api.example.com/v1/a%23b"},
		{"unicode segment", base, "/café/ü", nil, "https://api.example.com/v1/caf%C3%A9/%C3%BC"},
		{"cjk segment", base, "/日本/items", nil, "https://api.example.com/v1/%E6%97%A5%E6%9C%AC/items"},
		{"percent-encoded unicode", base, "/caf%C3%A9", nil, "https://api.example.com/v1/caf%C3%A9"},
		{"colon after slash is a path", base, "/ns:item", nil, "https://api.example.com/v1/ns:item"},
		{"at after slash is a path", base, "/users/me@example.com", nil, "https://api.example.com/v1/users/me@example.com"},
		{"dots inside a segment", base, "/file.tar.gz/...", nil, "https://api.example.com/v1/file.tar.gz/..."},
		{"single encoded dot inside a segment", base, "/a%2eb", nil, "https://api.example.com/v1/a.b"},
		{"encoded CRLF in query stays encoded", base, "/x?v=%0D%0A", nil, "https://api.example.com/v1/x?v=%0D%0A"},
		{"encoded CRLF in path stays encoded", base, "/x%0D%0Ay", nil, "https://api.example.com/v1/x%0D%0Ay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := mustURL(t, tc.base)
			before := b.String()
			u, err := upstream.ResolveURL(b, tc.path, tc.params)
			if err != nil {
				t.Fatalf("ResolveURL(%q): %v", tc.path, err)
			}
			if got := u.String(); got != tc.want {
				t.Errorf("ResolveURL(%q) = %s, want %s", tc.path, got, tc.want)
			}
			if b.String() != before {
				t.Errorf("base modified: %s -> %s", before, b)
			}
			if u.Host != b.Host || u.Scheme != b.Scheme {
				t.Errorf("left the base: %s", u)
			}
		})
	}
}

func TestResolveURLRejectsLineBreaksInParams(t *testing.T) {
	base := mustURL(t, "https://api.example.com/v1")
	for _, tc := range []struct {
		name   string
		params url.Values
	}{
		{"CRLF in value", url.Values{"a": {"x\r\nHost: evil"}}},
		{"LF in value", url.Values{"a": {"ok", "x\ny"}}},
		{"CR in value", url.Values{"a": {"\r"}}},
		{"LF in key", url.Values{"a\nb": {"1"}}},
		{"CRLF in key", url.Values{"X\r\nY": {"1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := upstream.ResolveURL(base, "/items", tc.params)
			if u != nil {
				t.Errorf("got URL %s", u)
			}
			ue := asURLError(t, err, "line breaks are not allowed")
			if strings.ContainsAny(ue.Msg, "\r\n") {
				t.Errorf("message carries a raw line break: %q", ue.Msg)
			}
		})
	}
}

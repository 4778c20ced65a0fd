package discovery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestDocumentURLs(t *testing.T) {
	for issuer, want := range map[string][2]string{
		"https://idp.example":                {"https://idp.example/.well-known/openid-configuration", "https://idp.example/.well-known/oauth-authorization-server"},
		"https://idp.example/":               {"https://idp.example/.well-known/openid-configuration", "https://idp.example/.well-known/oauth-authorization-server"},
		"https://idp.example/realms/main":    {"https://idp.example/realms/main/.well-known/openid-configuration", "https://idp.example/.well-known/oauth-authorization-server/realms/main"},
		"https://login.example/tenant/v2.0/": {"https://login.example/tenant/v2.0/.well-known/openid-configuration", "https://login.example/.well-known/oauth-authorization-server/tenant/v2.0"},
	} {
		got, err := DocumentURLs(issuer)
		if err != nil || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("%s: %v %v", issuer, got, err)
		}
	}
	for _, bad := range []string{"ftp://x", "https://u:p@x", "https://x?a=1", "https://x#f", "/relative"} {
		if _, err := DocumentURLs(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// server serves doc (with {{issuer}} replaced by its own URL) at the OIDC location and records
// requests.
type server struct {
	*httptest.Server
	hits    atomic.Int64
	mu      sync.Mutex
	doc     string
	headers []http.Header
}

func newServer(t *testing.T, doc string) *server {
	s := &server{doc: doc}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		s.headers = append(s.headers, r.Header.Clone())
		doc := strings.ReplaceAll(s.doc, "{{issuer}}", s.URL)
		s.mu.Unlock()
		switch {
		case r.URL.Path == "/redirect/.well-known/openid-configuration":
			http.Redirect(w, r, s.URL+"/.well-known/openid-configuration", http.StatusFound)
		case r.URL.Path == "/big/.well-known/openid-configuration":
			_, _ = w.Write([]byte(`{"issuer":"` + strings.Repeat("x", MaxBytes) + `"}`))
		case r.URL.Path == "/.well-known/openid-configuration":
			_, _ = w.Write([]byte(doc))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) setDoc(d string) {
	s.mu.Lock()
	s.doc = d
	s.mu.Unlock()
}

const goodDoc = `{"issuer":"{{issuer}}","token_endpoint":"{{issuer}}/token","authorization_endpoint":"{{issuer}}/auth","code_challenge_methods_supported":["plain","S256"]}`

func TestMetadataCachedAndRefreshedAfterStale(t *testing.T) {
	s := newServer(t, goodDoc)
	c := New(s.URL, http.DefaultClient)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if u, err := c.TokenURL(ctx); err != nil || u != s.URL+"/token" {
				t.Errorf("%q %v", u, err)
			}
		}()
	}
	wg.Wait()
	if n := s.hits.Load(); n != 1 {
		t.Fatalf("%d fetches for 20 callers, want 1", n)
	}
	m, err := c.Metadata(ctx)
	if err != nil || !m.SupportsS256() || m.AuthorizationEndpoint != s.URL+"/auth" || s.hits.Load() != 1 {
		t.Fatalf("%+v %v, %d fetches", m, err, s.hits.Load())
	}
	// The token endpoint moved: after Stale the next call reads the document again.
	s.setDoc(strings.Replace(goodDoc, "/token", "/v2/token", 1))
	if u, _ := c.TokenURL(ctx); u != s.URL+"/token" {
		t.Fatalf("cache not used: %s", u)
	}
	c.Stale()
	if u, _ := c.TokenURL(ctx); u != s.URL+"/v2/token" || s.hits.Load() != 2 {
		t.Fatalf("after Stale: %s, %d fetches", u, s.hits.Load())
	}
	// No credentials on the metadata request.
	for _, h := range s.headers {
		if h.Get("Authorization") != "" || h.Get("Cookie") != "" {
			t.Errorf("credentials sent: %v", h)
		}
	}
}

func TestMetadataChecks(t *testing.T) {
	s := newServer(t, "")
	ctx := context.Background()
	for _, c := range []struct{ doc, issuerSuffix, want string }{
		{`{"issuer":"https://evil.example","token_endpoint":"https://evil.example/t"}`, "", `issuer mismatch: got "https://evil.example", configured "` + s.URL + `"`},
		{goodDoc, "/", "issuer mismatch"},
		{`{"issuer":"{{issuer}}","token_endpoint":"javascript:alert(1)"}`, "", "token_endpoint \"javascript:alert(1)\" is not an absolute http(s) URL"},
		{`{"issuer":"{{issuer}}","token_endpoint":"https://u:p@x/t"}`, "", "not an absolute"},
		{`{"issuer":"{{issuer}}"}`, "", "has no token_endpoint; set tokenUrl"},
		{`not json`, "", "not a JSON metadata document"},
		{``, "/redirect", "answered HTTP 302"},
		{``, "/big", "document larger than 262144 bytes"},
		{``, "/none", "no metadata found"},
	} {
		s.setDoc(c.doc)
		_, err := New(s.URL+c.issuerSuffix, http.DefaultClient).TokenURL(ctx)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s%s: %v, want %q", c.doc, c.issuerSuffix, err, c.want)
		}
	}
	// An https issuer may not send the client secret to a plain http endpoint.
	c := New("https://idp.example", http.DefaultClient)
	if err := c.check(&Metadata{Issuer: "https://idp.example", TokenEndpoint: "http://idp.example/token"}); err == nil || !strings.Contains(err.Error(), "absolute https URL") {
		t.Errorf("downgrade: %v", err)
	}
	// A failure is not cached: the next call tries again.
	s.setDoc(goodDoc)
	c = New(s.URL, http.DefaultClient)
	s.setDoc(`{}`)
	if _, err := c.TokenURL(ctx); err == nil {
		t.Fatal("no error")
	}
	s.setDoc(goodDoc)
	if _, err := c.TokenURL(ctx); err != nil {
		t.Fatalf("not retried: %v", err)
	}
}

// silentServer never answers: each request waits until the client gives up or the test ends.
func silentServer(t *testing.T) *httptest.Server {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(block) })
	return srv
}

func TestMetadataCallerCancel(t *testing.T) {
	srv := silentServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(srv.URL, http.DefaultClient).Metadata(ctx); err == nil || !strings.Contains(err.Error(), "gave up waiting") {
		t.Fatalf("%v", err)
	}
}

// TestMetadataFetchIsBounded: a server that never answers costs at most the timeout.
func TestMetadataFetchIsBounded(t *testing.T) {
	srv := silentServer(t)
	c := New(srv.URL, http.DefaultClient)
	c.timeout = 50 * time.Millisecond
	if _, err := c.Metadata(context.Background()); err == nil || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Fatalf("%v", err)
	}
}

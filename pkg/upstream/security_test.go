package upstream_test

// Cross-host redirects never carry credentials (issue #6). The headers are custom (X-Token,
// X-Client-Id, X-Api-Secret) on purpose: Go itself drops Authorization on a cross-host redirect,
// which would hide a broken redirect policy; custom headers it forwards.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

const (
	secToken    = "tok-SECRET-0123456789abcdef"
	secClientID = "client-id-SECRET-42"
	secHeader   = "header-SECRET-value-77"
)

type secSource struct{}

func (secSource) Token(context.Context) (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: secToken}, nil
}
func (secSource) Invalidate(*oauth2.Token) {}

// secRecorder records every request it receives, headers, URL and body.
type secRecorder struct {
	mu   sync.Mutex
	seen []string
	n    int
}

func (r *secRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.n++
	r.seen = append(r.seen, fmt.Sprintf("%s %s %v %s", req.Method, req.URL, req.Header, body))
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"stolen":true}`)
}

func (r *secRecorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

func secConfig(t *testing.T, base string) settings.Upstream {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return settings.Upstream{
		BaseURL: u, TokenHeaderName: "X-Token", TokenHeaderTemplate: "{{token}}",
		ClientIDHeaderName: "X-Client-Id", ClientID: secClientID,
		Headers: []settings.NameValue{{Name: "X-Api-Secret", Value: secHeader, Secure: true}, {Name: "X-Plain", Value: "plain"}},
		Timeout: 5 * time.Second, MaxResponseBytes: 1 << 20, AllowedMethods: []string{"GET", "POST"},
	}
}

// TestCrossHostRedirectsCarryNoCredentials: whatever form the redirect takes (status, absolute,
// protocol-relative, userinfo, another name or port for the same machine, a scheme change, after a
// same-host hop), the second server receives nothing: no token, no client id, no secure header.
func TestCrossHostRedirectsCarryNoCredentials(t *testing.T) {
	evil := &secRecorder{}
	evilSrv := httptest.NewServer(evil)
	defer evilSrv.Close()
	evilURL, _ := url.Parse(evilSrv.URL)

	var api *httptest.Server
	api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/hop" { // a same-host hop first
			http.Redirect(w, r, "/v1/start?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		if loc := r.URL.Query().Get("to"); loc != "" {
			code := http.StatusFound
			fmt.Sscan(r.URL.Query().Get("code"), &code)
			w.Header().Set("Location", loc)
			w.WriteHeader(code)
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	defer api.Close()
	apiURL, _ := url.Parse(api.URL)

	targets := []string{
		evilSrv.URL + "/steal",
		"//" + evilURL.Host + "/steal",
		"http://" + apiURL.Host + "@" + evilURL.Host + "/steal",
		"http://x:y@" + evilURL.Host + "/steal",
		"HTTP://" + evilURL.Host + "/steal",
		"http://127.0.0.1:" + evilURL.Port() + "/v1/steal",
		"http://localhost:" + evilURL.Port() + "/v1/steal",
		"http://[::1]:" + evilURL.Port() + "/v1/steal",
		"https://" + apiURL.Host + "/v1/x", // scheme change, same host: refused too
	}
	for _, target := range targets {
		for _, code := range []int{301, 302, 303, 307, 308} {
			for _, start := range []string{"/start", "/hop"} {
				for _, method := range []string{"GET", "POST"} {
					name := fmt.Sprintf("%s %d %s %s", method, code, start, target)
					t.Run(name, func(t *testing.T) {
						c := upstream.New(secConfig(t, api.URL+"/v1"), secSource{}, &http.Client{}, []string{secHeader, secClientID})
						resp, err := c.Do(context.Background(), upstream.Request{Method: method, Path: start,
							Params: url.Values{"to": {target}, "code": {fmt.Sprint(code)}}, Body: []byte(`{"q":1}`)})
						if err == nil {
							t.Fatalf("followed: %d %s from %v", resp.Status, resp.Body, resp.URL)
						}
						for _, s := range []string{secToken, secClientID, secHeader} {
							if strings.Contains(err.Error(), s) {
								t.Errorf("error leaks %q: %v", s, err)
							}
						}
					})
				}
			}
		}
	}
	if got := evil.requests(); len(got) != 0 {
		t.Errorf("the second server received %d requests; first: %s", len(got), got[0])
		for _, r := range got {
			for _, s := range []string{secToken, secClientID, secHeader} {
				if strings.Contains(r, s) {
					t.Errorf("the second server received %q", s)
				}
			}
		}
	}
}

// TestSameHostRedirectsKeepTheRules: a same-host redirect is followed with the credentials, within
// the cap.
func TestSameHostRedirectsKeepTheRules(t *testing.T) {
	rec := &secRecorder{}
	var api *httptest.Server
	api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/start" {
			http.Redirect(w, r, api.URL+"/v1/final", http.StatusTemporaryRedirect)
			return
		}
		rec.ServeHTTP(w, r)
	}))
	defer api.Close()
	c := upstream.New(secConfig(t, api.URL+"/v1"), secSource{}, &http.Client{}, nil)
	resp, err := c.Do(context.Background(), upstream.Request{Path: "/start"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.URL.Path != "/v1/final" {
		t.Fatalf("ended at %v", resp.URL)
	}
	got := rec.requests()
	if len(got) != 1 || !strings.Contains(got[0], secToken) || !strings.Contains(got[0], secClientID) || !strings.Contains(got[0], secHeader) {
		t.Fatalf("same-host redirect lost the credentials: %v", got)
	}
	// The reply body that echoes them is redacted.
	if strings.Contains(string(resp.Body), secToken) {
		t.Fatalf("body carries the token: %s", resp.Body)
	}
}

// TestReplyBodiesAreRedacted: an API that echoes the request gives back a body without the token,
// the client id or the secure header value (they would otherwise reach frames and the proxy).
func TestReplyBodiesAreRedacted(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"token":%q,"client":%q,"secret":%q,"twice":"%s%s","plain":%q}`,
			r.Header.Get("X-Token"), r.Header.Get("X-Client-Id"), r.Header.Get("X-Api-Secret"),
			r.Header.Get("X-Token"), r.Header.Get("X-Token"), r.Header.Get("X-Plain"))
	}))
	defer api.Close()
	c := upstream.New(secConfig(t, api.URL), secSource{}, &http.Client{}, []string{secHeader, secClientID})
	resp, err := c.Do(context.Background(), upstream.Request{Path: "/echo"})
	if err != nil {
		t.Fatal(err)
	}
	body := string(resp.Body)
	for _, s := range []string{secToken, secClientID, secHeader} {
		if strings.Contains(body, s) {
			t.Errorf("body carries %q: %s", s, body)
		}
	}
	if !strings.Contains(body, `"plain":"plain"`) || !strings.Contains(body, `"twice":"[redacted][redacted]"`) {
		t.Errorf("body %s", body)
	}
}

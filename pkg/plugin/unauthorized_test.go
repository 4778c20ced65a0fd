package plugin

// A path that answers 401 to a good token must not turn every Viewer query into a token request
// (issue 14, item 4).

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// rotatingProvider is a token endpoint (client credentials, or refresh tokens that rotate on every
// use: the old one dies) and an API with a path that answers 401 to any token.
type rotatingProvider struct {
	mu            sync.Mutex
	issued        map[string]bool // valid access tokens
	refresh       string          // the one live refresh token
	tokenRequests atomic.Int64
	refreshGrants atomic.Int64
	deadRefresh   atomic.Int64 // uses of a refresh token that was already rotated away
	apiRequests   atomic.Int64
}

func newRotatingProvider() *rotatingProvider {
	return &rotatingProvider{issued: map[string]bool{}, refresh: "rt-" + randHex()}
}

func randHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (p *rotatingProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/token" {
		p.tokenRequests.Add(1)
		_ = r.ParseForm()
		p.mu.Lock()
		defer p.mu.Unlock()
		out := map[string]any{"token_type": "Bearer", "expires_in": 3600}
		if r.Form.Get("grant_type") == "refresh_token" {
			p.refreshGrants.Add(1)
			if r.Form.Get("refresh_token") != p.refresh {
				p.deadRefresh.Add(1)
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
				return
			}
			p.refresh = "rt-" + randHex()
			out["refresh_token"] = p.refresh
		}
		at := randHex()
		p.issued[at] = true
		out["access_token"] = at
		_ = json.NewEncoder(w).Encode(out)
		return
	}
	p.apiRequests.Add(1)
	p.mu.Lock()
	good := p.issued[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	p.mu.Unlock()
	if !good || strings.HasPrefix(r.URL.Path, "/api/locked") {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"not for you"}`))
		return
	}
	if r.URL.Path == "/api/search" { // a next link that leaves the POST patterns (pagination test)
		_, _ = w.Write([]byte(`{"items":[{"id":1}],"next":"/api/items"}`))
		return
	}
	_, _ = w.Write([]byte(`[{"id":1}]`))
}

// TestUnauthorizedPathCostsAtMostOneExtraToken: 40 concurrent Viewer queries, then 40 sequential
// ones, to a path that answers 401 to a good token cost at most 2 token requests in the token's
// lifetime (the first token, and one replacement to rule out a revoked token), each query fails with
// the API's 401 (a downstream API reply error, not a token error), and a good path keeps working with
// the same token. With rotating refresh tokens, no refresh token is used per query, and none twice.
func TestUnauthorizedPathCostsAtMostOneExtraToken(t *testing.T) {
	for _, grant := range []string{"client_credentials", "authorization_code"} {
		t.Run(grant, func(t *testing.T) {
			t.Setenv("OAUTH2REST_STATE_DIR", t.TempDir())
			p := newRotatingProvider()
			srv := httptest.NewServer(p)
			t.Cleanup(srv.Close)
			jd := map[string]any{"tokenUrl": srv.URL + "/token", "grantType": grant}
			secure := map[string]string{"clientId": clientID, "clientSecret": clientSecret}
			if grant == "authorization_code" {
				jd["authUrl"] = srv.URL + "/authorize"
				jd["redirectUrl"] = redirectURL
				secure["refreshToken"] = p.refresh
			}
			raw, _ := json.Marshal(jd)
			d := newDS(t, backend.DataSourceInstanceSettings{UID: "locked", URL: srv.URL + "/api", JSONData: raw, DecryptedSecureJSONData: secure})
			if d.configErr != nil {
				t.Fatal(d.configErr)
			}

			check := func(r backend.DataResponse) {
				t.Helper()
				if r.Error == nil || r.Status != http.StatusUnauthorized || r.ErrorSource != backend.ErrorSourceDownstream {
					t.Fatalf("query to the 401 path: status %d source %q error %v; want the API's 401, downstream", r.Status, r.ErrorSource, r.Error)
				}
				if !strings.Contains(r.Error.Error(), "API reply") || strings.Contains(r.Error.Error(), "token request") {
					t.Fatalf("query to the 401 path: error %q should be an API reply error, not a token problem", r.Error)
				}
			}
			var wg sync.WaitGroup
			results := make([]backend.DataResponse, 40)
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = queryAs(d, "Viewer", `{"path":"/locked"}`)
				}()
			}
			wg.Wait()
			for _, r := range results {
				check(r)
			}
			afterConcurrent := p.tokenRequests.Load()
			for range 40 {
				check(queryAs(d, "Viewer", `{"path":"/locked"}`))
			}
			if r := queryAs(d, "Viewer", `{"path":"/items"}`); r.Error != nil {
				t.Fatalf("good path after the 401s: %v", r.Error)
			}
			got := p.tokenRequests.Load()
			t.Logf("%s: 80 queries to a 401 path: %d token requests (%d after the 40 concurrent ones), %d refresh grants, %d API requests",
				grant, got, afterConcurrent, p.refreshGrants.Load(), p.apiRequests.Load())
			if got > 2 {
				t.Errorf("%d token requests for 80 queries to a path that answers 401 to a good token, want at most 2 per token lifetime", got)
			}
			if grant == "authorization_code" && p.refreshGrants.Load() > 2 {
				t.Errorf("%d refresh grants (each rotates the refresh token), want at most 2", p.refreshGrants.Load())
			}
			if n := p.deadRefresh.Load(); n != 0 {
				t.Errorf("%d uses of a rotated-away refresh token", n)
			}
		})
	}
}

// TestRevokedTokensReplacedAndPathAnswerKept: a revoked token is replaced on the same query (401,
// one token request, the retry succeeds), and so is the replacement after a second revocation,
// because the successful retry confirmed it. A path that answers 401 to good tokens then costs one
// more token (the retry is refused too) and nothing after that: 1 API request, no token request.
func TestRevokedTokensReplacedAndPathAnswerKept(t *testing.T) {
	p := newRotatingProvider()
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	raw, _ := json.Marshal(map[string]any{"tokenUrl": srv.URL + "/token"})
	d := newDS(t, backend.DataSourceInstanceSettings{UID: "revoked", URL: srv.URL + "/api", JSONData: raw,
		DecryptedSecureJSONData: map[string]string{"clientId": clientID, "clientSecret": clientSecret}})
	if r := queryAs(d, "Viewer", `{"path":"/items"}`); r.Error != nil {
		t.Fatal(r.Error)
	}
	expect := func(what string, q string, ok bool, wantAPI, wantTok int64) {
		t.Helper()
		api, tok := p.apiRequests.Load(), p.tokenRequests.Load()
		r := queryAs(d, "Viewer", q)
		if (r.Error == nil) != ok || (!ok && r.Status != http.StatusUnauthorized) {
			t.Fatalf("%s: status %d error %v", what, r.Status, r.Error)
		}
		if gotAPI, gotTok := p.apiRequests.Load()-api, p.tokenRequests.Load()-tok; gotAPI != wantAPI || gotTok != wantTok {
			t.Errorf("%s: %d API requests and %d token requests, want %d and %d", what, gotAPI, gotTok, wantAPI, wantTok)
		}
	}
	for _, what := range []string{"first revocation", "second revocation"} {
		p.mu.Lock()
		clear(p.issued)
		p.mu.Unlock()
		expect(what, `{"path":"/items"}`, true, 2, 1)
	}
	expect("first query to the locked path", `{"path":"/locked"}`, false, 2, 1)
	for range 10 {
		expect("later query to the locked path", `{"path":"/locked"}`, false, 1, 0)
	}
	expect("good path", `{"path":"/items"}`, true, 1, 0)
}

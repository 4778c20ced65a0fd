package token

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
)

// assertionGrant is a private_key_jwt (or jwt_bearer) Grant against mockapi, loaded through
// settings.Load like the plugin does.
func assertionGrant(t *testing.T, jsonData map[string]any) (*Grant, *mockapi.Server, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	m := mockapi.New(mockapi.Config{ClientID: "app", ClientSecret: "unused-secret"})
	m.SetClientPublicKey(key.Public())
	m.RegisterJWTIssuer("app", key.Public())
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	jsonData["tokenUrl"] = srv.URL + mockapi.PathOAuthToken
	raw, _ := json.Marshal(jsonData)
	s, err := settings.Load(backend.DataSourceInstanceSettings{URL: srv.URL + "/api", JSONData: raw,
		DecryptedSecureJSONData: map[string]string{"clientId": "app", "privateKey": pemKey}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGrant(s.Token, srv.Client(), s.Secrets())
	if err != nil {
		t.Fatal(err)
	}
	return g, m, pemKey
}

// TestAssertionTimes: exp is iat + 5 minutes; an assertion signed by a clock 6 minutes behind is
// refused as expired, one 2 minutes ahead as too long-lived (exp more than 5 minutes away), for
// client assertions and for the JWT bearer grant.
func TestAssertionTimes(t *testing.T) {
	for _, js := range []map[string]any{{"clientAuth": "private_key_jwt"}, {"grantType": "jwt_bearer"}} {
		g, m, _ := assertionGrant(t, js)
		if _, err := g.Fetch(context.Background(), ""); err != nil {
			t.Fatalf("%v: %v", js, err)
		}
		claims, _ := m.LastAssertion()
		exp, _ := claims["exp"].(json.Number).Int64()
		iat, _ := claims["iat"].(json.Number).Int64()
		if exp-iat != int64(AssertionLifetime/time.Second) || AssertionLifetime > 5*time.Minute {
			t.Errorf("exp - iat = %d", exp-iat)
		}
		for _, c := range []struct {
			skew time.Duration
			want string
		}{{-6 * time.Minute, "expired (exp is in the past)"}, {2 * time.Minute, "exp is too far in the future"}} {
			g.now = func() time.Time { return time.Now().Add(c.skew) }
			_, err := g.Fetch(context.Background(), "")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v skew %s: %v", js, c.skew, err)
			}
		}
	}
}

// TestAssertionNeverWithSecret: the request of each assertion method carries no client secret and
// no Basic header, and every request has a new jti.
func TestAssertionNeverWithSecret(t *testing.T) {
	g, _, _ := assertionGrant(t, map[string]any{"clientAuth": "private_key_jwt"})
	seen := map[string]bool{}
	for range 3 {
		req, err := g.newRequest(context.Background(), g.cfg.URL, nil, mustAuth(t, g))
		if err != nil {
			t.Fatal(err)
		}
		_ = req.ParseForm()
		if req.PostForm.Has("client_secret") || req.Header.Get("Authorization") != "" {
			t.Fatalf("secret sent with an assertion: %v %v", req.PostForm, req.Header)
		}
		a := req.PostForm.Get("client_assertion")
		if a == "" || seen[a] {
			t.Fatalf("assertion %q missing or reused", a)
		}
		seen[a] = true
	}
}

func mustAuth(t *testing.T, g *Grant) []settings.NameValue {
	t.Helper()
	p, err := g.authParams(g.cfg.URL)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeEndpoints is a discovered token endpoint that counts Stale calls.
type fakeEndpoints struct {
	url   string
	stale int
}

func (f *fakeEndpoints) TokenURL(context.Context) (string, error) { return f.url, nil }
func (f *fakeEndpoints) Stale()                                   { f.stale++ }

// TestDiscoveredEndpointMarkedStale: a discovered endpoint that answers 404 or not at all makes
// discovery read the metadata again; a refusal of the credentials (401) does not.
func TestDiscoveredEndpointMarkedStale(t *testing.T) {
	status := http.StatusNotFound
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error":"x"}`))
	}))
	t.Cleanup(srv.Close)
	cfg := baseConfig("")
	g := newTestGrant(t, cfg)
	e := &fakeEndpoints{url: srv.URL}
	g.SetEndpoints(e)
	_, _ = g.Fetch(context.Background(), "")
	status = http.StatusUnauthorized
	_, _ = g.Fetch(context.Background(), "")
	if e.stale != 1 {
		t.Fatalf("stale %d, want 1 (404 yes, 401 no)", e.stale)
	}
}

// TestJWTBearerIgnoresRefreshToken: with jwt_bearer a new assertion is sent even when a refresh
// token is known (a refresh request would lack client authentication).
func TestJWTBearerIgnoresRefreshToken(t *testing.T) {
	g, m, _ := assertionGrant(t, map[string]any{"grantType": "jwt_bearer"})
	if _, err := g.Fetch(context.Background(), "some-refresh-token"); err != nil {
		t.Fatal(err)
	}
	if _, method := m.LastAssertion(); method != "jwt_bearer" || m.RefreshGrants() != 0 {
		t.Fatalf("method %q, %d refresh grants", method, m.RefreshGrants())
	}
}

// TestWithAudience: the copy asks for its own audience at the same discovered endpoint; the
// original keeps its audience, and an empty audience changes nothing.
func TestWithAudience(t *testing.T) {
	var audiences []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		audiences = append(audiences, r.PostForm.Get("audience"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"t","expires_in":60}`))
	}))
	t.Cleanup(srv.Close)
	cfg := baseConfig("")
	cfg.Audience = "client-audience"
	g := newTestGrant(t, cfg)
	g.SetEndpoints(&fakeEndpoints{url: srv.URL})
	if g.WithAudience("") != g {
		t.Fatal("an empty audience made a copy")
	}
	x := g.WithAudience("api://items")
	for _, gr := range []*Grant{x, g} {
		if _, err := gr.TokenExchange(context.Background(), "subject"); err != nil {
			t.Fatal(err)
		}
	}
	if len(audiences) != 2 || audiences[0] != "api://items" || audiences[1] != "client-audience" {
		t.Fatalf("audiences %q", audiences)
	}
}

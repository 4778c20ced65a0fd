package plugin

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
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/dpop"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/redistest"
)

// dpopFixture is mockapi's strict DPoP server (nonces required at both endpoints).
type dpopFixture struct {
	mock *mockapi.DPoPServer
	srv  *httptest.Server
}

func newDPoPFixture(t *testing.T) *dpopFixture {
	t.Helper()
	m := mockapi.NewDPoP(mockapi.DPoPConfig{ClientID: clientID, ClientSecret: clientSecret, RequireNonce: true,
		Users: map[string]string{aliceToken: "Alice"}})
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return &dpopFixture{mock: m, srv: srv}
}

func (f *dpopFixture) settings(extra map[string]any, secure map[string]string) backend.DataSourceInstanceSettings {
	jd := map[string]any{"tokenUrl": f.srv.URL + mockapi.PathOAuthToken, "dpop": true, "healthCheckPath": "/items"}
	for k, v := range extra {
		jd[k] = v
	}
	raw, _ := json.Marshal(jd)
	if secure == nil {
		secure = map[string]string{}
	}
	secure["clientId"], secure["clientSecret"] = clientID, clientSecret
	return backend.DataSourceInstanceSettings{UID: "dpop1", Name: "dpop", URL: f.srv.URL + "/api", JSONData: raw, DecryptedSecureJSONData: secure, Updated: time.Now()}
}

func (f *dpopFixture) noRefusals(t *testing.T) {
	t.Helper()
	if r := f.mock.Refusals(); len(r) != 0 {
		t.Fatalf("the strict DPoP server refused proofs or tokens: %q", r)
	}
}

func ecPEM(t *testing.T) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	p := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	key, err := dpop.NewKey(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, key.Thumbprint()
}

// TestDPoPAgainstStrictServer drives health, queries and the proxy route through the strict DPoP
// server: both nonce challenges are answered once, every proof passes its checks (signature, typ,
// jwk, htm, htu, iat, unused jti, ath, key binding), the token travels as "Authorization: DPoP",
// a nonce the server rotates costs exactly one retry, and the nonce is remembered afterwards.
func TestDPoPAgainstStrictServer(t *testing.T) {
	f := newDPoPFixture(t)
	d := newDS(t, f.settings(nil, nil))

	health, err := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil || health.Status != backend.HealthStatusOk {
		t.Fatalf("health: %v %q (refusals %q)", err, health.Message, f.mock.Refusals())
	}
	if !strings.Contains(health.Message, "DPoP-bound to key "+d.dpopKey.Thumbprint()) || !strings.Contains(health.Message, "API answered 200") {
		t.Fatalf("health does not say the token is DPoP-bound: %q", health.Message)
	}
	if tc, ac := f.mock.NonceChallenges(); tc != 1 || ac != 1 {
		t.Fatalf("nonce challenges: token endpoint %d, API %d; want 1 and 1", tc, ac)
	}
	if n := f.mock.TokenRequests(); n != 2 {
		t.Fatalf("%d token requests, want 2 (challenge + retry with the nonce)", n)
	}
	f.noRefusals(t)

	r := runQuery(t, d, `{"path":"/items"}`)
	if r.Error != nil || len(r.Frames) != 1 || r.Frames[0].Rows() != 5 {
		t.Fatalf("query: %v", r.Error)
	}
	h := f.mock.LastAPIHeaders()
	if !strings.HasPrefix(h.Get("Authorization"), "DPoP ") || h.Get("DPoP") == "" {
		t.Fatalf("API saw Authorization %q and DPoP %q", h.Get("Authorization"), h.Get("DPoP"))
	}
	// The API's nonce is remembered: no new challenge, no new token.
	if _, ac := f.mock.NonceChallenges(); ac != 1 {
		t.Fatalf("API challenged %d times after a second request, want still 1", ac)
	}
	apiBefore := f.mock.APIRequests()

	// The server rotates its nonces: the next API call is refused once and retried once.
	f.mock.RotateNonces()
	r = runQuery(t, d, `{"path":"/items","params":[{"name":"q","value":"x"}]}`)
	if r.Error != nil {
		t.Fatalf("query after nonce rotation: %v (refusals %q)", r.Error, f.mock.Refusals())
	}
	if got := f.mock.APIRequests() - apiBefore; got != 2 {
		t.Fatalf("%d API requests for one query after rotation, want 2 (challenge + retry)", got)
	}
	if tc, ac := f.mock.NonceChallenges(); tc != 1 || ac != 2 {
		t.Fatalf("challenges after rotation: token %d, API %d; want 1 and 2", tc, ac)
	}
	if n := f.mock.TokenRequests(); n != 2 {
		t.Fatalf("a nonce challenge cost a new token: %d token requests", n)
	}

	// The proxy route (the editor's) takes the same path.
	res := callResource(t, context.Background(), d, "proxy/items")
	if res.status != 200 {
		t.Fatalf("proxy: %d %s", res.status, res.body)
	}
	f.noRefusals(t)
	// A revoked token: 401 invalid_token (not a nonce challenge) -> a new token. The token
	// endpoint's nonce was rotated too, so it challenges once more.
	f.mock.RevokeAll()
	if r := runQuery(t, d, `{"path":"/items"}`); r.Error != nil {
		t.Fatalf("query after revocation: %v", r.Error)
	}
	if tc, _ := f.mock.NonceChallenges(); tc != 2 {
		t.Fatalf("token endpoint challenges after rotation + revocation: %d, want 2", tc)
	}
	if r := f.mock.Refusals(); len(r) != 1 || r[0] != "api: unknown or expired token" {
		t.Fatalf("refusals after revocation: %q, want only the revoked token", r)
	}
}

// TestStrictDPoPServerRefuses proves the mock is strict, so the test above means something: a
// replayed proof, a proof without ath, a proof for another URL and a DPoP-bound token sent as
// Bearer are all refused.
func TestStrictDPoPServerRefuses(t *testing.T) {
	f := newDPoPFixture(t)
	d := newDS(t, f.settings(nil, nil))
	if r := runQuery(t, d, `{"path":"/items"}`); r.Error != nil {
		t.Fatal(r.Error)
	}
	h := f.mock.LastAPIHeaders()
	auth, proof := h.Get("Authorization"), h.Get("DPoP")
	tok := strings.TrimPrefix(auth, "DPoP ")
	send := func(path, auth, proof string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
		req.Header.Set("Authorization", auth)
		if proof != "" {
			req.Header.Set("DPoP", proof)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("WWW-Authenticate")
	}
	if code, _ := send("/api/items", auth, proof); code != 401 {
		t.Errorf("replayed proof: %d, want 401", code)
	}
	if code, _ := send("/api/items", "Bearer "+tok, ""); code != 401 {
		t.Errorf("DPoP-bound token as Bearer: %d, want 401", code)
	}
	if code, _ := send("/api/items", auth, ""); code != 401 {
		t.Errorf("no proof: %d, want 401", code)
	}
	refusals := strings.Join(f.mock.Refusals(), "\n")
	for _, want := range []string{"jti replayed", "used with scheme Bearer", "want exactly one DPoP header"} {
		if !strings.Contains(refusals, want) {
			t.Errorf("refusals %q lack %q", refusals, want)
		}
	}
}

// TestDPoPConfiguredKeyAndSharedStore: a configured key is used (its thumbprint in health); two
// replicas sharing Redis share one DPoP-bound token only when they share the key; with generated
// keys each replica gets its own token (a token bound to another replica's key is useless).
func TestDPoPConfiguredKeyAndSharedStore(t *testing.T) {
	rs := redistest.Start(t)
	f := newDPoPFixture(t)
	keyPEM, thumb := ecPEM(t)

	shared := replicas(t, 2, withRedis(f.settings(nil, map[string]string{"dpopPrivateKey": keyPEM}), rs.Addr()))
	for i, d := range shared {
		if d.configErr != nil {
			t.Fatal(d.configErr)
		}
		health, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
		if health.Status != backend.HealthStatusOk || !strings.Contains(health.Message, "DPoP-bound to key "+thumb) {
			t.Fatalf("replica %d health: %q", i, health.Message)
		}
	}
	tokenAfterShared := f.mock.TokenRequests()
	if tokenAfterShared != 2 { // one challenge + one token, for both replicas
		t.Fatalf("%d token requests for two replicas with one configured key, want 2", tokenAfterShared)
	}

	own := replicas(t, 2, withRedis(f.settings(map[string]any{"scopes": "other"}, nil), rs.Addr()))
	hammer(t, own, 3)
	// Each replica its own token, and its own nonce memory: 2 challenges + 2 tokens.
	if got := f.mock.TokenRequests() - tokenAfterShared; got != 4 {
		t.Fatalf("%d token requests for two replicas with generated keys, want 4 (each its own token and nonce)", got)
	}
	f.noRefusals(t)
}

// TestDPoPOnBearerServer: a server that ignores DPoP and answers token_type Bearer gets the token
// as a bearer token, no proof on API calls, and health says the token is not DPoP-bound.
func TestDPoPOnBearerServer(t *testing.T) {
	f := newFixture(t)
	s := f.standardSettings()
	s.JSONData = []byte(strings.TrimSuffix(string(s.JSONData), "}") + `,"dpop":true}`)
	d := newDS(t, s)
	health, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if health.Status != backend.HealthStatusOk || !strings.Contains(health.Message, `NOT DPoP-bound`) {
		t.Fatalf("health: %q", health.Message)
	}
	if r := runQuery(t, d, `{"path":"/items"}`); r.Error != nil {
		t.Fatal(r.Error)
	}
	h := f.mock.LastAPIHeaders()
	if !strings.HasPrefix(h.Get("Authorization"), "Bearer ") || h.Get("DPoP") != "" {
		t.Fatalf("API saw Authorization %q DPoP %q", h.Get("Authorization"), h.Get("DPoP"))
	}
}

func TestDPoPSettingsErrors(t *testing.T) {
	f := newDPoPFixture(t)
	keyPEM, _ := ecPEM(t)
	for _, tc := range []struct {
		name   string
		extra  map[string]any
		secure map[string]string
		field  string
	}{
		{"bad key", nil, map[string]string{"dpopPrivateKey": "-----BEGIN PRIVATE KEY-----\nnot-a-key-sEcReT\n-----END PRIVATE KEY-----\n"}, "secureJsonData.dpopPrivateKey"},
		{"not P-256", nil, map[string]string{"dpopPrivateKey": p384PEM(t)}, "secureJsonData.dpopPrivateKey"},
		{"custom header", map[string]any{"tokenHeaderName": "X-Token"}, nil, "tokenHeaderName"},
		{"query placement", map[string]any{"tokenPlacement": "query"}, nil, "tokenPlacement"},
		{"pass-through without exchange", map[string]any{"oauthPassThru": true}, nil, "dpop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDS(t, f.settings(tc.extra, tc.secure))
			health, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
			if health.Status != backend.HealthStatusError || !strings.Contains(health.Message, tc.field) {
				t.Fatalf("health %q does not name %s", health.Message, tc.field)
			}
			if strings.Contains(health.Message, "sEcReT") || strings.Contains(health.Message, "BEGIN") {
				t.Fatalf("health quotes the key: %q", health.Message)
			}
		})
	}
	// A stale dpopPrivateKey with dpop off is ignored, not an error.
	s := f.settings(map[string]any{"dpop": false}, map[string]string{"dpopPrivateKey": keyPEM})
	if d := newDS(t, s); d.configErr != nil || d.dpopKey != nil {
		t.Fatalf("dpop off: configErr %v, key %v", d.configErr, d.dpopKey)
	}
}

func p384PEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalECPrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}

// TestDPoPExchangedUserToken: oauthPassThru + tokenExchange + dpop: the user's token is exchanged
// with a proof (nonce challenge answered) and the exchanged, DPoP-bound token is used with proofs.
func TestDPoPExchangedUserToken(t *testing.T) {
	f := newDPoPFixture(t)
	d := newDS(t, f.settings(map[string]any{"oauthPassThru": true, "tokenExchange": true}, nil))
	if d.configErr != nil {
		t.Fatal(d.configErr)
	}
	if n := rows(t, userQuery(t, d, as(aliceToken), `{"path":"/items"}`)[0]); n != 5 {
		t.Fatalf("%d rows (refusals %q)", n, f.mock.Refusals())
	}
	if tc, ac := f.mock.NonceChallenges(); tc != 1 || ac != 1 {
		t.Fatalf("challenges %d/%d", tc, ac)
	}
	if h := f.mock.LastAPIHeaders(); !strings.HasPrefix(h.Get("Authorization"), "DPoP ") || h.Get("DPoP") == "" {
		t.Fatalf("API saw %q", h.Get("Authorization"))
	}
	health, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{Headers: as(aliceToken)})
	if health.Status != backend.HealthStatusOk || !strings.Contains(health.Message, "exchanging the signed-in user's OAuth token (RFC 8693) (DPoP-bound to key") {
		t.Fatalf("health: %q", health.Message)
	}
	f.noRefusals(t)
}

package plugin

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
)

// Keys are generated once per test binary: RSA generation under -race takes a while.
var (
	keysOnce sync.Once
	rsaA     *rsa.PrivateKey
	rsaB     *rsa.PrivateKey
	ecA      *ecdsa.PrivateKey
)

func testKeys(t *testing.T) {
	t.Helper()
	keysOnce.Do(func() {
		rsaA, _ = rsa.GenerateKey(rand.Reader, 2048)
		rsaB, _ = rsa.GenerateKey(rand.Reader, 2048)
		ecA, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	})
}

func pemOf(t *testing.T, k crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func checkHealth(t *testing.T, d *Datasource) *backend.CheckHealthResult {
	t.Helper()
	h, err := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustQuery(t *testing.T, d *Datasource) backend.DataResponse {
	t.Helper()
	r := runQuery(t, d, `{"path":"/items"}`)
	if r.Error != nil {
		t.Fatalf("query: %v", r.Error)
	}
	if len(r.Frames) != 1 || r.Frames[0].Rows() != 5 {
		t.Fatalf("frames %v", r.Frames)
	}
	return r
}

func queryError(t *testing.T, d *Datasource, want ...string) string {
	t.Helper()
	r := runQuery(t, d, `{"path":"/items"}`)
	if r.Error == nil {
		t.Fatalf("query succeeded, want an error with %q", want)
	}
	for _, w := range want {
		if !strings.Contains(r.Error.Error(), w) {
			t.Errorf("error %q lacks %q", r.Error, w)
		}
	}
	return r.Error.Error()
}

// ---------------------------------------------------------------------------------------------
// 1. Token placement

func TestTokenInQueryParameter(t *testing.T) {
	f := newFixture(t)
	q := map[string]any{"tokenUrl": f.srv.URL + mockapi.PathOAuthToken, "clientAuth": "basic", "tokenPlacement": "query", "healthCheckPath": "/items"}
	d := newDS(t, f.settings("/qapi", q, nil))
	r := mustQuery(t, d)
	if h := f.mock.LastAPIHeaders(); h.Get("Authorization") != "" {
		t.Errorf("token also sent as a header: %v", h)
	}
	if got := r.Frames[0].Meta.ExecutedQueryString; got != "GET /qapi/items" {
		t.Errorf("executed query %q", got)
	}
	if h := checkHealth(t, d); h.Status != backend.HealthStatusOk {
		t.Errorf("health: %s", h.Message)
	}
	// A query cannot choose the token parameter.
	bad := runQuery(t, d, `{"path":"/items","params":[{"name":"access_token","value":"mine"}]}`)
	if bad.Error == nil || !strings.Contains(bad.Error.Error(), `query parameter "access_token" carries the token`) {
		t.Errorf("override: %v", bad.Error)
	}
	// The same API with the default placement (header) is refused: the placement is what works.
	delete(q, "tokenPlacement")
	queryError(t, newDS(t, f.settings("/qapi", q, nil)), "HTTP 401")

	// Another parameter name: the API wants access_token, so the token is refused.
	q["tokenPlacement"], q["tokenQueryParam"] = "query", "api_key"
	msg := queryError(t, newDS(t, f.settings("/qapi", q, nil)), "HTTP 401", "tokenQueryParam and the client's permissions")
	assertNoSecret(t, msg, clientSecret)
}

// TestTokenInURLNeverShown: an API that echoes its URL in the body, in Location/Link headers and
// in error replies; a next link carrying the token. The token appears in no error, frame, health
// message, resource reply or log line.
func TestTokenInURLNeverShown(t *testing.T) {
	logs := captureLogs(t)
	f := newFixture(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		self := "http://" + r.Host + r.URL.String()
		w.Header().Set("Content-Location", self)
		w.Header().Set("Link", "<"+self+"&page=2>; rel=\"next\"")
		switch r.URL.Path {
		case "/v1/fail":
			http.Error(w, `{"error":"bad request to `+self+`"}`, http.StatusBadRequest)
		case "/v1/far":
			http.Redirect(w, r, "http://evil.invalid/x?"+r.URL.RawQuery, http.StatusFound)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"items":[{"url":"`+self+`"}],"next":"`+self+`"}`)
		}
	}))
	t.Cleanup(api.Close)
	raw, _ := json.Marshal(map[string]any{"tokenUrl": f.srv.URL + mockapi.PathOAuthToken, "tokenPlacement": "query", "tokenQueryParam": "token", "healthCheckPath": "/fail"})
	d := newDS(t, backend.DataSourceInstanceSettings{UID: "ds1", URL: api.URL + "/v1", JSONData: raw,
		DecryptedSecureJSONData: map[string]string{"clientId": clientID, "clientSecret": clientSecret}})

	var seen []string
	for _, q := range []string{`{"path":"/items"}`, `{"path":"/fail"}`, `{"path":"/far"}`,
		`{"path":"/items","rootSelector":"items","pagination":{"mode":"nextLink","nextLinkPath":"next","maxPages":2}}`,
		`{"path":"/items","pagination":{"mode":"linkHeader","maxPages":2}}`} {
		r := runQuery(t, d, q)
		b, _ := json.Marshal(r)
		seen = append(seen, string(b))
		if r.Error != nil {
			seen = append(seen, r.Error.Error())
		}
	}
	h := checkHealth(t, d)
	seen = append(seen, h.Message)
	for _, p := range []string{"proxy/items", "proxy/fail", "token/status"} {
		rr := callResource(t, context.Background(), d, p)
		hb, _ := json.Marshal(rr.header)
		seen = append(seen, rr.body, string(hb))
	}
	seen = append(seen, logs.all()...)
	joined := strings.Join(seen, "\n")
	if m := hexRun.FindString(joined); m != "" {
		t.Fatalf("a token (%s) is visible:\n%s", m, joined)
	}
	if !strings.Contains(joined, "[redacted]") {
		t.Fatalf("the echoing API was not exercised:\n%s", joined)
	}
}

// ---------------------------------------------------------------------------------------------
// 2. Discovery

func TestDiscoveryFillsEndpointsAndIsCached(t *testing.T) {
	f := newFixture(t)
	d := newDS(t, f.settings("/api", map[string]any{"issuerUrl": f.srv.URL, "clientAuth": "basic", "healthCheckPath": "/items"}, nil))
	h := checkHealth(t, d)
	if h.Status != backend.HealthStatusOk || !strings.Contains(h.Message, "token endpoint "+f.srv.URL+mockapi.PathOAuthToken) ||
		!strings.Contains(h.Message, mockapi.WellKnownOIDC) {
		t.Fatalf("health: %s", h.Message)
	}
	for range 3 {
		mustQuery(t, d)
	}
	if n := f.mock.DiscoveryRequests(); n != 1 {
		t.Errorf("%d metadata requests, want 1 (cached per instance)", n)
	}

	// RFC 8414 location when the OIDC one is missing.
	f.mock.DisableOIDCDiscovery(true)
	d2 := newDS(t, f.settings("/api", map[string]any{"issuerUrl": f.srv.URL, "healthCheckPath": "/items"}, nil))
	if h := checkHealth(t, d2); h.Status != backend.HealthStatusOk || !strings.Contains(h.Message, mockapi.WellKnownRFC8414) {
		t.Fatalf("RFC 8414 health: %s", h.Message)
	}
	mustQuery(t, d2)

	// An explicit tokenUrl wins, and health says so.
	d3 := newDS(t, f.settings("/custom/api", map[string]any{"issuerUrl": f.srv.URL, "tokenUrl": f.srv.URL + mockapi.PathCustomToken,
		"tokenPath": "token", "tokenHeaderName": "X-Token", "tokenHeaderTemplate": "{{token}}", "sendClientIdHeader": true}, nil))
	if h := checkHealth(t, d3); h.Status != backend.HealthStatusOk || !strings.Contains(h.Message, "(tokenUrl "+f.srv.URL+mockapi.PathCustomToken+" is used)") {
		t.Fatalf("explicit tokenUrl: %s", h.Message)
	}
}

func TestDiscoveryFailuresNameTheStep(t *testing.T) {
	f := newFixture(t)
	settings := func(issuer string) backend.DataSourceInstanceSettings {
		return f.settings("/api", map[string]any{"issuerUrl": issuer}, nil)
	}
	f.mock.SetDiscoveryIssuer("https://other.example")
	d := newDS(t, settings(f.srv.URL))
	want := `discovery failed: issuer mismatch: got "https://other.example", configured "` + f.srv.URL + `"`
	if h := checkHealth(t, d); h.Status != backend.HealthStatusError || !strings.Contains(h.Message, want) {
		t.Fatalf("mismatch health: %s", h.Message)
	}
	queryError(t, d, want)
	if n := f.mock.TokenRequests(); n != 0 {
		t.Errorf("%d token requests to an unverified endpoint", n)
	}
	// Trailing slash: exact comparison.
	f.mock.SetDiscoveryIssuer("")
	if h := checkHealth(t, newDS(t, settings(f.srv.URL+"/"))); !strings.Contains(h.Message, "issuer mismatch") {
		t.Errorf("trailing slash: %s", h.Message)
	}

	nothing := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(nothing.Close)
	h := checkHealth(t, newDS(t, settings(nothing.URL)))
	if !strings.Contains(h.Message, "discovery failed (HTTP 404): no metadata found") {
		t.Errorf("404: %s", h.Message)
	}
	// Settings: issuer and issuerUrl must agree.
	bad := newDS(t, f.settings("/api", map[string]any{"grantType": "authorization_code", "issuerUrl": f.srv.URL, "issuer": "https://x.example"}, nil))
	if h := checkHealth(t, bad); !strings.Contains(h.Message, "settings check failed: issuer") {
		t.Errorf("issuer conflict: %s", h.Message)
	}
}

func TestDiscoveryAuthorizationCode(t *testing.T) {
	t.Setenv("OAUTH2REST_STATE_DIR", t.TempDir())
	f := newFixture(t)
	d := newDS(t, f.settings("/api", map[string]any{
		"grantType": "authorization_code", "issuerUrl": f.srv.URL, "redirectUrl": redirectURL, "scopes": "read offline_access",
		"authParams": []map[string]any{{"name": "prompt", "value": "consent"}},
	}, nil))
	back := consent(t, d) // checks PKCE S256 on the discovered authorization endpoint
	if r := callback(t, d, back); r.status != 200 {
		t.Fatalf("callback: %d %s", r.status, r.body)
	}
	mustQuery(t, d)
	// The callback's iss must be the discovered issuer.
	back = consent(t, d)
	back.Set("iss", "https://other.example")
	if r := callback(t, d, back); r.status != 400 || !strings.Contains(r.body, "issuer mismatch") {
		t.Fatalf("iss mismatch accepted: %d %s", r.status, r.body)
	}
	// The metadata says the server sends iss (RFC 9207): a response without it is refused.
	back = consent(t, d)
	back.Del("iss")
	if r := callback(t, d, back); r.status != 400 || !strings.Contains(r.body, "issuer mismatch") {
		t.Fatalf("missing iss accepted: %d %s", r.status, r.body)
	}
}

// ---------------------------------------------------------------------------------------------
// 3. Client authentication

func assertionChecks(t *testing.T, m *mockapi.Server, method, aud string) map[string]any {
	t.Helper()
	claims, got := m.LastAssertion()
	if got != method {
		t.Fatalf("client authenticated with %q, want %q", got, method)
	}
	if claims["iss"] != clientID || claims["sub"] != clientID || claims["aud"] != aud {
		t.Errorf("claims %v", claims)
	}
	exp, _ := claims["exp"].(json.Number).Int64()
	iat, _ := claims["iat"].(json.Number).Int64()
	if exp-iat != 300 || len(claims["jti"].(string)) != 32 {
		t.Errorf("exp-iat %d, jti %v", exp-iat, claims["jti"])
	}
	return claims
}

func TestPrivateKeyJWT(t *testing.T) {
	testKeys(t)
	for _, c := range []struct {
		alg string
		key crypto.Signer
	}{{"RS256", rsaA}, {"PS256", rsaA}, {"ES256", ecA}} {
		t.Run(c.alg, func(t *testing.T) {
			f := newFixture(t)
			f.mock.SetClientPublicKey(c.key.Public())
			tokenURL := f.srv.URL + mockapi.PathOAuthToken
			js := map[string]any{"tokenUrl": tokenURL, "clientAuth": "private_key_jwt", "jwtAlg": c.alg, "jwtKeyId": "key-1", "healthCheckPath": "/items"}
			// A client secret left in the settings is never sent with the assertion (mockapi refuses both).
			sec := map[string]string{"clientId": clientID, "clientSecret": clientSecret, "privateKey": pemOf(t, c.key)}
			d := newDS(t, f.settings("/api", js, sec))
			mustQuery(t, d)
			assertionChecks(t, f.mock, "private_key_jwt", tokenURL)
			if h := f.mock.LastAssertionHeader(); h["alg"] != c.alg || h["kid"] != "key-1" || h["typ"] != "JWT" {
				t.Errorf("header %v", h)
			}

			// aud overridden to the issuer.
			js["jwtAudience"] = f.srv.URL
			mustQuery(t, newDS(t, f.settings("/api", js, sec)))
			assertionChecks(t, f.mock, "private_key_jwt", f.srv.URL)

			// Failures: wrong audience, key not registered.
			js["jwtAudience"] = "https://wrong.example/token"
			queryError(t, newDS(t, f.settings("/api", js, sec)), "invalid_client", "aud must be the token endpoint")
			delete(js, "jwtAudience")
			other := crypto.Signer(rsaB)
			if c.alg == "ES256" {
				other, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			}
			sec["privateKey"] = pemOf(t, other)
			msg := queryError(t, newDS(t, f.settings("/api", js, sec)), "invalid_client", "signature verification failed")
			assertNoSecret(t, msg, clientSecret, sec["privateKey"][40:80])
		})
	}
}

// TestClientAssertionReplayRefused: a recording proxy in front of the token endpoint keeps what the
// plugin sent; replaying it is refused by jti, and a second real request has a new jti.
func TestClientAssertionReplayRefused(t *testing.T) {
	testKeys(t)
	f := newFixture(t)
	f.mock.SetClientPublicKey(rsaA.Public())
	var mu sync.Mutex
	var bodies []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		req, _ := http.NewRequest(r.Method, f.srv.URL+mockapi.PathOAuthToken, strings.NewReader(string(b)))
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(proxy.Close)
	// aud is the real endpoint (the proxy is only a wiretap).
	js := map[string]any{"tokenUrl": proxy.URL, "clientAuth": "private_key_jwt", "jwtAudience": f.srv.URL + mockapi.PathOAuthToken}
	sec := map[string]string{"clientId": clientID, "privateKey": pemOf(t, rsaA)}
	mustQuery(t, newDS(t, f.settings("/api", js, sec)))
	mustQuery(t, newDS(t, f.settings("/api", js, sec)))
	mu.Lock()
	captured := append([]string(nil), bodies...)
	mu.Unlock()
	if len(captured) != 2 {
		t.Fatalf("%d token requests", len(captured))
	}
	a, _ := url.ParseQuery(captured[0])
	b, _ := url.ParseQuery(captured[1])
	if a.Get("client_assertion") == b.Get("client_assertion") || a.Has("client_secret") ||
		a.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || a.Get("client_id") != clientID {
		t.Fatalf("requests %v / %v", a, b)
	}
	resp, err := http.Post(f.srv.URL+mockapi.PathOAuthToken, "application/x-www-form-urlencoded", strings.NewReader(captured[0]))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(body), "jti was already used (replay)") {
		t.Fatalf("replay: %d %s", resp.StatusCode, body)
	}
}

func TestClientSecretJWT(t *testing.T) {
	const long = "a-client-secret-of-at-least-32-bytes-!!"
	m := mockapi.New(mockapi.Config{ClientID: clientID, ClientSecret: long})
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	f := &fixture{mock: m, srv: srv}
	tokenURL := srv.URL + mockapi.PathOAuthToken
	js := map[string]any{"tokenUrl": tokenURL, "clientAuth": "client_secret_jwt"}
	mustQuery(t, newDS(t, f.settings("/api", js, map[string]string{"clientId": clientID, "clientSecret": long})))
	assertionChecks(t, m, "client_secret_jwt", tokenURL)
	if h := m.LastAssertionHeader(); h["alg"] != "HS256" {
		t.Errorf("header %v", h)
	}
	wrong := strings.Repeat("w", 40)
	msg := queryError(t, newDS(t, f.settings("/api", js, map[string]string{"clientId": clientID, "clientSecret": wrong})), "invalid_client", "signature verification failed")
	assertNoSecret(t, msg, wrong, long)
	h := checkHealth(t, newDS(t, f.settings("/api", js, map[string]string{"clientId": clientID, "clientSecret": "short"})))
	if !strings.Contains(h.Message, "settings check failed: secureJsonData.clientSecret: must be at least 32 bytes") {
		t.Errorf("short secret: %s", h.Message)
	}
}

// pki is a CA with a server certificate for 127.0.0.1 and client certificates.
type pki struct {
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	caPEM  string
	server tls.Certificate
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	p := &pki{ca: ca, caKey: key, caPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
	certPEM, keyPEM := p.issue(t, "127.0.0.1", x509.ExtKeyUsageServerAuth)
	p.server, err = tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *pki) issue(t *testing.T, cn string, usage x509.ExtKeyUsage) (string, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature}
	if usage == x509.ExtKeyUsageServerAuth {
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, key.Public(), p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

// TestTLSClientAuth: the token endpoint (and the API) sit behind a TLS server that requires a client
// certificate (tls.RequireAndVerifyClientCert). The plugin is configured only with Grafana's own
// TLS keys (tlsAuth, tlsAuthWithCACert, tlsCACert, tlsClientCert, tlsClientKey), which reach the
// token endpoint through the SDK's HTTP client options; no secret is sent.
func TestTLSClientAuth(t *testing.T) {
	p := newPKI(t)
	m := mockapi.New(mockapi.Config{ClientID: clientID, ClientSecret: clientSecret})
	m.SetClientCertSubject("grafana-client")
	srv := httptest.NewUnstartedServer(m)
	pool := x509.NewCertPool()
	pool.AddCert(p.ca)
	srv.TLS = mockapi.MTLSConfig(p.server, pool)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	f := &fixture{mock: m, srv: srv}

	js := map[string]any{"tokenUrl": srv.URL + mockapi.PathOAuthToken, "clientAuth": "tls_client_auth", "tlsAuth": true, "tlsAuthWithCACert": true, "healthCheckPath": "/items"}
	sec := func(cn string, other bool) map[string]string {
		issuer := p
		if other {
			issuer = newPKI(t)
		}
		cert, key := issuer.issue(t, cn, x509.ExtKeyUsageClientAuth)
		return map[string]string{"clientId": clientID, "clientSecret": clientSecret, "tlsCACert": p.caPEM, "tlsClientCert": cert, "tlsClientKey": key}
	}
	good := sec("grafana-client", false)
	d := newDS(t, f.settings("/api", js, good))
	mustQuery(t, d)
	if _, method := m.LastAssertion(); method != "tls_client_auth" {
		t.Fatalf("authenticated by %q", method)
	}
	if h := checkHealth(t, d); h.Status != backend.HealthStatusOk {
		t.Errorf("health: %s", h.Message)
	}

	// The certificate's subject is not the client's.
	queryError(t, newDS(t, f.settings("/api", js, sec("someone-else", false))), "invalid_client", "certificate subject")
	// A certificate from another CA fails the handshake.
	msg := queryError(t, newDS(t, f.settings("/api", js, sec("grafana-client", true))), "token request failed")
	assertNoSecret(t, msg, clientSecret, good["tlsClientKey"][30:70])
	// Without Grafana's TLS client certificate the settings say what is missing.
	js["tlsAuth"] = false
	if h := checkHealth(t, newDS(t, f.settings("/api", js, good))); !strings.Contains(h.Message, "settings check failed: tlsAuth: must be true with clientAuth: tls_client_auth") {
		t.Errorf("tlsAuth off: %s", h.Message)
	}
}

// ---------------------------------------------------------------------------------------------
// 4. JWT bearer grant and Google service accounts

func TestJWTBearerGrant(t *testing.T) {
	testKeys(t)
	f := newFixture(t)
	f.mock.RegisterJWTIssuer("svc-1", ecA.Public())
	tokenURL := f.srv.URL + mockapi.PathOAuthToken
	js := map[string]any{"grantType": "jwt_bearer", "tokenUrl": tokenURL, "jwtIssuer": "svc-1", "jwtSubject": "reporter@example.com", "scopes": "read write"}
	sec := map[string]string{"privateKey": pemOf(t, ecA)}
	mustQuery(t, newDS(t, f.settings("/api", js, sec)))
	claims, method := f.mock.LastAssertion()
	if method != "jwt_bearer" || claims["iss"] != "svc-1" || claims["sub"] != "reporter@example.com" || claims["aud"] != tokenURL {
		t.Fatalf("%s %v", method, claims)
	}
	if h := f.mock.LastAssertionHeader(); h["alg"] != "ES256" {
		t.Errorf("header %v", h)
	}
	// Failures: an issuer the server does not know, a key it does not know.
	js["jwtIssuer"] = "svc-unknown"
	queryError(t, newDS(t, f.settings("/api", js, sec)), "invalid_grant", `unknown issuer "svc-unknown"`)
	js["jwtIssuer"] = "svc-1"
	queryError(t, newDS(t, f.settings("/api", js, map[string]string{"privateKey": pemOf(t, rsaB)})), "invalid_grant", "does not fit this EC key")
	// Settings: a jwt_bearer grant needs a key.
	if h := checkHealth(t, newDS(t, f.settings("/api", js, map[string]string{"clientId": clientID}))); !strings.Contains(h.Message, "settings check failed: secureJsonData.privateKey: is required with grantType: jwt_bearer") {
		t.Errorf("no key: %s", h.Message)
	}
}

func serviceAccountJSON(t *testing.T, tokenURI string) string {
	t.Helper()
	testKeys(t)
	b, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": "p", "private_key_id": "0123abcd", "private_key": pemOf(t, rsaA),
		"client_email": "grafana@p.iam.gserviceaccount.com", "client_id": "1234", "token_uri": tokenURI})
	return string(b)
}

func TestGoogleServiceAccount(t *testing.T) {
	f := newFixture(t)
	testKeys(t)
	f.mock.RegisterJWTIssuer("grafana@p.iam.gserviceaccount.com", rsaA.Public())
	tokenURI := f.srv.URL + mockapi.PathOAuthToken
	js := map[string]any{"grantType": "jwt_bearer", "scopes": "https://www.googleapis.com/auth/cloud-platform.read-only", "healthCheckPath": "/items"}
	sec := map[string]string{"serviceAccountKey": serviceAccountJSON(t, tokenURI)}
	d := newDS(t, f.settings("/api", js, sec))
	if h := checkHealth(t, d); h.Status != backend.HealthStatusOk {
		t.Fatalf("health: %s", h.Message)
	}
	claims, method := f.mock.LastAssertion()
	if method != "jwt_bearer" || claims["iss"] != "grafana@p.iam.gserviceaccount.com" || claims["aud"] != tokenURI ||
		claims["scope"] != "https://www.googleapis.com/auth/cloud-platform.read-only" || claims["sub"] != nil {
		t.Fatalf("%s %v", method, claims)
	}
	if h := f.mock.LastAssertionHeader(); h["kid"] != "0123abcd" || h["alg"] != "RS256" {
		t.Errorf("header %v", h)
	}
	// Domain-wide delegation: jwtSubject sets sub.
	js["jwtSubject"] = "admin@example.com"
	mustQuery(t, newDS(t, f.settings("/api", js, sec)))
	if claims, _ := f.mock.LastAssertion(); claims["sub"] != "admin@example.com" {
		t.Errorf("sub %v", claims["sub"])
	}
	// A broken key names the field and quotes nothing of it.
	broken := strings.Replace(sec["serviceAccountKey"], "BEGIN PRIVATE KEY", "BEGIN NOTHING", 1)
	h := checkHealth(t, newDS(t, f.settings("/api", js, map[string]string{"serviceAccountKey": broken})))
	if !strings.Contains(h.Message, "settings check failed: secureJsonData.serviceAccountKey: private key:") {
		t.Errorf("broken key: %s", h.Message)
	}
	assertNoSecret(t, h.Message, pemOf(t, rsaA)[40:80])
}

// TestAssertionSecretsNeverLeak: a token endpoint that echoes the whole request (body and
// Authorization) in its error; the assertion, the private key, the service-account key and the
// client secret appear in no error, health message or log line, for every new method.
func TestAssertionSecretsNeverLeak(t *testing.T) {
	logs := captureLogs(t)
	testKeys(t)
	var mu sync.Mutex
	var sent []string
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		mu.Lock()
		sent = append(sent, form.Get("assertion"), form.Get("client_assertion"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		d, _ := json.Marshal(map[string]string{"error": "invalid_client", "error_description": string(b) + " " + r.Header.Get("Authorization")})
		_, _ = w.Write(d)
	}))
	t.Cleanup(echo.Close)
	long := "a-client-secret-of-at-least-32-bytes-!!"
	pemA := pemOf(t, rsaA)
	sa := serviceAccountJSON(t, echo.URL)
	cases := []struct {
		js  map[string]any
		sec map[string]string
	}{
		{map[string]any{"clientAuth": "private_key_jwt"}, map[string]string{"clientId": clientID, "privateKey": pemA}},
		{map[string]any{"clientAuth": "client_secret_jwt"}, map[string]string{"clientId": clientID, "clientSecret": long}},
		{map[string]any{"grantType": "jwt_bearer"}, map[string]string{"clientId": clientID, "privateKey": pemA}},
		{map[string]any{"grantType": "jwt_bearer"}, map[string]string{"serviceAccountKey": sa}},
		{map[string]any{"grantType": "jwt_bearer", "clientAuth": "private_key_jwt"}, map[string]string{"clientId": clientID, "privateKey": pemA}},
	}
	var seen []string
	for _, c := range cases {
		if c.js["grantType"] == nil || c.sec["serviceAccountKey"] == "" {
			c.js["tokenUrl"] = echo.URL
		}
		raw, _ := json.Marshal(c.js)
		d := newDS(t, backend.DataSourceInstanceSettings{UID: "ds1", URL: echo.URL, JSONData: raw, DecryptedSecureJSONData: c.sec})
		h := checkHealth(t, d)
		if h.Status != backend.HealthStatusError || !strings.Contains(h.Message, "invalid_client") {
			t.Fatalf("%v: %s", c.js, h.Message)
		}
		seen = append(seen, h.Message, runQuery(t, d, `{"path":"/x"}`).Error.Error())
		st := callResource(t, context.Background(), d, "token/status")
		seen = append(seen, st.body)
	}
	seen = append(seen, logs.all()...)
	joined := strings.Join(seen, "\n")
	if !strings.Contains(joined, "[redacted]") {
		t.Fatalf("the echo was not exercised:\n%s", joined)
	}
	mu.Lock()
	defer mu.Unlock()
	secrets := append([]string{long, clientID, pemA[30:90], sa[:60]}, sent...)
	for _, s := range secrets {
		if s == "" {
			continue
		}
		// The whole assertion, and its signature alone, must be absent.
		for _, part := range []string{s, s[max(0, len(s)-40):]} {
			if strings.Contains(joined, part) {
				t.Fatalf("secret %q... visible:\n%s", part[:min(20, len(part))], joined)
			}
		}
	}
}

// TestPrivateKeyWithCertificate: Azure AD certificate credentials. The certificate pasted after the
// key adds its thumbprints (x5t, x5t#S256); mockapi, like Azure, refuses an assertion without them.
func TestPrivateKeyWithCertificate(t *testing.T) {
	testKeys(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "grafana"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, rsaA.Public(), rsaA)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	f := newFixture(t)
	f.mock.SetClientCertificate(cert)
	js := map[string]any{"tokenUrl": f.srv.URL + mockapi.PathOAuthToken, "clientAuth": "private_key_jwt", "jwtAlg": "PS256"}
	mustQuery(t, newDS(t, f.settings("/api", js, map[string]string{"clientId": clientID, "privateKey": pemOf(t, rsaA) + certPEM})))
	if h := f.mock.LastAssertionHeader(); h["x5t"] == nil || h["x5t#S256"] == nil {
		t.Errorf("header %v", h)
	}
	queryError(t, newDS(t, f.settings("/api", js, map[string]string{"clientId": clientID, "privateKey": pemOf(t, rsaA)})), "x5t does not match the registered certificate")
	// A certificate of another key is refused by the settings.
	h := checkHealth(t, newDS(t, f.settings("/api", js, map[string]string{"clientId": clientID, "privateKey": pemOf(t, rsaB) + certPEM})))
	if !strings.Contains(h.Message, "settings check failed: secureJsonData.privateKey: private key: the certificate is not the key's") {
		t.Errorf("mismatched certificate: %s", h.Message)
	}
}

// TestSharedKeySeparatesIdentities: replicas share tokens by key; a jwt_bearer token for one
// subject must never be adopted for another, and existing keys stay as they were.
func TestSharedKeySeparatesIdentities(t *testing.T) {
	base := settingsToken(map[string]any{"tokenUrl": "https://a/t"}, map[string]string{"clientId": "c", "clientSecret": "s"})
	if got := sharedKey("u", base); got != "u:"+legacyKey(base) {
		t.Errorf("key of an existing setup changed: %s", got)
	}
	testKeys(t)
	one := settingsToken(map[string]any{"tokenUrl": "https://a/t", "grantType": "jwt_bearer", "jwtIssuer": "i", "jwtSubject": "alice"}, map[string]string{"privateKey": pemOf(t, ecA)})
	two := settingsToken(map[string]any{"tokenUrl": "https://a/t", "grantType": "jwt_bearer", "jwtIssuer": "i", "jwtSubject": "bob"}, map[string]string{"privateKey": pemOf(t, ecA)})
	if sharedKey("u", one) == sharedKey("u", two) {
		t.Error("two subjects share a key")
	}
}

func settingsToken(js map[string]any, sec map[string]string) settings.Token {
	raw, _ := json.Marshal(js)
	s, err := settings.Load(backend.DataSourceInstanceSettings{URL: "https://api", JSONData: raw, DecryptedSecureJSONData: sec})
	if err != nil {
		panic(err)
	}
	return s.Token
}

// legacyKey is the key formula before issue 16.
func legacyKey(t settings.Token) string {
	sum := sha256.Sum256([]byte(t.GrantType + "\x00" + t.URL + "\x00" + t.ClientID + "\x00" + strings.Join(t.Scopes, " ")))
	return hex.EncodeToString(sum[:8])
}

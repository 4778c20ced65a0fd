package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
)

type proofClaims struct {
	JTI, HTM, HTU, Nonce, ATH string
	IAT                       int64
}

// parseProof verifies a proof with go-jose and the JWK embedded in it, and returns its header
// type, the key and the claims.
func parseProof(t *testing.T, proof string) (string, *jose.JSONWebKey, proofClaims) {
	t.Helper()
	jws, err := jose.ParseSigned(proof, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	h := jws.Signatures[0].Protected
	if h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() {
		t.Fatalf("proof header has no public jwk: %+v", h)
	}
	payload, err := jws.Verify(h.JSONWebKey)
	if err != nil {
		t.Fatalf("proof does not verify with its own jwk: %v", err)
	}
	var c proofClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	typ, _ := h.ExtraHeaders["typ"].(string)
	return typ, h.JSONWebKey, c
}

func TestProofClaims(t *testing.T) {
	k, err := NewKey("")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://API.example.com:8443/v1/items%2Fx?secret=1&a=b#frag")
	now := time.Unix(1_800_000_000, 0)
	p1, err := k.Proof("GET", u, "the-access-token", "n-1", now)
	if err != nil {
		t.Fatal(err)
	}
	typ, jwk, c := parseProof(t, p1)
	if typ != "dpop+jwt" {
		t.Errorf("typ %q", typ)
	}
	if c.HTM != "GET" || c.HTU != "https://API.example.com:8443/v1/items%2Fx" || c.IAT != now.Unix() || c.Nonce != "n-1" {
		t.Errorf("claims %+v", c)
	}
	if c.ATH != ATH("the-access-token") {
		t.Errorf("ath %q", c.ATH)
	}
	tp, _ := jwk.Thumbprint(crypto.SHA256)
	if base64.RawURLEncoding.EncodeToString(tp) != k.Thumbprint() {
		t.Errorf("thumbprint of the embedded jwk differs from Key.Thumbprint")
	}
	p2, _ := k.Proof("POST", u, "", "", now)
	_, _, c2 := parseProof(t, p2)
	if c2.JTI == c.JTI || len(c.JTI) < 16 {
		t.Errorf("jti not fresh: %q %q", c.JTI, c2.JTI)
	}
	if c2.ATH != "" || c2.Nonce != "" || c2.HTM != "POST" {
		t.Errorf("token-endpoint proof claims %+v", c2)
	}
	if strings.Contains(p1, "secret=1") {
		t.Error("the query string leaked into the proof")
	}
}

func TestATHKnownValue(t *testing.T) {
	// RFC 9449 section 7.1 example: the hash of "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU".
	if got := ATH("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"); got != "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo" {
		t.Fatalf("ath %q", got)
	}
}

func TestKeyFromPEM(t *testing.T) {
	for _, bad := range []string{"not a pem sEcReT", "-----BEGIN RSA PRIVATE KEY-----\nc0VjUmVU\n-----END RSA PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\nc0VjUmVU\n-----END PRIVATE KEY-----\n"} {
		_, err := NewKey(bad)
		if err == nil || strings.Contains(err.Error(), "sEcReT") || strings.Contains(err.Error(), "c0VjUmVU") {
			t.Errorf("NewKey(%q) = %v", bad, err)
		}
	}
	k, err := NewKey("")
	if err != nil || !k.Generated() || len(k.Thumbprint()) != 43 {
		t.Fatalf("generated key: %v", err)
	}
	// The same key as SEC 1 and as PKCS #8: same thumbprint, not generated.
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(priv)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(priv)
	a, errA := NewKey(string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})))
	b, errB := NewKey(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})))
	if errA != nil || errB != nil || a.Thumbprint() != b.Thumbprint() || a.Generated() {
		t.Fatalf("PEM keys: %v %v", errA, errB)
	}
}

// strictClient is a client whose transport adds proofs, against mockapi's strict DPoP server.
func strictServer(t *testing.T) (*mockapi.DPoPServer, *httptest.Server) {
	m := mockapi.NewDPoP(mockapi.DPoPConfig{ClientID: "c", ClientSecret: "s", RequireNonce: true})
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return m, srv
}

func TestTransportAgainstStrictServer(t *testing.T) {
	m, srv := strictServer(t)
	k, _ := NewKey("")
	tokenClient := &http.Client{Transport: NewTransport(nil, k, ForToken, nil)}
	apiClient := &http.Client{Transport: NewTransport(nil, k, ForResource, nil)}

	resp, err := tokenClient.PostForm(srv.URL+mockapi.PathOAuthToken, url.Values{"grant_type": {"client_credentials"}, "client_id": {"c"}, "client_secret": {"s"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ AccessToken, TokenType string }
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(body, &struct {
		A *string `json:"access_token"`
		T *string `json:"token_type"`
	}{&tok.AccessToken, &tok.TokenType}); err != nil || resp.StatusCode != 200 || tok.TokenType != "DPoP" {
		t.Fatalf("token: %d %s (refusals %q)", resp.StatusCode, body, m.Refusals())
	}
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest("GET", srv.URL+"/api/items?page=2", nil)
		req.Header.Set("Authorization", "DPoP "+tok.AccessToken)
		resp, err := apiClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("API call %d: %d (refusals %q)", i, resp.StatusCode, m.Refusals())
		}
		if req.Header.Get("DPoP") != "" {
			t.Fatal("the transport changed the caller's request")
		}
	}
	if tc, ac := m.NonceChallenges(); tc != 1 || ac != 1 {
		t.Fatalf("challenges %d/%d, want one each (then remembered)", tc, ac)
	}
}

// A fake server for the edge cases: it answers what the test says and counts requests.
type fakeServer struct {
	n      atomic.Int64
	answer func(w http.ResponseWriter, r *http.Request)
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.n.Add(1); f.answer(w, r) }

func TestTransportEdgeCases(t *testing.T) {
	k, _ := NewKey("")
	fake := &fakeServer{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)

	t.Run("a non-challenge error reaches the caller intact", func(t *testing.T) {
		fake.n.Store(0)
		fake.answer = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("DPoP-Nonce", "n1")
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":"invalid_client","error_description":"nope"}`)
		}
		c := &http.Client{Transport: NewTransport(nil, k, ForToken, nil)}
		resp, err := c.Post(srv.URL, "application/x-www-form-urlencoded", strings.NewReader("a=b"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != `{"error":"invalid_client","error_description":"nope"}` || fake.n.Load() != 1 {
			t.Fatalf("body %q after %d requests", b, fake.n.Load())
		}
	})
	t.Run("a challenge repeated is retried only once", func(t *testing.T) {
		fake.n.Store(0)
		fake.answer = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("DPoP-Nonce", "n"+r.Header.Get("X-N"))
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
			w.WriteHeader(401)
		}
		c := &http.Client{Transport: NewTransport(nil, k, ForResource, nil)}
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Authorization", "DPoP tok")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || fake.n.Load() != 2 {
			t.Fatalf("status %d after %d requests, want 401 after 2", resp.StatusCode, fake.n.Load())
		}
	})
	t.Run("a body that cannot be replayed is not retried", func(t *testing.T) {
		fake.n.Store(0)
		fake.answer = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("DPoP-Nonce", "n1")
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":"use_dpop_nonce"}`)
		}
		c := &http.Client{Transport: NewTransport(nil, k, ForToken, nil)}
		req, _ := http.NewRequest("POST", srv.URL, io.NopCloser(strings.NewReader("a=b")))
		req.GetBody = nil
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || fake.n.Load() != 1 {
			t.Fatalf("status %d after %d requests", resp.StatusCode, fake.n.Load())
		}
	})
	t.Run("hostile nonces are ignored", func(t *testing.T) {
		for _, n := range []string{"has space", `quo"te`, strings.Repeat("n", maxNonceLen+1)} {
			fake.n.Store(0)
			fake.answer = func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Dpop-Nonce"] = []string{n}
				w.WriteHeader(400)
				_, _ = io.WriteString(w, `{"error":"use_dpop_nonce"}`)
			}
			tr := NewTransport(nil, k, ForToken, nil)
			resp, err := (&http.Client{Transport: tr}).Post(srv.URL, "text/plain", strings.NewReader("x"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if fake.n.Load() != 1 || len(tr.nonces) != 0 {
				t.Fatalf("nonce %.20q: %d requests, %d nonces kept", n, fake.n.Load(), len(tr.nonces))
			}
		}
	})
	t.Run("a bearer token gets no proof", func(t *testing.T) {
		var got atomic.Value
		fake.answer = func(w http.ResponseWriter, r *http.Request) { got.Store(r.Header.Get("DPoP") + "|") }
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := (&http.Client{Transport: NewTransport(nil, k, ForResource, nil)}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got.Load() != "|" {
			t.Fatalf("DPoP header %q on a bearer request", got.Load())
		}
	})
}

func TestNonceChallengeParsing(t *testing.T) {
	for v, want := range map[string]bool{
		`DPoP error="use_dpop_nonce"`:                   true,
		`DPoP algs="ES256", error="use_dpop_nonce"`:     true,
		`Bearer realm="x", DPoP error="use_dpop_nonce"`: true,
		`dpop error = "use_dpop_nonce"`:                 true,
		`Bearer error="use_dpop_nonce"`:                 false,
		`DPoP error="invalid_dpop_proof"`:               false,
		`NotDPoP error="use_dpop_nonce"`:                false,
	} {
		if got := nonceChallenge([]string{v}); got != want {
			t.Errorf("nonceChallenge(%q) = %v, want %v", v, got, want)
		}
	}
}

package mockapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
)

// signer signs arbitrary proof claims, so each check of the strict server can be broken alone.
type signer struct {
	key *ecdsa.PrivateKey
	typ string
}

func newSigner(t *testing.T) *signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &signer{key: k, typ: "dpop+jwt"}
}

func (s *signer) sign(t *testing.T, claims map[string]any) string {
	t.Helper()
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: s.key},
		(&jose.SignerOptions{EmbedJWK: true}).WithType(jose.ContentType(s.typ)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := sg.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

func claims(htm, htu string, edit func(map[string]any)) map[string]any {
	c := map[string]any{"jti": rand.Text(), "htm": htm, "htu": htu, "iat": time.Now().Unix()}
	if edit != nil {
		edit(c)
	}
	return c
}

func ath(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestDPoPServerChecks(t *testing.T) {
	m := mockapi.NewDPoP(mockapi.DPoPConfig{ClientID: "c", ClientSecret: "s"})
	srv := httptest.NewServer(m)
	defer srv.Close()
	tokenURL := srv.URL + mockapi.PathOAuthToken
	apiURL := srv.URL + "/api/items"
	alice := newSigner(t)

	postToken := func(proof string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", tokenURL, strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "client_id": {"c"}, "client_secret": {"s"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if proof != "" {
			req.Header.Set("DPoP", proof)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	getAPI := func(auth, proof string) int {
		req, _ := http.NewRequest("GET", apiURL, nil)
		req.Header.Set("Authorization", auth)
		if proof != "" {
			req.Header.Set("DPoP", proof)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	code, body := postToken(alice.sign(t, claims("POST", tokenURL, nil)))
	if code != 200 || body["token_type"] != "DPoP" {
		t.Fatalf("token: %d %v", code, body)
	}
	tok := body["access_token"].(string)
	if got := getAPI("DPoP "+tok, alice.sign(t, claims("GET", apiURL, func(c map[string]any) { c["ath"] = ath(tok) }))); got != 200 {
		t.Fatalf("valid API call: %d (%q)", got, m.Refusals())
	}

	for name, tc := range map[string]struct {
		token bool // token endpoint, else API
		proof func() string
		auth  string
		want  string
	}{
		"token: no proof":       {true, func() string { return "" }, "", "want exactly one DPoP header"},
		"token: wrong htm":      {true, func() string { return alice.sign(t, claims("GET", tokenURL, nil)) }, "", "htm"},
		"token: htu with query": {true, func() string { return alice.sign(t, claims("POST", tokenURL+"?x=1", nil)) }, "", "htu"},
		"token: old iat": {true, func() string {
			return alice.sign(t, claims("POST", tokenURL, func(c map[string]any) { c["iat"] = time.Now().Add(-time.Hour).Unix() }))
		}, "", "iat"},
		"token: ath": {true, func() string {
			return alice.sign(t, claims("POST", tokenURL, func(c map[string]any) { c["ath"] = "x" }))
		}, "", "ath on a token request"},
		"token: wrong typ":     {true, func() string { s := *alice; s.typ = "JWT"; return s.sign(t, claims("POST", tokenURL, nil)) }, "", "typ"},
		"token: bad signature": {true, func() string { p := alice.sign(t, claims("POST", tokenURL, nil)); return p[:len(p)-4] + "AAAA" }, "", "signature"},
		"api: no ath":          {false, func() string { return alice.sign(t, claims("GET", apiURL, nil)) }, "DPoP " + tok, "ath"},
		"api: ath of other token": {false, func() string {
			return alice.sign(t, claims("GET", apiURL, func(c map[string]any) { c["ath"] = ath("other") }))
		}, "DPoP " + tok, "ath"},
		"api: other key": {false, func() string {
			return newSigner(t).sign(t, claims("GET", apiURL, func(c map[string]any) { c["ath"] = ath(tok) }))
		}, "DPoP " + tok, "jkt"},
		"api: bearer": {false, func() string { return "" }, "Bearer " + tok, "used with scheme Bearer"},
	} {
		before := len(m.Refusals())
		var status int
		if tc.token {
			status, _ = postToken(tc.proof())
		} else {
			status = getAPI(tc.auth, tc.proof())
		}
		r := m.Refusals()
		if status < 400 || len(r) != before+1 || !strings.Contains(r[len(r)-1], tc.want) {
			t.Errorf("%s: status %d, refusals %q, want one naming %q", name, status, r[before:], tc.want)
		}
	}
	// A replayed proof.
	p := alice.sign(t, claims("GET", apiURL, func(c map[string]any) { c["ath"] = ath(tok) }))
	if getAPI("DPoP "+tok, p) != 200 || getAPI("DPoP "+tok, p) != 401 || !strings.Contains(strings.Join(m.Refusals(), ","), "jti replayed") {
		t.Errorf("a replayed proof was not refused: %q", m.Refusals())
	}
}

func TestDPoPServerNonces(t *testing.T) {
	m := mockapi.NewDPoP(mockapi.DPoPConfig{ClientID: "c", ClientSecret: "s", RequireNonce: true})
	srv := httptest.NewServer(m)
	defer srv.Close()
	s := newSigner(t)
	tokenURL := srv.URL + mockapi.PathOAuthToken
	post := func(nonce string) *http.Response {
		req, _ := http.NewRequest("POST", tokenURL, strings.NewReader("grant_type=client_credentials&client_id=c&client_secret=s"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("DPoP", s.sign(t, claims("POST", tokenURL, func(c map[string]any) {
			if nonce != "" {
				c["nonce"] = nonce
			}
		})))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	r := post("")
	nonce := r.Header.Get("DPoP-Nonce")
	if r.StatusCode != 400 || nonce == "" {
		t.Fatalf("no nonce challenge: %d %q", r.StatusCode, nonce)
	}
	if r := post(nonce); r.StatusCode != 200 {
		t.Fatalf("with the nonce: %d (%q)", r.StatusCode, m.Refusals())
	}
	m.RotateNonces()
	if r := post(nonce); r.StatusCode != 400 || r.Header.Get("DPoP-Nonce") == nonce {
		t.Fatalf("a stale nonce was accepted: %d", r.StatusCode)
	}
}

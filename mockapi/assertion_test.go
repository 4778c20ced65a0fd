package mockapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// sign builds a compact JWS by hand (ES256 or HS256), independently of any JOSE library.
func sign(t *testing.T, alg string, key any, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	c, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	case []byte:
		m := hmac.New(sha256.New, k)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestClientAssertionChecks(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, ts := newTestServer(t, Config{ClientSecret: strings.Repeat("k", 32)})
	s.SetClientPublicKey(key.Public())
	tokenURL := ts.URL + PathOAuthToken
	now := time.Now().Unix()
	n := 0
	claims := func(edit func(map[string]any)) map[string]any {
		n++
		c := map[string]any{"iss": testID, "sub": testID, "aud": tokenURL, "iat": now, "exp": now + 300, "jti": "jti-" + string(rune('a'+n))}
		if edit != nil {
			edit(c)
		}
		return c
	}
	post := func(assertion string, extra url.Values) reply {
		f := url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {clientAssertionType}, "client_assertion": {assertion}}
		for k, v := range extra {
			f[k] = v
		}
		return postForm(t, tokenURL, f, "", "")
	}
	ok := sign(t, "ES256", key, claims(nil))
	if r := post(ok, nil); r.status != 200 {
		t.Fatalf("valid assertion: %d %s", r.status, r.body)
	}
	if r := post(ok, nil); r.status != 401 || !strings.Contains(string(r.body), "jti was already used (replay)") {
		t.Errorf("replay: %d %s", r.status, r.body)
	}
	if r := post(sign(t, "HS256", []byte(strings.Repeat("k", 32)), claims(nil)), nil); r.status != 200 {
		t.Errorf("client_secret_jwt: %d %s", r.status, r.body)
	}
	if r := post(sign(t, "ES256", key, claims(func(c map[string]any) { c["aud"] = ts.URL })), nil); r.status != 200 {
		t.Errorf("aud = issuer: %d %s", r.status, r.body)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, c := range map[string]struct {
		assertion string
		extra     url.Values
		status    int
		want      string
	}{
		"other key":       {sign(t, "ES256", other, claims(nil)), nil, 401, "signature verification failed"},
		"alg none":        {strings.TrimRight(sign(t, "none", nil, claims(nil)), "."), nil, 401, "not a compact JWS"},
		"alg none empty":  {sign(t, "none", nil, claims(nil)), nil, 401, "does not fit this EC key"},
		"HS256 wrong key": {sign(t, "HS256", []byte("guess"), claims(nil)), nil, 401, "signature verification failed"},
		"wrong aud":       {sign(t, "ES256", key, claims(func(c map[string]any) { c["aud"] = "https://x" })), nil, 401, "aud must be"},
		"aud list":        {sign(t, "ES256", key, claims(func(c map[string]any) { c["aud"] = []string{"https://x", tokenURL} })), nil, 200, ""},
		"iss other":       {sign(t, "ES256", key, claims(func(c map[string]any) { c["iss"] = "x" })), nil, 401, "iss and sub must be the client id"},
		"sub other":       {sign(t, "ES256", key, claims(func(c map[string]any) { c["sub"] = "x" })), nil, 401, "iss and sub must be the client id"},
		"no exp":          {sign(t, "ES256", key, claims(func(c map[string]any) { delete(c, "exp") })), nil, 401, "exp is required"},
		"no iat":          {sign(t, "ES256", key, claims(func(c map[string]any) { delete(c, "iat") })), nil, 401, "iat is required"},
		"no jti":          {sign(t, "ES256", key, claims(func(c map[string]any) { delete(c, "jti") })), nil, 401, "jti is required"},
		"expired":         {sign(t, "ES256", key, claims(func(c map[string]any) { c["exp"] = now - 1 })), nil, 401, "expired"},
		"too long":        {sign(t, "ES256", key, claims(func(c map[string]any) { c["exp"] = now + 3600 })), nil, 401, "too far in the future"},
		"with secret":     {sign(t, "ES256", key, claims(nil)), url.Values{"client_secret": {"x"}}, 400, "more than one client authentication method"},
		"client_id other": {sign(t, "ES256", key, claims(nil)), url.Values{"client_id": {"x"}}, 401, "client_id differs from iss"},
		"wrong type":      {sign(t, "ES256", key, claims(nil)), url.Values{"client_assertion_type": {"jwt"}}, 400, "client_assertion_type must be"},
	} {
		r := post(c.assertion, c.extra)
		if r.status != c.status || !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s: %d %s, want %d %q", name, r.status, r.body, c.status, c.want)
		}
	}
}

func TestJWTBearerGrantChecks(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, ts := newTestServer(t, Config{})
	s.RegisterJWTIssuer("svc@example", key.Public())
	tokenURL := ts.URL + PathOAuthToken
	now := time.Now().Unix()
	c := map[string]any{"iss": "svc@example", "aud": tokenURL, "iat": now, "exp": now + 300, "jti": "j1", "scope": "a b"}
	r := postForm(t, tokenURL, url.Values{"grant_type": {jwtBearerGrant}, "assertion": {sign(t, "ES256", key, c)}}, "", "")
	if r.status != 200 || r.json(t)["scope"] != "a b" {
		t.Fatalf("grant: %d %s", r.status, r.body)
	}
	tok := r.json(t)["access_token"].(string)
	if g := get(t, ts.URL+PathItems, map[string]string{"Authorization": "Bearer " + tok}); g.status != 200 {
		t.Errorf("API with the granted token: %d", g.status)
	}
	r = postForm(t, tokenURL, url.Values{"grant_type": {jwtBearerGrant}, "assertion": {sign(t, "ES256", key, c)}}, "", "")
	if r.status != 400 || !strings.Contains(string(r.body), "invalid_grant") || !strings.Contains(string(r.body), "replay") {
		t.Errorf("replay: %d %s", r.status, r.body)
	}
	c["iss"], c["jti"] = "unknown", "j2"
	if r := postForm(t, tokenURL, url.Values{"grant_type": {jwtBearerGrant}, "assertion": {sign(t, "ES256", key, c)}}, "", ""); r.status != 400 || !strings.Contains(string(r.body), "unknown issuer") {
		t.Errorf("unknown issuer: %d %s", r.status, r.body)
	}
}

func TestDiscoveryDocuments(t *testing.T) {
	s, ts := newTestServer(t, Config{})
	for path, iss := range map[string]string{
		WellKnownOIDC:                     ts.URL,
		"/realms/main" + WellKnownOIDC:    ts.URL + "/realms/main",
		WellKnownRFC8414:                  ts.URL,
		WellKnownRFC8414 + "/tenant/v2.0": ts.URL + "/tenant/v2.0",
	} {
		r := get(t, ts.URL+path, nil)
		if r.status != 200 || r.json(t)["issuer"] != iss || r.json(t)["token_endpoint"] != ts.URL+PathOAuthToken {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
	if r := get(t, ts.URL+WellKnownOIDC, map[string]string{"Authorization": "Bearer x"}); r.status != 400 {
		t.Errorf("credentials on a metadata request: %d", r.status)
	}
	s.DisableOIDCDiscovery(true)
	if r := get(t, ts.URL+WellKnownOIDC, nil); r.status != 404 {
		t.Errorf("OIDC off: %d", r.status)
	}
	s.SetDiscoveryIssuer("https://evil")
	if r := get(t, ts.URL+WellKnownRFC8414, nil); r.json(t)["issuer"] != "https://evil" {
		t.Errorf("override: %s", r.body)
	}
}

func TestQueryParameterAPI(t *testing.T) {
	_, ts := newTestServer(t, Config{})
	tok := standardToken(t, ts.URL, url.Values{"grant_type": {"client_credentials"}}, testID, testSecret)["access_token"].(string)
	if r := get(t, ts.URL+PathQueryItems+"?access_token="+tok, nil); r.status != 200 {
		t.Errorf("query token: %d %s", r.status, r.body)
	}
	if r := get(t, ts.URL+PathQueryItems, map[string]string{"Authorization": "Bearer " + tok}); r.status != http.StatusUnauthorized {
		t.Errorf("header token accepted: %d", r.status)
	}
	if r := get(t, ts.URL+PathQueryItems+"?access_token=nope", nil); r.status != http.StatusUnauthorized {
		t.Errorf("bad token accepted: %d", r.status)
	}
}

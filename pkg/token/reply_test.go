package token

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
)

const (
	testID     = "client-id-123"
	testSecret = "super-secret-value"
)

// baseConfig is the token config settings.Load would produce with defaults.
func baseConfig(tokenURL string) settings.Token {
	return settings.Token{
		GrantType: settings.GrantClientCredentials, URL: tokenURL, ClientID: testID, ClientSecret: testSecret,
		ClientAuth: settings.ClientAuthBody, Encoding: settings.EncodingForm,
		ClientIDParam: "client_id", ClientSecretParam: "client_secret",
		Location: settings.TokenInBody, Path: settings.DefaultTokenPath, ExpiresInPath: settings.DefaultExpiresInPath,
		RefreshTokenPath: settings.DefaultRefreshTokenPath, DefaultLifetime: time.Hour, Timeout: 5 * time.Second,
	}
}

var fixedNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func newTestGrant(t *testing.T, cfg settings.Token) *Grant {
	t.Helper()
	g, err := NewGrant(cfg, &http.Client{}, []string{cfg.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	g.now = func() time.Time { return fixedNow }
	return g
}

// TestReplyShapes drives every reply shape through a real HTTP round trip.
func TestReplyShapes(t *testing.T) {
	type reply struct {
		status      int
		contentType string
		header      map[string]string
		body        string
	}
	cases := []struct {
		name       string
		cfg        func(*settings.Token)
		reply      reply
		wantToken  string
		wantExpiry time.Time
		wantRT     string
		wantErr    []string // substrings of the error
	}{
		{name: "standard RFC 6749", reply: reply{200, "application/json", nil, `{"access_token":"AT1","token_type":"Bearer","expires_in":3600}`},
			wantToken: "AT1", wantExpiry: fixedNow.Add(time.Hour)},
		{name: "custom {token} without expiry uses default lifetime", cfg: func(c *settings.Token) { c.Path = "token"; c.DefaultLifetime = 30 * time.Minute },
			reply: reply{200, "application/json", nil, `{"token":"opaque-1"}`}, wantToken: "opaque-1", wantExpiry: fixedNow.Add(30 * time.Minute)},
		{name: "nested dotted path", cfg: func(c *settings.Token) { c.Path = "data.accessToken"; c.ExpiresInPath = "data.expiresIn" },
			reply: reply{200, "application/json", nil, `{"data":{"accessToken":"N1","expiresIn":"120"}}`}, wantToken: "N1", wantExpiry: fixedNow.Add(2 * time.Minute)},
		{name: "JSONPath", cfg: func(c *settings.Token) { c.Path = "$.result[0].jwt" },
			reply: reply{200, "application/json", nil, `{"result":[{"jwt":"J1"}]}`}, wantToken: "J1", wantExpiry: fixedNow.Add(time.Hour)},
		{name: "expires_in as float", reply: reply{200, "application/json", nil, `{"access_token":"F","expires_in":90.5}`},
			wantToken: "F", wantExpiry: fixedNow.Add(90500 * time.Millisecond)},
		{name: "expires_in as string (Azure AD v1)", cfg: func(c *settings.Token) { c.ExpiresAtPath = "expires_on" },
			reply:     reply{200, "application/json", nil, `{"access_token":"AZ","expires_in":"3599","expires_on":"1795435200"}`},
			wantToken: "AZ", wantExpiry: time.Unix(1795435200, 0)},
		{name: "absolute expiry epoch ms", cfg: func(c *settings.Token) { c.ExpiresAtPath = "expiresAt" },
			reply:     reply{200, "application/json", nil, `{"access_token":"MS","expiresAt":1795435200123}`},
			wantToken: "MS", wantExpiry: time.UnixMilli(1795435200123)},
		{name: "absolute expiry RFC 3339 wins over expires_in", cfg: func(c *settings.Token) { c.ExpiresAtPath = "expiry" },
			reply:     reply{200, "application/json", nil, `{"access_token":"R","expires_in":10,"expiry":"2026-11-23T13:30:00Z"}`},
			wantToken: "R", wantExpiry: time.Date(2026, 11, 23, 13, 30, 0, 0, time.UTC)},
		{name: "issued_at plus default lifetime (Salesforce)", cfg: func(c *settings.Token) { c.IssuedAtPath = "issued_at"; c.DefaultLifetime = 2 * time.Hour },
			reply:     reply{200, "application/json", nil, `{"access_token":"SF","issued_at":"1795428000000","instance_url":"https://x"}`},
			wantToken: "SF", wantExpiry: time.UnixMilli(1795428000000).Add(2 * time.Hour)},
		{name: "issued_at plus expires_in", cfg: func(c *settings.Token) { c.IssuedAtPath = "iat" },
			reply:     reply{200, "application/json", nil, `{"access_token":"I","iat":1795428000,"expires_in":600}`},
			wantToken: "I", wantExpiry: time.Unix(1795428000, 0).Add(10 * time.Minute)},
		{name: "form-encoded reply (GitHub style) with wrong content type", reply: reply{200, "text/plain", nil, `access_token=GH1&scope=repo&token_type=bearer`},
			wantToken: "GH1", wantExpiry: fixedNow.Add(time.Hour)},
		{name: "token in response header", cfg: func(c *settings.Token) { c.Location = settings.TokenInHeader; c.ResponseHeader = "X-Subject-Token" },
			reply:     reply{201, "application/json", map[string]string{"X-Subject-Token": "HDR1"}, `{"token":{"expires_at":"2026-11-23T14:00:00Z"}}`},
			wantToken: "HDR1", wantExpiry: fixedNow.Add(time.Hour)},
		{name: "refresh token captured", reply: reply{200, "application/json", nil, `{"access_token":"A","refresh_token":"RT1","expires_in":60}`},
			wantToken: "A", wantRT: "RT1", wantExpiry: fixedNow.Add(time.Minute)},
		{name: "missing field names path and fields present", cfg: func(c *settings.Token) { c.Path = "data.accessToken" },
			reply:   reply{200, "application/json", nil, `{"code":40001,"msg":"bad app"}`},
			wantErr: []string{"token reply", "no field at path data.accessToken", "fields present: code, msg"}},
		{name: "200 with error body", reply: reply{200, "application/json", nil, `{"error":"invalid_client","error_description":"unknown client"}`},
			wantErr: []string{"token reply", "invalid_client", "unknown client"}},
		{name: "success check fails", cfg: func(c *settings.Token) { c.Path = "token"; c.SuccessPath = "ok"; c.SuccessValue = "true" },
			reply:   reply{200, "application/json", nil, `{"ok":false,"token":"looks-valid","message":"quota exceeded"}`},
			wantErr: []string{"ok is \"false\"", "want \"true\"", "quota exceeded"}},
		{name: "success check passes", cfg: func(c *settings.Token) { c.Path = "data.token"; c.SuccessPath = "code"; c.SuccessValue = "0" },
			reply: reply{200, "application/json", nil, `{"code":0,"data":{"token":"OK1"}}`}, wantToken: "OK1", wantExpiry: fixedNow.Add(time.Hour)},
		{name: "401 invalid_client", reply: reply{401, "application/json", nil, `{"error":"invalid_client"}`},
			wantErr: []string{"token request failed (HTTP 401)", "invalid_client"}},
		{name: "500 html", reply: reply{500, "text/html", nil, `<html>oops</html>`},
			wantErr: []string{"token request failed (HTTP 500)", "refused"}},
		{name: "header token missing", cfg: func(c *settings.Token) { c.Location = settings.TokenInHeader; c.ResponseHeader = "X-Subject-Token" },
			reply: reply{200, "application/json", nil, `{}`}, wantErr: []string{"no X-Subject-Token header"}},
		{name: "non-string token", reply: reply{200, "application/json", nil, `{"access_token":123}`},
			wantErr: []string{"non-string value at path access_token"}},
		{name: "not JSON nor form", reply: reply{200, "text/html", nil, `<html>login</html>`},
			wantErr: []string{"neither JSON nor form-encoded"}},
		{name: "bad expiry", cfg: func(c *settings.Token) { c.ExpiresAtPath = "exp" },
			reply: reply{200, "application/json", nil, `{"access_token":"X","exp":"tomorrow"}`}, wantErr: []string{"exp", "neither RFC 3339 nor epoch"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.reply.header {
					w.Header().Set(k, v)
				}
				w.Header().Set("Content-Type", tc.reply.contentType)
				w.WriteHeader(tc.reply.status)
				io.WriteString(w, tc.reply.body)
			}))
			defer srv.Close()
			cfg := baseConfig(srv.URL)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			tok, err := newTestGrant(t, cfg).Fetch(context.Background(), "")
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("want error, got token")
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), "looks-valid") {
					t.Errorf("error leaks a secret or token: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != tc.wantToken {
				t.Errorf("token %q, want %q", tok.AccessToken, tc.wantToken)
			}
			if !tok.Expiry.Equal(tc.wantExpiry) {
				t.Errorf("expiry %v, want %v", tok.Expiry, tc.wantExpiry)
			}
			if tok.RefreshToken != tc.wantRT {
				t.Errorf("refresh token %q, want %q", tok.RefreshToken, tc.wantRT)
			}
		})
	}
}

// TestRequestStyles checks what the token endpoint receives for every request style.
func TestRequestStyles(t *testing.T) {
	type seen struct {
		contentType, basicUser, basicPass string
		params                            map[string]string
		headers                           http.Header
	}
	cases := []struct {
		name  string
		cfg   func(*settings.Token)
		check func(t *testing.T, s seen)
	}{
		{name: "form body credentials (default)", check: func(t *testing.T, s seen) {
			want := map[string]string{"grant_type": "client_credentials", "client_id": testID, "client_secret": testSecret}
			assertParams(t, s.params, want)
			if s.contentType != "application/x-www-form-urlencoded" || s.basicUser != "" {
				t.Errorf("content type %q basic %q", s.contentType, s.basicUser)
			}
		}},
		{name: "basic auth", cfg: func(c *settings.Token) {
			c.ClientAuth = settings.ClientAuthBasic
			c.ClientSecret = "p@ss:word+/"
		}, check: func(t *testing.T, s seen) {
			assertParams(t, s.params, map[string]string{"grant_type": "client_credentials"})
			// RFC 6749 2.3.1: form-encoded before Basic.
			if u, _ := url.QueryUnescape(s.basicUser); u != testID {
				t.Errorf("basic user %q", s.basicUser)
			}
			if p, _ := url.QueryUnescape(s.basicPass); p != "p@ss:word+/" {
				t.Errorf("basic password not form-encoded correctly: %q", s.basicPass)
			}
		}},
		{name: "JSON body with custom key names", cfg: func(c *settings.Token) {
			c.Encoding = settings.EncodingJSON
			c.ClientIDParam, c.ClientSecretParam = "clientId", "secret"
			c.OmitGrantType = true
		}, check: func(t *testing.T, s seen) {
			assertParams(t, s.params, map[string]string{"clientId": testID, "secret": testSecret})
			if s.contentType != "application/json" {
				t.Errorf("content type %q", s.contentType)
			}
		}},
		{name: "scopes audience resource params headers", cfg: func(c *settings.Token) {
			c.Scopes = []string{"read", "write"}
			c.Audience = "https://api.example.com"
			c.Resource = "https://res.example.com"
			c.Params = []settings.NameValue{{Name: "tenant", Value: "t1"}, {Name: "api_key", Value: "k-secret", Secure: true}}
			c.Headers = []settings.NameValue{{Name: "X-Api-Version", Value: "2"}}
		}, check: func(t *testing.T, s seen) {
			assertParams(t, s.params, map[string]string{"grant_type": "client_credentials", "client_id": testID, "client_secret": testSecret,
				"scope": "read write", "audience": "https://api.example.com", "resource": "https://res.example.com", "tenant": "t1", "api_key": "k-secret"})
			if s.headers.Get("X-Api-Version") != "2" || s.headers.Get("Accept") != "application/json" {
				t.Errorf("headers %v", s.headers)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got seen
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got.contentType = r.Header.Get("Content-Type")
				got.headers = r.Header.Clone()
				got.basicUser, got.basicPass, _ = r.BasicAuth()
				got.params = map[string]string{}
				body, _ := io.ReadAll(r.Body)
				if strings.HasPrefix(got.contentType, "application/json") {
					json.Unmarshal(body, &got.params)
				} else {
					v, _ := url.ParseQuery(string(body))
					for k := range v {
						got.params[k] = v.Get(k)
					}
				}
				io.WriteString(w, `{"access_token":"x"}`)
			}))
			defer srv.Close()
			cfg := baseConfig(srv.URL)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			if _, err := newTestGrant(t, cfg).Fetch(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
		})
	}
}

func assertParams(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("params %v, want %v", keysOf(got), keysOf(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("param %s = %q, want %q", k, got[k], v)
		}
	}
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestRefreshGrantFallsBackOnInvalidGrant: a dead refresh token falls back to the primary grant.
func TestRefreshGrantFallsBackOnInvalidGrant(t *testing.T) {
	var grants []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		grants = append(grants, r.PostForm.Get("grant_type"))
		if r.PostForm.Get("grant_type") == "refresh_token" {
			if r.PostForm.Get("refresh_token") != "RT-old" {
				t.Errorf("refresh token not sent")
			}
			w.WriteHeader(400)
			io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		io.WriteString(w, `{"access_token":"fresh","refresh_token":"RT-new"}`)
	}))
	defer srv.Close()
	tok, err := newTestGrant(t, baseConfig(srv.URL)).Fetch(context.Background(), "RT-old")
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "fresh" || tok.RefreshToken != "RT-new" {
		t.Fatalf("got %+v", tok)
	}
	if strings.Join(grants, ",") != "refresh_token,client_credentials" {
		t.Fatalf("grants %v", grants)
	}
}

// TestErrorsRedactEchoedSecret: a token endpoint that echoes the secret must not leak it.
func TestErrorsRedactEchoedSecret(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.WriteHeader(401)
		io.WriteString(w, `{"error":"invalid_client","error_description":"secret `+r.PostForm.Get("client_secret")+` is wrong"}`)
	}))
	defer srv.Close()
	_, err := newTestGrant(t, baseConfig(srv.URL)).Fetch(context.Background(), "")
	if err == nil || strings.Contains(err.Error(), testSecret) || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("error %q", err)
	}
}

// TestRedirectNotFollowed: the client secret must never be re-posted to wherever a redirect points.
func TestRedirectNotFollowed(t *testing.T) {
	var other atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	defer elsewhere.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	_, err := newTestGrant(t, baseConfig(srv.URL)).Fetch(context.Background(), "")
	var te *Error
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("error %v", err)
	}
	if other.Load() != 0 {
		t.Fatal("redirect was followed")
	}
}

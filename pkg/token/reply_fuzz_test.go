package token_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
)

const (
	fzClientID = "fz7ClientIdQ3"
	fzSecret   = "Fz7S3cretQ9x"
	fzRefresh  = "Rt4RefreshTok8"
	fzParam    = "Pm2SecureParam5"
)

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func fuzzConfig(variant uint8) settings.Token {
	c := settings.Token{
		GrantType: settings.GrantClientCredentials, URL: "https://auth.example.com/token", ClientID: fzClientID, ClientSecret: fzSecret,
		ClientAuth: settings.ClientAuthBody, Encoding: settings.EncodingForm, ClientIDParam: "client_id", ClientSecretParam: "client_secret",
		Params:   []settings.NameValue{{Name: "pin", Value: fzParam, Secure: true}},
		Location: settings.TokenInBody, Path: settings.DefaultTokenPath, ExpiresInPath: settings.DefaultExpiresInPath,
		RefreshTokenPath: settings.DefaultRefreshTokenPath, DefaultLifetime: time.Hour, Timeout: time.Second,
	}
	switch variant % 6 {
	case 1:
		c.Path, c.ExpiresInPath, c.ExpiresAtPath, c.IssuedAtPath = "$.data.token", "data.ttl", "data.exp", "data.iat"
	case 2:
		c.Location, c.ResponseHeader = settings.TokenInHeader, "X-Subject-Token"
	case 3:
		c.SuccessPath, c.SuccessValue = "status", "ok"
	case 4:
		c.ClientAuth, c.Encoding = settings.ClientAuthBasic, settings.EncodingJSON
	case 5:
		c.GrantType = settings.GrantAuthorizationCode
	}
	return c
}

// FuzzReplyRead: any status, content type, Retry-After and body from the token endpoint go through
// the real request/reply path of Grant (a transport answers in memory). It never panics; a non-2xx
// answer is always an error; an error is a *token.Error and
// never contains the client secret, the client id, the refresh token, a secure parameter or the
// Basic credential, even when the reply quotes them.
func FuzzReplyRead(f *testing.F) {
	for _, s := range []struct {
		status  int
		ct, ra  string
		body    string
		variant uint8
	}{
		{200, "application/json", "", `{"access_token":"abc","expires_in":3600,"token_type":"Bearer"}`, 0},
		{200, "application/json", "", `{"access_token":"abc","refresh_token":"new","expires_in":"3600"}`, 0},
		{200, "application/x-www-form-urlencoded", "", `access_token=abc&expires_in=60`, 0},
		{200, "application/json", "", `{"data":{"token":"t","ttl":1.5,"exp":"2030-01-01T00:00:00Z","iat":1700000000000}}`, 1},
		{200, "application/json", "", `{"data":{"token":"t","exp":"tomorrow"}}`, 1},
		{200, "application/json", "", `{}`, 2},
		{200, "application/json", "", `{"status":"error","message":"client ` + fzSecret + ` is locked"}`, 3},
		{200, "application/json", "", `{"status":"ok","access_token":"x"}`, 3},
		{401, "application/json", "", `{"error":"invalid_client","error_description":"bad secret ` + fzSecret + ` for ` + fzClientID + `"}`, 0},
		{400, "application/json", "", `{"error":"invalid_grant","error_description":"refresh token ` + fzRefresh + ` revoked"}`, 1},
		{400, "application/json", "", `{"error":"invalid_request","error_description":"refresh token ` + fzRefresh + ` malformed"}`, 3},
		{401, "text/plain", "", `Authorization: Basic ` + base64.StdEncoding.EncodeToString([]byte(fzClientID+":"+fzSecret)), 4},
		{400, "application/json", "", `{"error":"x","error_description":"` + strings.Repeat("y", 270) + fzSecret + `"}`, 0},
		{200, "application/json", "", `{"` + fzSecret + `":1,"` + fzParam + `":2}`, 0},
		{429, "application/json", "120", `{"error":"slow_down"}`, 0},
		{503, "text/html", "Wed, 21 Oct 2015 07:28:00 GMT", `<html>down</html>`, 0},
		{302, "", "", ``, 0},
		{200, "application/json", "", `{"access_token":"s3\u0063"}`, 0},
		{200, "application/json", "", "{\"access_token\":\"\xff\"}", 0},
		{200, "application/json", "", `[` + strings.Repeat(`[`, 10000), 0},
		{200, "application/json", "", `{"access_token":"a","expires_in":1e400}`, 0},
		{200, "application/json", "", `{"access_token":"a","expires_in":-5}`, 5},
		{100, "", "", ``, 0},
		{999, "", "", `{"error":{"code":7,"message":"m"}}`, 0},
	} {
		f.Add(s.status, s.ct, s.ra, []byte(s.body), s.variant)
	}
	f.Fuzz(func(t *testing.T, status int, contentType, retryAfter string, body []byte, variant uint8) {
		if status < 100 || status > 999 {
			t.Skip()
		}
		cfg := fuzzConfig(variant)
		client := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
			if r.Body != nil {
				io.Copy(io.Discard, r.Body)
			}
			h := http.Header{}
			if contentType != "" {
				h.Set("Content-Type", contentType)
			}
			if retryAfter != "" {
				h.Set("Retry-After", retryAfter)
			}
			if variant%6 == 2 && len(body) > 0 && body[0] == 'H' {
				h.Set("X-Subject-Token", string(body[1:]))
			}
			loc := ""
			if status >= 300 && status < 400 {
				loc = "https://elsewhere.example.com/token"
				h.Set("Location", loc)
			}
			return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
		})}
		g, err := token.NewGrant(cfg, client, []string{fzSecret, fzParam})
		if err != nil {
			t.Fatal(err)
		}
		rt := ""
		if variant%2 == 1 {
			rt = fzRefresh
		}
		tok, err := g.Fetch(context.Background(), rt)
		if err == nil {
			if status < 200 || status > 299 {
				t.Fatalf("HTTP %d gave a token", status)
			}
			if tok == nil || strings.TrimSpace(tok.AccessToken) == "" || tok.AccessToken != strings.TrimSpace(tok.AccessToken) {
				t.Fatalf("token %+v", tok)
			}
			return
		}
		var te *token.Error
		if !errors.As(err, &te) {
			t.Fatalf("error %v is a %T, not a *token.Error", err, err)
		}
		msg := err.Error()
		basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(fzClientID) + ":" + url.QueryEscape(fzSecret)))
		forbidden := []string{fzSecret, fzClientID, fzParam, basic, url.QueryEscape(fzSecret)}
		if rt != "" {
			forbidden = append(forbidden, fzRefresh) // a value the plugin sent, not one it never knew
		}
		for _, s := range forbidden {
			if strings.Contains(msg, s) {
				t.Fatalf("error leaks %q: %q", s, msg)
			}
		}
		if len(msg) > 1000 {
			t.Fatalf("error of %d bytes", len(msg))
		}
	})
}

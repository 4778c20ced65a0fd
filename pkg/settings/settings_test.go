package settings

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func load(url, jsonData string, secure map[string]string) (*Settings, error) {
	if secure == nil {
		secure = map[string]string{"clientId": "id", "clientSecret": "secret"}
	}
	return Load(backend.DataSourceInstanceSettings{URL: url, JSONData: json.RawMessage(jsonData), DecryptedSecureJSONData: secure})
}

func TestLoadDefaults(t *testing.T) {
	s, err := load("https://api.example.com/v1/", `{"tokenUrl":"https://auth.example.com/token"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	tk, u := s.Token, s.Upstream
	if tk.Path != "access_token" || tk.ExpiresInPath != "expires_in" || tk.RefreshTokenPath != "refresh_token" ||
		tk.ClientAuth != "body" || tk.Encoding != "form" || tk.Location != "body" || tk.DefaultLifetime != time.Hour ||
		tk.Timeout != 15*time.Second || tk.ClientIDParam != "client_id" || tk.ClientSecretParam != "client_secret" {
		t.Errorf("token defaults %+v", tk)
	}
	if u.BaseURL.String() != "https://api.example.com/v1" || u.TokenHeaderName != "Authorization" ||
		u.TokenHeaderTemplate != "Bearer {{token}}" || u.ClientIDHeaderName != "" || u.Timeout != 30*time.Second ||
		u.MaxResponseBytes != 16<<20 {
		t.Errorf("upstream defaults %+v", u)
	}
}

func TestLoadFullCustomCase(t *testing.T) {
	s, err := load("http://mock:8080/custom/api", `{
		"tokenUrl":"http://mock:8080/custom/token", "tokenPath":"token", "scopes":"a b,c",
		"tokenHeaderName":"X-Token", "tokenHeaderTemplate":"{{token}}", "sendClientIdHeader":true,
		"headers":[{"name":"x-api-version","value":"3"},{"name":"X-Api-Key","secure":true}],
		"tokenParams":[{"name":"tenant","value":"t1"},{"name":"pin","secure":true}],
		"defaultTokenLifetime": 300, "timeout": "45s", "maxResponseBytes": 1024, "successPath":"ok", "successValue": true
	}`, map[string]string{"clientId": "app-1", "clientSecret": "sec", "header.X-Api-Key": "hk", "tokenParam.pin": "1234"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Token.Scopes, "|"); got != "a|b|c" {
		t.Errorf("scopes %q", got)
	}
	if s.Upstream.ClientIDHeaderName != "X-Client-ID" || s.Upstream.ClientID != "app-1" {
		t.Errorf("client id header %+v", s.Upstream)
	}
	if s.Token.DefaultLifetime != 5*time.Minute || s.Upstream.Timeout != 45*time.Second || s.Upstream.MaxResponseBytes != 1024 {
		t.Errorf("numbers %v %v %v", s.Token.DefaultLifetime, s.Upstream.Timeout, s.Upstream.MaxResponseBytes)
	}
	if s.Token.SuccessValue != "true" {
		t.Errorf("successValue %q", s.Token.SuccessValue)
	}
	h := s.Upstream.Headers
	if len(h) != 2 || h[0] != (NameValue{"X-Api-Version", "3", false}) || h[1] != (NameValue{"X-Api-Key", "hk", true}) {
		t.Errorf("headers %+v", h)
	}
	if p := s.Token.Params; len(p) != 2 || p[1] != (NameValue{"pin", "1234", true}) {
		t.Errorf("params %+v", p)
	}
	secrets := strings.Join(s.Secrets(), ",")
	if secrets != "sec,1234,hk" {
		t.Errorf("secrets %q", secrets)
	}
}

// TestLoadErrorsNameTheField: Load runs every section and passes its error on unchanged (each
// section's own table, in sections_test.go and the section's test file, covers its keys), names the
// field and quotes no secret value.
func TestLoadErrorsNameTheField(t *testing.T) {
	const tok = `"tokenUrl":"https://auth.example.com/token"`
	cases := []struct {
		name, url, json string
		secure          map[string]string
		field           string
	}{
		{"base URL section", "", `{` + tok + `}`, nil, "url"},
		{"identity section", "https://x", `{` + tok + `,"tokenExchange":true}`, nil, "tokenExchange"},
		{"token request section", "https://x", `{}`, nil, "tokenUrl"},
		{"token request section, secret", "https://x", `{` + tok + `}`, map[string]string{"clientSecret": "hidden-secret"}, "secureJsonData.clientId"},
		{"client auth section", "https://x", `{` + tok + `,"clientAuth":"jwt"}`, nil, "clientAuth"},
		{"authorization code section", "https://x", `{` + tok + `,"grantType":"authorization_code"}`, nil, "authUrl"},
		{"token reply section", "https://x", `{` + tok + `,"tokenLocation":"cookie"}`, nil, "tokenLocation"},
		{"API section", "https://x", `{` + tok + `,"tokenHeaderName":"X Token"}`, nil, "tokenHeaderName"},
		{"request policy section", "https://x", `{` + tok + `,"allowedMethods":["DELETE"]}`, nil, "allowedMethods[0]"},
		{"identity and API section", "https://x", `{` + tok + `,"dpop":true,"tokenHeaderName":"X-Token"}`, nil, "tokenHeaderName"},
		{"shared store section", "https://x", `{` + tok + `,"sharedStore":"redis"}`, nil, "redisAddress"},
		{"jsonData wrong type", "https://x", `{"tokenUrl": 5}`, nil, "jsonData"},
		{"jsonData not object", "https://x", `[1]`, nil, "jsonData"},
		{"identity keys wrong type", "https://x", `{` + tok + `,"oauthPassThru":"yes"}`, nil, "jsonData"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(tc.url, tc.json, tc.secure)
			fe, ok := err.(*FieldError)
			if !ok {
				t.Fatalf("want *FieldError, got %v", err)
			}
			if !strings.HasPrefix(fe.Field, tc.field) {
				t.Errorf("field %q, want %q (%v)", fe.Field, tc.field, err)
			}
			if strings.Contains(err.Error(), "hidden-secret") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestSecureHeaderLookupIsCaseInsensitive(t *testing.T) {
	s, err := load("https://x", `{"tokenUrl":"https://a/t","headers":[{"name":"x-api-key","secure":true}]}`,
		map[string]string{"clientId": "i", "clientSecret": "s", "header.X-Api-Key": "v"})
	if err != nil || s.Upstream.Headers[0].Value != "v" {
		t.Fatalf("%v %+v", err, s)
	}
}

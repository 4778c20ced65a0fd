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

// TestLoadErrorsNameTheField: every invalid setting says which field and why, and no secret value.
func TestLoadErrorsNameTheField(t *testing.T) {
	const tok = `"tokenUrl":"https://auth.example.com/token"`
	cases := []struct {
		name, url, json string
		secure          map[string]string
		field           string
	}{
		{"missing url", "", `{` + tok + `}`, nil, "url"},
		{"relative url", "/api", `{` + tok + `}`, nil, "url"},
		{"ftp url", "ftp://x", `{` + tok + `}`, nil, "url"},
		{"userinfo url", "https://u:p@x", `{` + tok + `}`, nil, "url"},
		{"query in url", "https://x/api?a=1", `{` + tok + `}`, nil, "url"},
		{"missing tokenUrl", "https://x", `{}`, nil, "tokenUrl"},
		{"bad tokenUrl", "https://x", `{"tokenUrl":"auth.example.com"}`, nil, "tokenUrl"},
		{"missing client id", "https://x", `{` + tok + `}`, map[string]string{"clientSecret": "hidden-secret"}, "secureJsonData.clientId"},
		{"missing client secret", "https://x", `{` + tok + `}`, map[string]string{"clientId": "id"}, "secureJsonData.clientSecret"},
		{"unknown grant", "https://x", `{` + tok + `,"grantType":"password"}`, nil, "grantType"},
		{"unknown clientAuth", "https://x", `{` + tok + `,"clientAuth":"jwt"}`, nil, "clientAuth"},
		{"unknown encoding", "https://x", `{` + tok + `,"tokenRequestEncoding":"xml"}`, nil, "tokenRequestEncoding"},
		{"unknown location", "https://x", `{` + tok + `,"tokenLocation":"cookie"}`, nil, "tokenLocation"},
		{"header location without header", "https://x", `{` + tok + `,"tokenLocation":"header"}`, nil, "tokenResponseHeader"},
		{"empty tokenPath", "https://x", `{` + tok + `,"tokenPath":""}`, nil, "tokenPath"},
		{"bad tokenPath", "https://x", `{` + tok + `,"tokenPath":"$["}`, nil, "tokenPath"},
		{"bad expiresAtPath", "https://x", `{` + tok + `,"expiresAtPath":"a..b"}`, nil, "expiresAtPath"},
		{"success path alone", "https://x", `{` + tok + `,"successPath":"ok"}`, nil, "successPath"},
		{"bad lifetime", "https://x", `{` + tok + `,"defaultTokenLifetime":"forever"}`, nil, "defaultTokenLifetime"},
		{"negative timeout", "https://x", `{` + tok + `,"timeout":-1}`, nil, "timeout"},
		{"bad tokenTimeout", "https://x", `{` + tok + `,"tokenTimeout":"soon"}`, nil, "tokenTimeout"},
		{"bad maxResponseBytes", "https://x", `{` + tok + `,"maxResponseBytes":"lots"}`, nil, "maxResponseBytes"},
		{"template without placeholder", "https://x", `{` + tok + `,"tokenHeaderTemplate":"Bearer token"}`, nil, "tokenHeaderTemplate"},
		{"template with newline", "https://x", `{` + tok + `,"tokenHeaderTemplate":"{{token}}\r\nX: y"}`, nil, "tokenHeaderTemplate"},
		{"bad header name", "https://x", `{` + tok + `,"tokenHeaderName":"X Token"}`, nil, "tokenHeaderName"},
		{"client id header equals token header", "https://x", `{` + tok + `,"sendClientIdHeader":true,"clientIdHeaderName":"authorization"}`, nil, "clientIdHeaderName"},
		{"header without name", "https://x", `{` + tok + `,"headers":[{"value":"v"}]}`, nil, "headers[0]"},
		{"duplicate header", "https://x", `{` + tok + `,"headers":[{"name":"A","value":"1"},{"name":"a","value":"2"}]}`, nil, "headers[1]"},
		{"header overriding token header", "https://x", `{` + tok + `,"headers":[{"name":"Authorization","value":"x"}]}`, nil, "headers"},
		{"secure header value in jsonData", "https://x", `{` + tok + `,"headers":[{"name":"K","value":"oops","secure":true}]}`, nil, "headers[0]"},
		{"secure header missing", "https://x", `{` + tok + `,"headers":[{"name":"X-Key","secure":true}]}`, nil, "secureJsonData.header.X-Key"},
		{"secure token param missing", "https://x", `{` + tok + `,"tokenParams":[{"name":"pin","secure":true}]}`, nil, "secureJsonData.tokenParam.pin"},
		{"header value with newline", "https://x", `{` + tok + `,"headers":[{"name":"A","value":"1\nB: 2"}]}`, nil, "headers[0].value"},
		{"jsonData wrong type", "https://x", `{"tokenUrl": 5}`, nil, "jsonData"},
		{"jsonData not object", "https://x", `[1]`, nil, "jsonData"},
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

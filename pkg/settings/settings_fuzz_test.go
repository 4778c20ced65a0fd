package settings_test

import (
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
)

// fuzzSecrets are the secure values every FuzzLoad run passes; none may appear in an error.
var fuzzSecrets = map[string]string{
	"clientId":               "fz-client-ID-1d2e3f",
	"clientSecret":           "fz-client-SECRET-9a8b7c",
	"refreshToken":           "fz-refresh-TOKEN-5e6f7a",
	"sealedRefreshToken":     "fz-sealed-BLOB-1a2b3c",
	"header.X-Api-Key":       "fz-header-SECRET-4d5e6f",
	"tokenParam.pin":         "fz-param-SECRET-7a8b9c",
	"tokenHeader.X-Tenant":   "fz-tokhdr-SECRET-0a1b2c",
	"authParam.login_hint":   "fz-auth-SECRET-3c4d5e",
	"redisPassword":          "fz-redis-SECRET-6f7a8b",
	"header.X-Line":          "fz-line\r\nX-Injected: 1",
	"tokenHeader.X-Line":     "fz-line\nbreak-SECRET",
	"header.x-api-key-lower": "fz-lower-SECRET-9c0d1e",
	"privateKey":             "-----BEGIN PRIVATE KEY-----\nfzPKEYsecret0123456789abcdefABCD\n-----END PRIVATE KEY-----\n",
	"serviceAccountKey":      `{"client_email":"fz-sa@x","private_key":"fz-sa-KEY-SECRET-1f2e3d"}`,
	"tlsClientKey":           "fz-tls-KEY-SECRET-4c5b6a",
}

// FuzzLoad: for any jsonData bytes, URL and secure values, Load never panics; it returns either an
// error of type *FieldError that quotes no secure value, or settings that keep the invariants the
// rest of the plugin relies on.
func FuzzLoad(f *testing.F) {
	for _, s := range []struct{ url, json, extra string }{
		{"https://api.example.com/v1", `{"tokenUrl":"https://auth.example.com/token"}`, ""},
		{"https://api.example.com/v1", `{"tokenUrl":"https://auth.example.com/token","tokenPath":"token","tokenHeaderName":"X-Token","tokenHeaderTemplate":"{{token}}","sendClientIdHeader":true,"clientIdHeaderName":"X-Client-ID","healthCheckPath":"/items"}`, ""},
		{"https://api.example.com", `{"tokenUrl":"https://a/t","headers":[{"name":"X-Api-Key","secure":true},{"name":"X-Plain","value":"v"}],"tokenParams":[{"name":"pin","secure":true}],"tokenHeaders":[{"name":"X-Tenant","secure":true}]}`, ""},
		{"https://api.example.com", `{"tokenUrl":"https://a/t","headers":[{"name":"X-Api-Key","secure":true,"value":"inline"}]}`, ""},
		{"https://api.example.com", `{"tokenUrl":"https://a/t","headers":[{"name":"X-Line","secure":true}]}`, ""},
		{"https://api.example.com", `{"grantType":"authorization_code","tokenUrl":"https://a/t","authUrl":"https://a/authorize","authParams":[{"name":"login_hint","secure":true}],"usePkce":false,"issuer":"https://a"}`, ""},
		{"https://api.example.com", `{"tokenUrl":"https://a/t","tokenLocation":"header","tokenResponseHeader":"X-Subject-Token","expiresAtPath":"$.exp","issuedAtPath":"iat","successPath":"ok","successValue":true}`, ""},
		{"https://api.example.com", `{"tokenUrl":"https://a/t","timeout":30,"tokenTimeout":"1.5","maxResponseBytes":"1024","defaultTokenLifetime":"-1h"}`, ""},
		{"https://api.example.com", `{"tokenUrl":"https://a/t","timeout":1e300,"maxResponseBytes":9223372036854775807,"tokenTimeout":"NaN"}`, ""},
		{"https://api.example.com", `{"tokenUrl":"https://a/t","allowedMethods":["get","POST"],"postPathPatterns":["/search","/bulk/**"]}`, ""},
		{"https://api.example.com", `{"tokenUrl":"https://a/t","sharedStore":"redis","redisAddress":"redis:6379","redisDb":"2"}`, ""},
		{"https://u:p@api.example.com/?q=1#f", `{"tokenUrl":"javascript:alert(1)"}`, ""},
		{"", `null`, ""},
		{"http://x", `[]`, ""},
		{"http://x", `{"tokenUrl":1}`, ""},
		{"http://x", `{"timeout":{"a":1}}`, ""},
		{"http://x", `{"tokenUrl":"https://a/t","tokenPath":"$[","tokenHeaderTemplate":"Bearer {{token}}\r\nX: y"}`, ""},
		{"http://x", "{\"tokenUrl\":\"https://a/t\",\"headers\":[{\"name\":\"X-A\\u0000\"}]}", ""},
		{"http://x", `{"tokenUrl":"https://a/t"}`, "fz-client-SECRET-9a8b7c"},
		{"http://x", `{"tokenUrl":"https://a/t","clientAuth":"private_key_jwt","jwtAlg":"ES256"}`, ""},
		{"http://x", `{"grantType":"jwt_bearer","jwtIssuer":"i"}`, ""},
		{"http://x", `{"tokenUrl":"https://a/t","clientAuth":"tls_client_auth","tlsAuth":true}`, ""},
		{"http://x", `{"issuerUrl":"https://idp/realm","tokenPlacement":"query","tokenQueryParam":"k"}`, ""},
		{"http://x", `{"tokenUrl":"https://a/t","clientAuth":"client_secret_jwt"}`, "fz-client-SECRET-9a8b7c-long-enough-for-hs256"},
	} {
		f.Add([]byte(s.json), s.url, s.extra)
	}
	f.Fuzz(func(t *testing.T, jsonData []byte, rawURL, extraSecret string) {
		secure := map[string]string{}
		for k, v := range fuzzSecrets {
			secure[k] = v
		}
		if extraSecret != "" {
			secure["clientSecret"] = extraSecret
		}
		s, err := settings.Load(backend.DataSourceInstanceSettings{URL: rawURL, JSONData: jsonData, DecryptedSecureJSONData: secure})
		if err != nil {
			fe, ok := err.(*settings.FieldError)
			if !ok {
				t.Fatalf("error %v is a %T, not a *settings.FieldError", err, err)
			}
			if fe.Field == "" || fe.Reason == "" {
				t.Fatalf("FieldError without field or reason: %#v", fe)
			}
			for k, v := range secure {
				// A value the input itself contains may be quoted as part of the input.
				if len(v) >= 8 && strings.Contains(err.Error(), v) && !strings.Contains(string(jsonData), v) && !strings.Contains(rawURL, v) && !strings.Contains(k, v) {
					t.Fatalf("error quotes secureJsonData[%q]: %v", k, err)
				}
			}
			return
		}
		u := s.Upstream
		if u.BaseURL == nil || (u.BaseURL.Scheme != "http" && u.BaseURL.Scheme != "https") || u.BaseURL.Host == "" || u.BaseURL.User != nil {
			t.Fatalf("base URL %v", u.BaseURL)
		}
		if u.Timeout <= 0 || s.Token.Timeout <= 0 || u.MaxResponseBytes <= 0 || s.Token.DefaultLifetime <= 0 {
			t.Fatalf("non-positive limits: %v %v %v %v", u.Timeout, s.Token.Timeout, u.MaxResponseBytes, s.Token.DefaultLifetime)
		}
		if u.Timeout < settings.TimeoutRange.Min || u.Timeout > settings.TimeoutRange.Max ||
			s.Token.Timeout < settings.TokenTimeoutRange.Min || s.Token.Timeout > settings.TokenTimeoutRange.Max ||
			s.Token.DefaultLifetime < settings.TokenLifetimeRange.Min || s.Token.DefaultLifetime > settings.TokenLifetimeRange.Max ||
			u.MaxResponseBytes < settings.MaxResponseBytesRange.Min || u.MaxResponseBytes > settings.MaxResponseBytesRange.Max {
			t.Fatalf("limits out of their documented ranges: %v %v %v %v", u.Timeout, s.Token.Timeout, s.Token.DefaultLifetime, u.MaxResponseBytes)
		}
		if len(u.AllowedMethods) == 0 {
			t.Fatalf("no allowed methods")
		}
		for _, m := range u.AllowedMethods {
			if m != "GET" && m != "POST" {
				t.Fatalf("allowed method %q", m)
			}
		}
		if !strings.Contains(u.TokenHeaderTemplate, settings.TokenPlaceholder) || strings.ContainsAny(u.TokenHeaderTemplate, "\r\n") {
			t.Fatalf("token header template %q", u.TokenHeaderTemplate)
		}
		tk := s.Token
		needSecret := tk.ClientAuth == settings.ClientAuthBody || tk.ClientAuth == settings.ClientAuthBasic || tk.ClientAuth == settings.ClientAuthSecretJWT
		needKey := tk.ClientAuth == settings.ClientAuthPrivateKeyJWT || tk.GrantType == settings.GrantJWTBearer
		switch {
		case tk.ClientID == "" && tk.ClientAuth != settings.ClientAuthNone,
			needSecret != (tk.ClientSecret != ""),
			needKey && tk.Assertion.Key == nil,
			tk.URL == "" && tk.IssuerURL == "":
			t.Fatalf("missing or extra credentials or token URL: %+v", tk)
		}
		for _, list := range [][]settings.NameValue{u.Headers, s.Token.Headers} {
			for _, h := range list {
				if h.Name == "" || strings.ContainsAny(h.Name+h.Value, "\r\n") {
					t.Fatalf("header %q: %q", h.Name, h.Value)
				}
				if strings.EqualFold(h.Name, u.TokenHeaderName) {
					t.Fatalf("configured header %q overrides the token header", h.Name)
				}
			}
		}
		secrets := strings.Join(s.Secrets(), "\x00")
		for _, list := range [][]settings.NameValue{u.Headers, s.Token.Headers, s.Token.Params} {
			for _, nv := range list {
				if nv.Secure && nv.Value != "" && !strings.Contains(secrets, nv.Value) {
					t.Fatalf("secure value of %q missing from Secrets()", nv.Name)
				}
			}
		}
	})
}

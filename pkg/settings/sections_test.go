package settings

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// sectionCase is one row of a section's table: jsonData and secrets in, and either the field the
// section must refuse (field, a prefix of FieldError.Field) or a check of what it filled.
type sectionCase struct {
	name   string
	json   string
	secure map[string]string
	field  string
	check  func(s *Settings) bool
}

// testSection runs one section alone on each row, starting from prior (what the sections before it
// fill). A refusal must be a FieldError naming the field and quoting none of the row's secrets.
func testSection(t *testing.T, load section, prior Settings, cases []sectionCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &source{url: "https://api.example.com/v1", secure: tc.secure}
			if in.secure == nil {
				in.secure = map[string]string{}
			}
			if err := json.Unmarshal([]byte(tc.json), &in.w); err != nil {
				t.Fatalf("bad test row: %v", err)
			}
			out := prior
			err := load(in, &out)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if tc.check != nil && !tc.check(&out) {
					t.Errorf("filled wrongly: token %+v\nupstream %+v\nshared %+v", out.Token, out.Upstream, out.Shared)
				}
				return
			}
			fe, ok := err.(*FieldError)
			if !ok || !strings.HasPrefix(fe.Field, tc.field) {
				t.Fatalf("error %v (%T), want a FieldError naming %s", err, err, tc.field)
			}
			for _, v := range tc.secure {
				if len(v) >= 4 && strings.Contains(err.Error(), v) {
					t.Errorf("error quotes a secret: %v", err)
				}
			}
		})
	}
}

func TestSectionBaseURL(t *testing.T) {
	for _, tc := range []struct {
		url, want string // want "": refused naming url
	}{
		{"https://api.example.com/v1/", "https://api.example.com/v1"},
		{" http://mock:8080/custom/api ", "http://mock:8080/custom/api"},
		{"https://api.example.com", "https://api.example.com"},
		{"", ""}, {"/api", ""}, {"ftp://x", ""}, {"https://u:p@x", ""}, {"https://x/api?a=1", ""}, {"https://x/#f", ""}, {"https://", ""},
	} {
		var out Settings
		err := loadBaseURL(&source{url: tc.url}, &out)
		if tc.want == "" {
			if fe, ok := err.(*FieldError); !ok || fe.Field != "url" {
				t.Errorf("%q: error %v, want one naming url", tc.url, err)
			}
			continue
		}
		if err != nil || out.Upstream.BaseURL.String() != tc.want {
			t.Errorf("%q: %v %v, want %s", tc.url, out.Upstream.BaseURL, err, tc.want)
		}
	}
}

func TestSectionTokenRequest(t *testing.T) {
	const tok = `"tokenUrl":"https://auth.example.com/token"`
	client := map[string]string{"clientId": "app-1", "clientSecret": "hidden-secret"}
	prior := Settings{Identity: Identity{ClientGrant: true}}
	testSection(t, loadTokenRequest, prior, []sectionCase{
		{"defaults", `{` + tok + `}`, client, "", func(s *Settings) bool {
			t := s.Token
			return t.GrantType == GrantClientCredentials && t.URL == "https://auth.example.com/token" && t.ClientID == "app-1" &&
				t.ClientSecret == "hidden-secret" && t.ClientAuth == ClientAuthBody && t.Encoding == EncodingForm &&
				t.ClientIDParam == "client_id" && t.ClientSecretParam == "client_secret" && t.Timeout == DefaultTokenTimeout
		}},
		{"request shape", `{` + tok + `,"grantType":"Authorization_Code","scopes":"a b,c\td","audience":" aud ","resource":"r",
			"tokenRequestEncoding":"JSON","clientIdParam":"id","clientSecretParam":"key","omitGrantType":true,"tokenTimeout":"2s",
			"tokenParams":[{"name":"tenant","value":"t1"},{"name":"pin","secure":true}],"tokenHeaders":[{"name":"x-tenant","value":"t"}]}`,
			map[string]string{"clientId": "a", "clientSecret": "s", "tokenParam.pin": "1234"}, "", func(s *Settings) bool {
				t := s.Token
				return t.GrantType == GrantAuthorizationCode && strings.Join(t.Scopes, "|") == "a|b|c|d" && t.Audience == "aud" &&
					t.Resource == "r" && t.Encoding == EncodingJSON && t.ClientIDParam == "id" && t.ClientSecretParam == "key" &&
					t.OmitGrantType && t.Timeout == 2*time.Second && len(t.Params) == 2 && t.Params[1] == (NameValue{"pin", "1234", true}) &&
					t.Headers[0].Name == "X-Tenant"
			}},
		{"discovery supplies the endpoint", `{"issuerUrl":"https://idp/realm"}`, client, "", func(s *Settings) bool {
			return s.Token.URL == "" && s.Token.IssuerURL == "https://idp/realm"
		}},
		{"missing tokenUrl", `{}`, client, "tokenUrl", nil},
		{"relative tokenUrl", `{"tokenUrl":"auth.example.com"}`, client, "tokenUrl", nil},
		{"tokenUrl with userinfo", `{"tokenUrl":"https://u:p@a/t"}`, client, "tokenUrl", nil},
		{"missing client id", `{` + tok + `}`, map[string]string{"clientSecret": "hidden-secret"}, "secureJsonData.clientId", nil},
		{"missing client secret", `{` + tok + `}`, map[string]string{"clientId": "id"}, "secureJsonData.clientSecret", nil},
		{"unknown grant", `{` + tok + `,"grantType":"password"}`, client, "grantType", nil},
		{"unknown clientAuth", `{` + tok + `,"clientAuth":"jwt"}`, client, "clientAuth", nil},
		{"unknown encoding", `{` + tok + `,"tokenRequestEncoding":"xml"}`, client, "tokenRequestEncoding", nil},
		{"secure token param missing", `{` + tok + `,"tokenParams":[{"name":"pin","secure":true}]}`, client, "secureJsonData.tokenParam.pin", nil},
		{"secure token param inline", `{` + tok + `,"tokenParams":[{"name":"pin","secure":true,"value":"9876"}]}`, client, "tokenParams[0]", nil},
		{"token param without name", `{` + tok + `,"tokenParams":[{"value":"v"}]}`, client, "tokenParams[0]", nil},
		{"duplicate token header", `{` + tok + `,"tokenHeaders":[{"name":"A","value":"1"},{"name":"a","value":"2"}]}`, client, "tokenHeaders[1]", nil},
		{"token header with newline", `{` + tok + `,"tokenHeaders":[{"name":"A","value":"1\nB: 2"}]}`, client, "tokenHeaders[0].value", nil},
		{"bad tokenTimeout", `{` + tok + `,"tokenTimeout":"soon"}`, client, "tokenTimeout", nil},
	})
	// Pure pass-through: no client of its own, nothing required; the grant type is still checked.
	testSection(t, loadTokenRequest, Settings{}, []sectionCase{
		{"pass-through without a client", `{}`, nil, "", func(s *Settings) bool { return s.Token.URL == "" && s.Token.ClientID == "" }},
		{"pass-through with an unknown grant", `{"grantType":"password"}`, nil, "grantType", nil},
	})
}

func TestSectionAuthCode(t *testing.T) {
	code := Settings{Token: Token{GrantType: GrantAuthorizationCode}}
	discovered := Settings{Token: Token{GrantType: GrantAuthorizationCode, IssuerURL: "https://idp"}}
	const auth = `"authUrl":"https://a/authorize"`
	testSection(t, loadAuthCode, code, []sectionCase{
		{"defaults", `{` + auth + `}`, map[string]string{"refreshToken": " rt-1 ", "sealedRefreshToken": "sealed"}, "", func(s *Settings) bool {
			t := s.Token
			return t.AuthURL == "https://a/authorize" && t.UsePKCE && !t.UsePKCESet && t.RefreshToken == "rt-1" && t.SealedRefreshToken == "sealed"
		}},
		{"everything", `{` + auth + `,"redirectUrl":"https://grafana/cb","issuer":"https://a","usePkce":false,"authParams":[{"name":"prompt","value":"consent"}]}`, nil, "", func(s *Settings) bool {
			t := s.Token
			return t.RedirectURL == "https://grafana/cb" && t.Issuer == "https://a" && !t.UsePKCE && t.UsePKCESet && t.AuthParams[0] == (NameValue{"prompt", "consent", false})
		}},
		{"missing authUrl", `{}`, nil, "authUrl", nil},
		{"bad authUrl", `{"authUrl":"javascript:alert(1)"}`, nil, "authUrl", nil},
		{"bad redirectUrl", `{` + auth + `,"redirectUrl":"/cb"}`, nil, "redirectUrl", nil},
		{"bad issuer", `{` + auth + `,"issuer":"a"}`, nil, "issuer", nil},
		{"secure auth param", `{` + auth + `,"authParams":[{"name":"login_hint","secure":true}]}`, map[string]string{"authParam.login_hint": "hint-value-1234"}, "authParams[0]", nil},
		{"auth param without name", `{` + auth + `,"authParams":[{"value":"x"}]}`, nil, "authParams[0]", nil},
	})
	testSection(t, loadAuthCode, discovered, []sectionCase{
		{"discovery supplies authUrl", `{}`, nil, "", func(s *Settings) bool { return s.Token.AuthURL == "" }},
		{"issuer differs from issuerUrl", `{"issuer":"https://other"}`, nil, "issuer", nil},
	})
	testSection(t, loadAuthCode, Settings{Token: Token{GrantType: GrantClientCredentials}}, []sectionCase{
		{"other grants ignore these keys", `{"authUrl":"not a url","authParams":[{"secure":true}]}`, nil, "", func(s *Settings) bool { return s.Token.AuthURL == "" }},
	})
}

func TestSectionTokenReply(t *testing.T) {
	testSection(t, loadTokenReply, Settings{}, []sectionCase{
		{"defaults", `{}`, nil, "", func(s *Settings) bool {
			t := s.Token
			return t.Location == TokenInBody && t.Path == "access_token" && t.ExpiresInPath == "expires_in" &&
				t.RefreshTokenPath == "refresh_token" && t.DefaultLifetime == time.Hour
		}},
		{"header location", `{"tokenLocation":"HEADER","tokenResponseHeader":"X-Subject-Token","expiresAtPath":"$.exp","issuedAtPath":"iat",
			"successPath":"ok","successValue":true,"defaultTokenLifetime":300,"expiresInPath":"","refreshTokenPath":""}`, nil, "", func(s *Settings) bool {
			t := s.Token
			return t.Location == TokenInHeader && t.ResponseHeader == "X-Subject-Token" && t.ExpiresAtPath == "$.exp" &&
				t.SuccessValue == "true" && t.DefaultLifetime == 5*time.Minute && t.ExpiresInPath == "" && t.RefreshTokenPath == ""
		}},
		{"unknown location", `{"tokenLocation":"cookie"}`, nil, "tokenLocation", nil},
		{"header location without header", `{"tokenLocation":"header"}`, nil, "tokenResponseHeader", nil},
		{"header location with a bad header", `{"tokenLocation":"header","tokenResponseHeader":"X Token"}`, nil, "tokenResponseHeader", nil},
		{"empty tokenPath", `{"tokenPath":""}`, nil, "tokenPath", nil},
		{"bad tokenPath", `{"tokenPath":"$["}`, nil, "tokenPath", nil},
		{"bad expiresInPath", `{"expiresInPath":"$["}`, nil, "expiresInPath", nil},
		{"bad expiresAtPath", `{"expiresAtPath":"a..b"}`, nil, "expiresAtPath", nil},
		{"bad issuedAtPath", `{"issuedAtPath":"$["}`, nil, "issuedAtPath", nil},
		{"bad refreshTokenPath", `{"refreshTokenPath":"$["}`, nil, "refreshTokenPath", nil},
		{"success path alone", `{"successPath":"ok"}`, nil, "successPath", nil},
		{"success value alone", `{"successValue":"ok"}`, nil, "successPath", nil},
		{"bad lifetime", `{"defaultTokenLifetime":"forever"}`, nil, "defaultTokenLifetime", nil},
	})
}

func TestSectionAPI(t *testing.T) {
	prior := Settings{Token: Token{ClientID: "app-1"}}
	testSection(t, loadAPI, prior, []sectionCase{
		{"defaults", `{}`, nil, "", func(s *Settings) bool {
			u := s.Upstream
			return u.TokenPlacement == PlacementHeader && u.TokenHeaderName == "Authorization" && u.TokenHeaderTemplate == "Bearer {{token}}" &&
				u.ClientIDHeaderName == "" && u.ClientID == "" && u.Timeout == DefaultTimeout && u.MaxResponseBytes == DefaultMaxResponseBytes
		}},
		{"custom", `{"tokenHeaderName":"X-Token","tokenHeaderTemplate":"{{token}}","sendClientIdHeader":true,"healthCheckPath":" /items ",
			"headers":[{"name":"x-api-version","value":"3"},{"name":"X-Api-Key","secure":true}],"timeout":"45s","maxResponseBytes":1024}`,
			map[string]string{"header.x-api-key": "hk-secret"}, "", func(s *Settings) bool {
				u := s.Upstream
				return u.TokenHeaderName == "X-Token" && u.ClientIDHeaderName == "X-Client-ID" && u.ClientID == "app-1" &&
					u.HealthCheckPath == "/items" && u.Timeout == 45*time.Second && u.MaxResponseBytes == 1024 &&
					u.Headers[0] == (NameValue{"X-Api-Version", "3", false}) && u.Headers[1] == (NameValue{"X-Api-Key", "hk-secret", true})
			}},
		{"query placement", `{"tokenPlacement":"query","tokenQueryParam":"key"}`, nil, "", func(s *Settings) bool {
			return s.Upstream.TokenPlacement == PlacementQuery && s.Upstream.TokenQueryParam == "key"
		}},
		{"unknown placement", `{"tokenPlacement":"cookie"}`, nil, "tokenPlacement", nil},
		{"template without placeholder", `{"tokenHeaderTemplate":"Bearer token"}`, nil, "tokenHeaderTemplate", nil},
		{"template with newline", `{"tokenHeaderTemplate":"{{token}}\r\nX: y"}`, nil, "tokenHeaderTemplate", nil},
		{"bad header name", `{"tokenHeaderName":"X Token"}`, nil, "tokenHeaderName", nil},
		{"bad client id header name", `{"sendClientIdHeader":true,"clientIdHeaderName":"X:Id"}`, nil, "clientIdHeaderName", nil},
		{"client id header equals token header", `{"sendClientIdHeader":true,"clientIdHeaderName":"authorization"}`, nil, "clientIdHeaderName", nil},
		{"header without name", `{"headers":[{"value":"v"}]}`, nil, "headers[0]", nil},
		{"duplicate header", `{"headers":[{"name":"A","value":"1"},{"name":"a","value":"2"}]}`, nil, "headers[1]", nil},
		{"header overriding token header", `{"headers":[{"name":"Authorization","value":"x"}]}`, nil, "headers", nil},
		{"header overriding client id header", `{"sendClientIdHeader":true,"headers":[{"name":"x-client-id","value":"x"}]}`, nil, "headers", nil},
		{"secure header value in jsonData", `{"headers":[{"name":"K","value":"oops","secure":true}]}`, nil, "headers[0]", nil},
		{"secure header missing", `{"headers":[{"name":"X-Key","secure":true}]}`, nil, "secureJsonData.header.X-Key", nil},
		{"secure header with newline", `{"headers":[{"name":"X-Key","secure":true}]}`, map[string]string{"header.X-Key": "line\r\nX-Injected: 1"}, "headers[0].value", nil},
		{"header value with newline", `{"headers":[{"name":"A","value":"1\nB: 2"}]}`, nil, "headers[0].value", nil},
		{"negative timeout", `{"timeout":-1}`, nil, "timeout", nil},
		{"bad maxResponseBytes", `{"maxResponseBytes":"lots"}`, nil, "maxResponseBytes", nil},
	})
}

func TestSectionShared(t *testing.T) {
	testSection(t, loadShared, Settings{}, []sectionCase{
		{"none by default", `{"redisAddress":"ignored"}`, nil, "", func(s *Settings) bool { return s.Shared == (Shared{}) }},
		{"redis", `{"sharedStore":"Redis","redisAddress":" redis:6379 ","redisUsername":"u","redisDb":"2","redisTls":true}`,
			map[string]string{"redisPassword": "redis-pw-secret"}, "", func(s *Settings) bool {
				return s.Shared == (Shared{Kind: "redis", Address: "redis:6379", Username: "u", Password: "redis-pw-secret", DB: 2, TLS: true, KeyPrefix: "oauth2rest:"})
			}},
		{"redis with an empty key prefix", `{"sharedStore":"redis","redisAddress":"r:1","redisKeyPrefix":""}`, nil, "", func(s *Settings) bool { return s.Shared.KeyPrefix == "" }},
		{"unknown store", `{"sharedStore":"memcached"}`, nil, "sharedStore", nil},
		{"redis without address", `{"sharedStore":"redis"}`, nil, "redisAddress", nil},
		{"redis address without port", `{"sharedStore":"redis","redisAddress":"redis"}`, nil, "redisAddress", nil},
		{"redis db out of range", `{"sharedStore":"redis","redisAddress":"r:1","redisDb":70000}`, map[string]string{"redisPassword": "redis-pw-secret"}, "redisDb", nil},
	})
}

package settings

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func loadWith(jsonData map[string]any, secure map[string]string) (*Settings, error) {
	raw, _ := json.Marshal(jsonData)
	return Load(backend.DataSourceInstanceSettings{URL: "https://api.example.com", JSONData: raw, DecryptedSecureJSONData: secure})
}

func TestIdentityAndDPoPSettings(t *testing.T) {
	client := map[string]string{"clientId": "id", "clientSecret": "secret"}
	tokenURL := "https://idp.example.com/token"
	for _, tc := range []struct {
		name   string
		json   map[string]any
		secure map[string]string
		field  string // expected FieldError field; empty: loads
		check  func(t *testing.T, s *Settings)
	}{
		{"pure pass-through needs no client", map[string]any{"oauthPassThru": true}, nil, "", func(t *testing.T, s *Settings) {
			if !s.Identity.PassThru || s.Identity.ClientGrant || s.Identity.Exchange || s.Token.URL != "" {
				t.Errorf("identity %+v token url %q", s.Identity, s.Token.URL)
			}
		}},
		{"pass-through with a client for alert rules", map[string]any{"oauthPassThru": true, "tokenUrl": tokenURL}, client, "", func(t *testing.T, s *Settings) {
			if !s.Identity.ClientGrant || s.Token.ClientID != "id" {
				t.Errorf("identity %+v", s.Identity)
			}
		}},
		{"pass-through with half a client", map[string]any{"oauthPassThru": true}, map[string]string{"clientId": "id"}, "tokenUrl", nil},
		{"pass-through with url but no secret", map[string]any{"oauthPassThru": true, "tokenUrl": tokenURL}, map[string]string{"clientId": "id"}, "secureJsonData.clientSecret", nil},
		{"pass-through with authorization_code", map[string]any{"oauthPassThru": true, "grantType": "authorization_code"}, nil, "tokenUrl", nil},
		{"exchange", map[string]any{"oauthPassThru": true, "tokenExchange": true, "tokenExchangeAudience": " api://x ", "tokenUrl": tokenURL}, client, "", func(t *testing.T, s *Settings) {
			if !s.Identity.Exchange || s.Identity.ExchangeAudience != "api://x" || !s.Identity.ClientGrant {
				t.Errorf("identity %+v", s.Identity)
			}
		}},
		{"exchange needs a client", map[string]any{"oauthPassThru": true, "tokenExchange": true}, nil, "tokenUrl", nil},
		{"exchange needs pass-through", map[string]any{"tokenExchange": true, "tokenUrl": tokenURL}, client, "tokenExchange", nil},
		{"audience needs exchange", map[string]any{"oauthPassThru": true, "tokenExchangeAudience": "x"}, nil, "tokenExchangeAudience", nil},
		{"dpop", map[string]any{"dpop": true, "tokenUrl": tokenURL}, map[string]string{"clientId": "id", "clientSecret": "secret", "dpopPrivateKey": "PEM-KEY-TEXT"}, "", func(t *testing.T, s *Settings) {
			if !s.DPoP.Enabled || s.DPoP.PrivateKey != "PEM-KEY-TEXT" || !slices.Contains(s.Secrets(), "PEM-KEY-TEXT") {
				t.Errorf("dpop %+v", s.DPoP)
			}
		}},
		{"dpop off ignores a stale key", map[string]any{"tokenUrl": tokenURL}, map[string]string{"clientId": "id", "clientSecret": "secret", "dpopPrivateKey": "K"}, "", func(t *testing.T, s *Settings) {
			if s.DPoP.Enabled || s.DPoP.PrivateKey != "" {
				t.Errorf("dpop %+v", s.DPoP)
			}
		}},
		{"dpop with another header", map[string]any{"dpop": true, "tokenUrl": tokenURL, "tokenHeaderName": "X-Token"}, client, "tokenHeaderName", nil},
		{"dpop with query placement", map[string]any{"dpop": true, "tokenUrl": tokenURL, "tokenPlacement": "query"}, client, "tokenPlacement", nil},
		{"dpop on the user's own token", map[string]any{"dpop": true, "oauthPassThru": true}, nil, "dpop", nil},
		{"dpop on an exchanged token", map[string]any{"dpop": true, "oauthPassThru": true, "tokenExchange": true, "tokenUrl": tokenURL}, client, "", nil},
		{"client id header without a client", map[string]any{"oauthPassThru": true, "sendClientIdHeader": true}, nil, "sendClientIdHeader", nil},
		{"oauthPassThru must be a boolean", map[string]any{"oauthPassThru": "yes"}, nil, "jsonData", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secure := tc.secure
			if secure == nil {
				secure = map[string]string{}
			}
			s, err := loadWith(tc.json, secure)
			if tc.field != "" {
				fe, ok := err.(*FieldError)
				if !ok || fe.Field != tc.field {
					t.Fatalf("err = %v, want a FieldError for %s", err, tc.field)
				}
				if strings.Contains(err.Error(), "PEM-KEY-TEXT") || strings.Contains(err.Error(), "secret") && tc.field != "secureJsonData.clientSecret" {
					t.Fatalf("error quotes a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

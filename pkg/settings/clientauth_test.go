package settings

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
)

var (
	keyOnce          sync.Once
	rsaPEM, rsa1024  string
	ecPEM, ecP384PEM string
	ecSEC1, rsaPKCS1 string
)

func keys(t *testing.T) {
	t.Helper()
	keyOnce.Do(func() {
		p8 := func(k any) string {
			der, _ := x509.MarshalPKCS8PrivateKey(k)
			return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		}
		r, _ := rsa.GenerateKey(rand.Reader, 2048)
		small, _ := rsa.GenerateKey(rand.Reader, 1024)
		e, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		e384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		rsaPEM, rsa1024, ecPEM, ecP384PEM = p8(r), p8(small), p8(e), p8(e384)
		sec1, _ := x509.MarshalECPrivateKey(e)
		ecSEC1 = string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}))
		rsaPKCS1 = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(r)}))
	})
}

func TestClientAuthMethodsLoad(t *testing.T) {
	keys(t)
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{"clientId": "app"}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	long := strings.Repeat("s", 32)
	for _, c := range []struct {
		name, js string
		secure   map[string]string
		check    func(*Settings) bool
	}{
		{"tlsAuth of any type is still accepted when unused", `{"tokenUrl":"https://a/t","tlsAuth":"true"}`, nil, func(s *Settings) bool { return s.Token.ClientAuth == "body" }},
		{"body default, as before", `{"tokenUrl":"https://a/t"}`, nil, func(s *Settings) bool { return s.Token.ClientAuth == "body" && s.Token.Assertion.Alg == "" }},
		{"private_key_jwt RSA default RS256", `{"tokenUrl":"https://a/t","clientAuth":"private_key_jwt","jwtKeyId":"k"}`, with(map[string]string{"privateKey": rsaPEM, "clientSecret": "left-over"}),
			func(s *Settings) bool {
				return s.Token.Assertion.Alg == "RS256" && s.Token.Assertion.KeyID == "k" && s.Token.ClientSecret == "" && strings.Contains(strings.Join(s.Secrets(), ""), rsaPEM)
			}},
		{"private_key_jwt PKCS1 PS256", `{"tokenUrl":"https://a/t","clientAuth":"private_key_jwt","jwtAlg":"ps256"}`, with(map[string]string{"privateKey": rsaPKCS1}), func(s *Settings) bool { return s.Token.Assertion.Alg == "PS256" }},
		{"private_key_jwt EC default ES256", `{"tokenUrl":"https://a/t","clientAuth":"private_key_jwt","jwtAudience":"https://a"}`, with(map[string]string{"privateKey": ecSEC1}),
			func(s *Settings) bool {
				return s.Token.Assertion.Alg == "ES256" && s.Token.Assertion.Audience == "https://a"
			}},
		{"client_secret_jwt", `{"tokenUrl":"https://a/t","clientAuth":"client_secret_jwt"}`, with(map[string]string{"clientSecret": long}), func(s *Settings) bool { return s.Token.Assertion.Alg == "HS256" }},
		{"tls_client_auth", `{"tokenUrl":"https://a/t","clientAuth":"tls_client_auth","tlsAuth":true}`, with(map[string]string{"tlsClientCert": "c", "tlsClientKey": "k-material"}),
			func(s *Settings) bool { return s.Token.ClientSecret == "" && s.Token.SealingSecret() == "k-material" }},
		{"jwt_bearer", `{"tokenUrl":"https://a/t","grantType":"jwt_bearer","jwtIssuer":"i","scopes":"a b"}`, map[string]string{"privateKey": ecPEM},
			func(s *Settings) bool {
				a := s.Token.Assertion
				return s.Token.ClientAuth == "none" && a.Issuer == "i" && a.Subject == "i" && !a.ScopeClaim && s.Token.SealingSecret() == ecPEM
			}},
		{"jwt_bearer iss defaults to client id", `{"tokenUrl":"https://a/t","grantType":"jwt_bearer","jwtSubject":"u"}`, with(map[string]string{"privateKey": ecPEM}),
			func(s *Settings) bool { return s.Token.Assertion.Issuer == "app" && s.Token.Assertion.Subject == "u" }},
		{"issuerUrl without tokenUrl", `{"issuerUrl":"https://idp/realms/x"}`, with(map[string]string{"clientSecret": "s"}), func(s *Settings) bool { return s.Token.URL == "" && s.Token.IssuerURL == "https://idp/realms/x" }},
		{"issuerUrl auth code without authUrl", `{"issuerUrl":"https://idp","grantType":"authorization_code"}`, with(map[string]string{"clientSecret": "s"}),
			func(s *Settings) bool { return s.Token.AuthURL == "" && !s.Token.UsePKCESet && s.Token.UsePKCE }},
		{"leftover keys of other methods are ignored", `{"tokenUrl":"https://a/t","clientAuth":"basic"}`, with(map[string]string{"clientSecret": "s", "privateKey": "not pem", "serviceAccountKey": "{"}),
			func(s *Settings) bool {
				return s.Token.Assertion.Key == nil && s.Token.PrivateKeyPEM == "" && s.Token.ServiceAccountKey == ""
			}},
		{"token in query", `{"tokenUrl":"https://a/t","tokenPlacement":"query"}`, nil, func(s *Settings) bool {
			return s.Upstream.TokenPlacement == "query" && s.Upstream.TokenQueryParam == "access_token"
		}},
		{"token query param", `{"tokenUrl":"https://a/t","tokenPlacement":"query","tokenQueryParam":"api_key"}`, nil, func(s *Settings) bool { return s.Upstream.TokenQueryParam == "api_key" }},
	} {
		s, err := load("https://api.example.com", c.js, c.secure)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !c.check(s) {
			t.Errorf("%s: %+v %+v", c.name, s.Token, s.Upstream)
		}
	}
}

func TestClientAuthErrorsNameTheField(t *testing.T) {
	keys(t)
	secretBody := "MIIEsecretmaterialthatmustnotlea"
	notPEM := "-----BEGIN PRIVATE KEY-----\n" + secretBody + "\n-----END PRIVATE KEY-----\n"
	sa := func(m map[string]string) string { b, _ := json.Marshal(m); return string(b) }
	long := strings.Repeat("s", 32)
	for _, c := range []struct {
		js     string
		secure map[string]string
		want   string
	}{
		{`{"tokenUrl":"https://a/t","clientAuth":"private_key_jwt"}`, map[string]string{"clientId": "a"}, "secureJsonData.privateKey: is required with clientAuth: private_key_jwt"},
		{`{"tokenUrl":"https://a/t","clientAuth":"private_key_jwt"}`, map[string]string{"clientId": "a", "privateKey": "just text " + secretBody}, "secureJsonData.privateKey: private key: not PEM"},
		{`{"tokenUrl":"https://a/t","clientAuth":"private_key_jwt"}`, map[string]string{"clientId": "a", "privateKey": notPEM}, "secureJsonData.privateKey: private key: PRIVATE KEY block is not readable"},
		{`{"tokenUrl":"https://a/t","clientAuth":"private_key_jwt"}`, map[string]string{"clientId": "a", "privateKey": rsa1024}, "RSA key of 1024 bits; at least 2048"},
		{`{"tokenUrl":"https://a/t","clientAuth":"private_key_jwt"}`, map[string]string{"clientId": "a", "privateKey": ecP384PEM}, "EC curve P-384 is not supported"},
		{`{"tokenUrl":"https://a/t","clientAuth":"private_key_jwt","jwtAlg":"ES256"}`, map[string]string{"clientId": "a", "privateKey": rsaPEM}, "jwtAlg: ES256 needs an EC P-256 private key"},
		{`{"tokenUrl":"https://a/t","clientAuth":"private_key_jwt","jwtAlg":"RS256"}`, map[string]string{"clientId": "a", "privateKey": ecPEM}, "jwtAlg: RS256 needs an RSA private key"},
		{`{"tokenUrl":"https://a/t","clientAuth":"private_key_jwt","jwtAlg":"none"}`, map[string]string{"clientId": "a", "privateKey": ecPEM}, `jwtAlg: "none" is not one of RS256, PS256, ES256`},
		{`{"tokenUrl":"https://a/t","clientAuth":"client_secret_jwt"}`, map[string]string{"clientId": "a", "clientSecret": "short"}, "clientSecret: must be at least 32 bytes"},
		{`{"tokenUrl":"https://a/t","clientAuth":"client_secret_jwt","jwtAlg":"RS256"}`, map[string]string{"clientId": "a", "clientSecret": long}, "jwtAlg: \"RS256\": client_secret_jwt signs with HS256"},
		{`{"tokenUrl":"https://a/t","clientAuth":"tls_client_auth"}`, map[string]string{"clientId": "a"}, "settings check failed: tlsAuth: must be true"},
		{`{"tokenUrl":"https://a/t","clientAuth":"tls_client_auth","tlsAuth":"true"}`, map[string]string{"clientId": "a"}, "settings check failed: tlsAuth: must be true"},
		{`{"tokenUrl":"https://a/t","clientAuth":"tls_client_auth","tlsAuth":true}`, map[string]string{"clientId": "a"}, "tlsClientCert and tlsClientKey are required"},
		{`{"tokenUrl":"https://a/t","clientAuth":"none"}`, map[string]string{"clientId": "a", "clientSecret": "s"}, "clientAuth: none is allowed with grantType: jwt_bearer only"},
		{`{"tokenUrl":"https://a/t","clientAuth":"mtls"}`, map[string]string{"clientId": "a", "clientSecret": "s"}, `clientAuth: "mtls" is not one of body, basic, private_key_jwt, client_secret_jwt, tls_client_auth, none`},
		{`{"tokenUrl":"https://a/t","grantType":"jwt_bearer"}`, map[string]string{"privateKey": rsaPEM}, "jwtIssuer: is required with grantType: jwt_bearer"},
		{`{"tokenUrl":"https://a/t","grantType":"jwt_bearer","clientAuth":"client_secret_jwt"}`, map[string]string{"clientId": "a", "clientSecret": long, "privateKey": rsaPEM}, "client_secret_jwt cannot be combined with grantType: jwt_bearer"},
		{`{"tokenUrl":"https://a/t","grantType":"jwt_bearer"}`, map[string]string{"clientId": "a"}, "secureJsonData.privateKey: is required with grantType: jwt_bearer"},
		{`{"grantType":"jwt_bearer"}`, map[string]string{"serviceAccountKey": "{" + secretBody}, "serviceAccountKey: not a service-account JSON key"},
		{`{"grantType":"jwt_bearer"}`, map[string]string{"serviceAccountKey": sa(map[string]string{"type": "authorized_user", "client_email": "e", "private_key": rsaPEM})}, `type "authorized_user" is not service_account`},
		{`{"grantType":"jwt_bearer"}`, map[string]string{"serviceAccountKey": sa(map[string]string{"client_email": "e", "private_key": notPEM})}, "serviceAccountKey: private key: PRIVATE KEY block is not readable"},
		{`{"grantType":"jwt_bearer"}`, map[string]string{"serviceAccountKey": sa(map[string]string{"client_email": "e", "private_key": rsaPEM})}, "settings check failed: secureJsonData.serviceAccountKey token_uri: is required"},
		{`{"issuerUrl":"https://idp?x=1"}`, map[string]string{"clientId": "a", "clientSecret": "s"}, "issuerUrl: must not contain a query string"},
		{`{"issuerUrl":"ftp://idp"}`, map[string]string{"clientId": "a", "clientSecret": "s"}, "issuerUrl: must be an absolute http or https URL"},
		{`{"grantType":"authorization_code","issuerUrl":"https://idp","issuer":"https://other"}`, map[string]string{"clientId": "a", "clientSecret": "s"}, "settings check failed: issuer:"},
		{`{}`, map[string]string{"clientId": "a", "clientSecret": "s"}, "settings check failed: tokenUrl: is required"},
		{`{"tokenUrl":"https://a/t","tokenPlacement":"cookie"}`, nil, `tokenPlacement: "cookie" is not one of header, query`},
		{`{"tokenUrl":"https://a/t","tokenPlacement":"query","tokenQueryParam":"a&b"}`, nil, "tokenQueryParam: \"a&b\" is not a plain query parameter name"},
	} {
		if c.secure == nil {
			c.secure = map[string]string{"clientId": "a", "clientSecret": "s"}
		}
		_, err := load("https://api.example.com", c.js, c.secure)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.js, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), secretBody) || strings.Contains(err.Error(), rsaPEM[30:70]) {
			t.Errorf("error quotes key material: %v", err)
		}
	}
}

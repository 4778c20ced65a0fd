// Package settings turns a datasource's jsonData and decrypted secureJsonData into one validated,
// typed Settings value. It is the only place that reads either: provisioned datasources never pass
// through the ConfigEditor, so every default and every check lives here.
package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonsel"
)

// Grant types.
const (
	GrantClientCredentials = "client_credentials"
	GrantAuthorizationCode = "authorization_code"
)

// Client authentication styles on the token request.
const (
	ClientAuthBody  = "body"
	ClientAuthBasic = "basic"
)

// Token request encodings.
const (
	EncodingForm = "form"
	EncodingJSON = "json"
)

// Where the token is found in the token endpoint's reply.
const (
	TokenInBody   = "body"
	TokenInHeader = "header"
)

// TokenPlaceholder is replaced by the access token in TokenHeaderTemplate.
const TokenPlaceholder = "{{token}}"

// Defaults, documented in docs/configuration.md.
const (
	DefaultTokenPath           = "access_token"
	DefaultExpiresInPath       = "expires_in"
	DefaultRefreshTokenPath    = "refresh_token"
	DefaultTokenLifetime       = time.Hour
	DefaultTokenHeaderName     = "Authorization"
	DefaultTokenHeaderTemplate = "Bearer " + TokenPlaceholder
	DefaultClientIDHeaderName  = "X-Client-ID"
	DefaultTimeout             = 30 * time.Second
	DefaultTokenTimeout        = 15 * time.Second
	DefaultMaxResponseBytes    = 16 << 20
)

// Ranges of the durations and sizes, documented in docs/configuration.md. A value outside is
// refused naming the field: a typo such as 1e300 or a wrapped integer must not become a negative
// duration or limit that silently disables the bound.
var (
	TimeoutRange          = durationRange{100 * time.Millisecond, 10 * time.Minute}
	TokenTimeoutRange     = durationRange{100 * time.Millisecond, 5 * time.Minute}
	TokenLifetimeRange    = durationRange{time.Second, 365 * 24 * time.Hour}
	MaxResponseBytesRange = intRange{1 << 10, 1 << 30}
	RedisDBRange          = intRange{0, 65535}
)

type durationRange struct{ Min, Max time.Duration }

type intRange struct{ Min, Max int64 }

// Request policy: which methods queries and the proxy route may use.
const (
	MethodGet  = http.MethodGet
	MethodPost = http.MethodPost
)

// DefaultAllowedMethods: reads only, until an admin allows POST.
var DefaultAllowedMethods = []string{MethodGet}

// NameValue is a header or parameter whose value is already resolved (secure values included).
type NameValue struct {
	Name  string
	Value string
	// Secure marks a value that came from secureJsonData and must never be shown.
	Secure bool
}

// Token holds everything needed to obtain and read a token.
type Token struct {
	GrantType         string
	URL               string
	ClientID          string
	ClientSecret      string
	Scopes            []string
	Audience          string
	Resource          string
	ClientAuth        string
	Encoding          string
	ClientIDParam     string
	ClientSecretParam string
	OmitGrantType     bool
	Params            []NameValue

	// Authorization code grant.
	AuthURL     string
	AuthParams  []NameValue
	RedirectURL string // empty: derived from Grafana's app URL and the datasource uid
	Issuer      string // expected `iss` on the callback (RFC 9207); empty: the authUrl's origin
	UsePKCE     bool
	// UsePKCESet: usePkce was written explicitly (else discovery may decide, clientauth.go).
	UsePKCESet   bool
	RefreshToken string // from secureJsonData.refreshToken (provisioned), if any
	// SealedRefreshToken is secureJsonData.sealedRefreshToken: the newest refresh token, sealed by
	// the backend and saved by the ConfigEditor.
	SealedRefreshToken string
	Headers            []NameValue

	// Discovery and client authentication beyond a shared secret (clientauth.go).
	IssuerURL              string // OIDC / RFC 8414 issuer; fills URL and AuthURL when they are empty
	Assertion              Assertion
	PrivateKeyPEM          string // secureJsonData.privateKey (or the service account's), for redaction
	ServiceAccountKey      string // secureJsonData.serviceAccountKey, for redaction
	ServiceAccountTokenURI string // token_uri of the service-account key
	TLSClientKey           string // Grafana's secureJsonData.tlsClientKey with tls_client_auth, for sealing

	Location         string
	Path             string
	ResponseHeader   string
	ExpiresInPath    string
	ExpiresAtPath    string
	IssuedAtPath     string
	RefreshTokenPath string
	SuccessPath      string
	SuccessValue     string
	DefaultLifetime  time.Duration
	Timeout          time.Duration
}

// Upstream holds everything needed to call the API.
type Upstream struct {
	BaseURL             *url.URL
	TokenHeaderName     string
	TokenHeaderTemplate string
	ClientIDHeaderName  string // empty: the client id is not sent
	TokenPlacement      string // PlacementHeader or PlacementQuery (clientauth.go)
	TokenQueryParam     string // query parameter name with PlacementQuery
	ClientID            string
	Headers             []NameValue
	HealthCheckPath     string
	Timeout             time.Duration
	MaxResponseBytes    int64
	// AllowedMethods are the methods queries and the proxy route may use (GET, POST; default GET).
	AllowedMethods []string
	// PostPathPatterns limit POST to these paths (relative to the base URL, path.Match syntax, a
	// trailing "/**" for a whole subtree); empty: POST to any path, when POST is allowed.
	PostPathPatterns []string
}

// Shared is the optional token store shared by Grafana replicas.
type Shared struct {
	Kind      string // "" (local cache only) or "redis"
	Address   string
	Username  string
	Password  string
	DB        int
	TLS       bool
	KeyPrefix string
}

// Settings is the validated configuration of one datasource instance.
type Settings struct {
	Token    Token
	Upstream Upstream
	Shared   Shared
	Identity Identity // whose token: the client's or the signed-in user's (identity.go)
	DPoP     DPoP
}

// Secrets returns every secret value of these settings, for redaction and for tests that prove
// secrets never leak.
func (s Settings) Secrets() []string {
	var out []string
	add := func(v string) {
		if v != "" {
			out = append(out, v)
		}
	}
	add(s.Token.ClientSecret)
	add(s.Token.PrivateKeyPEM)
	add(s.Token.ServiceAccountKey)
	add(s.Token.TLSClientKey)
	add(s.Token.RefreshToken)
	add(s.Shared.Password)
	add(s.DPoP.PrivateKey)
	for _, lists := range [][]NameValue{s.Token.Params, s.Token.Headers, s.Token.AuthParams, s.Upstream.Headers} {
		for _, nv := range lists {
			if nv.Secure {
				add(nv.Value)
			}
		}
	}
	return out
}

// FieldError says which setting is wrong and why. It never carries a secret value.
type FieldError struct {
	Field  string
	Reason string
}

// StepSettings names the step in messages ("<step> failed: <field>: <reason>", as every step's).
const StepSettings = "settings check"

func (e *FieldError) Error() string { return StepSettings + " failed: " + e.Field + ": " + e.Reason }

// wire is jsonData exactly as stored by Grafana.
type wire struct {
	GrantType            string          `json:"grantType"`
	TokenURL             string          `json:"tokenUrl"`
	Scopes               string          `json:"scopes"`
	Audience             string          `json:"audience"`
	Resource             string          `json:"resource"`
	ClientAuth           string          `json:"clientAuth"`
	TokenRequestEncoding string          `json:"tokenRequestEncoding"`
	ClientIDParam        string          `json:"clientIdParam"`
	ClientSecretParam    string          `json:"clientSecretParam"`
	OmitGrantType        bool            `json:"omitGrantType"`
	AuthURL              string          `json:"authUrl"`
	AuthParams           []wireItem      `json:"authParams"`
	RedirectURL          string          `json:"redirectUrl"`
	Issuer               string          `json:"issuer"`
	IssuerURL            string          `json:"issuerUrl"`
	JWTAlg               string          `json:"jwtAlg"`
	JWTKeyID             string          `json:"jwtKeyId"`
	JWTAudience          string          `json:"jwtAudience"`
	JWTIssuer            string          `json:"jwtIssuer"`
	JWTSubject           string          `json:"jwtSubject"`
	TokenPlacement       string          `json:"tokenPlacement"`
	TokenQueryParam      string          `json:"tokenQueryParam"`
	TLSAuth              json.RawMessage `json:"tlsAuth"` // Grafana's own key (any JSON type); read to check tls_client_auth
	UsePKCE              *bool           `json:"usePkce"`
	TokenParams          []wireItem      `json:"tokenParams"`
	TokenHeaders         []wireItem      `json:"tokenHeaders"`
	TokenLocation        string          `json:"tokenLocation"`
	TokenPath            *string         `json:"tokenPath"`
	TokenResponseHeader  string          `json:"tokenResponseHeader"`
	ExpiresInPath        *string         `json:"expiresInPath"`
	ExpiresAtPath        string          `json:"expiresAtPath"`
	IssuedAtPath         string          `json:"issuedAtPath"`
	RefreshTokenPath     *string         `json:"refreshTokenPath"`
	SuccessPath          string          `json:"successPath"`
	SuccessValue         flexString      `json:"successValue"`
	DefaultTokenLifetime flexString      `json:"defaultTokenLifetime"`
	TokenHeaderName      string          `json:"tokenHeaderName"`
	TokenHeaderTemplate  string          `json:"tokenHeaderTemplate"`
	SendClientIDHeader   bool            `json:"sendClientIdHeader"`
	ClientIDHeaderName   string          `json:"clientIdHeaderName"`
	Headers              []wireItem      `json:"headers"`
	HealthCheckPath      string          `json:"healthCheckPath"`
	Timeout              flexString      `json:"timeout"`
	TokenTimeout         flexString      `json:"tokenTimeout"`
	MaxResponseBytes     flexString      `json:"maxResponseBytes"`
	AllowedMethods       []string        `json:"allowedMethods"`
	PostPathPatterns     []string        `json:"postPathPatterns"`
	SharedStore          string          `json:"sharedStore"`
	RedisAddress         string          `json:"redisAddress"`
	RedisUsername        string          `json:"redisUsername"`
	RedisDB              flexString      `json:"redisDb"`
	RedisTLS             bool            `json:"redisTls"`
	RedisKeyPrefix       *string         `json:"redisKeyPrefix"`
}

type wireItem struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Secure bool   `json:"secure"`
}

// flexString accepts a JSON string, number or bool, because provisioning YAML writes `timeout: 30`
// as easily as `timeout: "30s"`.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v.(type) {
	case nil:
		*f = ""
	case float64, bool:
		*f = flexString(strings.TrimSpace(string(b)))
	default:
		return fmt.Errorf("want a string or a number")
	}
	return nil
}

// Load parses and validates the settings of one datasource instance.
func Load(s backend.DataSourceInstanceSettings) (*Settings, error) {
	var w wire
	if len(s.JSONData) > 0 && string(s.JSONData) != "null" {
		if err := json.Unmarshal(s.JSONData, &w); err != nil {
			return nil, &FieldError{Field: "jsonData", Reason: "not a valid JSON object: " + describeJSONError(err)}
		}
	}
	secure := s.DecryptedSecureJSONData
	if secure == nil {
		secure = map[string]string{}
	}
	var out Settings
	t := &out.Token
	u := &out.Upstream

	base, err := parseBaseURL(s.URL)
	if err != nil {
		return nil, err
	}
	u.BaseURL = base

	if t.GrantType, err = oneOf("grantType", w.GrantType, GrantClientCredentials, GrantAuthorizationCode, GrantJWTBearer); err != nil {
		return nil, err
	}
	if out.Identity, out.DPoP, err = loadIdentity(s.JSONData, secure, w.TokenURL); err != nil {
		return nil, err
	}
	// In pure oauthPassThru mode the client's own grant is optional (identity.go).
	if out.Identity.ClientGrant {
		// Discovery (issuerUrl) or a service-account key may supply the token endpoint; otherwise
		// tokenUrl is the first thing to check.
		supplied := strings.TrimSpace(w.IssuerURL) != "" || (t.GrantType == GrantJWTBearer && strings.TrimSpace(secure["serviceAccountKey"]) != "")
		if !supplied {
			if t.URL, err = parseHTTPURL("tokenUrl", w.TokenURL); err != nil {
				return nil, err
			}
		}
		if err := loadClientAuth(t, w, secure); err != nil {
			return nil, err
		}
		if supplied {
			t.URL, err = optionalURL("tokenUrl", w.TokenURL)
			if t.URL == "" && err == nil && t.IssuerURL == "" {
				t.URL, err = parseHTTPURL("secureJsonData.serviceAccountKey token_uri", t.ServiceAccountTokenURI)
			}
			if err != nil {
				return nil, err
			}
		}
	} else {
		t.ClientID = strings.TrimSpace(secure["clientId"])
	}
	t.Scopes = strings.FieldsFunc(w.Scopes, func(r rune) bool { return r == ' ' || r == ',' || r == '\n' || r == '\t' })
	t.Audience = strings.TrimSpace(w.Audience)
	t.Resource = strings.TrimSpace(w.Resource)
	if t.Encoding, err = oneOf("tokenRequestEncoding", w.TokenRequestEncoding, EncodingForm, EncodingJSON); err != nil {
		return nil, err
	}
	t.ClientIDParam = orDefault(w.ClientIDParam, "client_id")
	t.ClientSecretParam = orDefault(w.ClientSecretParam, "client_secret")
	t.OmitGrantType = w.OmitGrantType
	if t.GrantType == GrantAuthorizationCode {
		if t.IssuerURL != "" {
			t.AuthURL, err = optionalURL("authUrl", w.AuthURL)
		} else {
			t.AuthURL, err = parseHTTPURL("authUrl", w.AuthURL)
		}
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(w.RedirectURL) != "" {
			if t.RedirectURL, err = parseHTTPURL("redirectUrl", w.RedirectURL); err != nil {
				return nil, err
			}
		}
		if strings.TrimSpace(w.Issuer) != "" {
			if t.Issuer, err = parseHTTPURL("issuer", w.Issuer); err != nil {
				return nil, err
			}
		}
		// With discovery the expected `iss` is the discovered issuer, which must equal issuerUrl.
		if t.Issuer != "" && t.IssuerURL != "" && t.Issuer != t.IssuerURL {
			return nil, &FieldError{"issuer", fmt.Sprintf("%q differs from issuerUrl %q; leave issuer empty when issuerUrl is set", t.Issuer, t.IssuerURL)}
		}
		for i, it := range w.AuthParams {
			if it.Secure {
				// The authorization request is a URL opened in the admin's browser: its parameters
				// are visible there, in the provider's logs and in the browser history. A "secure"
				// flag would promise what cannot be kept.
				return nil, &FieldError{fmt.Sprintf("authParams[%d]", i), "cannot be secure: authorization parameters travel in the URL the admin's browser opens, so they are never secret; set a plain value, or send secrets as tokenParams"}
			}
		}
		if t.AuthParams, err = resolveItems("authParams", "authParam.", w.AuthParams, secure, false); err != nil {
			return nil, err
		}
		t.UsePKCE = w.UsePKCE == nil || *w.UsePKCE
		t.UsePKCESet = w.UsePKCE != nil
		t.RefreshToken = strings.TrimSpace(secure["refreshToken"])
		t.SealedRefreshToken = strings.TrimSpace(secure["sealedRefreshToken"])
	}
	if t.Params, err = resolveItems("tokenParams", "tokenParam.", w.TokenParams, secure, false); err != nil {
		return nil, err
	}
	if t.Headers, err = resolveItems("tokenHeaders", "tokenHeader.", w.TokenHeaders, secure, true); err != nil {
		return nil, err
	}

	if t.Location, err = oneOf("tokenLocation", w.TokenLocation, TokenInBody, TokenInHeader); err != nil {
		return nil, err
	}
	t.Path = strings.TrimSpace(deref(w.TokenPath, DefaultTokenPath))
	t.ResponseHeader = strings.TrimSpace(w.TokenResponseHeader)
	switch t.Location {
	case TokenInBody:
		if t.Path == "" {
			return nil, &FieldError{"tokenPath", "is required when tokenLocation is body"}
		}
	case TokenInHeader:
		if err := checkHeaderName("tokenResponseHeader", t.ResponseHeader); err != nil {
			return nil, err
		}
	}
	t.ExpiresInPath = strings.TrimSpace(deref(w.ExpiresInPath, DefaultExpiresInPath))
	t.ExpiresAtPath = strings.TrimSpace(w.ExpiresAtPath)
	t.IssuedAtPath = strings.TrimSpace(w.IssuedAtPath)
	t.RefreshTokenPath = strings.TrimSpace(deref(w.RefreshTokenPath, DefaultRefreshTokenPath))
	t.SuccessPath = strings.TrimSpace(w.SuccessPath)
	t.SuccessValue = strings.TrimSpace(string(w.SuccessValue))
	if (t.SuccessPath == "") != (t.SuccessValue == "") {
		return nil, &FieldError{"successPath", "successPath and successValue must be set together"}
	}
	for _, p := range []struct{ field, path string }{
		{"tokenPath", t.Path}, {"expiresInPath", t.ExpiresInPath}, {"expiresAtPath", t.ExpiresAtPath},
		{"issuedAtPath", t.IssuedAtPath}, {"refreshTokenPath", t.RefreshTokenPath}, {"successPath", t.SuccessPath},
	} {
		if p.path != "" {
			if _, err := jsonsel.Compile(p.path); err != nil {
				return nil, &FieldError{p.field, err.Error()}
			}
		}
	}
	if t.DefaultLifetime, err = parseDuration("defaultTokenLifetime", string(w.DefaultTokenLifetime), DefaultTokenLifetime, TokenLifetimeRange); err != nil {
		return nil, err
	}
	if t.Timeout, err = parseDuration("tokenTimeout", string(w.TokenTimeout), DefaultTokenTimeout, TokenTimeoutRange); err != nil {
		return nil, err
	}

	if err := loadTokenPlacement(u, w); err != nil {
		return nil, err
	}
	u.TokenHeaderName = orDefault(w.TokenHeaderName, DefaultTokenHeaderName)
	if err := checkHeaderName("tokenHeaderName", u.TokenHeaderName); err != nil {
		return nil, err
	}
	u.TokenHeaderTemplate = orDefault(w.TokenHeaderTemplate, DefaultTokenHeaderTemplate)
	if !strings.Contains(u.TokenHeaderTemplate, TokenPlaceholder) {
		return nil, &FieldError{"tokenHeaderTemplate", fmt.Sprintf("must contain %s, e.g. %q or %q", TokenPlaceholder, DefaultTokenHeaderTemplate, TokenPlaceholder)}
	}
	if strings.ContainsAny(u.TokenHeaderTemplate, "\r\n") {
		return nil, &FieldError{"tokenHeaderTemplate", "must not contain line breaks"}
	}
	if w.SendClientIDHeader {
		u.ClientIDHeaderName = orDefault(w.ClientIDHeaderName, DefaultClientIDHeaderName)
		if err := checkHeaderName("clientIdHeaderName", u.ClientIDHeaderName); err != nil {
			return nil, err
		}
		if strings.EqualFold(u.ClientIDHeaderName, u.TokenHeaderName) {
			return nil, &FieldError{"clientIdHeaderName", "must differ from tokenHeaderName"}
		}
		u.ClientID = t.ClientID
	}
	if u.Headers, err = resolveItems("headers", "header.", w.Headers, secure, true); err != nil {
		return nil, err
	}
	for _, h := range u.Headers {
		if strings.EqualFold(h.Name, u.TokenHeaderName) || (u.ClientIDHeaderName != "" && strings.EqualFold(h.Name, u.ClientIDHeaderName)) {
			return nil, &FieldError{"headers", fmt.Sprintf("header %q is set by the plugin (token or client id header) and cannot be overridden", h.Name)}
		}
	}
	u.HealthCheckPath = strings.TrimSpace(w.HealthCheckPath)
	if u.Timeout, err = parseDuration("timeout", string(w.Timeout), DefaultTimeout, TimeoutRange); err != nil {
		return nil, err
	}
	if u.MaxResponseBytes, err = parseInt("maxResponseBytes", string(w.MaxResponseBytes), DefaultMaxResponseBytes, MaxResponseBytesRange, " bytes"); err != nil {
		return nil, err
	}
	if err := loadPolicy(u, w); err != nil {
		return nil, err
	}
	if err := checkIdentityUpstream(out.DPoP, out.Upstream); err != nil {
		return nil, err
	}
	if err := loadShared(&out.Shared, w, secure); err != nil {
		return nil, err
	}
	return &out, nil
}

func loadShared(sh *Shared, w wire, secure map[string]string) error {
	kind, err := oneOf("sharedStore", w.SharedStore, "none", "redis")
	if err != nil || kind == "none" {
		return err
	}
	sh.Kind = kind
	sh.Address = strings.TrimSpace(w.RedisAddress)
	if sh.Address == "" {
		return &FieldError{"redisAddress", "is required with sharedStore: redis (host:port, e.g. redis:6379)"}
	}
	if _, _, err := net.SplitHostPort(sh.Address); err != nil {
		return &FieldError{"redisAddress", fmt.Sprintf("%q is not host:port", sh.Address)}
	}
	sh.Username = strings.TrimSpace(w.RedisUsername)
	sh.Password = secure["redisPassword"]
	db, err := parseInt("redisDb", string(w.RedisDB), 0, RedisDBRange, "")
	if err != nil {
		return err
	}
	sh.DB = int(db)
	sh.TLS = w.RedisTLS
	sh.KeyPrefix = deref(w.RedisKeyPrefix, "oauth2rest:")
	return nil
}

func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, &FieldError{"url", "the API base URL is required (e.g. https://api.example.com/v1)"}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &FieldError{"url", "must be an absolute http or https URL such as https://api.example.com/v1"}
	}
	if u.User != nil {
		return nil, &FieldError{"url", "must not contain user:password@; use headers or the token settings"}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, &FieldError{"url", "must not contain a query string or fragment; put parameters in the query"}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func parseHTTPURL(field, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", &FieldError{field, "is required"}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &FieldError{field, "must be an absolute http or https URL"}
	}
	if u.User != nil {
		return "", &FieldError{field, "must not contain user:password@"}
	}
	return raw, nil
}

func resolveItems(field, securePrefix string, items []wireItem, secure map[string]string, header bool) ([]NameValue, error) {
	out := make([]NameValue, 0, len(items))
	seen := map[string]bool{}
	for i, it := range items {
		name := strings.TrimSpace(it.Name)
		where := fmt.Sprintf("%s[%d]", field, i)
		if name == "" {
			return nil, &FieldError{where, "name is required"}
		}
		if header {
			if err := checkHeaderName(where+".name", name); err != nil {
				return nil, err
			}
			name = http.CanonicalHeaderKey(name)
		}
		key := name
		if header {
			key = strings.ToLower(name)
		}
		if seen[key] {
			return nil, &FieldError{where, fmt.Sprintf("%q appears twice", name)}
		}
		seen[key] = true
		nv := NameValue{Name: name, Value: it.Value}
		if it.Secure {
			if it.Value != "" {
				return nil, &FieldError{where, "a secure value belongs in secureJsonData[\"" + securePrefix + it.Name + "\"], not in jsonData"}
			}
			v, ok := lookupSecure(secure, securePrefix, it.Name, header)
			if !ok {
				return nil, &FieldError{"secureJsonData." + securePrefix + it.Name, "is missing (declared secure in " + where + ")"}
			}
			nv.Value, nv.Secure = v, true
		}
		if header && strings.ContainsAny(nv.Value, "\r\n") {
			return nil, &FieldError{where + ".value", "must not contain line breaks"}
		}
		out = append(out, nv)
	}
	return out, nil
}

// lookupSecure finds secureJsonData["<prefix><name>"]; header names match case-insensitively
// because the editor and a hand-written YAML may spell them differently.
func lookupSecure(secure map[string]string, prefix, name string, header bool) (string, bool) {
	if v, ok := secure[prefix+name]; ok {
		return v, true
	}
	if !header {
		return "", false
	}
	keys := make([]string, 0, len(secure))
	for k := range secure {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) && strings.EqualFold(k[len(prefix):], name) {
			return secure[k], true
		}
	}
	return "", false
}

func checkHeaderName(field, name string) error {
	if name == "" {
		return &FieldError{field, "a header name is required"}
	}
	for _, r := range name {
		// RFC 9110 token characters.
		if r > 0x7e || r <= 0x20 || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) {
			return &FieldError{field, fmt.Sprintf("%q is not a valid HTTP header name", name)}
		}
	}
	return nil
}

func oneOf(field, v string, allowed ...string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return allowed[0], nil
	}
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a, nil
		}
	}
	return "", &FieldError{field, fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", "))}
}

// loadPolicy reads allowedMethods and postPathPatterns: reads by default, writes where an admin
// allows them.
func loadPolicy(u *Upstream, w wire) error {
	seen := map[string]bool{}
	for i, m := range w.AllowedMethods {
		m = strings.ToUpper(strings.TrimSpace(m))
		if m != MethodGet && m != MethodPost {
			return &FieldError{fmt.Sprintf("allowedMethods[%d]", i), fmt.Sprintf("%q is not GET or POST (the only methods the plugin sends)", m)}
		}
		if !seen[m] {
			seen[m] = true
			u.AllowedMethods = append(u.AllowedMethods, m)
		}
	}
	if len(u.AllowedMethods) == 0 {
		u.AllowedMethods = append([]string(nil), DefaultAllowedMethods...)
	}
	for i, p := range w.PostPathPatterns {
		field := fmt.Sprintf("postPathPatterns[%d]", i)
		p = strings.TrimSpace(p)
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		if strings.ContainsAny(p, "?#\\") || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return &FieldError{field, fmt.Sprintf("%q must be a path pattern such as /search or /graphql/*, without query string, fragment, backslash or control characters", p)}
		}
		stem := strings.TrimSuffix(p, "/**")
		for _, seg := range strings.Split(stem, "/") {
			if seg == "." || seg == ".." || seg == "**" {
				return &FieldError{field, fmt.Sprintf("%q: %q is not allowed as a segment (\"**\" only as a trailing /**)", p, seg)}
			}
		}
		if _, err := path.Match(stem, ""); err != nil {
			return &FieldError{field, fmt.Sprintf("%q is not a valid pattern: %v", p, err)}
		}
		u.PostPathPatterns = append(u.PostPathPatterns, p)
	}
	return nil
}

// MatchPostPath reports whether rel (a request path relative to the base URL, starting with "/")
// matches one of patterns: path.Match syntax ("*" within one segment), and a trailing "/**"
// matches that path and everything below it.
func MatchPostPath(patterns []string, rel string) bool {
	for _, p := range patterns {
		if stem, ok := strings.CutSuffix(p, "/**"); ok {
			if ok, _ := path.Match(stem, rel); ok {
				return true
			}
			for i := len(rel) - 1; i > 0; i-- { // every ancestor of rel
				if rel[i] == '/' {
					if ok, _ := path.Match(stem, rel[:i]); ok {
						return true
					}
				}
			}
			continue
		}
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
	}
	return false
}

// parseDuration accepts Go durations ("90s", "1h") or a plain number of seconds within r.
func parseDuration(field, v string, def time.Duration, r durationRange) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return def, nil
	}
	outOfRange := &FieldError{field, fmt.Sprintf("%q is out of range: use a duration from %s to %s", v, r.Min, r.Max)}
	var d time.Duration
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		// Check in seconds before converting: 1e300 or NaN would not survive the conversion.
		if math.IsNaN(secs) || secs < r.Min.Seconds() || secs > r.Max.Seconds() {
			return 0, outOfRange
		}
		d = time.Duration(secs * float64(time.Second))
	} else if d, err = time.ParseDuration(v); err != nil {
		return 0, &FieldError{field, fmt.Sprintf("%q is not a duration such as 30s, 5m or 1h (range %s to %s)", v, r.Min, r.Max)}
	}
	if d < r.Min || d > r.Max {
		return 0, outOfRange
	}
	return d, nil
}

// parseInt accepts a whole number within r (a JSON number written as 1.6e+07 too).
func parseInt(field, v string, def int64, r intRange, unit string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return def, nil
	}
	outOfRange := &FieldError{field, fmt.Sprintf("%q is out of range: use a whole number from %d to %d%s", v, r.Min, r.Max, unit)}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64)
		switch {
		case ferr != nil && !errors.Is(ferr, strconv.ErrRange), math.IsNaN(f), f != math.Trunc(f) && !math.IsInf(f, 0):
			return 0, &FieldError{field, fmt.Sprintf("%q is not a whole number (range %d to %d%s)", v, r.Min, r.Max, unit)}
		case f < float64(r.Min), f > float64(r.Max):
			return 0, outOfRange
		}
		n = int64(f)
	}
	if n < r.Min || n > r.Max {
		return 0, outOfRange
	}
	return n, nil
}

func describeJSONError(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return fmt.Sprintf("field %s must be of JSON type %s, not %s", te.Field, te.Type.Kind(), te.Value)
	}
	return err.Error()
}

func orDefault(v, def string) string {
	if v = strings.TrimSpace(v); v == "" {
		return def
	}
	return v
}

func deref(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

// Package settings turns a datasource's jsonData and decrypted secureJsonData into one validated,
// typed Settings value. It is the only place that reads either: provisioned datasources never pass
// through the ConfigEditor, so every default and every check lives here.
package settings

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
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
	Budget   Budget // budget.go
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

// source is one instance's raw settings: jsonData decoded once, the decrypted secrets and the URL.
type source struct {
	url    string
	w      wire
	secure map[string]string
}

// A section validates one part of the settings: it reads its own keys from in, fills its part of
// out and refuses a value with a FieldError naming the key.
type section func(in *source, out *Settings) error

// sections run in this order; a later one may read what an earlier one filled (the identity mode,
// the client id, the token header name). A new part of the settings is one loader in its own file
// with its own table test, and one line here.
var sections = []section{
	loadBaseURL,      // the API's base URL (api.go)
	loadIdentity,     // whose token: oauthPassThru, tokenExchange, dpop (identity.go)
	loadTokenRequest, // token endpoint, client authentication, request shape (token.go, clientauth.go)
	loadAuthCode,     // authorization code grant (authcode.go)
	loadTokenReply,   // reading the token endpoint's reply (reply.go)
	loadAPI,          // token placement, headers, timeout, reply size (api.go)
	loadPolicy,       // allowedMethods, postPathPatterns (policy.go)
	checkIdentityAPI, // what the identity modes require of the API settings (identity.go)
	loadShared,       // shared token store (shared.go)
	loadBudget,       // query budgets: jqTimeout, queryMemoryMiB, maxRows, ... (budget.go)
}

// Load parses and validates the settings of one datasource instance.
func Load(s backend.DataSourceInstanceSettings) (*Settings, error) {
	in := &source{url: s.URL, secure: s.DecryptedSecureJSONData}
	if len(s.JSONData) > 0 && string(s.JSONData) != "null" {
		if err := json.Unmarshal(s.JSONData, &in.w); err != nil {
			return nil, &FieldError{Field: "jsonData", Reason: "not a valid JSON object: " + describeJSONError(err)}
		}
	}
	if in.secure == nil {
		in.secure = map[string]string{}
	}
	var out Settings
	for _, load := range sections {
		if err := load(in, &out); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

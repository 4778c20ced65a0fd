// This file holds what every section shares: jsonData as Grafana stores it (wire) and the parsers
// of URLs, header lists, enums, durations and numbers, each refusing a value with a FieldError.

package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// wire is jsonData exactly as stored by Grafana, decoded once; each section reads its own keys.
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

	// Identity modes (identity.go).
	OAuthPassThru         bool   `json:"oauthPassThru"` // Grafana's own key
	TokenExchange         bool   `json:"tokenExchange"`
	TokenExchangeAudience string `json:"tokenExchangeAudience"`
	DPoP                  bool   `json:"dpop"`

	// Query budgets (budget.go).
	JQTimeout           flexString `json:"jqTimeout"`
	QueryMemoryMiB      flexString `json:"queryMemoryMiB"`
	MaxRows             flexString `json:"maxRows"`
	MaxCells            flexString `json:"maxCells"`
	MaxColumns          flexString `json:"maxColumns"`
	MaxColumnNameLength flexString `json:"maxColumnNameLength"`
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

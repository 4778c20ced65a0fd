package token

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/redact"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
)

// maxReplyBytes bounds what we read from a token endpoint: real replies are a few KB.
const maxReplyBytes = 1 << 20

// Grant fetches tokens from the token endpoint as configured: client credentials, and the refresh
// grant when an earlier reply carried a refresh token. It does no caching.
type Grant struct {
	cfg    settings.Token
	client *http.Client
	reader *replyReader
	redact *redact.Redactor
	// secrets are the static values redacted from errors (with the client id and the Basic
	// credential); values of one request (refresh token, code, verifier) are added per request.
	secrets []string
	now     func() time.Time

	// signer signs assertions (private_key_jwt, client_secret_jwt, jwt_bearer); endpoints supplies
	// a discovered token endpoint. Both are nil when not configured (clientauth.go).
	signer    *assertionSigner
	endpoints Endpoints
}

// NewGrant builds a Grant. client must not carry any API token middleware; redirects are refused
// here so that a token endpoint cannot bounce the client secret to another host.
func NewGrant(cfg settings.Token, client *http.Client, secrets []string) (*Grant, error) {
	reader, err := newReplyReader(cfg)
	if err != nil {
		return nil, err
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// The client id is a secure field too, and an endpoint that echoes the Authorization header
	// echoes the Basic credential, which is the secret in base64.
	secrets = append(append([]string(nil), secrets...), cfg.ClientID, cfg.ClientSecret,
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(cfg.ClientID)+":"+url.QueryEscape(cfg.ClientSecret))))
	g := &Grant{cfg: cfg, client: &c, reader: reader, redact: redact.New(secrets...), secrets: secrets, now: time.Now}
	if cfg.Assertion.Alg != "" {
		if g.signer, err = newAssertionSigner(cfg.Assertion, cfg.ClientSecret); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// Fetch obtains a new token. When refreshToken is set it tries the refresh grant first and falls
// back to the primary grant if the server says the refresh token is no longer valid. The
// authorization code grant has no primary grant to fall back to: the user must connect again.
func (g *Grant) Fetch(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	// A new assertion is always at hand with jwt_bearer: a refresh token (rarely sent) is not used,
	// as its refresh request would need a client authentication the grant may not have.
	if refreshToken != "" && g.cfg.GrantType != settings.GrantJWTBearer {
		tok, err := g.do(ctx, fixed(settings.NameValue{Name: "grant_type", Value: "refresh_token"}, settings.NameValue{Name: "refresh_token", Value: refreshToken}))
		if err == nil && tok.RefreshToken == "" {
			tok.RefreshToken = refreshToken // the server did not rotate it: keep using it
		}
		if err == nil || !IsInvalidGrant(err) {
			return tok, err
		}
		if g.cfg.GrantType == settings.GrantAuthorizationCode {
			return nil, reauthRequired("the refresh token was refused (invalid_grant)")
		}
	}
	if g.cfg.GrantType == settings.GrantAuthorizationCode {
		return nil, reauthRequired("no refresh token is stored")
	}
	// The refresh token refused above is still redacted from this request's errors.
	return g.do(ctx, g.primaryGrant, refreshToken)
}

// Exchange redeems an authorization code (RFC 6749 4.1.3), with the PKCE verifier if one was used.
func (g *Grant) Exchange(ctx context.Context, code, verifier, redirectURI string) (*oauth2.Token, error) {
	grant := []settings.NameValue{{Name: "grant_type", Value: "authorization_code"}, {Name: "code", Value: code}, {Name: "redirect_uri", Value: redirectURI}}
	if verifier != "" {
		grant = append(grant, settings.NameValue{Name: "code_verifier", Value: verifier})
	}
	return g.do(ctx, fixed(grant...))
}

// fixed is a grant whose parameters do not depend on the token endpoint.
func fixed(p ...settings.NameValue) func(string) ([]settings.NameValue, error) {
	return func(string) ([]settings.NameValue, error) { return p, nil }
}

// do sends one token request. grant gives the grant's parameters for the token endpoint (an
// assertion's audience is the endpoint). Errors are redacted of the static secrets, of this
// request's refresh token, code, verifier and assertions, and of also.
func (g *Grant) do(ctx context.Context, grantFor func(tokenURL string) ([]settings.NameValue, error), also ...string) (*oauth2.Token, error) {
	tokenURL, err := g.tokenURL(ctx)
	if err != nil {
		return nil, err
	}
	grant, err := grantFor(tokenURL)
	if err != nil {
		return nil, err
	}
	auth, err := g.authParams(tokenURL)
	if err != nil {
		return nil, err
	}
	req, err := g.newRequest(ctx, tokenURL, grant, auth)
	if err != nil {
		return nil, err
	}
	red := g.redact
	perRequest := also
	for _, list := range [][]settings.NameValue{grant, auth} {
		for _, p := range list {
			switch p.Name {
			case "refresh_token", "code", "code_verifier", "assertion", "client_assertion":
				perRequest = append(perRequest, p.Value)
			}
		}
	}
	if len(perRequest) > 0 {
		red = redact.New(append(perRequest, g.secrets...)...)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		g.markStale(0)
		return nil, &Error{Step: StepRequest, Msg: red.String(err.Error())}
	}
	defer resp.Body.Close()
	g.markStale(resp.StatusCode)
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	if err != nil {
		return nil, &Error{Step: StepRequest, Status: resp.StatusCode, Msg: "reading the reply: " + red.String(err.Error())}
	}
	if len(body) > maxReplyBytes {
		return nil, &Error{Step: StepReply, Status: resp.StatusCode, Msg: fmt.Sprintf("reply is larger than %d bytes", maxReplyBytes)}
	}
	tok, err := g.reader.read(resp, body, g.now())
	if err != nil {
		var te *Error
		if errors.As(err, &te) {
			// Redact first, cut afterwards: a secret straddling the cut must not leave a prefix.
			te.Msg = clipText(red.String(te.Msg), maxErrorText)
		}
		return nil, err
	}
	return tok, nil
}

// maxErrorText bounds the text of a token error (the endpoint's own words included).
const maxErrorText = 500

func clipText(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

// newRequest builds the token request from the settings: parameters, client authentication,
// encoding and headers.
func (g *Grant) newRequest(ctx context.Context, tokenURL string, grant, auth []settings.NameValue) (*http.Request, error) {
	c := g.cfg
	var keys []string
	vals := map[string]string{}
	set := func(k, v string) {
		if _, ok := vals[k]; !ok {
			keys = append(keys, k)
		}
		vals[k] = v
	}
	for _, p := range grant {
		set(p.Name, p.Value)
	}
	if len(c.Scopes) > 0 && !c.Assertion.ScopeClaim {
		set("scope", strings.Join(c.Scopes, " "))
	}
	if c.Audience != "" {
		set("audience", c.Audience)
	}
	if c.Resource != "" {
		set("resource", c.Resource)
	}
	for _, p := range c.Params {
		set(p.Name, p.Value)
	}
	for _, p := range auth { // last: a configured parameter never replaces the credentials
		set(p.Name, p.Value)
	}

	var body []byte
	var contentType string
	switch c.Encoding {
	case settings.EncodingJSON:
		obj := make(map[string]string, len(vals))
		for k, v := range vals {
			obj[k] = v
		}
		body, _ = json.Marshal(obj) // a map of strings always marshals
		contentType = "application/json"
	default:
		form := url.Values{}
		for _, k := range keys {
			form.Set(k, vals[k])
		}
		body = []byte(form.Encode())
		contentType = "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Step: StepRequest, Msg: "building the request: invalid tokenUrl"}
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	g.setBasic(req)
	for _, h := range c.Headers {
		req.Header.Set(h.Name, h.Value)
	}
	return req, nil
}

// ReauthCode marks errors that only a user can fix by connecting again.
const ReauthCode = "reauth_required"

func reauthRequired(why string) error {
	return &Error{Step: StepRequest, Code: ReauthCode, Msg: "re-authorization required: click Connect in the datasource settings (" + why + ")"}
}

// IsReauthRequired reports whether err can only be fixed by connecting again.
func IsReauthRequired(err error) bool {
	var te *Error
	return errors.As(err, &te) && te.Code == ReauthCode
}

// parseRetryAfter reads a Retry-After header (seconds or an HTTP date).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

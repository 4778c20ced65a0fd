package token

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
)

// StepDiscovery names a failure to read the provider's metadata (issuerUrl).
const StepDiscovery = "discovery"

// Endpoints supplies the token endpoint when it is discovered (issuerUrl) rather than configured.
// The discovery package implements it; token does not know how metadata is read.
type Endpoints interface {
	TokenURL(ctx context.Context) (string, error)
	// Stale says the token endpoint could not be reached: read the metadata again next time.
	Stale()
}

// StatusError is an error of Endpoints that carries the HTTP status of the answer it failed on
// (discovery.Error), so that a token error can report it.
type StatusError interface {
	error
	HTTPStatus() int
}

// SetEndpoints makes the grant ask e for the token endpoint, unless tokenUrl is configured: an
// explicit tokenUrl wins (then e is not kept). Call it before the first Fetch.
func (g *Grant) SetEndpoints(e Endpoints) {
	if g.cfg.URL == "" {
		g.endpoints = e
	}
}

// tokenURL is the discovered token endpoint when SetEndpoints kept one, else tokenUrl.
func (g *Grant) tokenURL(ctx context.Context) (string, error) {
	if g.endpoints == nil {
		return g.cfg.URL, nil
	}
	u, err := g.endpoints.TokenURL(ctx)
	if err != nil {
		return "", DiscoveryError(err)
	}
	return u, nil
}

// DiscoveryError is err as a failure of the discovery step, with the HTTP status it carries.
func DiscoveryError(err error) *Error {
	e := &Error{Step: StepDiscovery, Msg: err.Error()}
	var hs StatusError
	if errors.As(err, &hs) {
		e.Status = hs.HTTPStatus()
	}
	return e
}

// markStale asks discovery to read the metadata again after the endpoint it named failed in a way
// that a moved endpoint explains (no answer, gone, server error).
func (g *Grant) markStale(status int) {
	if g.endpoints == nil {
		return
	}
	if status == 0 || status == http.StatusNotFound || status == http.StatusGone || status >= 500 {
		g.endpoints.Stale()
	}
}

// grantParams are the parameters of the configured primary grant.
func (g *Grant) primaryGrant(tokenURL string) ([]settings.NameValue, error) {
	if g.cfg.GrantType == settings.GrantJWTBearer {
		a, err := g.bearerAssertion(tokenURL)
		if err != nil {
			return nil, &Error{Step: StepRequest, Msg: err.Error()}
		}
		return []settings.NameValue{{Name: "grant_type", Value: JWTBearerGrantType}, {Name: "assertion", Value: a}}, nil
	}
	if g.cfg.OmitGrantType {
		return nil, nil
	}
	return []settings.NameValue{{Name: "grant_type", Value: g.cfg.GrantType}}, nil
}

// authParams are the client authentication parameters of one request (RFC 6749 section 2.3,
// RFC 7523 section 2.2, RFC 8705 section 2). An assertion is never sent with a client secret.
func (g *Grant) authParams(tokenURL string) ([]settings.NameValue, error) {
	c := g.cfg
	switch c.ClientAuth {
	case settings.ClientAuthBody:
		return []settings.NameValue{{Name: c.ClientIDParam, Value: c.ClientID}, {Name: c.ClientSecretParam, Value: c.ClientSecret}}, nil
	case settings.ClientAuthPrivateKeyJWT, settings.ClientAuthSecretJWT:
		a, err := g.clientAssertion(tokenURL)
		if err != nil {
			return nil, &Error{Step: StepRequest, Msg: err.Error()}
		}
		return []settings.NameValue{{Name: c.ClientIDParam, Value: c.ClientID},
			{Name: "client_assertion_type", Value: ClientAssertionType}, {Name: "client_assertion", Value: a}}, nil
	case settings.ClientAuthTLS:
		// The certificate authenticates; client_id says which client it is (RFC 8705 section 2).
		return []settings.NameValue{{Name: c.ClientIDParam, Value: c.ClientID}}, nil
	}
	return nil, nil // basic (a header, set in newRequest) or none
}

// setBasic puts the HTTP Basic client credentials on req (RFC 6749 section 2.3.1: both parts are
// form-encoded before Basic encoding).
func (g *Grant) setBasic(req *http.Request) {
	if g.cfg.ClientAuth == settings.ClientAuthBasic {
		req.SetBasicAuth(url.QueryEscape(g.cfg.ClientID), url.QueryEscape(g.cfg.ClientSecret))
	}
}

package token

import (
	"context"

	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
)

// RFC 8693 names.
const (
	GrantTokenExchange   = "urn:ietf:params:oauth:grant-type:token-exchange"
	TokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
)

// WithAudience is g asking for audience a (when a is set) instead of the configured one: the same
// token endpoint (configured or discovered), client authentication, reply reader and redaction. The
// copy shares g's read-only parts (HTTP client, reply reader, signer, endpoints), which are safe for
// concurrent use; Grant has no lock or cache of its own. Call it after SetEndpoints.
func (g *Grant) WithAudience(a string) *Grant {
	if a == "" {
		return g
	}
	c := *g
	c.cfg.Audience = a
	return &c
}

// TokenExchange trades subjectToken (the signed-in user's access token) for a token for the API
// (RFC 8693 section 2.1), authenticating as the client like every other grant. The audience is the
// Grant's: the plugin exchanges with the client's grant WithAudience(tokenExchangeAudience).
// The subject token is redacted from every error. Nothing is cached here.
func (g *Grant) TokenExchange(ctx context.Context, subjectToken string) (*oauth2.Token, error) {
	return g.do(ctx, fixed(
		settings.NameValue{Name: "grant_type", Value: GrantTokenExchange},
		settings.NameValue{Name: "subject_token", Value: subjectToken},
		settings.NameValue{Name: "subject_token_type", Value: TokenTypeAccessToken},
	), subjectToken)
}

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

// TokenExchange trades subjectToken (the signed-in user's access token) for a token for the API
// (RFC 8693 section 2.1), authenticating as the client like every other grant. The audience is the
// Grant's: the plugin builds a separate Grant for exchanges with audience = tokenExchangeAudience.
// The subject token is redacted from every error. Nothing is cached here.
func (g *Grant) TokenExchange(ctx context.Context, subjectToken string) (*oauth2.Token, error) {
	return g.do(ctx, fixed(
		settings.NameValue{Name: "grant_type", Value: GrantTokenExchange},
		settings.NameValue{Name: "subject_token", Value: subjectToken},
		settings.NameValue{Name: "subject_token_type", Value: TokenTypeAccessToken},
	), subjectToken)
}

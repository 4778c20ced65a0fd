package settings

import (
	"strings"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonsel"
)

// loadTokenReply reads where the token endpoint's reply holds the token, its expiry and refresh
// token, how it says success, and the lifetime of a token that states none. Every path compiles.
func loadTokenReply(in *source, out *Settings) error {
	w, t := in.w, &out.Token
	var err error
	if t.Location, err = oneOf("tokenLocation", w.TokenLocation, TokenInBody, TokenInHeader); err != nil {
		return err
	}
	t.Path = strings.TrimSpace(deref(w.TokenPath, DefaultTokenPath))
	t.ResponseHeader = strings.TrimSpace(w.TokenResponseHeader)
	switch t.Location {
	case TokenInBody:
		if t.Path == "" {
			return &FieldError{"tokenPath", "is required when tokenLocation is body"}
		}
	case TokenInHeader:
		if err := checkHeaderName("tokenResponseHeader", t.ResponseHeader); err != nil {
			return err
		}
	}
	t.ExpiresInPath = strings.TrimSpace(deref(w.ExpiresInPath, DefaultExpiresInPath))
	t.ExpiresAtPath = strings.TrimSpace(w.ExpiresAtPath)
	t.IssuedAtPath = strings.TrimSpace(w.IssuedAtPath)
	t.RefreshTokenPath = strings.TrimSpace(deref(w.RefreshTokenPath, DefaultRefreshTokenPath))
	t.SuccessPath = strings.TrimSpace(w.SuccessPath)
	t.SuccessValue = strings.TrimSpace(string(w.SuccessValue))
	if (t.SuccessPath == "") != (t.SuccessValue == "") {
		return &FieldError{"successPath", "successPath and successValue must be set together"}
	}
	for _, p := range []struct{ field, path string }{
		{"tokenPath", t.Path}, {"expiresInPath", t.ExpiresInPath}, {"expiresAtPath", t.ExpiresAtPath},
		{"issuedAtPath", t.IssuedAtPath}, {"refreshTokenPath", t.RefreshTokenPath}, {"successPath", t.SuccessPath},
	} {
		if p.path != "" {
			if _, err := jsonsel.Compile(p.path); err != nil {
				return &FieldError{p.field, err.Error()}
			}
		}
	}
	t.DefaultLifetime, err = parseDuration("defaultTokenLifetime", string(w.DefaultTokenLifetime), DefaultTokenLifetime, TokenLifetimeRange)
	return err
}

package settings

import (
	"fmt"
	"strings"
)

// loadAuthCode reads the authorization code grant: where the admin's browser goes (authUrl, or the
// discovered endpoint), where it comes back, the expected issuer, extra parameters, PKCE and the
// stored refresh token. Other grants ignore these keys.
func loadAuthCode(in *source, out *Settings) error {
	w, t := in.w, &out.Token
	if t.GrantType != GrantAuthorizationCode {
		return nil
	}
	var err error
	if t.IssuerURL != "" {
		t.AuthURL, err = optionalURL("authUrl", w.AuthURL)
	} else {
		t.AuthURL, err = parseHTTPURL("authUrl", w.AuthURL)
	}
	if err != nil {
		return err
	}
	if t.RedirectURL, err = optionalURL("redirectUrl", w.RedirectURL); err != nil {
		return err
	}
	if t.Issuer, err = optionalURL("issuer", w.Issuer); err != nil {
		return err
	}
	// With discovery the expected `iss` is the discovered issuer, which must equal issuerUrl.
	if t.Issuer != "" && t.IssuerURL != "" && t.Issuer != t.IssuerURL {
		return &FieldError{"issuer", fmt.Sprintf("%q differs from issuerUrl %q; leave issuer empty when issuerUrl is set", t.Issuer, t.IssuerURL)}
	}
	for i, it := range w.AuthParams {
		if it.Secure {
			// The authorization request is a URL opened in the admin's browser: its parameters are
			// visible there, in the provider's logs and in the browser history. A "secure" flag
			// would promise what cannot be kept.
			return &FieldError{fmt.Sprintf("authParams[%d]", i), "cannot be secure: authorization parameters travel in the URL the admin's browser opens, so they are never secret; set a plain value, or send secrets as tokenParams"}
		}
	}
	if t.AuthParams, err = resolveItems("authParams", "authParam.", w.AuthParams, in.secure, false); err != nil {
		return err
	}
	t.UsePKCE = w.UsePKCE == nil || *w.UsePKCE
	t.UsePKCESet = w.UsePKCE != nil
	t.RefreshToken = strings.TrimSpace(in.secure["refreshToken"])
	t.SealedRefreshToken = strings.TrimSpace(in.secure["sealedRefreshToken"])
	return nil
}

package settings

import (
	"strings"
)

// loadTokenRequest reads the grant and how to ask the token endpoint for a token: its URL (unless
// discovery or a service-account key supplies it), the client's credentials, scopes, encoding,
// extra parameters and headers, and the timeout. In pure oauthPassThru mode the client's own grant
// is optional (identity.go).
func loadTokenRequest(in *source, out *Settings) error {
	w, secure, t := in.w, in.secure, &out.Token
	var err error
	if t.GrantType, err = oneOf("grantType", w.GrantType, GrantClientCredentials, GrantAuthorizationCode, GrantJWTBearer); err != nil {
		return err
	}
	t.ClientID = strings.TrimSpace(secure["clientId"])
	if out.Identity.ClientGrant {
		if err := loadClient(t, w, secure); err != nil {
			return err
		}
	}
	t.Scopes = strings.FieldsFunc(w.Scopes, func(r rune) bool { return r == ' ' || r == ',' || r == '\n' || r == '\t' })
	t.Audience = strings.TrimSpace(w.Audience)
	t.Resource = strings.TrimSpace(w.Resource)
	if t.Encoding, err = oneOf("tokenRequestEncoding", w.TokenRequestEncoding, EncodingForm, EncodingJSON); err != nil {
		return err
	}
	t.ClientIDParam = orDefault(w.ClientIDParam, "client_id")
	t.ClientSecretParam = orDefault(w.ClientSecretParam, "client_secret")
	t.OmitGrantType = w.OmitGrantType
	if t.Params, err = resolveItems("tokenParams", "tokenParam.", w.TokenParams, secure, false); err != nil {
		return err
	}
	if t.Headers, err = resolveItems("tokenHeaders", "tokenHeader.", w.TokenHeaders, secure, true); err != nil {
		return err
	}
	t.Timeout, err = parseDuration("tokenTimeout", string(w.TokenTimeout), DefaultTokenTimeout, TokenTimeoutRange)
	return err
}

// loadClient reads the token endpoint and the client's credentials. Discovery (issuerUrl) or a
// service-account key may supply the endpoint; otherwise tokenUrl is the first thing to check.
func loadClient(t *Token, w wire, secure map[string]string) error {
	var err error
	supplied := strings.TrimSpace(w.IssuerURL) != "" || (t.GrantType == GrantJWTBearer && strings.TrimSpace(secure["serviceAccountKey"]) != "")
	if !supplied {
		if t.URL, err = parseHTTPURL("tokenUrl", w.TokenURL); err != nil {
			return err
		}
	}
	if err := loadClientAuth(t, w, secure); err != nil {
		return err
	}
	if supplied {
		t.URL, err = optionalURL("tokenUrl", w.TokenURL)
		if t.URL == "" && err == nil && t.IssuerURL == "" {
			t.URL, err = parseHTTPURL("secureJsonData.serviceAccountKey token_uri", t.ServiceAccountTokenURI)
		}
	}
	return err
}

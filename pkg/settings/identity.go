package settings

import "strings"

// Identity says whose token the API sees.
type Identity struct {
	// PassThru (jsonData.oauthPassThru, Grafana's own key): forward the signed-in user's OAuth token,
	// which Grafana puts on each request to the plugin when this key is true.
	PassThru bool
	// Exchange (tokenExchange): exchange the user's token at tokenUrl (RFC 8693) first.
	Exchange         bool
	ExchangeAudience string
	// ClientGrant: the datasource's own grant (tokenUrl, clientId, clientSecret) is configured.
	// Always true outside pass-through; in pass-through it serves token exchange and alert rules.
	ClientGrant bool
}

// DPoP is sender-constrained tokens (RFC 9449).
type DPoP struct {
	Enabled bool
	// PrivateKey is secureJsonData.dpopPrivateKey (PEM, EC P-256); empty: a key is generated per
	// instance.
	PrivateKey string
}

// loadIdentity reads the mode keys. It runs before the token settings, because in pure
// pass-through mode the client's own grant is optional.
func loadIdentity(in *source, out *Settings) error {
	id, dp, err := identityOf(in.w, in.secure)
	out.Identity, out.DPoP = id, dp
	return err
}

func identityOf(w wire, secure map[string]string) (Identity, DPoP, error) {
	id := Identity{PassThru: w.OAuthPassThru, Exchange: w.TokenExchange, ExchangeAudience: strings.TrimSpace(w.TokenExchangeAudience)}
	dp := DPoP{Enabled: w.DPoP}
	if dp.Enabled {
		dp.PrivateKey = strings.TrimSpace(secure["dpopPrivateKey"])
	}
	switch {
	case id.Exchange && !id.PassThru:
		return id, dp, &FieldError{"tokenExchange", "exchanges the signed-in user's token, so it needs oauthPassThru: true"}
	case id.ExchangeAudience != "" && !id.Exchange:
		return id, dp, &FieldError{"tokenExchangeAudience", "is only used with tokenExchange: true"}
	case dp.Enabled && id.PassThru && !id.Exchange:
		return id, dp, &FieldError{"dpop", "cannot bind the signed-in user's token (it is a bearer token issued to Grafana); turn on tokenExchange to obtain a DPoP-bound token for the API, or turn dpop off"}
	}
	// Pure pass-through needs no client of its own; a partly configured client is a mistake the
	// admin should hear about, because alert rules would then fail only later.
	id.ClientGrant = !id.PassThru || id.Exchange || strings.TrimSpace(w.TokenURL) != "" ||
		strings.TrimSpace(w.IssuerURL) != "" ||
		(strings.TrimSpace(w.GrantType) != "" && !strings.EqualFold(strings.TrimSpace(w.GrantType), GrantClientCredentials)) ||
		strings.TrimSpace(secure["clientId"]) != "" || secure["clientSecret"] != "" ||
		secure["privateKey"] != "" || secure["serviceAccountKey"] != ""
	return id, dp, nil
}

// checkIdentityAPI checks the API settings the identity modes constrain.
func checkIdentityAPI(_ *source, out *Settings) error {
	dp, u := out.DPoP, out.Upstream
	// RFC 9449 section 7.1 sends a DPoP-bound token as "Authorization: DPoP <token>".
	if dp.Enabled && u.TokenPlacement == PlacementQuery {
		return &FieldError{"tokenPlacement", "a DPoP-bound token travels only in the Authorization header (RFC 9449 section 7.1): use tokenPlacement: header with dpop"}
	}
	if dp.Enabled && !strings.EqualFold(u.TokenHeaderName, DefaultTokenHeaderName) {
		return &FieldError{"tokenHeaderName", "must be Authorization with dpop: a DPoP-bound token is sent as \"Authorization: DPoP <token>\""}
	}
	// Pure pass-through has no client id to send.
	if u.ClientIDHeaderName != "" && u.ClientID == "" {
		return &FieldError{"sendClientIdHeader", "needs secureJsonData.clientId (oauthPassThru without a client has none)"}
	}
	return nil
}

package plugin

import (
	"context"
	"fmt"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/dpop"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/passthru"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// Whose token and which binding: the DPoP clients, the pass-through source, the request context
// that carries the user's token, and what health says about them.

// dpopClients returns the token endpoint's and the API's clients: hc itself, or with dpop on, hc's
// pool behind a DPoP transport each (the token endpoint and the API keep separate nonces).
func (d *Datasource) dpopClients(cfg *settings.Settings, hc *http.Client) (tokenHC, apiHC *http.Client, err error) {
	if !cfg.DPoP.Enabled {
		return hc, hc, nil
	}
	if d.dpopKey, err = dpop.NewKey(cfg.DPoP.PrivateKey); err != nil {
		if cfg.DPoP.PrivateKey != "" {
			err = &settings.FieldError{Field: "secureJsonData.dpopPrivateKey", Reason: err.Error()}
		}
		return nil, nil, err
	}
	wrap := func(role dpop.Role) *http.Client {
		c := *hc
		c.Transport = dpop.NewTransport(hc.Transport, d.dpopKey, role, nil)
		return &c
	}
	return wrap(dpop.ForToken), wrap(dpop.ForResource), nil
}

// passThruSource is the token source of oauthPassThru: the user's token, exchanged first with
// tokenExchange (the client's grant, so its configured or discovered token endpoint, asking for
// tokenExchangeAudience), and the client's cached token for alert rules when the client is
// configured. tokenExchange implies a client grant (settings.Identity.ClientGrant), built before.
func (d *Datasource) passThruSource(cfg *settings.Settings) token.Source {
	var exchange passthru.Exchanger
	if cfg.Identity.Exchange {
		exchange = d.grant.WithAudience(cfg.Identity.ExchangeAudience)
	}
	var fallback token.Source
	if d.tokens != nil {
		fallback = d.tokens
	}
	return passthru.NewSource(exchange, cfg.Token.Timeout, fallback)
}

// userContext puts the signed-in user's token (forwarded by Grafana with oauthPassThru) into the
// context of one request. Without pass-through the request's headers are not even read (the
// query hot path stays as it was).
func (d *Datasource) userContext(ctx context.Context, req backend.ForwardHTTPHeaders, fromAlert bool) context.Context {
	if d.settings == nil || !d.settings.Identity.PassThru {
		return ctx
	}
	var h http.Header
	if req != nil {
		h = req.GetHTTPHeaders()
	}
	return passthru.WithRequest(ctx, h, fromAlert)
}

// fromAlert: Grafana's alerting engine marks its queries with the header FromAlert: true.
func fromAlert(req *backend.QueryDataRequest) bool {
	return req.Headers[backend.FromAlertHeaderName] == "true"
}

// bindingNote says whether tok is DPoP-bound, for health.
func (d *Datasource) bindingNote(tok *oauth2.Token) string {
	switch {
	case d.dpopKey == nil:
		return "bearer token"
	case upstream.IsDPoP(tok):
		return "DPoP-bound to key " + d.dpopKey.Thumbprint()
	default:
		return fmt.Sprintf("NOT DPoP-bound: dpop is on but the server answered token_type %q, so it is sent as a bearer token", tok.TokenType)
	}
}

// checkPassThruHealth is Save & test in pass-through mode: the admin's own token (or the one
// exchanged for it) and healthCheckPath, then the client token alert rules would use.
func (d *Datasource) checkPassThruHealth(ctx context.Context) (*backend.CheckHealthResult, error) {
	mode := "Mode: forwarding the signed-in user's OAuth token"
	if d.settings.Identity.Exchange {
		mode = "Mode: exchanging the signed-in user's OAuth token (RFC 8693)"
		if a := d.settings.Identity.ExchangeAudience; a != "" {
			mode += " for audience " + a
		}
	}
	fail := func(msg string) (*backend.CheckHealthResult, error) {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: mode + "; " + msg}, nil
	}
	tok, err := d.source.Token(ctx)
	if err != nil {
		return fail(err.Error())
	}
	note, err := d.apiNote(ctx)
	if err != nil {
		return fail(err.Error())
	}
	msg := mode + " (" + d.bindingNote(tok) + "); " + note
	if d.tokens == nil {
		msg += "; alert rules have no user token and no client configured, so they fail"
	} else if ct, err := d.tokens.Token(ctx); err != nil {
		return fail("alert rules use the client's token, but " + err.Error())
	} else {
		msg += "; alert rules use the client's token (" + d.bindingNote(ct) + ")"
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: msg + d.sharedStoreNote(ctx)}, nil
}

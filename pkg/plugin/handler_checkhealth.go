package plugin

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// CheckHealth runs the same path as a query: obtain a token, then call healthCheckPath if set. The
// message names the step that failed; errors never carry secrets.
func (d *Datasource) CheckHealth(ctx context.Context, req *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	fail := func(msg string) (*backend.CheckHealthResult, error) {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: msg}, nil
	}
	if d.configErr != nil {
		return fail(d.configErr.Error())
	}
	found, err := d.discoveryNote(ctx)
	if err != nil {
		return fail(err.Error())
	}
	if d.settings.Identity.PassThru {
		var fwd backend.ForwardHTTPHeaders
		if req != nil {
			fwd = req
		}
		return d.checkPassThruHealth(d.userContext(ctx, fwd, false))
	}
	tok, err := d.tokens.Token(ctx)
	if err != nil {
		return fail(found + err.Error() + d.sharedStoreNote(ctx))
	}
	// The everyday message stays "Token obtained (expires in 59m)"; DPoP says whether it bound.
	binding := ""
	if d.dpopKey != nil {
		binding = "; " + d.bindingNote(tok)
	}
	msg := found + fmt.Sprintf("Token obtained (expires in %s%s)", humanDuration(time.Until(tok.Expiry)), binding) + d.sharedStoreNote(ctx)
	note, err := d.apiNote(ctx)
	if err != nil {
		return fail(msg + ", but " + err.Error())
	}
	sep := ", " // "Token obtained (...), API answered 200"
	if d.settings.Upstream.HealthCheckPath == "" {
		sep = "; "
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: msg + sep + note}, nil
}

// apiNote is the API part of Save & test: "API answered <status>" after a GET of healthCheckPath,
// the hint to set one when there is none, or the error of the call.
func (d *Datasource) apiNote(ctx context.Context) (string, error) {
	path := d.settings.Upstream.HealthCheckPath
	if path == "" {
		return "set healthCheckPath to also test an API call", nil
	}
	resp, err := d.api.Do(ctx, upstream.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("API answered %d", resp.Status), nil
}

// humanDuration rounds to what a person reads: 59m, 2h5m, 45s.
func humanDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	default:
		h := int(d / time.Hour)
		if m := int((d % time.Hour) / time.Minute); m != 0 {
			return fmt.Sprintf("%dh%dm", h, m)
		}
		return fmt.Sprintf("%dh", h)
	}
}

// sharedStoreNote reports the shared token store (Redis) when one is configured.
func (d *Datasource) sharedStoreNote(ctx context.Context) string {
	if d.redis == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := d.redis.Ping(ctx); err != nil {
		if d.settings.Token.GrantType == settings.GrantAuthorizationCode {
			// Rotating refresh tokens are not refreshed without Redis (docs/ha.md, failure table).
			return "; shared token store (Redis) unavailable, serving the current access token without refreshing: " + err.Error()
		}
		return "; shared token store (Redis) unavailable, using the local cache: " + err.Error()
	}
	return "; shared token store (Redis) OK"
}

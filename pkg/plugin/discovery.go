package plugin

import (
	"context"
	"net/http"
	"strings"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/discovery"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
)

// The discovery package implements token's interfaces without importing token (it sits below it).
var (
	_ token.Endpoints   = (*discovery.Client)(nil)
	_ token.StatusError = (*discovery.Error)(nil)
)

// setupDiscovery reads the provider's metadata lazily (on the first token request, Connect or
// health check) when issuerUrl is set; an explicit tokenUrl or authUrl still wins.
func (d *Datasource) setupDiscovery(cfg *settings.Settings, hc *http.Client) {
	if cfg.Token.IssuerURL == "" {
		return
	}
	d.discovery = discovery.New(cfg.Token.IssuerURL, hc)
	d.grant.SetEndpoints(d.discovery) // kept only without tokenUrl
}

// secretQueryParams are the query parameters that carry a credential (for traces).
func secretQueryParams(u settings.Upstream) []string {
	if u.TokenPlacement == settings.PlacementQuery {
		return []string{u.TokenQueryParam}
	}
	return nil
}

// discoveryNote says which endpoints discovery found, for the health message; a failure is the
// health check's error (step "discovery").
func (d *Datasource) discoveryNote(ctx context.Context) (string, error) {
	if d.discovery == nil {
		return "", nil
	}
	m, err := d.discovery.Metadata(ctx)
	if err != nil {
		return "", token.DiscoveryError(err)
	}
	var found []string
	t := d.settings.Token
	if m.TokenEndpoint != "" {
		s := "token endpoint " + m.TokenEndpoint
		if t.URL != "" {
			s += " (tokenUrl " + t.URL + " is used)"
		}
		found = append(found, s)
	}
	if m.AuthorizationEndpoint != "" && t.GrantType == settings.GrantAuthorizationCode {
		s := "authorization endpoint " + m.AuthorizationEndpoint
		if t.AuthURL != "" {
			s += " (authUrl " + t.AuthURL + " is used)"
		}
		found = append(found, s)
	}
	if len(found) == 0 {
		found = append(found, "no endpoints")
	}
	return "Discovery (" + m.Source + "): " + strings.Join(found, ", ") + ". ", nil
}

package authcode

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
)

// stateLifetime bounds how long a user may take at the provider's consent page.
const stateLifetime = 10 * time.Minute

// state travels through the provider inside `state`, sealed with the datasource's key: it cannot
// be forged or read, it is bound to this datasource and user, and it expires. Its nonce is
// remembered once used (replay.go), so a state cannot be replayed.
type state struct {
	Nonce       string    `json:"n"`
	UID         string    `json:"d"`
	User        string    `json:"u"`
	Verifier    string    `json:"v,omitempty"`
	RedirectURI string    `json:"r"`
	Expires     time.Time `json:"e"`
}

// ErrState: the state parameter could not be sealed (an internal failure, not the user's).
var ErrState = errors.New("could not create the state parameter")

// Connect returns the provider's authorization URL for the Connect button of user, who will be
// sent back to redirectURI. Its errors are ErrState or a *token.Error of step discovery.
func (f *Flow) Connect(ctx context.Context, user, redirectURI string) (string, error) {
	cfg := f.cfg.Token
	authURL, usePKCE, err := f.authEndpoint(ctx)
	if err != nil {
		return "", err
	}
	st := state{Nonce: randomHex(16), UID: f.cfg.UID, User: user, RedirectURI: redirectURI, Expires: time.Now().Add(stateLifetime)}
	var opts []oauth2.AuthCodeOption
	if usePKCE {
		st.Verifier = oauth2.GenerateVerifier()
		opts = append(opts, oauth2.S256ChallengeOption(st.Verifier))
	}
	for _, p := range cfg.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(p.Name, p.Value))
	}
	sealed, err := f.stateSealer.Seal(st)
	if err != nil {
		return "", ErrState
	}
	oc := oauth2.Config{ClientID: cfg.ClientID, Endpoint: oauth2.Endpoint{AuthURL: authURL}, RedirectURL: redirectURI, Scopes: cfg.Scopes}
	return oc.AuthCodeURL(sealed, opts...), nil
}

// RedirectURI is redirectUrl if set, else Grafana's own callback URL for this datasource.
func (f *Flow) RedirectURI(ctx context.Context) (string, error) {
	if u := f.cfg.Token.RedirectURL; u != "" {
		return u, nil
	}
	app, err := backend.GrafanaConfigFromContext(ctx).AppURL()
	if err != nil || app == "" {
		return "", fmt.Errorf("Grafana's app URL is unknown: set redirectUrl to <grafana root URL>/api/datasources/uid/%s/resources/oauth/callback", f.cfg.UID)
	}
	return strings.TrimRight(app, "/") + "/api/datasources/uid/" + url.PathEscape(f.cfg.UID) + "/resources/oauth/callback", nil
}

// authEndpoint is authUrl, else the discovered authorization endpoint, and whether to send a PKCE
// S256 challenge: usePkce when set, else yes unless the metadata lists methods without S256.
func (f *Flow) authEndpoint(ctx context.Context) (string, bool, error) {
	t := f.cfg.Token
	if f.cfg.Discovery == nil {
		return t.AuthURL, t.UsePKCE, nil
	}
	m, err := f.cfg.Discovery.Metadata(ctx)
	if err != nil {
		if t.AuthURL == "" {
			return "", false, token.DiscoveryError(err)
		}
		return t.AuthURL, t.UsePKCE, nil
	}
	pkce := t.UsePKCE
	if !t.UsePKCESet {
		pkce = m.SupportsS256()
	}
	if t.AuthURL != "" {
		return t.AuthURL, pkce, nil
	}
	if m.AuthorizationEndpoint == "" {
		return "", false, &token.Error{Step: token.StepDiscovery, Msg: fmt.Sprintf("the metadata at %s has no authorization_endpoint; set authUrl", m.Source)}
	}
	return m.AuthorizationEndpoint, pkce, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

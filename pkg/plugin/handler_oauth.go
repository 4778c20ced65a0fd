package plugin

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/vault"
)

// stateLifetime bounds how long a user may take at the provider's consent page.
const stateLifetime = 10 * time.Minute

// oauthState travels through the provider inside `state`, sealed with the datasource's key: it
// cannot be forged or read, it is bound to this datasource and user, and it expires. Its nonce is
// remembered once used, so a state cannot be replayed.
type oauthState struct {
	Nonce       string    `json:"n"`
	UID         string    `json:"d"`
	User        string    `json:"u"`
	Verifier    string    `json:"v,omitempty"`
	RedirectURI string    `json:"r"`
	Expires     time.Time `json:"e"`
}

// mayConnect: connecting decides which account the datasource acts as for everyone, so only an
// organization admin may start or finish it. A request without a user is refused.
func mayConnect(w http.ResponseWriter, r *http.Request) bool {
	return requireRole(w, r, rankAdmin, "only an organization admin can connect this datasource")
}

// oauthGET admits a GET to one of the oauth/ routes of a datasource set up for the authorization
// code grant, and otherwise answers why not.
func (d *Datasource) oauthGET(w http.ResponseWriter, r *http.Request, route string) bool {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, route+" accepts GET only")
		return false
	}
	if d.configErr != nil {
		writeError(w, http.StatusBadRequest, "Settings: "+d.configErr.Error())
		return false
	}
	if d.settings.Token.GrantType != settings.GrantAuthorizationCode {
		writeError(w, http.StatusBadRequest, "grantType is not authorization_code: there is nothing to connect")
		return false
	}
	return true
}

// handleAuthorize answers {"url": ...}: the provider's authorization URL for the Connect button.
func (d *Datasource) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if !d.oauthGET(w, r, "oauth/authorize") || !mayConnect(w, r) {
		return
	}
	redirectURI, err := d.redirectURI(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cfg := d.settings.Token
	authURL, usePKCE, err := d.authEndpoint(r.Context())
	if err != nil {
		writeError(w, http.StatusBadGateway, err.Error())
		return
	}
	st := oauthState{Nonce: randomHex(16), UID: d.uid, User: userLogin(r), RedirectURI: redirectURI, Expires: time.Now().Add(stateLifetime)}
	var opts []oauth2.AuthCodeOption
	if usePKCE {
		st.Verifier = oauth2.GenerateVerifier()
		opts = append(opts, oauth2.S256ChallengeOption(st.Verifier))
	}
	for _, p := range cfg.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(p.Name, p.Value))
	}
	state, err := d.stateSealer.Seal(st)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not create the state parameter")
		return
	}
	oc := oauth2.Config{ClientID: cfg.ClientID, Endpoint: oauth2.Endpoint{AuthURL: authURL}, RedirectURL: redirectURI, Scopes: cfg.Scopes}
	writeJSON(w, http.StatusOK, map[string]string{"url": oc.AuthCodeURL(state, opts...), "redirectUrl": redirectURI})
}

// handleCallback is where the provider sends the user back. It never shows a token: the result
// page (or the redirect to the settings page) says only connected or why not.
func (d *Datasource) handleCallback(w http.ResponseWriter, r *http.Request) {
	if !d.oauthGET(w, r, "oauth/callback") || !mayConnect(w, r) {
		return
	}
	q := r.URL.Query()
	fail := func(reason string) { d.finishCallback(w, r, false, reason) }
	if e := q.Get("error"); e != "" {
		fail("the provider refused: " + clip(e+" "+q.Get("error_description"), 200))
		return
	}
	var st oauthState
	if err := d.stateSealer.Open(q.Get("state"), &st); err != nil || st.UID != d.uid {
		fail("invalid state parameter: start again with Connect")
		return
	}
	if time.Now().After(st.Expires) {
		fail("the authorization took too long (state expired): start again with Connect")
		return
	}
	if st.User != userLogin(r) {
		fail("this authorization was started by another Grafana user")
		return
	}
	if !d.markStateUsed(r.Context(), st.Nonce, st.Expires) {
		fail("this authorization response was already used (state replay): start again with Connect")
		return
	}
	if want := d.expectedIssuer(); q.Get("iss") != "" || d.settings.Token.Issuer != "" || d.issRequired(r.Context()) {
		if q.Get("iss") != want {
			fail(fmt.Sprintf("issuer mismatch (RFC 9207): expected %s", want))
			return
		}
	}
	code := q.Get("code")
	if code == "" {
		fail("the provider sent no authorization code")
		return
	}
	tok, err := d.grant.Exchange(r.Context(), code, st.Verifier, st.RedirectURI)
	if err != nil {
		fail("code exchange " + err.Error())
		return
	}
	d.tokens.Put(tok)
	d.logger.Info("authorization code grant connected")
	d.finishCallback(w, r, true, "")
}

// finishCallback sends the user back to the datasource settings page when Grafana's URL is known,
// or shows a small page otherwise.
func (d *Datasource) finishCallback(w http.ResponseWriter, r *http.Request, ok bool, reason string) {
	if !ok {
		d.logger.Warn("authorization code callback failed", "reason", reason)
	}
	if app, err := backend.GrafanaConfigFromContext(r.Context()).AppURL(); err == nil && app != "" {
		q := url.Values{"oauth2rest": {"connected"}}
		if !ok {
			q = url.Values{"oauth2rest": {"failed"}, "reason": {reason}}
		}
		http.Redirect(w, r, strings.TrimRight(app, "/")+"/connections/datasources/edit/"+url.PathEscape(d.uid)+"?"+q.Encode(), http.StatusFound)
		return
	}
	title, text, status := "Connected", "The datasource is connected. Close this window and return to the datasource settings.", http.StatusOK
	if !ok {
		title, text, status = "Connection failed", "Connection failed: "+reason, http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><title>%s</title><h1>%s</h1><p>%s</p>", title, title, html.EscapeString(text))
}

// handleOAuthStatus tells the ConfigEditor whether the datasource is connected, and hands an org
// admin (who alone can save the settings) the sealed refresh token to store in secureJsonData on
// the next Save. Others get the status only: the blob is useless to them and an offline target.
func (d *Datasource) handleOAuthStatus(w http.ResponseWriter, r *http.Request) {
	if !d.oauthGET(w, r, "oauth/status") {
		return
	}
	s := d.tokens.Status()
	out := map[string]any{
		"connected": s.Cached || s.HasRefreshToken, "reauthRequired": s.ReauthRequired,
		"expiresAt": s.ExpiresAt, "lastError": s.LastError,
	}
	if redirectURI, err := d.redirectURI(r); err == nil {
		out["redirectUrl"] = redirectURI
	}
	if blob, _ := d.sealedRefresh.Load().(string); blob != "" && s.HasRefreshToken && roleRank(r) >= rankAdmin {
		out["sealedRefreshToken"] = blob
	}
	writeJSON(w, http.StatusOK, out)
}

// redirectURI is redirectUrl if set, else Grafana's own callback URL for this datasource.
func (d *Datasource) redirectURI(r *http.Request) (string, error) {
	if u := d.settings.Token.RedirectURL; u != "" {
		return u, nil
	}
	app, err := backend.GrafanaConfigFromContext(r.Context()).AppURL()
	if err != nil || app == "" {
		return "", fmt.Errorf("Grafana's app URL is unknown: set redirectUrl to <grafana root URL>/api/datasources/uid/%s/resources/oauth/callback", d.uid)
	}
	return strings.TrimRight(app, "/") + "/api/datasources/uid/" + url.PathEscape(d.uid) + "/resources/oauth/callback", nil
}

// expectedIssuer is the configured issuer, else issuerUrl (discovery checked that the metadata's
// issuer equals it exactly), else the origin of the authorization endpoint.
func (d *Datasource) expectedIssuer() string {
	if d.settings.Token.Issuer != "" {
		return d.settings.Token.Issuer
	}
	if d.settings.Token.IssuerURL != "" {
		return d.settings.Token.IssuerURL
	}
	u, err := url.Parse(d.settings.Token.AuthURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// restoreRefreshToken seeds the cache with the newest refresh token we know of, and makes every new
// one durable.
func (d *Datasource) restoreRefreshToken(cfg settings.Token, dir string) error {
	var err error
	if d.stateSealer, err = vault.NewSealer(cfg.SealingSecret(), "oauth-state", d.uid); err != nil {
		return err
	}
	refreshSealer, err := vault.NewSealer(cfg.SealingSecret(), "refresh-token", d.uid)
	if err != nil {
		return err
	}
	d.stateFile = vault.NewFile(dir, d.uid, refreshSealer)
	best := vault.RefreshState{RefreshToken: cfg.RefreshToken}
	if cfg.SealedRefreshToken != "" {
		var st vault.RefreshState
		if err := refreshSealer.Open(cfg.SealedRefreshToken, &st); err != nil {
			d.logger.Warn("secureJsonData.sealedRefreshToken is unreadable (was the client secret changed?); connect again", "error", err.Error())
		} else if st.Version > best.Version {
			best = st
		}
	}
	if st, err := d.stateFile.Load(); err != nil {
		d.logger.Warn("refresh token state file is unreadable; using the saved settings", "error", err.Error())
	} else if st.Version > best.Version {
		best = st
	}
	seal := func(st vault.RefreshState) {
		if blob, err := refreshSealer.Seal(st); err == nil {
			d.sealedRefresh.Store(blob)
		}
	}
	if best.RefreshToken != "" {
		d.tokens.SetRefreshToken(best.RefreshToken)
		seal(best)
	}
	d.tokens.OnRefreshToken(func(rt string) {
		st := vault.RefreshState{RefreshToken: rt, Version: time.Now().UnixNano()}
		if err := d.stateFile.Save(st); err != nil {
			d.logger.Error("could not persist the new refresh token; it lives in memory until the next settings save", "error", err.Error())
		}
		seal(st)
	})
	return nil
}

func userLogin(r *http.Request) string {
	if u := backend.PluginConfigFromContext(r.Context()).User; u != nil {
		return u.Login
	}
	return ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

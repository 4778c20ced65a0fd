package plugin

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
)

// The oauth/ routes translate HTTP for pkg/authcode, which owns the authorization code grant.

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
		writeFailure(w, d.configErr)
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
	redirectURI, err := d.authcode.RedirectURI(r.Context())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	authURL, err := d.authcode.Connect(r.Context(), userLogin(r), redirectURI)
	if err != nil { // authcode.ErrState: 500 (ours); a *token.Error of discovery: 502
		writeFailure(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": authURL, "redirectUrl": redirectURI})
}

// handleCallback is where the provider sends the user back. It never shows a token: the result
// page (or the redirect to the settings page) says only connected or why not.
func (d *Datasource) handleCallback(w http.ResponseWriter, r *http.Request) {
	if !d.oauthGET(w, r, "oauth/callback") || !mayConnect(w, r) {
		return
	}
	if err := d.authcode.Callback(r.Context(), r.URL.Query(), userLogin(r)); err != nil {
		d.finishCallback(w, r, false, err.Error())
		return
	}
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
	if redirectURI, err := d.authcode.RedirectURI(r.Context()); err == nil {
		out["redirectUrl"] = redirectURI
	}
	if blob := d.authcode.SealedRefreshToken(); blob != "" && s.HasRefreshToken && roleRank(r) >= rankAdmin {
		out["sealedRefreshToken"] = blob
	}
	writeJSON(w, http.StatusOK, out)
}

func userLogin(r *http.Request) string {
	if u := backend.PluginConfigFromContext(r.Context()).User; u != nil {
		return u.Login
	}
	return ""
}

package plugin

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// maxProxyBody bounds what the editor may post through the proxy route.
const maxProxyBody = 1 << 20

// routes serves the frontend. Grafana lets any user who may query the datasource call them; who may
// do what is decided here, by the organization role Grafana sends (docs/security.md has the table):
//
//	GET|POST /proxy/<path>?<query>  Editor, Admin: the API call, authenticated, under the same URL
//	                                rules and request policy (allowedMethods) as queries
//	GET      /token/status          Editor, Admin: whether a token is cached, when it expires (never its value)
//	GET      /oauth/authorize       Admin: authorization code grant, the provider URL for the Connect button
//	GET      /oauth/callback        Admin: where the provider sends the user back
//	GET      /oauth/status          anyone: connected or not; Admin also gets the sealed refresh token
func (d *Datasource) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/proxy/", d.handleProxy)
	mux.HandleFunc("/token/status", d.handleTokenStatus)
	mux.HandleFunc("/oauth/authorize", d.handleAuthorize)
	mux.HandleFunc("/oauth/callback", d.handleCallback)
	mux.HandleFunc("/oauth/status", d.handleOAuthStatus)
	return mux
}

// Organization roles, ranked. Grafana sends the role of the signed-in user (or of the service
// account) with every request; anything else (none, "None", unknown) ranks lowest.
const (
	rankNone = iota
	rankViewer
	rankEditor
	rankAdmin
)

func roleRank(r *http.Request) int {
	u := backend.PluginConfigFromContext(r.Context()).User
	if u == nil {
		return rankNone
	}
	switch u.Role {
	case "Admin":
		return rankAdmin
	case "Editor":
		return rankEditor
	case "Viewer":
		return rankViewer
	}
	return rankNone
}

// requireRole answers 403 unless the user's organization role ranks at least min.
func requireRole(w http.ResponseWriter, r *http.Request, min int, why string) bool {
	if roleRank(r) < min {
		writeError(w, http.StatusForbidden, why)
		return false
	}
	return true
}

func (d *Datasource) handleProxy(w http.ResponseWriter, r *http.Request) {
	// The proxy sends any path the caller chooses with the datasource's credentials: it serves the
	// query and config editors, whose users are Editors and Admins. Viewers run saved queries only.
	if !requireRole(w, r, rankEditor, "the proxy route is for Editors and Admins") {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "proxy accepts GET and POST only")
		return
	}
	if d.configErr != nil {
		writeFailure(w, d.configErr)
		return
	}
	var body []byte
	var err error
	if r.Body != nil { // the SDK's adapter leaves it nil when the call had no body
		body, err = io.ReadAll(io.LimitReader(r.Body, maxProxyBody+1))
	}
	if err != nil || len(body) > maxProxyBody {
		writeError(w, http.StatusRequestEntityTooLarge, "request body is larger than 1 MiB")
		return
	}
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/proxy")
	req := upstream.Request{Method: r.Method, Path: path, Params: r.URL.Query(), Body: body}
	if ct := r.Header.Get("Content-Type"); ct != "" && len(body) > 0 {
		req.Header = http.Header{"Content-Type": {ct}}
	}
	resp, err := d.api.Do(r.Context(), req)
	if err != nil {
		writeFailure(w, err)
		return
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

func (d *Datasource) handleTokenStatus(w http.ResponseWriter, r *http.Request) {
	// Token timing and the last token endpoint error are for the people who configure and debug.
	if !requireRole(w, r, rankEditor, "token/status is for Editors and Admins") {
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "token/status accepts GET only")
		return
	}
	if d.configErr != nil {
		writeFailure(w, d.configErr)
		return
	}
	if d.tokens == nil { // pure oauthPassThru: each request carries its user's token, nothing is kept
		writeJSON(w, http.StatusOK, map[string]any{"cached": false, "mode": "oauthPassThru"})
		return
	}
	writeJSON(w, http.StatusOK, d.tokens.Status())
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

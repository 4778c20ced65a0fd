package plugin

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/passthru"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// maxProxyBody bounds what the editor may post through the proxy route.
const maxProxyBody = 1 << 20

// routes serves the frontend:
//
//	GET|POST /proxy/<path>?<query>  the API call, authenticated, under the same URL rules as queries
//	GET      /token/status          whether a token is cached and when it expires (never its value)
//	GET      /oauth/authorize       authorization code grant: the provider URL for the Connect button
//	GET      /oauth/callback        authorization code grant: where the provider sends the user back
//	GET      /oauth/status          authorization code grant: connected or not, sealed refresh token
func (d *Datasource) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/proxy/", d.handleProxy)
	mux.HandleFunc("/token/status", d.handleTokenStatus)
	mux.HandleFunc("/oauth/authorize", d.handleAuthorize)
	mux.HandleFunc("/oauth/callback", d.handleCallback)
	mux.HandleFunc("/oauth/status", d.handleOAuthStatus)
	return mux
}

func (d *Datasource) handleProxy(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "proxy accepts GET and POST only")
		return
	}
	if d.configErr != nil {
		writeError(w, http.StatusBadRequest, "Settings: "+d.configErr.Error())
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
		var ue *upstream.Error
		status := http.StatusBadGateway
		var pe *passthru.Error
		if errors.As(err, &ue) && ue.Step == upstream.StepURL {
			status = http.StatusBadRequest
		} else if errors.As(err, &pe) { // no signed-in user token (oauthPassThru)
			status = http.StatusUnauthorized
		}
		writeError(w, status, err.Error())
		return
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

func (d *Datasource) handleTokenStatus(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "token/status accepts GET only")
		return
	}
	if d.configErr != nil {
		writeError(w, http.StatusBadRequest, "Settings: "+d.configErr.Error())
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

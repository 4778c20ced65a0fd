package mockapi

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

// UserServer is an API with per-user permissions, for the "forward the signed-in user's OAuth
// token" mode:
//
//   - GET /api/items answers only the items the caller owns (Item.Owner.Name is the user name); a
//     client-credentials token sees every item. GET /api/whoami answers {"user", "via"}.
//   - The API accepts a user's own token (issued by the identity provider Grafana signs in with:
//     UserConfig.Users) unless RequireExchange is set; then it accepts only tokens issued for its
//     audience by POST /oauth/token.
//   - POST /oauth/token: client_credentials, and RFC 8693 token exchange
//     (grant_type urn:ietf:params:oauth:grant-type:token-exchange, subject_token a user's token,
//     subject_token_type ...:access_token, audience = UserConfig.Audience), client id and secret
//     in the form body or HTTP Basic.
type UserServer struct {
	cfg UserConfig

	traffic
	exchanges atomic.Int64

	mu      sync.Mutex
	issued  map[string]issuedToken // tokens from /oauth/token
	lastTok url.Values
}

// UserConfig configures a UserServer.
type UserConfig struct {
	ClientID, ClientSecret string
	Users                  map[string]string // a user's access token -> user name
	Audience               string            // the audience token exchange must ask for
	RequireExchange        bool
}

type issuedToken struct {
	user string // "" for a client-credentials token
	via  string
}

// Token types and grant of RFC 8693.
const (
	GrantTokenExchange   = "urn:ietf:params:oauth:grant-type:token-exchange"
	TokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
)

// NewUser returns a UserServer.
func NewUser(cfg UserConfig) *UserServer {
	return &UserServer{cfg: cfg, issued: map[string]issuedToken{}}
}

// Exchanges counts successful token exchanges.
func (s *UserServer) Exchanges() int64 { return s.exchanges.Load() }

// LastTokenForm returns the form of the latest token request.
func (s *UserServer) LastTokenForm() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := url.Values{}
	for k, v := range s.lastTok {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// ServeHTTP implements http.Handler.
func (s *UserServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, s.handleToken, s.handleAPI)
}

func (s *UserServer) handleToken(w http.ResponseWriter, r *http.Request) {
	form, ok := tokenForm(w, r, nil)
	if !ok {
		return
	}
	s.mu.Lock()
	s.lastTok = form
	s.mu.Unlock()
	if id, secret := formOrBasicClient(r, form); !sameClient(id, secret, s.cfg.ClientID, s.cfg.ClientSecret) {
		writeError(w, http.StatusUnauthorized, "invalid_client", "")
		return
	}
	var it issuedToken
	switch form.Get("grant_type") {
	case "client_credentials":
		it.via = "client"
	case GrantTokenExchange:
		if form.Get("subject_token_type") != TokenTypeAccessToken {
			writeError(w, http.StatusBadRequest, "invalid_request", "subject_token_type must be "+TokenTypeAccessToken)
			return
		}
		user, known := s.cfg.Users[form.Get("subject_token")]
		if !known {
			writeError(w, http.StatusBadRequest, "invalid_grant", "unknown subject_token")
			return
		}
		if form.Get("audience") != s.cfg.Audience {
			writeError(w, http.StatusBadRequest, "invalid_target", "audience must be "+s.cfg.Audience)
			return
		}
		it = issuedToken{user: user, via: "exchange"}
		s.exchanges.Add(1)
	default:
		writeError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	tok := newToken()
	s.mu.Lock()
	if len(s.issued) > 10000 {
		clear(s.issued)
	}
	s.issued[tok] = it
	s.mu.Unlock()
	noStore(w)
	reply := map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 300}
	if it.via == "exchange" {
		reply["issued_token_type"] = TokenTypeAccessToken
	}
	writeJSON(w, http.StatusOK, reply)
}

func (s *UserServer) handleAPI(w http.ResponseWriter, r *http.Request) {
	if !allowMethod(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	s.mu.Lock()
	it, issued := s.issued[tok]
	s.mu.Unlock()
	if !issued && !s.cfg.RequireExchange {
		if user, ok := s.cfg.Users[tok]; ok {
			it, issued = issuedToken{user: user, via: "direct"}, true
		}
	}
	if !strings.EqualFold(scheme, "Bearer") || !issued {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "invalid_token", "")
		return
	}
	switch strings.TrimPrefix(r.URL.Path, "/api") {
	case "/items":
		var out []Item
		for _, item := range items() {
			if it.user == "" || item.Owner.Name == it.user {
				out = append(out, item)
			}
		}
		if out == nil {
			out = []Item{}
		}
		writeJSON(w, http.StatusOK, out)
	case "/whoami":
		writeJSON(w, http.StatusOK, map[string]string{"user": it.user, "via": it.via})
	default:
		writeError(w, http.StatusNotFound, "not_found", "no such route")
	}
}

package mockapi

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// The authorization code grant (RFC 6749 4.1) with PKCE S256 (RFC 7636) and rotating refresh
// tokens: every refresh returns a new refresh token and kills the old one, as strict providers do.
// Consent is automatic: GET /oauth/authorize redirects straight back with a code, plus the
// issuer in `iss` (RFC 9207).

type authCode struct {
	challenge   string
	redirectURI string
	expires     time.Time
}

var (
	refreshGrants   atomic.Int64
	deadRefreshUses atomic.Int64
)

// RefreshGrants counts refresh_token grant requests (all servers in the process).
func (s *Server) RefreshGrants() int64 { return refreshGrants.Load() }

// DeadRefreshTokenUses counts refresh attempts with a refresh token that had already been rotated
// away or revoked; a well-behaved client keeps this at zero.
func (s *Server) DeadRefreshTokenUses() int64 { return deadRefreshUses.Load() }

// RevokeRefreshTokens kills every refresh token, as a user revoking consent would.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.refreshTokens {
		s.refreshTokens[k] = false
	}
}

// Issuer is what the server sends as `iss`: its own origin as the request saw it.
func issuer(r *http.Request) string { return "http://" + r.Host }

func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if !allowMethod(w, r, http.MethodGet) {
		return
	}
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" || q.Get("state") == "" {
		writeError(w, http.StatusBadRequest, "invalid_request", "redirect_uri and state are required")
		return
	}
	if q.Get("client_id") != s.clientID || q.Get("response_type") != "code" {
		writeError(w, http.StatusBadRequest, "unauthorized_client", "unknown client or response_type")
		return
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		writeError(w, http.StatusBadRequest, "invalid_request", "PKCE S256 is required")
		return
	}
	code := newToken()
	s.mu.Lock()
	s.codes[code] = authCode{challenge: q.Get("code_challenge"), redirectURI: q.Get("redirect_uri"), expires: time.Now().Add(time.Minute)}
	s.mu.Unlock()
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	back.Set("iss", issuer(r))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// redeemCode checks a code once: unknown, reused, expired, wrong redirect_uri or PKCE mismatch
// all answer invalid_grant.
func (s *Server) redeemCode(w http.ResponseWriter, form url.Values) bool {
	s.mu.Lock()
	c, ok := s.codes[form.Get("code")]
	delete(s.codes, form.Get("code"))
	s.mu.Unlock()
	sum := sha256.Sum256([]byte(form.Get("code_verifier")))
	switch {
	case !ok || time.Now().After(c.expires):
		writeError(w, http.StatusBadRequest, "invalid_grant", "unknown or expired code")
	case c.redirectURI != form.Get("redirect_uri"):
		writeError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri mismatch")
	case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
		writeError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
	default:
		return true
	}
	return false
}

func (s *Server) rotateRefreshToken(w http.ResponseWriter, rt string) bool {
	refreshGrants.Add(1)
	s.mu.Lock()
	valid, known := s.refreshTokens[rt]
	if valid {
		s.refreshTokens[rt] = false // rotation: the old one dies now
	}
	s.mu.Unlock()
	if !valid {
		if known {
			deadRefreshUses.Add(1)
		}
		writeError(w, http.StatusBadRequest, "invalid_grant", "refresh token is invalid, expired or revoked")
		return false
	}
	return true
}

func (s *Server) issueRefreshToken() string {
	rt := newToken()
	s.mu.Lock()
	s.refreshTokens[rt] = true
	s.mu.Unlock()
	return rt
}

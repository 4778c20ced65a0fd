package mockapi

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
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

// refreshToken is one issued refresh token: the grant it belongs to and its place in the rotation.
type refreshToken struct {
	family, index int
	valid         bool
}

// family is every token issued from one authorization code. Reusing a rotated-away refresh token
// revokes all of them, as RFC 9700 4.14.2 recommends and Ory Hydra, Okta and Auth0 do.
type family struct {
	refreshTokens []string
	accessTokens  []string
	revoked       bool
}

// RefreshUse records one refresh attempt with a refresh token the server issued.
type RefreshUse struct {
	Family int  // grant, one per redeemed authorization code
	Index  int  // 1 for the refresh token the code exchange returned, +1 per rotation
	OK     bool // false: it had been used or revoked (a replay)
}

// RefreshGrants counts this server's refresh_token grant requests.
func (s *Server) RefreshGrants() int64 { return s.refreshGrants.Load() }

// DeadRefreshTokenUses counts refresh attempts with a refresh token that had already been rotated
// away or revoked, on this server; a well-behaved client keeps this at zero.
func (s *Server) DeadRefreshTokenUses() int64 { return s.deadRefreshUses.Load() }

// RefreshLog returns this server's refresh attempts with known refresh tokens, in order. A client
// that never replays uses each family's indexes in strictly increasing order, all OK.
func (s *Server) RefreshLog() []RefreshUse {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RefreshUse(nil), s.refreshLog...)
}

// RevokeRefreshTokens kills every refresh token, as a user revoking consent would.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rt := range s.refreshTokens {
		rt.valid = false
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
	switch {
	case !ok || time.Now().After(c.expires):
		writeError(w, http.StatusBadRequest, "invalid_grant", "unknown or expired code")
	case c.redirectURI != form.Get("redirect_uri"):
		writeError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri mismatch")
	case s256(form.Get("code_verifier")) != c.challenge:
		writeError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
	default:
		return true
	}
	return false
}

// rotateRefreshToken spends rt and returns its family, or answers invalid_grant and returns 0. A
// known but spent refresh token is a replay: the whole family is revoked.
func (s *Server) rotateRefreshToken(w http.ResponseWriter, rt string) int {
	s.refreshGrants.Add(1)
	s.mu.Lock()
	info := s.refreshTokens[rt]
	if info != nil {
		s.refreshLog = append(s.refreshLog, RefreshUse{Family: info.family, Index: info.index, OK: info.valid})
	}
	switch {
	case info == nil:
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
		return 0
	case !info.valid:
		s.deadRefreshUses.Add(1)
		f := s.families[info.family]
		f.revoked = true
		for _, t := range f.refreshTokens {
			s.refreshTokens[t].valid = false
		}
		for _, t := range f.accessTokens {
			delete(s.standardTokens, t)
		}
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "invalid_grant", "refresh token re-use was detected; all related tokens have been revoked")
		return 0
	}
	info.valid = false // rotation: the old one dies now
	s.mu.Unlock()
	return info.family
}

func (s *Server) newFamily() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := len(s.families) + 1
	s.families[id] = &family{}
	return id
}

func (s *Server) issueRefreshToken(fam int) string {
	rt := newToken()
	s.mu.Lock()
	f := s.families[fam]
	f.refreshTokens = append(f.refreshTokens, rt)
	s.refreshTokens[rt] = &refreshToken{family: fam, index: len(f.refreshTokens), valid: !f.revoked}
	s.mu.Unlock()
	return rt
}

// s256 is base64url(sha256(s)): a PKCE S256 challenge, a DPoP ath, a JWK thumbprint.
func s256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

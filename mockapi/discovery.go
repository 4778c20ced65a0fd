package mockapi

import (
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// Authorization server metadata: OpenID Connect Discovery at <issuer>/.well-known/openid-configuration
// and RFC 8414 at /.well-known/oauth-authorization-server<issuer path>. The issuer is the server's
// own origin plus that path, unless SetDiscoveryIssuer overrides it (a server that names another
// issuer, which a client must refuse).

// Discovery document names.
const (
	WellKnownOIDC    = "/.well-known/openid-configuration"
	WellKnownRFC8414 = "/.well-known/oauth-authorization-server"
	// PathQueryItems is /items of an API that takes the token in the access_token query parameter
	// and refuses it in a header.
	PathQueryItems = "/qapi/items"
)

type discoveryState struct {
	mu       sync.Mutex
	issuer   string // override; empty: derived from the request
	oidcOff  bool
	requests atomic.Int64
}

// SetDiscoveryIssuer makes the metadata name iss as its issuer (empty: the real one).
func (s *Server) SetDiscoveryIssuer(iss string) {
	s.disco.mu.Lock()
	defer s.disco.mu.Unlock()
	s.disco.issuer = iss
}

// DisableOIDCDiscovery answers 404 at the OpenID Connect location, so that only RFC 8414 works.
func (s *Server) DisableOIDCDiscovery(off bool) {
	s.disco.mu.Lock()
	defer s.disco.mu.Unlock()
	s.disco.oidcOff = off
}

// DiscoveryRequests counts metadata requests (both locations).
func (s *Server) DiscoveryRequests() int64 { return s.disco.requests.Load() }

// origin is the server's scheme and host as the request saw them.
func origin(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// issuerOf is the issuer the server names (and accepts as an assertion audience).
func (s *Server) issuerOf(r *http.Request) string {
	s.disco.mu.Lock()
	defer s.disco.mu.Unlock()
	if s.disco.issuer != "" {
		return s.disco.issuer
	}
	return origin(r)
}

// serveDiscovery answers a metadata request; it reports false when the path is not one.
func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	var issuerPath string
	oidc := strings.HasSuffix(p, WellKnownOIDC)
	switch {
	case oidc:
		issuerPath = strings.TrimSuffix(p, WellKnownOIDC)
	case strings.HasPrefix(p, WellKnownRFC8414):
		issuerPath = strings.TrimPrefix(p, WellKnownRFC8414)
	default:
		return false
	}
	// One snapshot of the settings: SetDiscoveryIssuer may run concurrently.
	s.disco.mu.Lock()
	override, off := s.disco.issuer, s.disco.oidcOff
	s.disco.mu.Unlock()
	if oidc && off {
		return false
	}
	s.disco.requests.Add(1)
	if !allowMethod(w, r, http.MethodGet) {
		return true
	}
	if r.Header.Get("Authorization") != "" {
		writeError(w, http.StatusBadRequest, "invalid_request", "metadata requests carry no credentials")
		return true
	}
	o := origin(r)
	iss := override
	if iss == "" {
		iss = o + issuerPath
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                           iss,
		"token_endpoint":                   o + PathOAuthToken,
		"authorization_endpoint":           o + PathAuthorize,
		"code_challenge_methods_supported": []string{"S256"},
		"authorization_response_iss_parameter_supported":   true,
		"grant_types_supported":                            []string{"client_credentials", "authorization_code", "refresh_token", jwtBearerGrant},
		"token_endpoint_auth_methods_supported":            []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt", "tls_client_auth"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS256", "PS256", "ES256", "HS256"},
	})
	return true
}

// queryAuthorized accepts the token only in the access_token query parameter.
func (s *Server) queryAuthorized(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return false
	}
	tok := r.URL.Query().Get("access_token")
	if tok == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.standardTokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
			return true
		}
	}
	return false
}

// MTLSConfig is a server TLS configuration that requires a client certificate issued by clientCAs
// (RFC 8705 tls_client_auth): a client without one fails the handshake.
func MTLSConfig(server tls.Certificate, clientCAs *x509.CertPool) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    clientCAs,
		MinVersion:   tls.VersionTLS12,
	}
}

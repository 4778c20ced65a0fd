package mockapi

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is a SHA-1 thumbprint by definition
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Client authentication beyond a shared secret, verified strictly and with the standard library
// only (independently of the JOSE library the plugin signs with):
//
//   - client assertions (RFC 7523 section 2.2): private_key_jwt against a registered public key
//     (RS256, PS256, ES256), client_secret_jwt (HS256 with the client secret). Checked: the
//     signature, alg matching the key ("none" and others refused), iss = sub = client_id, aud = the
//     token endpoint or the issuer, exp in the future and at most MaxAssertionLifetime ahead, iat
//     present, jti present and never seen before (replays refused), no client secret sent alongside.
//   - tls_client_auth (RFC 8705): a verified TLS client certificate whose subject common name is the
//     registered one, client_id in the body, no secret.
//   - the JWT bearer grant (RFC 7523 section 2.1): grant_type
//     urn:ietf:params:oauth:grant-type:jwt-bearer with an assertion signed by a registered issuer's
//     key, the same claim checks (sub optional for Google-style service accounts, whose `scope`
//     claim is honoured).
//
// Every refusal answers 400/401 with an OAuth2 error and a description naming the check.

// MaxAssertionLifetime is the longest exp - now the server accepts (plus a little clock skew).
const MaxAssertionLifetime = 5*time.Minute + 5*time.Second

const (
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	jwtBearerGrant      = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// assertionState is the server's registered keys and seen jti values.
type assertionState struct {
	mu         sync.Mutex
	clientKey  crypto.PublicKey            // private_key_jwt key of the configured client
	clientCert *x509.Certificate           // if set: assertions must name it in x5t (Azure AD style)
	issuers    map[string]crypto.PublicKey // jwt_bearer: iss -> key
	certCN     string                      // tls_client_auth: expected subject CN
	seenJTI    jtiCache
	last       map[string]any // claims of the last accepted assertion
	lastHeader map[string]any // its JOSE header
	lastMethod string
}

// SetClientPublicKey registers the public key (RSA or EC P-256) of the configured client for
// private_key_jwt.
func (s *Server) SetClientPublicKey(pub crypto.PublicKey) {
	s.assert.mu.Lock()
	defer s.assert.mu.Unlock()
	s.assert.clientKey = pub
}

// SetClientCertificate registers the client's certificate, as Azure AD certificate credentials do:
// its public key verifies private_key_jwt assertions, whose header must carry the certificate's
// SHA-1 thumbprint in x5t (or its SHA-256 thumbprint in x5t#S256).
func (s *Server) SetClientCertificate(c *x509.Certificate) {
	s.assert.mu.Lock()
	defer s.assert.mu.Unlock()
	s.assert.clientCert, s.assert.clientKey = c, c.PublicKey
}

// RegisterJWTIssuer accepts JWT-bearer grant assertions from iss signed with pub.
func (s *Server) RegisterJWTIssuer(iss string, pub crypto.PublicKey) {
	s.assert.mu.Lock()
	defer s.assert.mu.Unlock()
	if s.assert.issuers == nil {
		s.assert.issuers = map[string]crypto.PublicKey{}
	}
	s.assert.issuers[iss] = pub
}

// SetClientCertSubject makes tls_client_auth accept a verified client certificate with this
// subject common name (RFC 8705 section 2.1.2, simplified to the CN).
func (s *Server) SetClientCertSubject(cn string) {
	s.assert.mu.Lock()
	defer s.assert.mu.Unlock()
	s.assert.certCN = cn
}

// LastAssertionHeader returns the JOSE header (alg, kid, typ) of the last accepted assertion.
func (s *Server) LastAssertionHeader() map[string]any {
	s.assert.mu.Lock()
	defer s.assert.mu.Unlock()
	return s.assert.lastHeader
}

// LastAssertion returns the claims of the last accepted assertion and how the client
// authenticated ("client_secret_basic", "client_secret_post", "private_key_jwt",
// "client_secret_jwt", "tls_client_auth", "jwt_bearer").
func (s *Server) LastAssertion() (map[string]any, string) {
	s.assert.mu.Lock()
	defer s.assert.mu.Unlock()
	return s.assert.last, s.assert.lastMethod
}

// oauthError is a refusal with its status, OAuth2 error code and description.
type oauthError struct {
	status      int
	code, descr string
}

func (e *oauthError) Error() string { return e.code + ": " + e.descr }

func refuse(status int, code, format string, args ...any) *oauthError {
	return &oauthError{status, code, fmt.Sprintf(format, args...)}
}

// authenticateClient checks the client authentication of a token request, whichever method it
// uses; for the JWT-bearer grant without client credentials it accepts (the assertion is checked
// by the grant). It records the method.
func (s *Server) authenticateClient(r *http.Request, form url.Values) *oauthError {
	user, pass, basic := r.BasicAuth()
	hasSecret := basic || form.Has("client_secret")
	hasAssertion := form.Has("client_assertion") || form.Has("client_assertion_type")
	switch {
	case hasAssertion && hasSecret:
		return refuse(http.StatusBadRequest, "invalid_request", "more than one client authentication method (assertion and secret)")
	case hasAssertion:
		return s.checkClientAssertion(r, form)
	case basic:
		// RFC 6749 section 2.3.1: both parts are form-urlencoded before Basic.
		id, err1 := url.QueryUnescape(user)
		secret, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil || !s.validClient(id, secret) {
			return refuse(http.StatusUnauthorized, "invalid_client", "")
		}
		s.recordMethod("client_secret_basic", nil)
	case hasSecret:
		if !s.validClient(form.Get("client_id"), form.Get("client_secret")) {
			return refuse(http.StatusUnauthorized, "invalid_client", "")
		}
		s.recordMethod("client_secret_post", nil)
	case r.TLS != nil && len(r.TLS.VerifiedChains) > 0:
		return s.checkTLSClient(r, form)
	case form.Get("grant_type") == jwtBearerGrant && !form.Has("client_id"):
		// The assertion is the credential (checked by the grant).
	default:
		return refuse(http.StatusUnauthorized, "invalid_client", "")
	}
	return nil
}

func (s *Server) checkTLSClient(r *http.Request, form url.Values) *oauthError {
	s.assert.mu.Lock()
	want := s.assert.certCN
	s.assert.mu.Unlock()
	cert := r.TLS.VerifiedChains[0][0]
	if subtle.ConstantTimeCompare([]byte(form.Get("client_id")), []byte(s.clientID)) != 1 {
		return refuse(http.StatusUnauthorized, "invalid_client", "tls_client_auth: unknown client_id")
	}
	if want == "" || cert.Subject.CommonName != want {
		return refuse(http.StatusUnauthorized, "invalid_client", "tls_client_auth: certificate subject %q is not registered for this client", cert.Subject.CommonName)
	}
	s.recordMethod("tls_client_auth", nil)
	return nil
}

func (s *Server) checkClientAssertion(r *http.Request, form url.Values) *oauthError {
	if form.Get("client_assertion_type") != clientAssertionType {
		return refuse(http.StatusBadRequest, "invalid_request", "client_assertion_type must be %s", clientAssertionType)
	}
	header, claims, err := parseJWS(form.Get("client_assertion"))
	if err != nil {
		return refuse(http.StatusUnauthorized, "invalid_client", "client_assertion: %v", err)
	}
	alg, _ := header["alg"].(string)
	var key any
	method := "private_key_jwt"
	if alg == "HS256" {
		key, method = []byte(s.clientSecret), "client_secret_jwt"
	} else {
		s.assert.mu.Lock()
		key = s.assert.clientKey
		cert := s.assert.clientCert
		s.assert.mu.Unlock()
		if cert != nil {
			s1, s256 := sha1.Sum(cert.Raw), sha256.Sum256(cert.Raw)
			if header["x5t"] != base64.RawURLEncoding.EncodeToString(s1[:]) && header["x5t#S256"] != base64.RawURLEncoding.EncodeToString(s256[:]) {
				return refuse(http.StatusUnauthorized, "invalid_client", "client_assertion: x5t does not match the registered certificate")
			}
		}
	}
	if err := verifyJWS(form.Get("client_assertion"), alg, key); err != nil {
		return refuse(http.StatusUnauthorized, "invalid_client", "client_assertion: %v", err)
	}
	iss, _ := claims["iss"].(string)
	sub, _ := claims["sub"].(string)
	if iss != s.clientID || sub != s.clientID {
		return refuse(http.StatusUnauthorized, "invalid_client", "client_assertion: iss and sub must be the client id")
	}
	if id := form.Get("client_id"); id != "" && id != iss {
		return refuse(http.StatusUnauthorized, "invalid_client", "client_assertion: client_id differs from iss")
	}
	if e := s.checkClaims(r, claims, true); e != nil {
		return e
	}
	s.recordMethod(method, claims, header)
	return nil
}

// checkJWTBearerGrant verifies the assertion of an RFC 7523 section 2.1 grant and returns the
// scope it asks for (the `scope` claim, else the form's scope).
func (s *Server) checkJWTBearerGrant(r *http.Request, form url.Values) (string, *oauthError) {
	raw := form.Get("assertion")
	header, claims, err := parseJWS(raw)
	if err != nil {
		return "", refuse(http.StatusBadRequest, "invalid_grant", "assertion: %v", err)
	}
	iss, _ := claims["iss"].(string)
	s.assert.mu.Lock()
	key, ok := s.assert.issuers[iss]
	s.assert.mu.Unlock()
	if !ok {
		return "", refuse(http.StatusBadRequest, "invalid_grant", "assertion: unknown issuer %q", iss)
	}
	alg, _ := header["alg"].(string)
	if err := verifyJWS(raw, alg, key); err != nil {
		return "", refuse(http.StatusBadRequest, "invalid_grant", "assertion: %v", err)
	}
	if e := s.checkClaims(r, claims, false); e != nil {
		e.code, e.status = "invalid_grant", http.StatusBadRequest
		return "", e
	}
	s.recordMethod("jwt_bearer", claims, header)
	if sc, ok := claims["scope"].(string); ok {
		return sc, nil
	}
	return form.Get("scope"), nil
}

// checkClaims checks aud, exp, iat and jti (once only).
func (s *Server) checkClaims(r *http.Request, c map[string]any, clientAuth bool) *oauthError {
	what := "assertion"
	if clientAuth {
		what = "client_assertion"
	}
	bad := func(format string, args ...any) *oauthError {
		return refuse(http.StatusUnauthorized, "invalid_client", what+": "+format, args...)
	}
	iss := s.issuerOf(r)
	endpoint := iss + r.URL.Path
	if !audienceHas(c["aud"], endpoint, iss) {
		return bad("aud must be the token endpoint %s or the issuer", endpoint)
	}
	exp, okExp := numeric(c["exp"])
	_, okIat := numeric(c["iat"])
	now := time.Now()
	switch {
	case !okExp:
		return bad("exp is required")
	case !okIat:
		return bad("iat is required")
	case time.Unix(exp, 0).Before(now):
		return bad("expired (exp is in the past)")
	case time.Unix(exp, 0).After(now.Add(MaxAssertionLifetime)):
		return bad("exp is too far in the future (at most %s)", MaxAssertionLifetime-5*time.Second)
	}
	jti, _ := c["jti"].(string)
	if jti == "" {
		return bad("jti is required")
	}
	s.assert.mu.Lock()
	first := s.assert.seenJTI.firstUse(jti, now, time.Unix(exp, 0).Add(time.Minute))
	s.assert.mu.Unlock()
	if !first {
		return bad("jti was already used (replay)")
	}
	return nil
}

// jtiCache holds the jti values seen (of client assertions, of DPoP proofs), each until it may be
// forgotten. Its owner's lock guards it.
type jtiCache map[string]time.Time

// firstUse forgets the jti values whose time has passed at now, then reports whether jti is new;
// if it is, it is kept until keep.
func (c jtiCache) firstUse(jti string, now, keep time.Time) bool {
	maps.DeleteFunc(c, func(_ string, until time.Time) bool { return now.After(until) })
	if _, seen := c[jti]; seen {
		return false
	}
	c[jti] = keep
	return true
}

func (s *Server) recordMethod(m string, claims map[string]any, header ...map[string]any) {
	s.assert.mu.Lock()
	defer s.assert.mu.Unlock()
	s.assert.lastMethod, s.assert.last, s.assert.lastHeader = m, claims, nil
	if len(header) > 0 {
		s.assert.lastHeader = header[0]
	}
}

func audienceHas(aud any, want ...string) bool {
	var list []string
	switch a := aud.(type) {
	case string:
		list = []string{a}
	case []any:
		for _, v := range a {
			if s, ok := v.(string); ok {
				list = append(list, s)
			}
		}
	}
	for _, a := range list {
		for _, w := range want {
			if a == w {
				return true
			}
		}
	}
	return false
}

func numeric(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	if err != nil {
		f, err := n.Float64()
		return int64(f), err == nil
	}
	return i, true
}

// parseJWS decodes a compact JWS's header and claims without verifying it.
func parseJWS(tok string) (map[string]any, map[string]any, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, nil, errors.New("not a compact JWS")
	}
	var header, claims map[string]any
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil, nil, errors.New("not base64url")
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(dst); err != nil {
			return nil, nil, errors.New("not JSON")
		}
	}
	return header, claims, nil
}

// verifyJWS checks the signature of a compact JWS with alg, which must fit the key: RS256 and PS256
// an RSA key, ES256 an EC P-256 key (signature R||S, 64 bytes), HS256 a shared secret.
func verifyJWS(tok, alg string, key any) error {
	i := strings.LastIndexByte(tok, '.')
	if i < 0 {
		return errors.New("not a compact JWS")
	}
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		return errors.New("signature is not base64url")
	}
	sum := sha256.Sum256([]byte(tok[:i]))
	bad := errors.New("signature verification failed")
	switch k := key.(type) {
	case *rsa.PublicKey:
		switch alg {
		case "RS256":
			if rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig) != nil {
				return bad
			}
		case "PS256":
			if rsa.VerifyPSS(k, crypto.SHA256, sum[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) != nil {
				return bad
			}
		default:
			return fmt.Errorf("alg %q does not fit an RSA key", alg)
		}
	case *ecdsa.PublicKey:
		if alg != "ES256" || k.Curve != elliptic.P256() {
			return fmt.Errorf("alg %q does not fit this EC key", alg)
		}
		if len(sig) != 64 {
			return errors.New("ES256 signature must be 64 bytes (R||S)")
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(k, sum[:], r, s) {
			return bad
		}
	case []byte:
		if alg != "HS256" {
			return fmt.Errorf("alg %q does not fit a shared secret", alg)
		}
		m := hmac.New(sha256.New, k)
		m.Write([]byte(tok[:i]))
		if !hmac.Equal(m.Sum(nil), sig) {
			return bad
		}
	case nil:
		return errors.New("no key is registered for this client")
	default:
		return errors.New("unsupported key")
	}
	return nil
}

package mockapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DPoPServer is a strict DPoP (RFC 9449) authorization and resource server, written with the
// standard library only so that it checks the plugin's proofs independently of the JOSE library
// the plugin uses:
//
//   - POST /oauth/token (client_credentials, or token exchange of DPoPConfig.Users' tokens; client
//     id and secret in the form body or HTTP Basic)
//     requires a DPoP proof (ES256, typ dpop+jwt, jwk header, htm, htu, fresh iat, unused jti, no
//     ath) and issues token_type DPoP tokens bound to the proof key's thumbprint (cnf.jkt).
//   - GET /api/items requires "Authorization: DPoP <token>" and a proof with the same key, ath =
//     base64url(sha256(token)), htm and htu of the request. A DPoP-bound token sent as Bearer is
//     refused.
//   - With RequireNonce, both endpoints answer a proof without their current nonce with the nonce
//     challenge: 400 {"error":"use_dpop_nonce"} at the token endpoint, 401 WWW-Authenticate: DPoP
//     error="use_dpop_nonce" at the API, each with a DPoP-Nonce header. Their nonces differ.
type DPoPServer struct {
	cfg DPoPConfig

	traffic
	tokenChallenges, apiChallenges atomic.Int64
	mu                             sync.Mutex
	tokens                         map[string]dpopToken // access token -> binding
	jtis                           jtiCache             // seen jti -> when it may be forgotten
	tokenNonce, apiNonce           string
	refusals                       []string
}

// DPoPConfig configures a DPoPServer.
type DPoPConfig struct {
	ClientID, ClientSecret string
	RequireNonce           bool
	TokenLifetime          time.Duration // 0: 1h
	// Users are the subject tokens RFC 8693 token exchange accepts (token -> user name); the
	// exchanged token is DPoP-bound like any other.
	Users map[string]string
}

type dpopToken struct {
	jkt     string
	expires time.Time
}

// dpopIATWindow is how far a proof's iat may be from the server's clock.
const dpopIATWindow = time.Minute

// NewDPoP returns a strict DPoP server.
func NewDPoP(cfg DPoPConfig) *DPoPServer {
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = DefaultTokenLifetime
	}
	return &DPoPServer{cfg: cfg, tokens: map[string]dpopToken{}, jtis: jtiCache{},
		tokenNonce: newToken(), apiNonce: newToken()}
}

// NonceChallenges counts use_dpop_nonce answers of the token endpoint and of the API.
func (s *DPoPServer) NonceChallenges() (token, api int64) {
	return s.tokenChallenges.Load(), s.apiChallenges.Load()
}

// Refusals lists why proofs or tokens were refused, oldest first.
func (s *DPoPServer) Refusals() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.refusals...)
}

// RotateNonces replaces both nonces: the next proof carrying an old one is challenged.
func (s *DPoPServer) RotateNonces() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenNonce, s.apiNonce = newToken(), newToken()
}

// RevokeAll forgets every issued token.
func (s *DPoPServer) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]dpopToken{}
}

func (s *DPoPServer) refuse(why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.refusals) < 1000 {
		s.refusals = append(s.refusals, why)
	}
}

// ServeHTTP implements http.Handler.
func (s *DPoPServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, s.handleToken, s.handleAPI)
}

func (s *DPoPServer) handleToken(w http.ResponseWriter, r *http.Request) {
	form, ok := tokenForm(w, r, nil)
	if !ok {
		return
	}
	if id, secret := formOrBasicClient(r, form); !sameClient(id, secret, s.cfg.ClientID, s.cfg.ClientSecret) {
		writeError(w, http.StatusUnauthorized, "invalid_client", "")
		return
	}
	switch form.Get("grant_type") {
	case "client_credentials":
	case GrantTokenExchange:
		if _, ok := s.cfg.Users[form.Get("subject_token")]; !ok || form.Get("subject_token_type") != TokenTypeAccessToken {
			writeError(w, http.StatusBadRequest, "invalid_grant", "unknown subject_token")
			return
		}
	default:
		writeError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	s.mu.Lock()
	nonce := s.tokenNonce
	s.mu.Unlock()
	p, err := s.checkProof(r, "", nonce)
	if errors.Is(err, errNonce) {
		s.tokenChallenges.Add(1)
		w.Header().Set("DPoP-Nonce", nonce)
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "use_dpop_nonce", "error_description": "a DPoP nonce is required"})
		return
	}
	if err != nil {
		s.refuse("token endpoint: " + err.Error())
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_dpop_proof", "error_description": err.Error()})
		return
	}
	tok := newToken()
	s.mu.Lock()
	now := time.Now()
	maps.DeleteFunc(s.tokens, func(_ string, b dpopToken) bool { return now.After(b.expires) })
	s.tokens[tok] = dpopToken{jkt: p.jkt, expires: now.Add(s.cfg.TokenLifetime)}
	s.mu.Unlock()
	noStore(w)
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "DPoP",
		"expires_in": max(int64(s.cfg.TokenLifetime/time.Second), 1)})
}

func (s *DPoPServer) handleAPI(w http.ResponseWriter, r *http.Request) {
	if !allowMethod(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	s.mu.Lock()
	bound, known := s.tokens[tok]
	nonce := s.apiNonce
	s.mu.Unlock()
	if !known || time.Now().After(bound.expires) {
		s.refuse("api: unknown or expired token")
		w.Header().Set("WWW-Authenticate", `DPoP error="invalid_token", algs="ES256"`)
		writeError(w, http.StatusUnauthorized, "invalid_token", "")
		return
	}
	if !strings.EqualFold(scheme, "DPoP") {
		// RFC 9449 section 7.2: a DPoP-bound token presented as a bearer token is refused.
		s.refuse("api: DPoP-bound token used with scheme " + scheme)
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="DPoP-bound token"`)
		writeError(w, http.StatusUnauthorized, "invalid_token", "this token is DPoP-bound")
		return
	}
	p, err := s.checkProof(r, tok, nonce)
	if errors.Is(err, errNonce) {
		s.apiChallenges.Add(1)
		w.Header().Set("DPoP-Nonce", nonce)
		w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`)
		writeError(w, http.StatusUnauthorized, "use_dpop_nonce", "")
		return
	}
	if err == nil && p.jkt != bound.jkt {
		err = errors.New("proof key is not the key the token is bound to (jkt)")
	}
	if err != nil {
		s.refuse("api: " + err.Error())
		w.Header().Set("WWW-Authenticate", `DPoP error="invalid_dpop_proof", algs="ES256"`)
		writeError(w, http.StatusUnauthorized, "invalid_dpop_proof", err.Error())
		return
	}
	switch strings.TrimPrefix(r.URL.Path, "/api") {
	case "/items":
		writeJSON(w, http.StatusOK, items())
	default:
		writeError(w, http.StatusNotFound, "not_found", "no such route")
	}
}

var errNonce = errors.New("missing or stale nonce")

type checkedProof struct{ jkt string }

// checkProof verifies the request's DPoP header: exactly one proof, ES256 signature by the
// embedded jwk, typ, htm, htu, iat, unused jti, ath when a token is presented, and the nonce.
func (s *DPoPServer) checkProof(r *http.Request, accessToken, nonce string) (checkedProof, error) {
	vals := r.Header.Values("DPoP")
	if len(vals) != 1 {
		return checkedProof{}, fmt.Errorf("want exactly one DPoP header, got %d", len(vals))
	}
	parts := strings.Split(vals[0], ".")
	if len(parts) != 3 {
		return checkedProof{}, errors.New("proof is not a compact JWS")
	}
	var hdr struct {
		Typ string          `json:"typ"`
		Alg string          `json:"alg"`
		JWK json.RawMessage `json:"jwk"`
	}
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return checkedProof{}, fmt.Errorf("proof header: %v", err)
	}
	if hdr.Typ != "dpop+jwt" {
		return checkedProof{}, fmt.Errorf("typ %q, want dpop+jwt", hdr.Typ)
	}
	if hdr.Alg != "ES256" {
		return checkedProof{}, fmt.Errorf("alg %q is not supported (ES256 only)", hdr.Alg)
	}
	var jwk struct {
		Kty, Crv, X, Y, D string
	}
	if err := json.Unmarshal(hdr.JWK, &jwk); err != nil || jwk.Kty != "EC" || jwk.Crv != "P-256" {
		return checkedProof{}, errors.New("jwk header must be an EC P-256 public key")
	}
	if jwk.D != "" {
		return checkedProof{}, errors.New("jwk header contains a private key")
	}
	x, errX := base64.RawURLEncoding.DecodeString(jwk.X)
	y, errY := base64.RawURLEncoding.DecodeString(jwk.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
		return checkedProof{}, errors.New("jwk x and y must be 32-byte base64url values")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return checkedProof{}, errors.New("jwk is not a point on P-256")
	}
	if err := verifyJWS(vals[0], hdr.Alg, pub); err != nil {
		return checkedProof{}, fmt.Errorf("proof: %v", err)
	}
	var c struct {
		JTI, HTM, HTU, Nonce, ATH string
		IAT                       *int64
	}
	if err := decodeSegment(parts[1], &c); err != nil {
		return checkedProof{}, fmt.Errorf("proof claims: %v", err)
	}
	if c.HTM != r.Method {
		return checkedProof{}, fmt.Errorf("htm %q, want %q", c.HTM, r.Method)
	}
	if want := "http://" + r.Host + r.URL.EscapedPath(); c.HTU != want {
		return checkedProof{}, fmt.Errorf("htu %q, want %q (no query, no fragment)", c.HTU, want)
	}
	now := time.Now()
	if c.IAT == nil || now.Sub(time.Unix(*c.IAT, 0)).Abs() > dpopIATWindow {
		return checkedProof{}, errors.New("iat missing or not within a minute of now")
	}
	if accessToken == "" && c.ATH != "" {
		return checkedProof{}, errors.New("ath on a token request")
	}
	if accessToken != "" && c.ATH != s256(accessToken) {
		return checkedProof{}, errors.New("ath missing or not the hash of the access token")
	}
	if len(c.JTI) < 8 {
		return checkedProof{}, errors.New("jti missing or too short")
	}
	s.mu.Lock()
	first := s.jtis.firstUse(c.JTI, now, now.Add(2*dpopIATWindow))
	s.mu.Unlock()
	if !first {
		return checkedProof{}, errors.New("jti replayed")
	}
	if s.cfg.RequireNonce && c.Nonce != nonce {
		return checkedProof{}, errNonce
	}
	return checkedProof{jkt: s256(`{"crv":"P-256","kty":"EC","x":"` + jwk.X + `","y":"` + jwk.Y + `"}`)}, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return errors.New("not base64url")
	}
	return json.Unmarshal(b, v)
}

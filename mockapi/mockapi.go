// Package mockapi is a mock OAuth2 token server plus a small REST API, used to
// develop and test the datasource plugin without a real identity provider.
//
// It offers two providers that issue independent tokens:
//
//   - "custom": POST /custom/token answers {"token":"..."} (no access_token, no
//     expiry); the API under /custom/api/ wants the headers X-Client-ID and
//     X-Token.
//   - "standard": POST /oauth/token is an RFC 6749 client_credentials endpoint
//     (client authentication by HTTP Basic or by form body); the API under
//     /api/ wants "Authorization: Bearer <access_token>".
//
// Both APIs serve the same data: /items (a fixed list) and /metrics (a
// deterministic time series). GET /health answers without authentication.
//
// The standard provider also offers (discovery.go, assertion.go): metadata at
// /.well-known/openid-configuration and /.well-known/oauth-authorization-server,
// client assertions (private_key_jwt, client_secret_jwt) checked strictly,
// tls_client_auth behind MTLSConfig, the JWT bearer grant, and /qapi/, the same
// API taking the token only in the access_token query parameter.
//
// Only the standard library is used. The server is safe for concurrent use.
package mockapi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Route paths.
const (
	PathHealth        = "/health"
	PathCustomToken   = "/custom/token"
	PathCustomItems   = "/custom/api/items"
	PathCustomMetrics = "/custom/api/metrics"
	PathOAuthToken    = "/oauth/token"
	PathAuthorize     = "/oauth/authorize"
	PathItems         = "/api/items"
	PathMetrics       = "/api/metrics"
)

const (
	// DefaultTokenLifetime is used when Config.TokenLifetime is not positive.
	DefaultTokenLifetime = time.Hour
	// DefaultStep is the metrics step in seconds when the request gives none.
	DefaultStep = 60
	// MaxPoints is the largest number of points one metrics reply holds (both
	// hosts counted); longer ranges are cut at the end.
	MaxPoints = 1000

	maxFormBytes = 64 << 10
	// maxEpochMillis is 9999-12-31T23:59:59.999Z.
	maxEpochMillis = 253402300799999
	maxStepSeconds = 10 * 366 * 24 * 3600
)

// Config configures a Server.
type Config struct {
	ClientID, ClientSecret string        // credentials accepted by both token endpoints
	TokenLifetime          time.Duration // expires_in of the standard endpoint; 0 means 1h
}

// Server is the mock token server and API. It implements http.Handler and is
// safe for concurrent use. Create it with New.
type Server struct {
	clientID     string
	clientSecret string
	lifetime     time.Duration

	traffic                 // TokenRequests, APIRequests, LastTokenHeaders, LastAPIHeaders
	tokenDelay atomic.Int64 // time.Duration

	// Per server, so that one test's deliberate replay does not count against the next test's.
	refreshGrants, deadRefreshUses atomic.Int64

	mu             sync.Mutex
	customTokens   map[string]struct{}      // valid custom tokens
	standardTokens map[string]time.Time     // valid standard tokens -> expiry
	codes          map[string]authCode      // authorization codes not yet redeemed
	refreshTokens  map[string]*refreshToken // every refresh token issued, valid or not
	families       map[int]*family          // grants (one per redeemed code), by id
	refreshLog     []RefreshUse             // every refresh attempt with a known token, in order

	now func() time.Time // clock for the metrics default range; guarded by mu

	assert assertionState // client assertions, mTLS, JWT bearer grant (assertion.go)
	disco  discoveryState // metadata documents (discovery.go)
}

// New returns a Server with the given configuration.
func New(cfg Config) *Server {
	lt := cfg.TokenLifetime
	if lt <= 0 {
		lt = DefaultTokenLifetime
	}
	return &Server{
		clientID:       cfg.ClientID,
		clientSecret:   cfg.ClientSecret,
		lifetime:       lt,
		customTokens:   make(map[string]struct{}),
		standardTokens: make(map[string]time.Time),
		codes:          make(map[string]authCode),
		refreshTokens:  make(map[string]*refreshToken),
		families:       make(map[int]*family),
		now:            time.Now,
		assert:         assertionState{seenJTI: jtiCache{}},
	}
}

// RevokeAll invalidates every token issued so far, by both endpoints. Later API
// requests carrying them get 401.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.customTokens = make(map[string]struct{})
	s.standardTokens = make(map[string]time.Time)
}

// SetTokenDelay sets an artificial latency applied to every request of both
// token endpoints before it is answered. Zero or negative disables it.
func (s *Server) SetTokenDelay(d time.Duration) { s.tokenDelay.Store(int64(d)) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == PathHealth:
		if !allowMethod(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case p == PathCustomToken:
		s.note(false, r)
		s.handleCustomToken(w, r)
	case p == PathAuthorize:
		s.handleAuthorize(w, r)
		return
	case p == PathOAuthToken:
		s.note(false, r)
		s.handleStandardToken(w, r)
	case strings.HasPrefix(p, "/custom/api/"):
		s.note(true, r)
		s.handleAPI(w, r, strings.TrimPrefix(p, "/custom/api"), s.customAuthorized)
	case strings.HasPrefix(p, "/api/"):
		s.note(true, r)
		s.handleAPI(w, r, strings.TrimPrefix(p, "/api"), s.standardAuthorized)
	case strings.HasPrefix(p, "/qapi/"):
		s.note(true, r)
		s.handleAPI(w, r, strings.TrimPrefix(p, "/qapi"), s.queryAuthorized)
	case s.serveDiscovery(w, r):
	default:
		writeError(w, http.StatusNotFound, "not_found", "no such route")
	}
}

// ---------------------------------------------------------------------------
// Token endpoints

type customTokenResponse struct {
	Token string `json:"token"`
}

type standardTokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
	// RefreshToken is sent by the authorization_code and refresh_token grants; it rotates.
	RefreshToken string `json:"refresh_token,omitempty"`
}

// handleCustomToken serves POST /custom/token: credentials and grant_type in a
// form body, reply {"token": "..."}.
func (s *Server) handleCustomToken(w http.ResponseWriter, r *http.Request) {
	form, ok := tokenForm(w, r, s.delay)
	if !ok {
		return
	}
	if !s.validClient(form.Get("client_id"), form.Get("client_secret")) {
		writeError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if form.Get("grant_type") != "client_credentials" {
		writeError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	tok := newToken()
	s.mu.Lock()
	s.customTokens[tok] = struct{}{}
	s.mu.Unlock()
	noStore(w)
	writeJSON(w, http.StatusOK, customTokenResponse{Token: tok})
}

// handleStandardToken serves POST /oauth/token (RFC 6749 section 4.4).
func (s *Server) handleStandardToken(w http.ResponseWriter, r *http.Request) {
	form, ok := tokenForm(w, r, s.delay)
	if !ok {
		return
	}
	if e := s.authenticateClient(r, form); e != nil {
		if _, _, basic := r.BasicAuth(); basic && e.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="mockapi"`)
		}
		writeError(w, e.status, e.code, e.descr)
		return
	}
	var refresh string
	fam := 0 // the grant the new access token belongs to (0: client credentials)
	scope := form.Get("scope")
	switch form.Get("grant_type") {
	case jwtBearerGrant:
		var e *oauthError
		if scope, e = s.checkJWTBearerGrant(r, form); e != nil {
			writeError(w, e.status, e.code, e.descr)
			return
		}
	case "client_credentials":
	case "authorization_code":
		if !s.redeemCode(w, form) {
			return
		}
		fam = s.newFamily()
		refresh = s.issueRefreshToken(fam)
	case "refresh_token":
		if fam = s.rotateRefreshToken(w, form.Get("refresh_token")); fam == 0 {
			return
		}
		refresh = s.issueRefreshToken(fam)
	default:
		writeError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	tok := newToken()
	now := time.Now()
	s.mu.Lock()
	// Drop expired tokens so long runs do not grow the map without bound.
	maps.DeleteFunc(s.standardTokens, func(_ string, exp time.Time) bool { return now.After(exp) })
	s.standardTokens[tok] = now.Add(s.lifetime)
	if f := s.families[fam]; f != nil {
		f.accessTokens = append(f.accessTokens, tok)
	}
	s.mu.Unlock()

	expiresIn := int64(s.lifetime / time.Second)
	if expiresIn < 1 {
		expiresIn = 1 // sub-second lifetimes (tests): never report 0 ("no expiry")
	}
	noStore(w)
	writeJSON(w, http.StatusOK, standardTokenResponse{
		AccessToken:  tok,
		TokenType:    "Bearer",
		ExpiresIn:    expiresIn,
		Scope:        scope,
		RefreshToken: refresh,
	})
}

// delay waits for the configured token delay. It returns false if the client
// went away meanwhile.
func (s *Server) delay(r *http.Request) bool {
	d := time.Duration(s.tokenDelay.Load())
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func (s *Server) validClient(id, secret string) bool {
	return sameClient(id, secret, s.clientID, s.clientSecret)
}

// sameClient compares client credentials, evaluating both comparisons so that the timing does not
// tell which one differs.
func sameClient(id, secret, wantID, wantSecret string) bool {
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(wantID))
	secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(wantSecret))
	return idOK&secretOK == 1
}

// formOrBasicClient returns the client id and secret of a token request from HTTP Basic when
// present (RFC 6749 section 2.3.1: both parts form-urlencoded first), else from the form body.
func formOrBasicClient(r *http.Request, form url.Values) (id, secret string) {
	if u, p, basic := r.BasicAuth(); basic {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(p)
		return id, secret
	}
	return form.Get("client_id"), form.Get("client_secret")
}

// tokenForm does what every token endpoint does first: POST only, then wait (nil: no wait; false:
// the client went away), then read the form body. It has answered the request when ok is false.
func tokenForm(w http.ResponseWriter, r *http.Request, wait func(*http.Request) bool) (form url.Values, ok bool) {
	if !allowMethod(w, r, http.MethodPost) {
		return nil, false
	}
	if wait != nil && !wait(r) {
		return nil, false
	}
	return parseForm(w, r)
}

// traffic counts and records the token and API requests of every server here (Server, DPoPServer,
// UserServer).
type traffic struct {
	tokenRequests, apiRequests atomic.Int64
	mu                         sync.Mutex
	lastToken, lastAPI         http.Header
}

// TokenRequests counts requests to the token endpoints, whatever their outcome (refused ones and
// challenges included).
func (c *traffic) TokenRequests() int64 { return c.tokenRequests.Load() }

// APIRequests counts requests to the APIs (/api/, and Server's /custom/api/ and /qapi/), whatever
// their outcome (refused ones and challenges included).
func (c *traffic) APIRequests() int64 { return c.apiRequests.Load() }

// LastTokenHeaders returns a copy of the headers of the latest token request, or nil if there was
// none.
func (c *traffic) LastTokenHeaders() http.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastToken.Clone()
}

// LastAPIHeaders returns a copy of the headers of the latest API request (including rejected
// ones), or nil if there was none.
func (c *traffic) LastAPIHeaders() http.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastAPI.Clone()
}

// note counts and records a request to an API (api) or a token endpoint. A request without
// headers is recorded as empty headers, so that nil keeps meaning "no request yet".
func (c *traffic) note(api bool, r *http.Request) {
	count, last := &c.tokenRequests, &c.lastToken
	if api {
		count, last = &c.apiRequests, &c.lastAPI
	}
	count.Add(1)
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	c.mu.Lock()
	*last = h
	c.mu.Unlock()
}

// serve routes a request of a single-purpose server (DPoP, user tokens) to token
// (/oauth/token) or api (/api/), noting it first.
func (c *traffic) serve(w http.ResponseWriter, r *http.Request, token, api http.HandlerFunc) {
	switch {
	case r.URL.Path == PathOAuthToken:
		c.note(false, r)
		token(w, r)
	case strings.HasPrefix(r.URL.Path, "/api/"):
		c.note(true, r)
		api(w, r)
	default:
		writeError(w, http.StatusNotFound, "not_found", "no such route")
	}
}

// parseForm reads an application/x-www-form-urlencoded body. Query parameters
// are ignored (credentials must not travel in URLs).
func parseForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "malformed form body")
		return nil, false
	}
	return r.PostForm, true
}

func newToken() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("mockapi: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// ---------------------------------------------------------------------------
// API

func (s *Server) customAuthorized(r *http.Request) bool {
	id := r.Header.Get("X-Client-ID")
	if subtle.ConstantTimeCompare([]byte(id), []byte(s.clientID)) != 1 {
		return false
	}
	tok := r.Header.Get("X-Token")
	if tok == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.customTokens[tok]
	return ok
}

func (s *Server) standardAuthorized(r *http.Request) bool {
	scheme, tok, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.standardTokens[tok]
	if !ok {
		return false
	}
	if time.Now().After(exp) {
		delete(s.standardTokens, tok)
		return false
	}
	return true
}

// handleAPI serves /items and /metrics under an API prefix; sub is the path
// after the prefix.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request, sub string, authorized func(*http.Request) bool) {
	if !allowMethod(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	if !authorized(r) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mockapi", error="invalid_token"`)
		}
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		return
	}
	switch sub {
	case "/items":
		writeJSON(w, http.StatusOK, items())
	case "/metrics":
		s.handleMetrics(w, r)
	default:
		writeError(w, http.StatusNotFound, "not_found", "no such route")
	}
}

// Owner is the nested object of an Item.
type Owner struct {
	Name string `json:"name"`
	Team string `json:"team"`
}

// Item is one element of the /items reply. Field order is the JSON key order.
type Item struct {
	ID        int      `json:"id"`
	Name      string   `json:"name"`
	Value     *float64 `json:"value"`
	Active    bool     `json:"active"`
	CreatedAt string   `json:"createdAt"`
	Owner     Owner    `json:"owner"`
}

func fp(v float64) *float64 { return &v }

// items returns the fixed /items data (a fresh slice each call).
func items() []Item {
	return []Item{
		{1, "alpha", fp(12.5), true, "2024-01-15T08:30:00Z", Owner{"Alice", "platform"}},
		{2, "bravo", fp(7.25), false, "2024-02-01T12:00:00Z", Owner{"Bob", "data"}},
		{3, "charlie", nil, true, "2024-03-10T17:45:30Z", Owner{"Carol", "platform"}},
		{4, "delta", fp(99.9), true, "2024-04-22T06:15:00Z", Owner{"Dave", "sre"}},
		{5, "echo", fp(0.5), false, "2024-05-05T23:59:59Z", Owner{"Eve", "data"}},
	}
}

// Point is one metrics sample.
type Point struct {
	Time string  `json:"time"`
	Host string  `json:"host"`
	CPU  float64 `json:"cpu"`
}

// MetricsResponse is the /metrics reply.
type MetricsResponse struct {
	Data struct {
		Points []Point `json:"points"`
	} `json:"data"`
}

var metricHosts = []string{"a", "b"}

// handleMetrics serves /metrics?from=<epoch ms>&to=<epoch ms>&step=<seconds>.
// One point per host per step from the first whole second at or after from,
// through to (inclusive), at most MaxPoints in all.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	parseMillis := func(name string) (int64, bool, error) {
		v := q.Get(name)
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > maxEpochMillis {
			return 0, true, errors.New(name + " must be an epoch time in milliseconds (non-negative integer), got " + strconv.Quote(v))
		}
		return n, true, nil
	}
	from, hasFrom, err := parseMillis("from")
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	to, hasTo, err := parseMillis("to")
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	if !hasTo {
		s.mu.Lock()
		now := s.now
		s.mu.Unlock()
		to = now().UnixMilli()
	}
	if !hasFrom {
		from = max(to-time.Hour.Milliseconds(), 0)
	}
	if from > to {
		writeError(w, http.StatusBadRequest, "bad_request", "from must not be after to")
		return
	}
	step := int64(DefaultStep)
	if v := q.Get("step"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > maxStepSeconds {
			writeError(w, http.StatusBadRequest, "bad_request",
				"step must be a positive integer number of seconds, got "+strconv.Quote(v))
			return
		}
		step = n
	}

	var resp MetricsResponse
	resp.Data.Points = []Point{}
	start := (from + 999) / 1000 // first whole second >= from
	end := to / 1000             // last whole second <= to
	for t := start; t <= end && len(resp.Data.Points)+len(metricHosts) <= MaxPoints; t += step {
		ts := time.Unix(t, 0).UTC().Format(time.RFC3339)
		for i, h := range metricHosts {
			resp.Data.Points = append(resp.Data.Points, Point{Time: ts, Host: h, CPU: cpuAt(t, i)})
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

// cpuAt is a deterministic CPU percentage for host index i at epoch second t.
func cpuAt(t int64, i int) float64 {
	phase := float64(i) * math.Pi / 3
	v := 50 + 30*math.Sin(float64(t)/600+phase) + 10*math.Sin(float64(t)/97+2*phase)
	return math.Round(v*100) / 100
}

// ---------------------------------------------------------------------------
// Helpers

func allowMethod(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "")
	return false
}

func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{Error: code, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

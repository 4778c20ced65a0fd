package dpop

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Role says which kind of server a Transport talks to: the rules for proofs and nonce challenges
// differ (RFC 9449 sections 8 and 9).
type Role int

const (
	// ForToken: every request gets a proof; a 400 (or 401) with error use_dpop_nonce and a DPoP-Nonce
	// header is retried once with that nonce.
	ForToken Role = iota
	// ForResource: a request carrying "Authorization: DPoP <token>" gets a proof with ath; a 401 with
	// WWW-Authenticate: DPoP error="use_dpop_nonce" and a DPoP-Nonce header is retried once.
	// Requests without a DPoP-bound token pass unchanged.
	ForResource
)

// Limits against a hostile server.
const (
	maxNonceLen     = 1024     // a nonce longer than this is ignored
	maxNonceOrigins = 32       // servers remembered per transport (there are one or two)
	maxErrorPeek    = 64 << 10 // bytes of an error reply read to find use_dpop_nonce
)

// Transport adds DPoP proofs to requests sent through base and answers nonce challenges. It keeps
// the latest nonce of each server (scheme and host), from any reply that sends one.
type Transport struct {
	base http.RoundTripper
	key  *Key
	role Role
	now  func() time.Time

	mu     sync.Mutex
	nonces map[string]string
}

// NewTransport wraps base. now is the clock for iat (time.Now when nil).
func NewTransport(base http.RoundTripper, key *Key, role Role, now func() time.Time) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	if now == nil {
		now = time.Now
	}
	return &Transport{base: base, key: key, role: role, now: now, nonces: map[string]string{}}
}

// RoundTrip implements http.RoundTripper. It never changes req (it sends clones).
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var accessToken string
	if t.role == ForResource {
		tok, ok := boundToken(req.Header.Get("Authorization"))
		if !ok {
			return t.base.RoundTrip(req) // not a DPoP-bound token: nothing to prove
		}
		accessToken = tok
	}
	resp, err := t.send(req, req.Body, accessToken)
	if err != nil || !t.challenged(resp) {
		return resp, err
	}
	// One retry with the nonce the server just gave (send stored it). A body that cannot be
	// replayed cannot be retried: the caller gets the challenge as it is.
	body := req.Body
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return resp, nil
		}
		if body, err = req.GetBody(); err != nil {
			return resp, nil
		}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorPeek))
	resp.Body.Close()
	return t.send(req, body, accessToken)
}

// closeIdler is a RoundTripper with a connection pool (what http.Client.CloseIdleConnections
// looks for).
type closeIdler interface{ CloseIdleConnections() }

var (
	_ closeIdler = (*http.Transport)(nil)
	_ closeIdler = (*Transport)(nil)
)

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the pool underneath.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.base.(closeIdler); ok {
		c.CloseIdleConnections()
	}
}

func (t *Transport) send(req *http.Request, body io.ReadCloser, accessToken string) (*http.Response, error) {
	origin := req.URL.Scheme + "://" + strings.ToLower(req.URL.Host)
	proof, err := t.key.Proof(req.Method, req.URL, accessToken, t.nonce(origin), t.now())
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = body
	r.Header.Set("DPoP", proof)
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		if n := resp.Header.Get("DPoP-Nonce"); validNonce(n) {
			t.setNonce(origin, n)
		}
	}
	return resp, err
}

// challenged reports whether resp asks for the request again with the nonce it carries.
func (t *Transport) challenged(resp *http.Response) bool {
	if !validNonce(resp.Header.Get("DPoP-Nonce")) {
		return false
	}
	if t.role == ForResource {
		return resp.StatusCode == http.StatusUnauthorized && nonceChallenge(resp.Header.Values("WWW-Authenticate"))
	}
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnauthorized {
		return false
	}
	// The token endpoint says it in the body: {"error":"use_dpop_nonce"}. Peek at it and put it
	// back, so a reply that is not a challenge reaches the grant unchanged.
	peek, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorPeek))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(peek), resp.Body), resp.Body}
	if err != nil {
		return false
	}
	var e struct {
		Error string `json:"error"`
	}
	return json.Unmarshal(peek, &e) == nil && e.Error == "use_dpop_nonce"
}

// nonceChallenge finds a DPoP challenge with error="use_dpop_nonce" among WWW-Authenticate values.
func nonceChallenge(values []string) bool {
	for _, v := range values {
		l := strings.ToLower(v)
		i := strings.Index(l, "dpop")
		if i < 0 || (i > 0 && l[i-1] != ' ' && l[i-1] != ',') {
			continue
		}
		rest := strings.ReplaceAll(l[i+len("dpop"):], " ", "")
		if strings.Contains(rest, `error="use_dpop_nonce"`) || strings.Contains(rest, "error=use_dpop_nonce") {
			return true
		}
	}
	return false
}

// boundToken returns the token of an "Authorization: DPoP <token>" header.
func boundToken(auth string) (string, bool) {
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "DPoP") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// validNonce: RFC 9449 section 8.1, nonce = 1*NQCHAR (printable ASCII except space, " and \).
func validNonce(n string) bool {
	if n == "" || len(n) > maxNonceLen {
		return false
	}
	for i := 0; i < len(n); i++ {
		if c := n[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func (t *Transport) nonce(origin string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.nonces[origin]
}

func (t *Transport) setNonce(origin, n string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.nonces[origin]; !ok && len(t.nonces) >= maxNonceOrigins {
		clear(t.nonces) // only redirects within one host reach us: this is never hit in practice
	}
	t.nonces[origin] = n
}

// Package discovery reads an authorization server's metadata from its issuer URL: OpenID Connect
// Discovery (/.well-known/openid-configuration appended to the issuer) and RFC 8414
// (/.well-known/oauth-authorization-server inserted before the issuer's path). The metadata is
// cached per instance and read again after an error. It is the step before the token request:
// token asks it for the token endpoint through token.Endpoints.
//
// The fetch sends no credentials (no token, no client secret, no configured headers), follows no
// redirect, reads at most MaxBytes and gives up after Timeout. The `issuer` of the metadata must
// equal the configured issuer exactly (OIDC Discovery section 4.3, RFC 8414 section 3.3): a server
// that names another issuer is refused, which stops a mix-up between providers.
package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Bounds of one metadata fetch. Real documents are 1-10 KB.
const (
	MaxBytes = 256 << 10
	Timeout  = 10 * time.Second
	// maxAge: metadata rarely changes; re-reading it daily catches rotations without a settings save.
	maxAge = 24 * time.Hour
)

// Metadata is what the plugin uses of a provider's metadata.
type Metadata struct {
	Issuer                string   `json:"issuer"`
	TokenEndpoint         string   `json:"token_endpoint"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`
	// IssParameter: the server sends `iss` in authorization responses (RFC 9207 section 3).
	IssParameter bool `json:"authorization_response_iss_parameter_supported"`
	// Source is the URL the document was read from (not part of the document).
	Source string `json:"-"`
}

// SupportsS256 says whether PKCE S256 should be used: yes when the server lists it, and when it
// lists nothing (the list is optional; S256 is what we send anyway).
func (m *Metadata) SupportsS256() bool {
	return len(m.CodeChallengeMethods) == 0 || slices.Contains(m.CodeChallengeMethods, "S256")
}

// Error is a failed discovery. Its text names what failed and never holds a credential (none is
// involved in discovery).
type Error struct {
	Status int // HTTP status of the last document URL tried; 0 if none answered
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// HTTPStatus is the status of the last document URL tried (it makes Error a token.StatusError).
func (e *Error) HTTPStatus() int { return e.Status }

// Client reads and caches one issuer's metadata. Safe for concurrent use.
type Client struct {
	issuer  string
	http    *http.Client
	now     func() time.Time
	timeout time.Duration // Timeout outside tests

	sf  singleflight.Group
	mu  sync.Mutex // guards cur and at; never held across a fetch
	cur *Metadata
	at  time.Time
}

// New builds a Client for issuer. hc is the instance's HTTP client (Grafana's TLS and proxy
// settings); the copy made here follows no redirect.
func New(issuer string, hc *http.Client) *Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{issuer: issuer, http: &c, now: time.Now, timeout: Timeout}
}

// Metadata returns the cached metadata, or reads it. Concurrent callers share one read.
func (c *Client) Metadata(ctx context.Context) (*Metadata, error) {
	c.mu.Lock()
	m, at := c.cur, c.at
	c.mu.Unlock()
	if m != nil && c.now().Sub(at) < maxAge {
		return m, nil
	}
	ch := c.sf.DoChan("meta", func() (any, error) {
		// Detached from the caller (a cancelled caller must not fail the others), bounded by Timeout.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		m, err := c.fetch(ctx)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.cur, c.at = m, c.now()
		return m, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*Metadata), nil
	case <-ctx.Done():
		return nil, &Error{Msg: fmt.Sprintf("gave up waiting for the metadata: %v", ctx.Err())}
	}
}

// TokenURL implements token.Endpoints.
func (c *Client) TokenURL(ctx context.Context) (string, error) {
	m, err := c.Metadata(ctx)
	if err != nil {
		return "", err
	}
	if m.TokenEndpoint == "" {
		return "", &Error{Msg: "the metadata at " + m.Source + " has no token_endpoint; set tokenUrl"}
	}
	return m.TokenEndpoint, nil
}

// Stale implements token.Endpoints: the next call reads the metadata again.
func (c *Client) Stale() {
	c.mu.Lock()
	c.cur = nil
	c.mu.Unlock()
}

// DocumentURLs are the metadata locations tried, in order: OIDC Discovery's (issuer +
// /.well-known/openid-configuration), then RFC 8414's (/.well-known/oauth-authorization-server
// inserted between host and path). For an issuer without a path they differ only in the name.
func DocumentURLs(issuer string) ([]string, error) {
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, &Error{Msg: fmt.Sprintf("issuerUrl %q is not an http(s) URL without query or fragment", issuer)}
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	origin := u.Scheme + "://" + u.Host
	return []string{
		origin + path + "/.well-known/openid-configuration",
		origin + "/.well-known/oauth-authorization-server" + path,
	}, nil
}

// fetch tries each document URL and returns the first valid metadata. A document that answers but
// is wrong (issuer mismatch, bad endpoint) stops the search: the server spoke, and it is wrong.
func (c *Client) fetch(ctx context.Context) (*Metadata, error) {
	urls, err := DocumentURLs(c.issuer)
	if err != nil {
		return nil, err
	}
	var tried []string
	status := 0
	for _, u := range urls {
		m, st, err := c.fetchOne(ctx, u)
		if err == nil {
			return m, nil
		}
		status = st
		if st == http.StatusOK || ctx.Err() != nil {
			return nil, &Error{Msg: err.Error()} // the document was read: its content is wrong
		}
		tried = append(tried, err.Error())
	}
	return nil, &Error{Status: status, Msg: "no metadata found (" + strings.Join(tried, "; ") + ")"}
}

func (c *Client) fetchOne(ctx context.Context, docURL string) (*Metadata, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, docURL, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %v", docURL, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, fmt.Errorf("%s: no answer within %s", docURL, c.timeout)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, 0, fmt.Errorf("%s: %v", docURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode, fmt.Errorf("%s answered HTTP %d", docURL, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("%s: reading the document: %v", docURL, err)
	}
	if len(body) > MaxBytes {
		return nil, resp.StatusCode, fmt.Errorf("%s: document larger than %d bytes", docURL, MaxBytes)
	}
	var m Metadata
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, resp.StatusCode, fmt.Errorf("%s: not a JSON metadata document", docURL)
	}
	m.Source = docURL
	if err := c.check(&m); err != nil {
		return nil, resp.StatusCode, err
	}
	return &m, resp.StatusCode, nil
}

// check applies OIDC Discovery section 4.3 / RFC 8414 section 3.3 (the issuer is exactly the
// configured one) and refuses endpoints that are not absolute URLs, or plain http under an https
// issuer (a downgrade that would put the client secret on the wire).
func (c *Client) check(m *Metadata) error {
	if m.Issuer != c.issuer {
		return fmt.Errorf("issuer mismatch: got %q, configured %q (issuerUrl must equal the metadata's issuer exactly, trailing slash included)", clip(m.Issuer), c.issuer)
	}
	secure := strings.HasPrefix(c.issuer, "https://")
	for _, e := range []struct{ name, v string }{{"token_endpoint", m.TokenEndpoint}, {"authorization_endpoint", m.AuthorizationEndpoint}} {
		if e.v == "" {
			continue
		}
		u, err := url.Parse(e.v)
		if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || (u.Scheme != "https" && (u.Scheme != "http" || secure)) {
			return fmt.Errorf("%s %q is not an absolute %s URL", e.name, clip(e.v), map[bool]string{true: "https", false: "http(s)"}[secure])
		}
	}
	return nil
}

func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

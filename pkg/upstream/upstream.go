// Package upstream calls the API: it resolves a query's path under the configured base URL, puts
// the token and the configured headers on the request, retries once with a new token after a 401,
// refuses redirects to other hosts and bounds the reply size.
package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/redact"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
)

// Steps named in errors.
const (
	StepURL     = "API URL"
	StepPolicy  = "request policy" // allowedMethods, postPathPatterns: nothing was sent
	StepRequest = "API request"
	StepReply   = "API reply"
)

// maxRedirects bounds same-host redirects.
const maxRedirects = 5

// Error is a failure to call the API. Msg never holds a secret or token.
type Error struct {
	Step   string
	Status int
	Msg    string
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s failed (HTTP %d): %s", e.Step, e.Status, e.Msg)
	}
	return fmt.Sprintf("%s failed: %s", e.Step, e.Msg)
}

// BadReply is a successful answer the query cannot use: not JSON, or not the shape its selectors and
// columns read. The API gave it, so it is the API reply's failure (502), not the query's. note says
// where (" (page 3)"), or is empty.
func BadReply(note string, err error) *Error {
	return &Error{Step: StepReply, Msg: "cannot be converted" + note + ": " + err.Error()}
}

var metricAPIRequests = promauto.NewCounterVec(prometheus.CounterOpts{
	Namespace: "oauth2rest", Name: "api_requests_total",
	Help: "API requests by HTTP status (0 = no answer).",
}, []string{"status"})

// Request is one API call, with a path relative to the base URL.
type Request struct {
	Method string
	Path   string
	Params url.Values
	Header http.Header
	Body   []byte
}

// Response is a complete, size-checked API reply.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	URL    *url.URL // the URL that answered (after same-host redirects)
}

// Client calls the API for one datasource instance.
type Client struct {
	cfg  settings.Upstream
	src  token.Source
	http *http.Client
	// place writes the token onto each request (placement.go).
	place Placement
	// redact removes the secrets from error messages and also from reply bodies (with the access
	// token), so that an API that echoes the request (httpbin's /anything, debug endpoints) cannot
	// put a credential into a frame or a proxy reply.
	redact *redact.Redactor
}

// New wraps hc (one per instance, keep-alive) with the API rules. secrets are redacted from error
// messages that quote the API's reply.
func New(cfg settings.Upstream, src token.Source, hc *http.Client, secrets []string) *Client {
	c := *hc
	base := cfg.BaseURL
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != base.Host || req.URL.Scheme != base.Scheme {
			// Go would copy custom headers (our token header) to the new host: never follow.
			return &Error{Step: StepRequest, Msg: fmt.Sprintf("the API redirected to another host (%s); redirects that leave %s are not followed", req.URL.Host, base.Host)}
		}
		if len(via) > maxRedirects { // via holds the original request too
			return &Error{Step: StepRequest, Msg: fmt.Sprintf("more than %d redirects", maxRedirects)}
		}
		return nil
	}
	if len(cfg.AllowedMethods) == 0 {
		cfg.AllowedMethods = settings.DefaultAllowedMethods // reads only, as settings.Load defaults
	}
	var place Placement = HeaderPlacement{Name: cfg.TokenHeaderName, Template: cfg.TokenHeaderTemplate}
	if cfg.TokenPlacement == settings.PlacementQuery {
		place = QueryPlacement{Param: cfg.TokenQueryParam}
	}
	return &Client{cfg: cfg, src: src, http: &c, place: place, redact: redact.New(secrets...)}
}

// redactBody replaces every occurrence of the access token and the secrets in a reply body. The
// common case (none present) costs one scan of the body per value and copies nothing.
func (c *Client) redactBody(b []byte, accessToken string) []byte {
	if len(accessToken) >= redact.MinLen && bytes.Contains(b, []byte(accessToken)) {
		b = bytes.ReplaceAll(b, []byte(accessToken), []byte(redact.Mark))
	}
	return c.redact.Bytes(b)
}

// Do sends req with the token. A 401 drops the token and retries once with a new one, unless the
// token source keeps the token (see token.Cache.Invalidate).
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	u, err := ResolveURL(c.cfg.BaseURL, req.Path, req.Params)
	if err != nil {
		return nil, err
	}
	if err := c.checkHeaders(req.Header); err != nil {
		return nil, err
	}
	if err := c.checkParams(req.Params); err != nil {
		return nil, err
	}
	method := strings.ToUpper(strings.TrimSpace(req.Method))
	if method == "" {
		method = http.MethodGet
	}
	if method != http.MethodGet && method != http.MethodPost {
		return nil, &Error{Step: StepURL, Msg: fmt.Sprintf("method %q is not supported; use GET or POST", req.Method)}
	}
	if err := c.allowed(method, u); err != nil {
		return nil, err
	}
	tok, err := c.src.Token(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, method, u, req, tok)
	if err != nil {
		return nil, err
	}
	retried := false
	// A source that cannot renew (the signed-in user's token) would send the same token again.
	if resp.Status == http.StatusUnauthorized && renews(c.src, tok) {
		// The token may have been revoked: drop it and retry once with a new one. The source keeps
		// a replacement that was refused on its own retry (token.Cache.Invalidate); then the same
		// token comes back and this 401 is the path's answer.
		c.src.Invalidate(tok)
		fresh, err := c.src.Token(ctx)
		if err != nil {
			return nil, err
		}
		if fresh.AccessToken != tok.AccessToken {
			tok, retried = fresh, true
			if resp, err = c.send(ctx, method, u, req, tok); err != nil {
				return nil, err
			}
			if cf, ok := c.src.(token.Confirmer); ok && resp.Status != http.StatusUnauthorized {
				cf.Confirm(tok) // the old token was the problem: the new one may be replaced again later
			}
		}
	}
	if resp.Status < 200 || resp.Status > 299 {
		return resp, &Error{Step: StepReply, Status: resp.Status, Msg: c.describe(resp, tok, retried)}
	}
	return resp, nil
}

func (c *Client) send(ctx context.Context, method string, u *url.URL, req Request, tok *oauth2.Token) (*Response, error) {
	accessToken := tok.AccessToken
	var body io.Reader
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, &Error{Step: StepURL, Msg: "building the request: " + err.Error()}
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	if len(req.Body) > 0 && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if hr.Header.Get("Accept") == "" {
		hr.Header.Set("Accept", "application/json")
	}
	for _, h := range c.cfg.Headers {
		hr.Header.Set(h.Name, h.Value)
	}
	if c.cfg.ClientIDHeaderName != "" {
		hr.Header.Set(c.cfg.ClientIDHeaderName, c.cfg.ClientID)
	}
	c.place.Place(hr, tok)

	resp, err := c.http.Do(hr)
	if err != nil {
		metricAPIRequests.WithLabelValues("0").Inc()
		var ue *Error
		if errors.As(err, &ue) {
			return nil, ue
		}
		if ctx.Err() == context.DeadlineExceeded {
			return nil, &Error{Step: StepRequest, Msg: fmt.Sprintf("no complete answer within timeout (%s)", c.cfg.Timeout)}
		}
		return nil, &Error{Step: StepRequest, Msg: c.redact.String(transportMessage(err))}
	}
	defer resp.Body.Close()
	metricAPIRequests.WithLabelValues(strconv.Itoa(resp.StatusCode)).Inc()
	data, err := readBody(resp.Body, resp.ContentLength, c.cfg.MaxResponseBytes)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, &Error{Step: StepReply, Status: resp.StatusCode, Msg: fmt.Sprintf("reply body not complete within timeout (%s)", c.cfg.Timeout)}
		}
		return nil, &Error{Step: StepReply, Status: resp.StatusCode, Msg: "reading the reply: " + c.redact.String(err.Error())}
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		return nil, &Error{Step: StepReply, Status: resp.StatusCode, Msg: fmt.Sprintf("reply is larger than maxResponseBytes (%d bytes)", c.cfg.MaxResponseBytes)}
	}
	return &Response{Status: resp.StatusCode, Header: c.replyHeader(resp.Header, accessToken), Body: c.redactBody(data, accessToken), URL: c.withoutToken(resp.Request.URL)}, nil
}

// readBody reads the reply, at most limit+1 bytes (one more than allowed, to detect a larger reply).
// With a declared length within the limit it reads into one buffer of that size: io.ReadAll grows
// its buffer by doubling, which for a large reply allocates about twice the body and copies it
// several times (the transport ends the body after Content-Length bytes, and reports a shorter one
// as io.ErrUnexpectedEOF).
// A declared length above math.MaxInt (2 GiB where int is 32 bits, with a maxResponseBytes above
// that) is refused: it cannot be one buffer there, and make would panic.
func readBody(r io.Reader, n, limit int64) ([]byte, error) {
	if n < 0 || n > limit {
		return io.ReadAll(io.LimitReader(r, min(limit, math.MaxInt64-1)+1)) // limit+1 must not wrap
	}
	if n > math.MaxInt {
		return nil, fmt.Errorf("Content-Length %d is more than a %d-bit build can hold in memory (%d bytes); lower maxResponseBytes", n, strconv.IntSize, math.MaxInt)
	}
	buf := make([]byte, n)
	read, err := io.ReadFull(r, buf)
	return buf[:read], err
}

// allowed applies the admin's request policy. It runs on every request (queries, every page of a
// pagination, the proxy route, the health check), before a token is fetched.
func (c *Client) allowed(method string, u *url.URL) error {
	if !slices.Contains(c.cfg.AllowedMethods, method) {
		return &Error{Step: StepPolicy, Msg: fmt.Sprintf("method %s is not allowed by this datasource (allowedMethods: %s); an admin can allow it", method, strings.Join(c.cfg.AllowedMethods, ", "))}
	}
	if method == http.MethodPost && len(c.cfg.PostPathPatterns) > 0 {
		// ResolveURL keeps u under the base path, without dot segments or encoded slashes.
		rel := "/" + strings.TrimPrefix(strings.TrimPrefix(u.Path, c.cfg.BaseURL.Path), "/")
		if !settings.MatchPostPath(c.cfg.PostPathPatterns, rel) {
			return &Error{Step: StepPolicy, Msg: fmt.Sprintf("POST to %s is not allowed by this datasource: the path matches none of postPathPatterns", rel)}
		}
	}
	return nil
}

// checkHeaders refuses query headers that would override what the plugin sets for authentication.
func (c *Client) checkHeaders(h http.Header) error {
	for k, vs := range h {
		if strings.EqualFold(k, c.cfg.TokenHeaderName) || strings.EqualFold(k, "Authorization") ||
			(c.cfg.ClientIDHeaderName != "" && strings.EqualFold(k, c.cfg.ClientIDHeaderName)) {
			return &Error{Step: StepURL, Msg: fmt.Sprintf("header %q is set by the plugin and cannot be set by a query", k)}
		}
		for _, cfgH := range c.cfg.Headers {
			if cfgH.Secure && strings.EqualFold(k, cfgH.Name) {
				return &Error{Step: StepURL, Msg: fmt.Sprintf("header %q is a secure datasource header and cannot be set by a query", k)}
			}
		}
		for _, v := range vs {
			if strings.ContainsAny(k+v, "\r\n") {
				return &Error{Step: StepURL, Msg: fmt.Sprintf("header %q: line breaks are not allowed", k)}
			}
		}
	}
	return nil
}

// describe summarises an error reply: its status and a short, redacted excerpt of the body.
func (c *Client) describe(resp *Response, tok *oauth2.Token, retried bool) string {
	accessToken := tok.AccessToken
	// Redact before cutting, so a secret straddling the cut cannot leave a prefix behind.
	text := strings.TrimSpace(string(resp.Body))
	if accessToken != "" {
		text = strings.ReplaceAll(text, accessToken, redact.Mark)
	}
	text = c.redact.String(text)
	if len(text) > 300 {
		text = text[:300] + "..."
	}
	text = strings.ToValidUTF8(text, "?")
	msg := http.StatusText(resp.Status)
	placement := "tokenHeaderName, tokenHeaderTemplate"
	if c.cfg.TokenPlacement == settings.PlacementQuery {
		placement = "tokenQueryParam"
	}
	switch {
	case resp.Status == http.StatusUnauthorized && !renews(c.src, tok):
		msg = "the API rejected the signed-in user's token (401); check that the API accepts tokens of Grafana's OAuth provider, or exchange them first (tokenExchange)"
	case resp.Status == http.StatusUnauthorized && retried:
		msg = "the API rejected the token twice (a fresh token was fetched after the first 401): the token endpoint works, this path refuses the client; check the path, " + placement + " and the client's permissions"
	case resp.Status == http.StatusUnauthorized:
		msg = "the API rejected the token (401), a fresh one that replaced a token refused earlier and was refused on its own retry too (no new token for every 401): this path refuses the client; check the path, " + placement + " and the client's permissions"
	case resp.Status == http.StatusForbidden:
		msg = "the API refused access (403); check the scopes and the client's permissions"
	}
	if text != "" {
		msg += ": " + text
	}
	return msg
}

// transportMessage keeps the useful part of a transport error without the full URL, which may carry
// query parameters.
func transportMessage(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

package token

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"
)

// Fetcher obtains a fresh token; Grant is the real one.
type Fetcher interface {
	Fetch(ctx context.Context, refreshToken string) (*oauth2.Token, error)
}

// Rejecter is a Fetcher that keeps tokens beyond the Cache (Shared): it is told when the API
// refused one, so that it does not hand it back.
type Rejecter interface {
	Reject(tok *oauth2.Token)
}

// Publisher is a Fetcher that shares tokens (Shared): it is given the token of an authorization
// code exchange, which it did not fetch itself, so that other replicas adopt it.
type Publisher interface {
	Publish(ctx context.Context, tok *oauth2.Token)
}

// Backoff bounds, chosen so a dead token endpoint sees a handful of requests a minute however many
// queries are waiting, and a server's Retry-After cannot stall us for longer than maxRetryAfter.
const (
	backoffBase   = time.Second
	backoffCap    = time.Minute
	maxRetryAfter = 5 * time.Minute
	// maxRefreshMargin is how early a long-lived token is refreshed.
	maxRefreshMargin = time.Minute
)

// Cache is the per-instance token cache: the hot path is one atomic load; on an empty or stale
// cache, concurrent callers share a single fetch; failures back off, shared by all callers.
type Cache struct {
	fetch   Fetcher
	timeout time.Duration
	now     func() time.Time

	base   context.Context // detached from callers, cancelled by Close
	cancel context.CancelFunc

	cur atomic.Pointer[entry]
	sf  singleflight.Group

	mu           sync.Mutex // guards the fields below; never held across a network call
	failures     int
	backoffUntil time.Time
	lastErr      error
	refreshToken string // survives Invalidate so a rejected access token can still be refreshed
	// replacing: the next token fetched replaces one the API refused (see Invalidate).
	replacing bool

	// onRefreshToken is told about every new refresh token (outside mu), to make it durable.
	onRefreshToken func(string)
}

type entry struct {
	tok       *oauth2.Token
	refreshAt time.Time
	obtained  time.Time
	// replacement: fetched because the API refused the token before it. A 401 drops it only once a
	// retry has confirmed it (see Invalidate).
	replacement bool
	confirmed   atomic.Bool
}

// NewCache wraps f. timeout bounds each fetch; now is the clock (time.Now outside tests).
func NewCache(f Fetcher, timeout time.Duration, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Cache{fetch: f, timeout: timeout, now: now, base: ctx, cancel: cancel}
}

var _ Source = (*Cache)(nil)

// Token returns the cached token, or fetches one. The caller's context only bounds its own wait:
// the fetch runs on a detached context so one impatient caller cannot fail the others.
func (c *Cache) Token(ctx context.Context) (*oauth2.Token, error) {
	now := c.now()
	e := c.cur.Load()
	if e != nil && now.Before(e.refreshAt) {
		metricCacheHits.Inc()
		return e.tok, nil
	}
	if err := c.backingOff(now); err != nil {
		if e != nil && now.Before(e.tok.Expiry) {
			return e.tok, nil // still valid: serve it while the endpoint recovers
		}
		return nil, err
	}
	ch := c.sf.DoChan("token", func() (any, error) { return c.refresh() })
	select {
	case r := <-ch:
		if r.Err != nil {
			if e != nil && c.now().Before(e.tok.Expiry) {
				return e.tok, nil
			}
			return nil, r.Err
		}
		return r.Val.(*oauth2.Token), nil
	case <-ctx.Done():
		return nil, &Error{Step: StepRequest, Msg: fmt.Sprintf("gave up waiting for the token: %v", ctx.Err())}
	}
}

// Invalidate is told that the API answered 401 to tok. It drops tok only if tok is still the cached
// token and is not a replacement that no retry has confirmed (see Confirm): a path that answers 401
// to a good token (a permission the client lacks) would otherwise cost a token request per query,
// from any Viewer, and with rotating refresh tokens a rotation per query; against a rate-limited
// provider that locks everyone out. So a 401 buys one replacement; if the retry of the same request
// is refused too, the 401 is that path's answer and the replacement is kept until its scheduled
// refresh: the caller sees Token return the same token and must not retry. A token revoked at the
// provider is replaced on the query that meets it, and again after a later revocation, because
// there the retry succeeds and confirms the replacement.
func (c *Cache) Invalidate(tok *oauth2.Token) {
	e := c.cur.Load()
	if e == nil || e.tok != tok || (e.replacement && !e.confirmed.Load()) {
		return
	}
	c.mu.Lock()
	c.replacing = true
	c.mu.Unlock()
	if c.cur.CompareAndSwap(e, nil) {
		if r, ok := c.fetch.(Rejecter); ok {
			r.Reject(tok) // a shared store must not hand the rejected token back
		}
	}
}

// Confirm is told that the API accepted tok on the retry of a request whose first attempt, with the
// token tok replaced, got a 401: that token was the problem, not the path. A confirmed replacement
// can itself be replaced after a later 401 (a second revocation).
func (c *Cache) Confirm(tok *oauth2.Token) {
	if e := c.cur.Load(); e != nil && e.tok == tok && e.replacement {
		e.confirmed.Store(true)
	}
}

// Close cancels an in-flight fetch. The cache must not be used afterwards.
func (c *Cache) Close() { c.cancel() }

// Status describes the cache without revealing the token.
func (c *Cache) Status() Status {
	now := c.now()
	var s Status
	if e := c.cur.Load(); e != nil && now.Before(e.tok.Expiry) {
		s.Cached = true
		s.ExpiresAt = e.tok.Expiry.UTC()
		s.ExpiresIn = e.tok.Expiry.Sub(now).Round(time.Second).String()
		s.ObtainedAt = e.obtained.UTC()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s.HasRefreshToken = c.refreshToken != ""
	if c.lastErr != nil {
		s.LastError = c.lastErr.Error()
		s.ReauthRequired = IsReauthRequired(c.lastErr)
	}
	if now.Before(c.backoffUntil) {
		s.BackoffUntil = c.backoffUntil.UTC()
	}
	return s
}

func (c *Cache) backingOff(now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Before(c.backoffUntil) {
		return &BackoffError{Last: c.lastErr, Until: c.backoffUntil, now: now}
	}
	return nil
}

func (c *Cache) refresh() (*oauth2.Token, error) {
	now := c.now()
	// A flight that finished just before this one started may already have done the work.
	if e := c.cur.Load(); e != nil && now.Before(e.refreshAt) {
		return e.tok, nil
	}
	if err := c.backingOff(now); err != nil {
		return nil, err
	}
	c.mu.Lock()
	rt := c.refreshToken
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(c.base, c.timeout)
	defer cancel()
	start := time.Now()
	tok, err := c.fetch.Fetch(ctx, rt)
	metricTokenLatency.Observe(time.Since(start).Seconds())
	done := c.now()

	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		metricTokenRequests.WithLabelValues(outcome(err)).Inc()
		if ctx.Err() != nil && c.base.Err() == nil && !isWait(err) {
			err = &Error{Step: StepRequest, Msg: fmt.Sprintf("no answer within tokenTimeout (%s)", c.timeout)}
		}
		c.failures++
		c.lastErr = err
		c.backoffUntil = done.Add(c.backoffFor(err))
		if IsInvalidGrant(err) || IsReauthRequired(err) {
			c.refreshToken = ""
		}
		return nil, err
	}
	metricTokenRequests.WithLabelValues("success").Inc()
	c.store(tok, done, c.replacing)
	return tok, nil
}

// store makes tok current and resets the failure state; replacement marks a token fetched after
// a 401 (see Invalidate). Must be called with mu held; the
// refresh-token hook runs under mu too (it writes a local file, never calls the network).
func (c *Cache) store(tok *oauth2.Token, now time.Time, replacement bool) {
	c.failures, c.lastErr, c.backoffUntil, c.replacing = 0, nil, time.Time{}, false
	if tok.RefreshToken != c.refreshToken && tok.RefreshToken != "" && c.onRefreshToken != nil {
		// Durability before use: a rotated refresh token is persisted before anyone can use the
		// new access token, so a crash right after cannot leave us holding only the dead old one.
		c.onRefreshToken(tok.RefreshToken)
	}
	c.refreshToken = tok.RefreshToken
	c.cur.Store(&entry{tok: tok, refreshAt: refreshAt(now, tok.Expiry), obtained: now, replacement: replacement})
}

// OnRefreshToken registers fn to be called with every new refresh token. Set it before use.
func (c *Cache) OnRefreshToken(fn func(string)) { c.onRefreshToken = fn }

// SetRefreshToken seeds the cache with a refresh token restored from durable storage.
func (c *Cache) SetRefreshToken(rt string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshToken = rt
}

// Put makes tok (from an authorization code exchange) the current token.
func (c *Cache) Put(tok *oauth2.Token) {
	c.mu.Lock()
	c.store(tok, c.now(), false)
	c.mu.Unlock()
	if p, ok := c.fetch.(Publisher); ok {
		ctx, cancel := context.WithTimeout(c.base, c.timeout)
		defer cancel()
		p.Publish(ctx, tok) // other replicas adopt it instead of asking the user to connect
	}
}

// backoffFor is exponential with a cap and a little jitter (so replicas spread out), and honours a
// server's Retry-After up to maxRetryAfter. Must be called with mu held.
func (c *Cache) backoffFor(err error) time.Duration {
	// A wait on the shared store or another replica (shared.go) is not the endpoint failing.
	if isWait(err) {
		return waitRetry
	}
	d := backoffBase << min(c.failures-1, 10)
	d = min(d, backoffCap)
	d -= time.Duration(rand.Int64N(int64(d) / 5)) // up to 20% shorter
	var te *Error
	if errors.As(err, &te) && te.RetryAfter > 0 {
		d = max(d, min(te.RetryAfter, maxRetryAfter))
	}
	return d
}

// refreshAt schedules the refresh: half the lifetime early for short tokens (a 2 s token is reused
// for about a second), at most maxRefreshMargin early for long ones.
func refreshAt(now, expiry time.Time) time.Time {
	life := expiry.Sub(now)
	if life <= 0 {
		return now
	}
	return expiry.Add(-min(life/2, maxRefreshMargin))
}

// isWait: err was caused by waiting for something other than the token endpoint (the shared store,
// another replica); the cache asks again after waitRetry instead of the endpoint's backoff.
func isWait(err error) bool {
	var w *waitError
	return errors.As(err, &w)
}

func outcome(err error) string {
	var te *Error
	if !errors.As(err, &te) {
		return "error"
	}
	switch {
	case te.Code == ReauthCode:
		return "reauth_required"
	case te.Status == 0:
		return "transport_error"
	case te.Step == StepReply:
		return "bad_reply"
	default:
		return fmt.Sprintf("http_%dxx", te.Status/100)
	}
}

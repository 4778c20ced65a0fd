package token

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// fakeClock is a clock tests move by hand, safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(fixedNow.UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// fakeFetcher counts fetches and hands out numbered tokens with a fixed lifetime.
type fakeFetcher struct {
	clock    *fakeClock
	lifetime time.Duration
	delay    time.Duration
	calls    atomic.Int32
	mu       sync.Mutex
	fail     error // while set, every fetch fails
	lastRT   string
}

func (f *fakeFetcher) Fetch(ctx context.Context, rt string) (*oauth2.Token, error) {
	n := f.calls.Add(1)
	f.mu.Lock()
	f.lastRT = rt
	fail := f.fail
	f.mu.Unlock()
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if fail != nil {
		return nil, fail
	}
	return &oauth2.Token{AccessToken: fmt.Sprintf("tok-%d", n), RefreshToken: fmt.Sprintf("rt-%d", n), Expiry: f.clock.Now().Add(f.lifetime)}, nil
}

func (f *fakeFetcher) setFail(err error) { f.mu.Lock(); f.fail = err; f.mu.Unlock() }

func TestCacheThousandConcurrentCallersOneFetch(t *testing.T) {
	clock := newFakeClock()
	f := &fakeFetcher{clock: clock, lifetime: time.Hour, delay: 50 * time.Millisecond}
	c := NewCache(f, 5*time.Second, clock.Now)
	var wg sync.WaitGroup
	var bad atomic.Int32
	start := make(chan struct{})
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tok, err := c.Token(context.Background())
			if err != nil || tok.AccessToken != "tok-1" {
				bad.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if got := f.calls.Load(); got != 1 {
		t.Fatalf("%d fetches for 1000 concurrent callers, want 1", got)
	}
	if bad.Load() != 0 {
		t.Fatalf("%d callers got an error or another token", bad.Load())
	}
}

func TestCacheRefreshMarginScalesWithLifetime(t *testing.T) {
	cases := []struct {
		lifetime       time.Duration
		reusedUntil    time.Duration // still served from cache just before this
		refetchedAfter time.Duration
	}{
		{2 * time.Second, 900 * time.Millisecond, 1100 * time.Millisecond},
		{12 * time.Second, 5900 * time.Millisecond, 6100 * time.Millisecond},
		{time.Hour, 58*time.Minute + 59*time.Second, 59*time.Minute + time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.lifetime.String(), func(t *testing.T) {
			clock := newFakeClock()
			f := &fakeFetcher{clock: clock, lifetime: tc.lifetime}
			c := NewCache(f, time.Second, clock.Now)
			ctx := context.Background()
			if _, err := c.Token(ctx); err != nil {
				t.Fatal(err)
			}
			clock.Advance(tc.reusedUntil)
			if tok, _ := c.Token(ctx); tok.AccessToken != "tok-1" || f.calls.Load() != 1 {
				t.Fatalf("at %v: token %s after %d fetches; want the cached one", tc.reusedUntil, tok.AccessToken, f.calls.Load())
			}
			clock.Advance(tc.refetchedAfter - tc.reusedUntil)
			if tok, _ := c.Token(ctx); tok.AccessToken != "tok-2" {
				t.Fatalf("at %v: token %s; want a refreshed one", tc.refetchedAfter, tok.AccessToken)
			}
		})
	}
}

func TestCacheInvalidateFetchesOnceAndUsesRefreshToken(t *testing.T) {
	clock := newFakeClock()
	f := &fakeFetcher{clock: clock, lifetime: time.Hour}
	c := NewCache(f, time.Second, clock.Now)
	ctx := context.Background()
	old, _ := c.Token(ctx)
	// Many concurrent 401s on the same token cause exactly one new fetch.
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Invalidate(old)
			c.Token(ctx)
		}()
	}
	wg.Wait()
	if got := f.calls.Load(); got != 2 {
		t.Fatalf("%d fetches, want 2", got)
	}
	if f.lastRT != "rt-1" {
		t.Fatalf("refresh token %q not used after invalidation", f.lastRT)
	}
	// Invalidating a token that is no longer current does nothing.
	c.Invalidate(old)
	if tok, _ := c.Token(ctx); tok.AccessToken != "tok-2" || f.calls.Load() != 2 {
		t.Fatalf("stale invalidate caused a fetch")
	}
}

// TestCacheBackoffBoundsFailingEndpoint: 64 callers hammering a dead endpoint for 10 s (clock time)
// cause a handful of fetches, fail fast, and recover as soon as the endpoint is back.
func TestCacheBackoffBoundsFailingEndpoint(t *testing.T) {
	clock := newFakeClock()
	f := &fakeFetcher{clock: clock, lifetime: time.Hour}
	f.setFail(&Error{Step: StepRequest, Status: 500, Msg: "boom"})
	c := NewCache(f, time.Second, clock.Now)
	ctx := context.Background()
	var errs atomic.Int32
	for step := 0; step < 100; step++ { // 100 x 100 ms = 10 s
		var wg sync.WaitGroup
		for i := 0; i < 64; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Token(ctx); err != nil {
					errs.Add(1)
				}
			}()
		}
		wg.Wait()
		clock.Advance(100 * time.Millisecond)
	}
	if got := f.calls.Load(); got > 5 || got < 2 {
		t.Fatalf("%d token requests in 10 s under 64 callers, want 2..5 (exponential backoff)", got)
	}
	if errs.Load() != 6400 {
		t.Fatalf("%d errors, want every call to fail", errs.Load())
	}
	_, err := c.Token(ctx)
	var be *BackoffError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), "next attempt in") {
		t.Fatalf("error while backing off: %v", err)
	}
	// Recovery: once the endpoint answers, the first call after the backoff window succeeds.
	f.setFail(nil)
	clock.Advance(backoffCap)
	if tok, err := c.Token(ctx); err != nil || tok == nil {
		t.Fatalf("no recovery: %v", err)
	}
	if s := c.Status(); !s.Cached || s.LastError != "" {
		t.Fatalf("status after recovery %+v", s)
	}
}

func TestCacheHonoursRetryAfterWithCap(t *testing.T) {
	for _, tc := range []struct {
		retryAfter, wantWait time.Duration
	}{
		{30 * time.Second, 30 * time.Second},
		{1000000 * time.Second, maxRetryAfter}, // a hostile value is capped
	} {
		clock := newFakeClock()
		f := &fakeFetcher{clock: clock, lifetime: time.Hour}
		f.setFail(&Error{Step: StepRequest, Status: 429, Msg: "slow down", RetryAfter: tc.retryAfter})
		c := NewCache(f, time.Second, clock.Now)
		ctx := context.Background()
		c.Token(ctx)
		f.setFail(nil)
		clock.Advance(tc.wantWait - time.Second)
		if _, err := c.Token(ctx); err == nil || f.calls.Load() != 1 {
			t.Fatalf("Retry-After %v: fetched again before %v", tc.retryAfter, tc.wantWait)
		}
		clock.Advance(2 * time.Second)
		if _, err := c.Token(ctx); err != nil || f.calls.Load() != 2 {
			t.Fatalf("Retry-After %v: no retry after %v: %v", tc.retryAfter, tc.wantWait, err)
		}
	}
}

func TestCacheServesValidTokenWhileRefreshFails(t *testing.T) {
	clock := newFakeClock()
	f := &fakeFetcher{clock: clock, lifetime: 10 * time.Minute}
	c := NewCache(f, time.Second, clock.Now)
	ctx := context.Background()
	c.Token(ctx)
	f.setFail(&Error{Step: StepRequest, Status: 503, Msg: "down"})
	clock.Advance(9*time.Minute + 30*time.Second) // inside the refresh margin, not expired
	if tok, err := c.Token(ctx); err != nil || tok.AccessToken != "tok-1" {
		t.Fatalf("want the still-valid token, got %v %v", tok, err)
	}
	clock.Advance(time.Minute) // now expired
	if _, err := c.Token(ctx); err == nil {
		t.Fatal("want an error once the token expired")
	}
}

// TestCacheCallerCancelDoesNotFailOthers: one impatient caller gives up; the shared fetch goes on.
func TestCacheCallerCancelDoesNotFailOthers(t *testing.T) {
	clock := newFakeClock()
	f := &fakeFetcher{clock: clock, lifetime: time.Hour, delay: 200 * time.Millisecond}
	c := NewCache(f, 5*time.Second, clock.Now)
	impatient, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := c.Token(context.Background()); done <- err }()
	if _, err := c.Token(impatient); err == nil {
		t.Fatal("impatient caller should give up")
	}
	if err := <-done; err != nil {
		t.Fatalf("patient caller failed: %v", err)
	}
	if f.calls.Load() != 1 {
		t.Fatalf("%d fetches", f.calls.Load())
	}
}

func TestCacheCloseCancelsFetch(t *testing.T) {
	clock := newFakeClock()
	f := &fakeFetcher{clock: clock, lifetime: time.Hour, delay: 10 * time.Second}
	c := NewCache(f, time.Minute, clock.Now)
	done := make(chan error, 1)
	go func() { _, err := c.Token(context.Background()); done <- err }()
	time.Sleep(20 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("want an error after Close")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not cancel the fetch")
	}
}

func TestStatusNeverShowsToken(t *testing.T) {
	clock := newFakeClock()
	f := &fakeFetcher{clock: clock, lifetime: time.Hour}
	c := NewCache(f, time.Second, clock.Now)
	tok, _ := c.Token(context.Background())
	s := fmt.Sprintf("%+v", c.Status())
	if strings.Contains(s, tok.AccessToken) || strings.Contains(s, tok.RefreshToken) {
		t.Fatalf("status shows a token: %s", s)
	}
	if !c.Status().Cached || c.Status().ExpiresIn != "1h0m0s" {
		t.Fatalf("status %+v", c.Status())
	}
}

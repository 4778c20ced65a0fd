package token

import (
	"context"
	"testing"
	"time"
)

// TestCacheReplacesARefusedTokenOncePerLifetime: a 401 drops a token once; the replacement is kept
// through any number of further 401s until its scheduled refresh (or until a retry confirms it),
// after which a 401 may again buy one replacement. So a path that answers 401 to good tokens costs
// at most 2 fetches per lifetime, and a token revoked twice is replaced twice.
func TestCacheReplacesARefusedTokenOncePerLifetime(t *testing.T) {
	clock := newFakeClock()
	f := &fakeFetcher{clock: clock, lifetime: time.Hour}
	c := NewCache(f, time.Second, clock.Now)
	ctx := context.Background()
	first, _ := c.Token(ctx)
	c.Invalidate(first)
	repl, _ := c.Token(ctx)
	if repl == first || f.calls.Load() != 2 {
		t.Fatalf("a 401 on the first token: %d fetches, same token %v; want a replacement", f.calls.Load(), repl == first)
	}
	for range 100 {
		c.Invalidate(repl)
		if tok, _ := c.Token(ctx); tok != repl {
			t.Fatalf("the replacement was dropped by a 401")
		}
	}
	if got := f.calls.Load(); got != 2 {
		t.Fatalf("%d fetches after 100 401s on the replacement, want 2", got)
	}
	// At the scheduled refresh the next token is an ordinary one again.
	clock.Advance(time.Hour)
	next, _ := c.Token(ctx)
	if next == repl || f.calls.Load() != 3 {
		t.Fatalf("no scheduled refresh: %d fetches", f.calls.Load())
	}
	c.Invalidate(next)
	if tok, _ := c.Token(ctx); tok == next || f.calls.Load() != 4 {
		t.Fatalf("a 401 on a scheduled token did not replace it: %d fetches", f.calls.Load())
	}
	// A replacement the retry confirmed (the API accepted it) is replaced after a later 401.
	repl2, _ := c.Token(ctx)
	c.Confirm(first) // not the current token: ignored
	c.Invalidate(repl2)
	if tok, _ := c.Token(ctx); tok != repl2 {
		t.Fatalf("an unconfirmed replacement was dropped")
	}
	c.Confirm(repl2)
	c.Invalidate(repl2)
	if tok, _ := c.Token(ctx); tok == repl2 || f.calls.Load() != 5 {
		t.Fatalf("a confirmed replacement was not replaced after a 401: %d fetches", f.calls.Load())
	}
	// A token from an authorization code exchange (Put) is an ordinary one too.
	put := *next
	put.AccessToken = "exchanged"
	c.Put(&put)
	c.Invalidate(&put)
	if tok, _ := c.Token(ctx); tok == &put || f.calls.Load() != 6 {
		t.Fatalf("a 401 on an exchanged token did not replace it: %d fetches", f.calls.Load())
	}
}

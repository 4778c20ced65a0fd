package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// memStore is an in-memory Store with a switch to fail every call or only writes.
type memStore struct {
	mu         sync.Mutex
	m          map[string]string
	down       atomic.Bool
	failWrites atomic.Bool
	skew       time.Duration // the store's clock minus ours
	epoch      int           // bumped when the data is lost
}

func newMemStore() *memStore { return &memStore{m: map[string]string{}} }

var errDown = errors.New("connection refused")

func (s *memStore) Get(_ context.Context, key string) (Snapshot, error) {
	if s.down.Load() {
		return Snapshot{}, errDown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return Snapshot{Value: v, Found: ok, Now: time.Now().Add(s.skew), Epoch: fmt.Sprint(s.epoch)}, nil
}

func (s *memStore) CompareAndSwap(_ context.Context, key, old, value string, _ time.Duration) (bool, error) {
	if s.down.Load() || s.failWrites.Load() {
		return false, errDown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.m[key]; (old == "" && ok) || (old != "" && cur != old) {
		return false, nil
	}
	s.m[key] = value
	return true, nil
}

func (s *memStore) wipe() {
	s.mu.Lock()
	s.m = map[string]string{}
	s.epoch++
	s.mu.Unlock()
}

type plainCodec struct{}

func (plainCodec) Seal(v any) (string, error)    { b, err := json.Marshal(v); return string(b), err }
func (plainCodec) Open(blob string, v any) error { return json.Unmarshal([]byte(blob), v) }

// rotatingProvider is a strict provider: each refresh token works once; a replay revokes the family.
type rotatingProvider struct {
	mu       sync.Mutex
	next     int
	valid    map[string]bool
	revoked  bool
	replays  int
	calls    int
	lifetime time.Duration
	delay    time.Duration
	onFetch  func() // run once, at the start of the next Fetch: after the refresher's claim, before its Publish
}

func newProvider(lifetime time.Duration) (*rotatingProvider, string) {
	p := &rotatingProvider{valid: map[string]bool{"rt-0": true}, lifetime: lifetime}
	return p, "rt-0"
}

func (p *rotatingProvider) Fetch(ctx context.Context, rt string) (*oauth2.Token, error) {
	p.mu.Lock()
	hook := p.onFetch
	p.onFetch = nil
	p.mu.Unlock()
	if hook != nil {
		hook()
	}
	if p.delay > 0 {
		select {
		case <-time.After(p.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	valid, known := p.valid[rt]
	if !valid || p.revoked {
		if known {
			p.replays++
			p.revoked = true
		}
		return nil, &Error{Step: StepRequest, Status: 400, Code: "invalid_grant", Msg: "invalid_grant"}
	}
	p.valid[rt] = false
	p.next++
	nrt := fmt.Sprintf("rt-%d", p.next)
	p.valid[nrt] = true
	return &oauth2.Token{AccessToken: fmt.Sprintf("at-%d", p.next), RefreshToken: nrt, Expiry: time.Now().Add(p.lifetime)}, nil
}

func (p *rotatingProvider) stats() (calls, replays int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls, p.replays
}

type replica struct {
	c  *Cache
	sh *Shared
}

// newReplica is one Grafana replica: its own cache and Shared on the common store. A short settle
// time keeps the tests fast; republishEvery and claimGuardEvery stay well inside it. needsRT: the
// grant cannot fetch without a refresh token (authorization code), as with RequireRefreshToken.
func newReplica(t *testing.T, p Fetcher, st Store, lockTTL time.Duration, now func() time.Time, needsRT bool) replica {
	t.Helper()
	sh := NewShared(p, st, plainCodec{}, "k", lockTTL, nil)
	sh.settle = 800 * time.Millisecond
	if needsRT {
		sh.RequireRefreshToken()
	}
	if now != nil {
		sh.now = now
	}
	c := NewCache(sh, 5*time.Second, now)
	t.Cleanup(func() { c.Close(); sh.Close() })
	return replica{c, sh}
}

// connected: replica a has just redeemed a code (its tokens published), b has adopted them.
func connected(t *testing.T, lifetime time.Duration, now func() time.Time) (*rotatingProvider, *memStore, replica, replica) {
	t.Helper()
	p, rt0 := newProvider(lifetime)
	st := newMemStore()
	a := newReplica(t, p, st, 2*time.Second, nil, true)
	b := newReplica(t, p, st, 2*time.Second, now, true)
	tok, err := p.Fetch(context.Background(), rt0)
	if err != nil {
		t.Fatal(err)
	}
	a.c.Put(tok)
	if got, err := b.c.Token(context.Background()); err != nil || got.AccessToken != tok.AccessToken {
		t.Fatalf("b did not adopt a's token: %v %v", got, err)
	}
	return p, st, a, b
}

func noReplay(t *testing.T, p *rotatingProvider) {
	t.Helper()
	if _, replays := p.stats(); replays != 0 {
		t.Fatalf("%d refresh tokens replayed: the provider revoked the grant", replays)
	}
}

// eventually retries fn (the cache asks again waitRetry after a wait) until it succeeds.
func eventually(t *testing.T, r replica, within time.Duration) *oauth2.Token {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		tok, err := r.c.Token(context.Background())
		if err == nil {
			return tok
		}
		if time.Now().After(deadline) {
			t.Fatalf("no token within %s: %v", within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Row "Redis down before a refresh": nobody refreshes a rotating refresh token; each replica serves
// its access token until it expires, then fails with the documented error; sharing resumes.
func TestSharedDownBeforeRefresh(t *testing.T) {
	p, st, a, b := connected(t, 600*time.Millisecond, nil)
	calls, _ := p.stats()
	st.down.Store(true)
	if _, err := a.c.Token(context.Background()); err != nil {
		t.Fatalf("valid token not served during the outage: %v", err)
	}
	time.Sleep(700 * time.Millisecond)
	for _, r := range []replica{a, b} {
		if _, err := r.c.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "shared token store (Redis) unavailable") {
			t.Fatalf("after expiry during the outage: %v", err)
		}
	}
	if now, _ := p.stats(); now != calls {
		t.Fatalf("%d refreshes while Redis was down", now-calls)
	}
	st.down.Store(false)
	ta, tb := eventually(t, a, 3*time.Second), eventually(t, b, 3*time.Second)
	if ta.AccessToken != tb.AccessToken {
		t.Fatal("replicas do not share after recovery")
	}
	noReplay(t, p)
}

// Rows "Redis down during a refresh" and "after the provider answered, before Publish", and
// "Publish failing": the refresher keeps its new token and republishes it as soon as it can; the
// claim it left in the entry stops everyone else from spending the old refresh token.
func TestSharedFailureAfterClaim(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(*memStore, bool)
	}{
		{"redis down", func(s *memStore, on bool) { s.down.Store(on) }},
		{"publish refused", func(s *memStore, on bool) { s.failWrites.Store(on) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, st, a, b := connected(t, 400*time.Millisecond, nil)
			time.Sleep(500 * time.Millisecond) // due
			p.mu.Lock()
			p.delay, p.lifetime = 300*time.Millisecond, time.Minute
			p.onFetch = func() { tc.fail(st, true) } // a sleep before the fault was sometimes too early or too late
			p.mu.Unlock()
			ta, err := a.c.Token(context.Background())
			if err != nil {
				t.Fatalf("refresher lost its new token: %v", err)
			}
			if _, err := b.c.Token(context.Background()); err == nil {
				t.Fatal("b got a token while it could not see the store")
			}
			tc.fail(st, false)
			tb := eventually(t, b, 3*time.Second)
			if tb.AccessToken != ta.AccessToken {
				t.Fatal("b did not adopt the republished token")
			}
			noReplay(t, p)
		})
	}
}

// Row "the lock expiring mid-refresh": the refresher renews its claim while the token request runs,
// so a slow endpoint never lets another replica spend the same refresh token.
func TestSharedClaimRenewedDuringSlowRefresh(t *testing.T) {
	p, rt0 := newProvider(time.Hour)
	st := newMemStore()
	// Claims live 1 s (tokenTimeout + 5 s in production); the guard renews every 250 ms.
	a := newReplica(t, p, st, time.Second, nil, true)
	b := newReplica(t, p, st, time.Second, nil, true)
	tok, _ := p.Fetch(context.Background(), rt0)
	tok.Expiry = time.Now().Add(-time.Second) // due at once
	a.c.Put(tok)
	p.mu.Lock()
	p.delay = 2500 * time.Millisecond // over two claim lifetimes
	p.mu.Unlock()
	time.Sleep(900 * time.Millisecond) // both settled
	var wg sync.WaitGroup
	var ta, tb *oauth2.Token
	wg.Add(2)
	go func() { defer wg.Done(); ta = eventually(t, a, 6*time.Second) }()
	go func() { defer wg.Done(); time.Sleep(100 * time.Millisecond); tb = eventually(t, b, 6*time.Second) }()
	wg.Wait()
	noReplay(t, p)
	if calls, _ := p.stats(); calls != 2 || ta.AccessToken != tb.AccessToken {
		t.Fatalf("%d provider calls, tokens %s / %s: want one refresh shared", calls, ta.AccessToken, tb.AccessToken)
	}
}

// Row "Redis restarted empty": mid-refresh, the refresher puts its claim back; idle, the replicas
// put back what they hold and wait the settle time before spending it.
func TestSharedRedisRestartedEmpty(t *testing.T) {
	t.Run("mid-refresh", func(t *testing.T) {
		p, st, a, b := connected(t, 400*time.Millisecond, nil)
		time.Sleep(500 * time.Millisecond)
		p.mu.Lock()
		p.delay = 600 * time.Millisecond
		p.mu.Unlock()
		go func() { time.Sleep(100 * time.Millisecond); st.wipe() }()
		var wg sync.WaitGroup
		var tb *oauth2.Token
		wg.Add(1)
		go func() { defer wg.Done(); time.Sleep(200 * time.Millisecond); tb = eventually(t, b, 4*time.Second) }()
		ta := eventually(t, a, 4*time.Second)
		wg.Wait()
		if calls, _ := p.stats(); calls != 2 || ta.AccessToken != tb.AccessToken {
			t.Fatalf("%d provider calls; a %s, b %s", calls, ta.AccessToken, tb.AccessToken)
		}
		noReplay(t, p)
	})
	t.Run("idle", func(t *testing.T) {
		p, st, a, b := connected(t, 400*time.Millisecond, nil)
		time.Sleep(500 * time.Millisecond)
		st.wipe()
		var wg sync.WaitGroup
		for _, r := range []replica{a, b} {
			wg.Add(1)
			go func() { defer wg.Done(); eventually(t, r, 4*time.Second) }()
		}
		wg.Wait()
		if calls, _ := p.stats(); calls != 2 {
			t.Fatalf("%d provider calls, want 2 (connect, one shared refresh)", calls)
		}
		noReplay(t, p)
	})
}

// Row "two replicas refreshing at once": one refresh for all.
func TestSharedThreeReplicasRefreshOnce(t *testing.T) {
	p, st, a, b := connected(t, 400*time.Millisecond, nil)
	c := newReplica(t, p, st, 2*time.Second, nil, true)
	time.Sleep(900 * time.Millisecond) // due, and settled
	var wg sync.WaitGroup
	for _, r := range []replica{a, b, c, a, b, c} {
		wg.Add(1)
		go func() { defer wg.Done(); eventually(t, r, 3*time.Second) }()
	}
	wg.Wait()
	if calls, _ := p.stats(); calls != 2 {
		t.Fatalf("%d provider calls, want 2 (connect, one refresh)", calls)
	}
	noReplay(t, p)
}

// Row "a replica's clock off by 30 s": expiries and claims are judged on the store's clock, so the
// skewed replica adopts the fresh token and never refreshes early.
func TestSharedClockSkew(t *testing.T) {
	for _, skew := range []time.Duration{30 * time.Second, -30 * time.Second} {
		ahead := func() time.Time { return time.Now().Add(skew) }
		p, _, a, b := connected(t, time.Minute, ahead)
		for range 3 {
			tb, err := b.c.Token(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			ta, _ := a.c.Token(context.Background())
			if tb.AccessToken != ta.AccessToken || tb.Expiry.Sub(ta.Expiry)-skew > time.Second || tb.Expiry.Sub(ta.Expiry)-skew < -time.Second {
				t.Fatalf("skew %s: b's token %v expires %v, a's %v", skew, tb.AccessToken, tb.Expiry, ta.Expiry)
			}
		}
		if calls, _ := p.stats(); calls != 1 {
			t.Fatalf("skew %s: %d provider calls, want 1", skew, calls)
		}
	}
}

type ccProvider struct{ n atomic.Int64 }

func (p *ccProvider) Fetch(ctx context.Context, rt string) (*oauth2.Token, error) {
	n := p.n.Add(1)
	return &oauth2.Token{AccessToken: fmt.Sprint("cc-", n), Expiry: time.Now().Add(time.Hour)}, nil
}

func TestSharedClientCredentialsThreeReplicasOneFetch(t *testing.T) {
	st := newMemStore()
	p := &ccProvider{}
	var wg sync.WaitGroup
	for range 3 {
		r := newReplica(t, p, st, 2*time.Second, nil, false)
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := r.c.Token(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	if n := p.n.Load(); n != 1 {
		t.Fatalf("%d fetches", n)
	}
}

// A refused refresh token is published as dead: the other replicas ask for a Connect instead of
// each sending it once more.
func TestSharedDeadGrantNotRetriedByOtherReplicas(t *testing.T) {
	p, _, a, b := connected(t, 300*time.Millisecond, nil)
	p.mu.Lock()
	for k := range p.valid {
		p.valid[k] = false
	}
	p.revoked = true
	p.mu.Unlock()
	time.Sleep(400 * time.Millisecond)
	callsBefore, _ := p.stats()
	if _, err := a.c.Token(context.Background()); !IsInvalidGrant(err) {
		t.Fatalf("a: %v", err)
	}
	_, err := b.c.Token(context.Background())
	if err == nil || !IsReauthRequired(err) || !strings.Contains(err.Error(), "click Connect") {
		t.Fatalf("b: %v", err)
	}
	if calls, _ := p.stats(); calls != callsBefore+1 {
		t.Fatalf("%d refresh attempts with the dead refresh token, want 1", calls-callsBefore)
	}
}

// A settings save rebuilds the instance: a token its predecessor could not publish yet is handed
// over and published before anyone refreshes from the store.
func TestSharedUnpublishedTokenSurvivesInstanceRebuild(t *testing.T) {
	p, st, a, b := connected(t, 300*time.Millisecond, nil)
	time.Sleep(400 * time.Millisecond)
	p.mu.Lock()
	p.delay, p.lifetime = 200*time.Millisecond, time.Minute
	p.onFetch = func() { st.failWrites.Store(true) }
	p.mu.Unlock()
	ta, err := a.c.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a.c.Close()
	a.sh.Close() // the old instance goes away before Redis takes writes again
	st.failWrites.Store(false)
	a2 := newReplica(t, p, st, 2*time.Second, nil, true)
	a2.c.SetRefreshToken("rt-0") // what the settings still hold: older than anything
	t2 := eventually(t, a2, 3*time.Second)
	tb := eventually(t, b, 3*time.Second)
	noReplay(t, p)
	if t2.AccessToken != ta.AccessToken || tb.AccessToken != ta.AccessToken {
		t.Fatalf("tokens %s / %s / %s: the unpublished one was not handed over", ta.AccessToken, t2.AccessToken, tb.AccessToken)
	}
}

package token

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Store is a store shared by all Grafana replicas (Redis in production). Keys are opaque to it.
type Store interface {
	// Get returns the value under key with the store's clock and epoch.
	Get(ctx context.Context, key string) (Snapshot, error)
	// CompareAndSwap replaces old by value atomically (old "" means: only if key is absent) and
	// reports whether it did. ttl 0 keeps value until it is replaced.
	CompareAndSwap(ctx context.Context, key, old, value string, ttl time.Duration) (bool, error)
}

// Snapshot is one read of the store.
type Snapshot struct {
	Value string
	Found bool
	// Now is the store's clock, so that replicas whose clocks disagree agree on expiries and claims.
	Now time.Time
	// Epoch changes when the store loses its data (Redis restarted empty), which a replica must
	// treat like a failure it did not see.
	Epoch string
}

// Codec seals values at rest (seal.Sealer).
type Codec interface {
	Seal(v any) (string, error)
	Open(blob string, v any) error
}

// sharedEntry is what replicas share, sealed: the newest token, its generation, and the claim of
// the replica refreshing it. Times are on the store's clock.
type sharedEntry struct {
	AccessToken  string    `json:"at,omitempty"`
	TokenType    string    `json:"tt,omitempty"`
	RefreshToken string    `json:"rt,omitempty"`
	Expiry       time.Time `json:"exp,omitzero"`
	Obtained     time.Time `json:"obt,omitzero"`
	// Gen counts refreshes along the grant: the token obtained with the refresh token of
	// generation g has generation g+1. A value is only ever replaced by a higher generation, or
	// by the same generation with a claim added or removed.
	Gen   uint64 `json:"g"`
	Claim *claim `json:"c,omitempty"`
	// Born is the store's epoch when this generation was claimed. An entry from an older epoch
	// was put back after Redis lost its data: another replica may hold a newer one.
	Born string `json:"b,omitempty"`
}

// claim says that Owner is spending this generation's refresh token. It is part of the entry (not a
// separate lock key with its own expiry) so that it survives a Redis pause; Until bounds how long
// it is honoured if its owner never comes back.
type claim struct {
	Owner string    `json:"o"`
	Until time.Time `json:"u"`
}

const (
	// sharedPoll is how often a replica waiting for another one's refresh looks for the result.
	sharedPoll = 50 * time.Millisecond
	// settleTime is how long a replica must have seen the store answer without a failure before
	// it spends a refresh token another replica may also hold (an expired claim, or an empty
	// store after Redis lost its data). A live replica holding a newer, unpublished token
	// republishes it within republishEvery plus one Redis timeout of the store answering again,
	// and re-claims an in-flight refresh within claimGuardEvery: both well inside settleTime.
	settleTime      = 3 * time.Second
	republishEvery  = 200 * time.Millisecond
	claimGuardEvery = 250 * time.Millisecond
	// storeOpTimeout bounds a write made after the token endpoint answered (not on the fetch's
	// context, which a slow endpoint may have used up).
	storeOpTimeout = 2 * time.Second
	// waitRetry is when the cache asks again after a wait caused by the store, not by the endpoint.
	waitRetry = 500 * time.Millisecond
)

// Shared wraps a Fetcher so that replicas share tokens: a replica first adopts a fresh token from
// the store; otherwise exactly one replica claims the entry, refreshes and publishes, and the
// others wait for its result. See docs/ha.md for what happens when Redis fails.
type Shared struct {
	inner   Fetcher
	store   Store
	codec   Codec
	key     string
	lockTTL time.Duration
	now     func() time.Time
	logf    func(msg string, args ...any)
	id      string        // this replica's claims
	settle  time.Duration // settleTime (shorter in tests)

	ctx    context.Context // cancelled by Close: stops the republish loop
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu           sync.Mutex
	rejected     string // access token the API refused: never adopt it again
	storeErr     error
	healthySince time.Time     // start of the current run of answers without a failure or a long gap
	lastOK       time.Time     // last answer of the store
	offset       time.Duration // store clock minus local clock, from the last answer
	epoch        string        // the store's epoch at the last answer
	cur          localState
	rotates      bool // the provider rotates refresh tokens (assumed until a refresh shows otherwise)
	needsRT      bool // the grant cannot fetch without a refresh token (authorization code)
	republishing bool
}

// localState is the newest token this replica knows of, with local-clock expiry.
type localState struct {
	tok   *oauth2.Token
	gen   uint64
	born  string // epoch of the claim that produced it (sharedEntry.Born)
	dirty bool   // newer than what the store holds: publish before anyone refreshes from the store
}

// NewShared builds the decorator. key identifies the datasource and its token configuration; lockTTL
// bounds how long a claim is honoured (longer than the token request timeout).
func NewShared(inner Fetcher, store Store, codec Codec, key string, lockTTL time.Duration, logf func(string, ...any)) *Shared {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Shared{inner: inner, store: store, codec: codec, key: key, lockTTL: lockTTL, now: time.Now, logf: logf,
		id: randomID(), settle: settleTime, ctx: ctx, cancel: cancel, rotates: true}
	if v, ok := handoff.LoadAndDelete(key); ok {
		s.cur = v.(localState)
	}
	return s
}

// RequireRefreshToken says the grant cannot obtain a token without a refresh token (authorization
// code): a replica holding none waits for one in the store instead of asking the endpoint.
func (s *Shared) RequireRefreshToken() { s.needsRT = true }

// Close stops the background republishing and waits for it. A token not yet published is handed
// to the next instance for the same key in this process (a settings save rebuilds the instance),
// which publishes it before refreshing.
func (s *Shared) Close() {
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
	s.mu.Lock()
	if s.cur.dirty {
		handoff.Store(s.key, s.cur)
	}
	s.mu.Unlock()
}

// handoff holds unpublished tokens of closed instances, by key, for their successors.
var handoff sync.Map

// Err is the last store failure, or nil while the store works.
func (s *Shared) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storeErr
}

// waitError is a failure caused by waiting for the store or another replica, not by the token
// endpoint: the cache asks again after waitRetry instead of backing off (isWait in cache.go).
type waitError struct{ err *Error }

func (e *waitError) Error() string { return e.err.Error() }
func (e *waitError) Unwrap() error { return e.err }

func waitErr(msg string) error { return &waitError{&Error{Step: StepRequest, Msg: msg}} }

// errNoRefreshToken: with the authorization code grant, a replica that holds no refresh token
// waits for one in the store (another replica publishes it at its next refresh) or a Connect.
func errNoRefreshToken() error {
	return &waitError{&Error{Step: StepRequest, Code: ReauthCode, Msg: "re-authorization required: click Connect in " +
		"the datasource settings (no refresh token in the shared store or on this replica; a replica holding one " +
		"publishes it at its next refresh)"}}
}

// Fetch implements Fetcher.
func (s *Shared) Fetch(ctx context.Context, rt string) (*oauth2.Token, error) {
	s.seed(rt)
	for {
		if ctx.Err() != nil {
			return nil, waitErr("gave up waiting for the shared token store")
		}
		raw, e, found, storeNow, err := s.read(ctx)
		if err != nil {
			return s.offline(ctx)
		}
		if found {
			s.learn(e)
			if s.fresh(e, storeNow) {
				return s.local(e), nil
			}
		} else {
			s.lost() // Redis lost the entry: put back what we know (publishing spends nothing)
		}
		if s.isDirty() {
			// Ours is newer than the store's: publish it before anyone refreshes from the store.
			if !s.publishDirty(ctx) {
				s.kickRepublish()
				return s.offline(ctx)
			}
			continue
		}
		foreign := found && e.Claim != nil && e.Claim.Owner != s.id
		if foreign && storeNow.Before(e.Claim.Until) {
			// Another replica is refreshing: wait for its token rather than asking the endpoint too.
			if err := s.pause(ctx, "another Grafana replica to obtain the token"); err != nil {
				return nil, err
			}
			continue
		}
		gen, useRT := s.newest(e, found)
		if useRT == "" && s.needsRT {
			return nil, errNoRefreshToken()
		}
		// Every spend is claimed in the entry itself, so an unclaimed entry of the current epoch has
		// not been spent. Otherwise (an expired claim, an empty store, an entry put back after Redis
		// lost its data) another replica may hold a newer token it could not publish yet; it
		// republishes, or re-claims its refresh in flight, within settleTime of the store answering
		// again, so wait that long first.
		if useRT != "" && (foreign || !found || e.Born != s.currentEpoch()) && !s.settled() {
			if t := s.validToken(); t != nil {
				return t, nil // still valid: the cache serves it and asks again soon
			}
			if err := s.pause(ctx, "the shared token store to settle after a failure"); err != nil {
				return nil, err
			}
			continue
		}
		claimed := sharedEntry{Gen: gen, RefreshToken: useRT}
		if found {
			claimed = e
			claimed.Gen, claimed.RefreshToken = gen, useRT
		}
		claimed.Claim = &claim{Owner: s.id, Until: storeNow.Add(s.lockTTL)}
		claimed.Born = s.currentEpoch()
		blob, err := s.codec.Seal(claimed)
		if err != nil {
			return nil, &Error{Step: StepRequest, Msg: "sealing the shared token entry failed"}
		}
		ok, err := s.store.CompareAndSwap(ctx, s.key, raw, blob, s.ttl(claimed, storeNow))
		if err != nil {
			s.failed(err)
			return s.offline(ctx)
		}
		if !ok {
			continue // someone else changed the entry first: look again
		}
		return s.refresh(ctx, claimed, useRT)
	}
}

// refresh spends useRT under our claim, then publishes the result.
func (s *Shared) refresh(ctx context.Context, claimed sharedEntry, useRT string) (*oauth2.Token, error) {
	stop := s.guardClaim(claimed)
	tok, err := s.inner.Fetch(ctx, useRT)
	stop()
	switch {
	case err == nil:
		s.own(tok, claimed.Gen+1, useRT, claimed.Born)
		if !s.publishNow() {
			s.kickRepublish()
		}
		return tok, nil
	case IsInvalidGrant(err) || IsReauthRequired(err):
		// The grant is dead (revoked, expired): publish that, so the other replicas ask for a
		// Connect instead of each sending the dead refresh token once more.
		s.mu.Lock()
		s.cur = localState{tok: &oauth2.Token{}, gen: claimed.Gen + 1, born: claimed.Born, dirty: true}
		s.mu.Unlock()
		if !s.publishNow() {
			s.kickRepublish()
		}
		return nil, err
	default:
		s.release(claimed)
		return nil, err
	}
}

// publishNow is publishDirty bounded by storeOpTimeout on the instance's context (not the
// caller's, which a slow token endpoint may have used up).
func (s *Shared) publishNow() bool {
	ctx, cancel := context.WithTimeout(s.ctx, storeOpTimeout)
	defer cancel()
	return s.publishDirty(ctx)
}

// offline handles a store failure. Without a refresh token (client credentials) or with one the
// provider does not rotate, fetching locally cannot hurt anyone. With rotating refresh tokens it
// can: this replica cannot know whether another one has spent the refresh token it holds, and a
// replayed one makes strict providers revoke the grant. So it does not refresh; the cache keeps
// serving the access token it has until that expires.
func (s *Shared) offline(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	var rt string
	if s.cur.tok != nil {
		rt = s.cur.tok.RefreshToken
	}
	rotates := s.rotates
	s.mu.Unlock()
	if rt == "" && s.needsRT {
		return nil, waitErr("shared token store (Redis) unavailable and this replica holds no refresh token yet; " +
			"queries resume when Redis answers")
	}
	if rt != "" && rotates {
		return nil, waitErr("shared token store (Redis) unavailable: with rotating refresh tokens this replica does not " +
			"refresh on its own (another replica may hold a newer refresh token, and reusing an old one revokes the grant); " +
			"queries resume when Redis answers")
	}
	tok, err := s.inner.Fetch(ctx, rt)
	if err != nil {
		return nil, err
	}
	if rt != "" && tok.RefreshToken != rt {
		// It started rotating: publish the new one when the store is back.
		s.mu.Lock()
		s.rotates = true
		s.cur = localState{tok: tok, gen: s.cur.gen + 1, dirty: true}
		s.mu.Unlock()
		s.kickRepublish()
	}
	return tok, nil
}

// Publish writes tok, from an authorization code exchange, for the other replicas. It starts a new
// generation above every one this replica has seen.
func (s *Shared) Publish(ctx context.Context, tok *oauth2.Token) {
	_, e, found, _, _ := s.read(ctx)
	s.mu.Lock()
	// A new grant starts above every generation of the old one, even one this replica has not
	// seen (the store may be down now): the clock in the high bits, 2^20 refreshes a second.
	gen := max(s.cur.gen+1, uint64(s.now().Unix())<<20)
	if found {
		gen = max(gen, e.Gen+1)
	}
	s.cur = localState{tok: tok, gen: gen, born: s.epoch, dirty: true}
	s.rotates = true
	s.mu.Unlock()
	if !s.publishDirty(ctx) {
		s.kickRepublish()
	}
}

// Reject remembers a token the API refused, so it is not adopted from the store again.
func (s *Shared) Reject(tok *oauth2.Token) {
	s.mu.Lock()
	s.rejected = tok.AccessToken
	s.mu.Unlock()
}

// lost marks our refresh token for republishing when the store holds no entry.
func (s *Shared) lost() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur.tok != nil && s.cur.tok.RefreshToken != "" {
		s.cur.dirty = true
	}
}

// validToken is the newest token this replica knows if its access token is still valid.
func (s *Shared) validToken() *oauth2.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.cur.tok; t != nil && t.AccessToken != "" && t.AccessToken != s.rejected && s.now().Before(t.Expiry) {
		return t
	}
	return nil
}

func (s *Shared) currentEpoch() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.epoch
}

func (s *Shared) isDirty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur.dirty
}

// seed takes the cache's refresh token (restored from the state file or the settings) when this
// replica knows nothing newer yet. Its generation is unknown: 0, the lowest.
func (s *Shared) seed(rt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur.gen == 0 && !s.cur.dirty && rt != "" && (s.cur.tok == nil || s.cur.tok.RefreshToken == "") {
		s.cur.tok = &oauth2.Token{RefreshToken: rt}
	}
}

// learn adopts a stored entry of a higher generation as the newest we know. A lower one never
// replaces ours: ours is then published instead.
func (s *Shared) learn(e sharedEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case e.Gen > s.cur.gen || (e.Gen == s.cur.gen && !s.cur.dirty && e.RefreshToken != ""):
		s.cur = localState{tok: s.localLocked(e), gen: e.Gen, born: e.Born}
	case e.Gen < s.cur.gen && s.cur.tok != nil && s.cur.tok.RefreshToken != "":
		s.cur.dirty = true // the store lost our generation (Redis restarted empty, or a failed Publish)
	}
}

// newest is the generation and refresh token to spend: ours if newer than the store's.
func (s *Shared) newest(e sharedEntry, found bool) (uint64, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if found && e.Gen >= s.cur.gen {
		return e.Gen, e.RefreshToken
	}
	if s.cur.tok == nil {
		return s.cur.gen, ""
	}
	return s.cur.gen, s.cur.tok.RefreshToken
}

// own makes tok, obtained with useRT, our newest token, not yet published.
func (s *Shared) own(tok *oauth2.Token, gen uint64, useRT, born string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if useRT != "" {
		s.rotates = tok.RefreshToken != useRT
	}
	if gen > s.cur.gen || s.cur.tok == nil {
		s.cur = localState{tok: tok, gen: gen, born: born, dirty: true}
	}
}

// publishDirty writes our newer token to the store (compare-and-swap on what it holds, never over
// a higher generation) and reports whether the store now holds our generation or a newer one.
func (s *Shared) publishDirty(ctx context.Context) bool {
	for range 4 {
		s.mu.Lock()
		cur := s.cur
		s.mu.Unlock()
		if !cur.dirty {
			return true
		}
		raw, e, found, storeNow, err := s.read(ctx)
		if err != nil {
			return false
		}
		if found && e.Gen >= cur.gen {
			s.markPublished(cur.gen) // someone has this generation or a newer one already
			s.learn(e)
			return true
		}
		next := s.entry(cur, storeNow)
		blob, err := s.codec.Seal(next)
		if err != nil {
			return false
		}
		ok, err := s.store.CompareAndSwap(ctx, s.key, raw, blob, s.ttl(next, storeNow))
		if err != nil {
			s.failed(err)
			return false
		}
		if ok {
			s.markPublished(cur.gen)
			return true
		}
	}
	return false
}

// markPublished: the store holds generation gen (or a newer one); our state is no longer newer
// than the store's unless it moved on to another generation meanwhile.
func (s *Shared) markPublished(gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur.gen == gen {
		s.cur.dirty = false
	}
}

// kickRepublish starts the loop that publishes our newer token as soon as the store answers.
func (s *Shared) kickRepublish() {
	s.mu.Lock()
	if s.republishing || s.ctx.Err() != nil {
		s.mu.Unlock()
		return
	}
	s.republishing = true
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(republishEvery)
		defer t.Stop()
		for {
			if s.publishNow() || s.ctx.Err() != nil {
				s.mu.Lock()
				s.republishing = false
				s.mu.Unlock()
				return
			}
			select {
			case <-s.ctx.Done():
			case <-t.C:
			}
		}
	}()
}

// guardClaim keeps our claim in the store while the token request runs: it renews the claim
// before it runs out (so nobody takes over a slow refresh), and puts it back if Redis restarted
// empty meanwhile, so no replica spends the same refresh token before we publish.
func (s *Shared) guardClaim(claimed sharedEntry) (stop func()) {
	if claimed.RefreshToken == "" {
		return func() {}
	}
	ctx, cancel := context.WithCancel(s.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(claimGuardEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rctx, rcancel := context.WithTimeout(ctx, storeOpTimeout)
			raw, e, found, storeNow, err := s.read(rctx)
			ours := found && e.Gen == claimed.Gen && e.Claim != nil && e.Claim.Owner == s.id
			if err == nil && (ours && storeNow.Add(s.lockTTL/2).After(e.Claim.Until) ||
				!found || e.Gen < claimed.Gen || (e.Gen == claimed.Gen && e.Claim == nil)) {
				next := claimed
				next.Claim = &claim{Owner: s.id, Until: storeNow.Add(s.lockTTL)}
				if b, err := s.codec.Seal(next); err == nil {
					_, _ = s.store.CompareAndSwap(rctx, s.key, raw, b, 0)
				}
			}
			rcancel()
		}
	}()
	return func() { cancel(); <-done }
}

// release removes our claim after a failed refresh, if the entry is still the one we claimed.
func (s *Shared) release(claimed sharedEntry) {
	ctx, cancel := context.WithTimeout(s.ctx, storeOpTimeout)
	defer cancel()
	raw, e, found, storeNow, err := s.read(ctx)
	if err != nil || !found || e.Gen != claimed.Gen || e.Claim == nil || e.Claim.Owner != s.id {
		return // a claim we cannot remove runs out by itself (Until)
	}
	e.Claim = nil
	if blob, err := s.codec.Seal(e); err == nil {
		_, _ = s.store.CompareAndSwap(ctx, s.key, raw, blob, s.ttl(e, storeNow))
	}
}

// pause waits one poll interval, or fails when ctx ends.
func (s *Shared) pause(ctx context.Context, what string) error {
	select {
	case <-ctx.Done():
		return waitErr("waited too long for " + what)
	case <-time.After(sharedPoll):
		return nil
	}
}

// settled: the store has answered without a failure (or a gap longer than settleTime, during which
// it may have failed unseen) for at least settleTime.
func (s *Shared) settled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.healthySince.IsZero() && s.now().Sub(s.healthySince) >= s.settle
}

func (s *Shared) read(ctx context.Context) (raw string, e sharedEntry, found bool, storeNow time.Time, err error) {
	snap, err := s.store.Get(ctx, s.key)
	if err != nil {
		s.failed(err)
		return "", e, false, storeNow, err
	}
	s.ok(snap)
	raw, found, storeNow = snap.Value, snap.Found, snap.Now
	if !found {
		return "", e, false, storeNow, nil
	}
	if err := s.codec.Open(raw, &e); err != nil {
		// Sealed under another secret (settings changed) or not ours: replaceable like an empty slot.
		return raw, sharedEntry{}, false, storeNow, nil
	}
	return raw, e, true, storeNow, nil
}

// entry is our local state as stored: times moved to the store's clock.
func (s *Shared) entry(cur localState, storeNow time.Time) sharedEntry {
	s.mu.Lock()
	off := s.offset
	s.mu.Unlock()
	e := sharedEntry{Gen: cur.gen, Obtained: storeNow, Born: cur.born}
	if t := cur.tok; t != nil {
		e.AccessToken, e.TokenType, e.RefreshToken = t.AccessToken, t.TokenType, t.RefreshToken
		if !t.Expiry.IsZero() {
			e.Expiry = t.Expiry.Add(off)
		}
	}
	return e
}

// ttl: an entry with a refresh token must outlive its access token; one without lives as long as
// its access token (or its claim).
func (s *Shared) ttl(e sharedEntry, storeNow time.Time) time.Duration {
	if e.RefreshToken != "" {
		return 0
	}
	until := e.Expiry
	if e.Claim != nil && e.Claim.Until.After(until) {
		until = e.Claim.Until
	}
	if d := until.Sub(storeNow); d > 0 {
		return d
	}
	return s.lockTTL
}

func (s *Shared) fresh(e sharedEntry, storeNow time.Time) bool {
	s.mu.Lock()
	rejected := s.rejected
	s.mu.Unlock()
	return e.AccessToken != "" && e.AccessToken != rejected && !e.Expiry.IsZero() && storeNow.Before(refreshAt(e.Obtained, e.Expiry))
}

// local is e's token with its expiry moved to our clock.
func (s *Shared) local(e sharedEntry) *oauth2.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.localLocked(e)
}

func (s *Shared) localLocked(e sharedEntry) *oauth2.Token {
	t := &oauth2.Token{AccessToken: e.AccessToken, TokenType: e.TokenType, RefreshToken: e.RefreshToken}
	if !e.Expiry.IsZero() {
		t.Expiry = e.Expiry.Add(-s.offset)
	}
	return t
}

func (s *Shared) failed(err error) {
	s.mu.Lock()
	first := s.storeErr == nil
	s.storeErr = fmt.Errorf("shared token store unavailable: %w", err)
	s.healthySince = time.Time{}
	s.mu.Unlock()
	if first && s.logf != nil {
		s.logf("shared token store unavailable; see docs/ha.md for what each replica does until it answers", "error", err.Error())
	}
}

func (s *Shared) ok(snap Snapshot) {
	now := s.now()
	s.mu.Lock()
	was := s.storeErr
	s.storeErr = nil
	if s.healthySince.IsZero() || now.Sub(s.lastOK) > s.settle || snap.Epoch != s.epoch {
		s.healthySince = now
	}
	s.epoch = snap.Epoch
	s.lastOK = now
	if !snap.Now.IsZero() {
		s.offset = snap.Now.Sub(now)
	}
	s.mu.Unlock()
	if was != nil && s.logf != nil {
		s.logf("shared token store answers again; tokens are shared")
	}
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var (
	_ Fetcher   = (*Shared)(nil)
	_ Rejecter  = (*Shared)(nil)
	_ Publisher = (*Shared)(nil)
)

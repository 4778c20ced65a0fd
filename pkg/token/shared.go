package token

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Store is a store shared by all Grafana replicas (Redis in production). Keys are opaque to it.
type Store interface {
	Get(ctx context.Context, key string) (value string, found bool, err error)
	// Set stores value; ttl 0 keeps it until overwritten.
	Set(ctx context.Context, key, value string, ttl time.Duration) error
	// TryLock takes key for ttl if nobody holds it; unlock releases it only if it is still ours.
	TryLock(ctx context.Context, key string, ttl time.Duration) (unlock func(), ok bool, err error)
}

// Codec seals values at rest (vault.Sealer).
type Codec interface {
	Seal(v any) (string, error)
	Open(blob string, v any) error
}

// sharedEntry is what replicas share: the current token, sealed.
type sharedEntry struct {
	AccessToken  string    `json:"at"`
	TokenType    string    `json:"tt,omitempty"`
	RefreshToken string    `json:"rt,omitempty"`
	Expiry       time.Time `json:"exp"`
	Obtained     time.Time `json:"obt"`
}

// sharedPoll is how often a replica waiting for another one's fetch looks for the result.
const sharedPoll = 50 * time.Millisecond

// Shared wraps a Fetcher so that replicas share tokens: a replica first adopts a fresh token from
// the store; otherwise exactly one replica (holding a lock with expiry) fetches and publishes, and
// the others wait for its result. The newest refresh token lives in the store, so rotating refresh
// tokens are never used twice. When the store fails, it fetches locally (as without a store),
// reports it through Err and logs once, and returns to sharing as soon as the store answers.
type Shared struct {
	inner   Fetcher
	store   Store
	codec   Codec
	key     string
	lockTTL time.Duration
	now     func() time.Time
	logf    func(msg string, args ...any)

	mu       sync.Mutex
	rejected string // access token the API refused: never adopt it again
	storeErr error
}

// NewShared builds the decorator. key identifies the datasource and its token configuration.
func NewShared(inner Fetcher, store Store, codec Codec, key string, lockTTL time.Duration, logf func(string, ...any)) *Shared {
	return &Shared{inner: inner, store: store, codec: codec, key: key, lockTTL: lockTTL, now: time.Now, logf: logf}
}

// Err is the last store failure, or nil while the store works.
func (s *Shared) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storeErr
}

// Fetch implements Fetcher.
func (s *Shared) Fetch(ctx context.Context, rt string) (*oauth2.Token, error) {
	tok, ok, err := s.adopt(ctx)
	if err != nil {
		return s.inner.Fetch(ctx, rt)
	}
	if ok {
		return tok, nil
	}
	unlock, got, err := s.store.TryLock(ctx, s.key+":lock", s.lockTTL)
	for err == nil && !got {
		// Another replica is fetching: wait for its token rather than asking the endpoint too.
		select {
		case <-ctx.Done():
			return nil, &Error{Step: StepRequest, Msg: "waited too long for another Grafana replica to obtain the token"}
		case <-time.After(sharedPoll):
		}
		if tok, ok, aerr := s.adopt(ctx); aerr == nil && ok {
			return tok, nil
		}
		unlock, got, err = s.store.TryLock(ctx, s.key+":lock", s.lockTTL)
	}
	if err != nil {
		s.failed(err)
		return s.inner.Fetch(ctx, rt)
	}
	s.ok()
	defer unlock()
	// Under the lock: another replica may have published just before we took it.
	e, found, err := s.read(ctx)
	if err == nil && found {
		if s.fresh(e) {
			return e.token(), nil
		}
		if e.RefreshToken != "" {
			rt = e.RefreshToken // the newest one: ours may have been rotated away by another replica
		}
	}
	tok, err = s.inner.Fetch(ctx, rt)
	if err != nil {
		return nil, err
	}
	s.Publish(ctx, tok)
	return tok, nil
}

// Publish writes tok for the other replicas (used after an authorization code exchange too).
func (s *Shared) Publish(ctx context.Context, tok *oauth2.Token) {
	blob, err := s.codec.Seal(sharedEntry{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry, Obtained: s.now()})
	if err != nil {
		s.failed(err)
		return
	}
	ttl := time.Until(tok.Expiry)
	if tok.RefreshToken != "" || ttl <= 0 {
		ttl = 0 // a refresh token must outlive its access token
	}
	if err := s.store.Set(ctx, s.key, blob, ttl); err != nil {
		s.failed(err)
		return
	}
	s.ok()
}

// Reject remembers a token the API refused, so it is not adopted from the store again.
func (s *Shared) Reject(tok *oauth2.Token) {
	s.mu.Lock()
	s.rejected = tok.AccessToken
	s.mu.Unlock()
}

func (s *Shared) adopt(ctx context.Context) (*oauth2.Token, bool, error) {
	e, found, err := s.read(ctx)
	if err != nil || !found || !s.fresh(e) {
		return nil, false, err
	}
	return e.token(), true, nil
}

func (s *Shared) read(ctx context.Context) (sharedEntry, bool, error) {
	var e sharedEntry
	blob, found, err := s.store.Get(ctx, s.key)
	if err != nil {
		s.failed(err)
		return e, false, err
	}
	s.ok()
	if !found {
		return e, false, nil
	}
	if err := s.codec.Open(blob, &e); err != nil {
		return e, false, nil // sealed under another secret (settings changed): ignore it
	}
	return e, true, nil
}

func (s *Shared) fresh(e sharedEntry) bool {
	s.mu.Lock()
	rejected := s.rejected
	s.mu.Unlock()
	return e.AccessToken != "" && e.AccessToken != rejected && s.now().Before(refreshAt(e.Obtained, e.Expiry))
}

func (e sharedEntry) token() *oauth2.Token {
	return &oauth2.Token{AccessToken: e.AccessToken, TokenType: e.TokenType, RefreshToken: e.RefreshToken, Expiry: e.Expiry}
}

func (s *Shared) failed(err error) {
	s.mu.Lock()
	first := s.storeErr == nil
	s.storeErr = fmt.Errorf("shared token store unavailable: %w", err)
	s.mu.Unlock()
	if first && s.logf != nil {
		s.logf("shared token store unavailable; using the local cache until it answers again", "error", err.Error())
	}
}

func (s *Shared) ok() {
	s.mu.Lock()
	was := s.storeErr
	s.storeErr = nil
	s.mu.Unlock()
	if was != nil && s.logf != nil {
		s.logf("shared token store answers again; tokens are shared")
	}
}

var _ Fetcher = (*Shared)(nil)

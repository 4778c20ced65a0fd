package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

func (s *memStore) SetNX(_ context.Context, key, value string, _ time.Duration) (bool, error) {
	if s.down.Load() || s.failWrites.Load() {
		return false, errDown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; ok {
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
}

func newProvider(lifetime time.Duration) (*rotatingProvider, string) {
	p := &rotatingProvider{valid: map[string]bool{"rt-0": true}, lifetime: lifetime}
	return p, "rt-0"
}

func (p *rotatingProvider) Fetch(ctx context.Context, rt string) (*oauth2.Token, error) {
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

func newReplica(t *testing.T, p Fetcher, st Store, rt string) (*Cache, *Shared) {
	t.Helper()
	sh := NewShared(p, st, plainCodec{}, "k", 2*time.Second, nil)
	c := NewCache(sh, 5*time.Second, nil)
	c.SetRefreshToken(rt)
	t.Cleanup(func() { c.Close(); sh.Close() })
	return c, sh
}

func TestSharedOneReplicaRedisDownKeepsRotating(t *testing.T) {
	st := newMemStore()
	p, rt := newProvider(time.Hour)
	c, sh := newReplica(t, p, st, rt)
	if _, err := c.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = sh
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
		c, _ := newReplica(t, p, st, "")
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Token(context.Background()); err != nil {
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

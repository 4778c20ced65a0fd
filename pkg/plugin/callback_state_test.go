package plugin

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/redis/go-redis/v9"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/redistest"
)

// A used callback stays used after a plugin restart: the replay reaches neither the provider nor
// the token cache.
func TestCallbackReplayRefusedAfterRestart(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("OAUTH2REST_STATE_DIR", dir)
	f := newFixture(t)
	s := f.authCodeSettings(nil)
	d := newDS(t, s)
	q := consent(t, d)
	if r := callback(t, d, q); r.status != 200 {
		t.Fatalf("first callback: %d %s", r.status, r.body)
	}
	tokenRequests := f.mock.TokenRequests()
	d.Dispose()
	restarted := newDS(t, s) // a new process reads the same state directory
	r := callback(t, restarted, q)
	if r.status != 400 || !strings.Contains(r.body, "already used (state replay)") {
		t.Fatalf("replay after restart: %d %s", r.status, r.body)
	}
	if got := f.mock.TokenRequests(); got != tokenRequests {
		t.Fatalf("the replayed code reached the provider (%d token requests, want %d)", got, tokenRequests)
	}
	// The file is sealed: neither the state nor its nonce appear in it.
	b, err := os.ReadFile(filepath.Join(dir, "ds1.used-states"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), q.Get("state")) || strings.Contains(string(b), q.Get("code")) || strings.Contains(string(b), `"n"`) {
		t.Fatalf("used-states file is not sealed: %s", b)
	}
	// A new authorization still works.
	if r := callback(t, restarted, consent(t, restarted)); r.status != 200 {
		t.Fatalf("fresh callback after restart: %d %s", r.status, r.body)
	}
}

// With the shared store on, a callback redeemed on one replica is refused on another, even though
// each replica has its own state directory.
func TestCallbackReplayRefusedOnAnotherReplica(t *testing.T) {
	rs := redistest.Start(t)
	f := newFixture(t)
	s := withRedis(f.authCodeSettings(nil), rs.Addr())
	t.Setenv("OAUTH2REST_STATE_DIR", t.TempDir())
	a := newDS(t, s)
	t.Setenv("OAUTH2REST_STATE_DIR", t.TempDir())
	b := newDS(t, s)
	q := consent(t, a)
	if r := callback(t, a, q); r.status != 200 {
		t.Fatalf("first callback: %d %s", r.status, r.body)
	}
	tokenRequests := f.mock.TokenRequests()
	if r := callback(t, b, q); r.status != 400 || !strings.Contains(r.body, "already used (state replay)") {
		t.Fatalf("replay on another replica: %d %s", r.status, r.body)
	}
	if got := f.mock.TokenRequests(); got != tokenRequests {
		t.Fatalf("the replayed code reached the provider")
	}
	// Redis holds ciphertext and hashes only: no token, refresh token, code or state in clear.
	tok, err := a.tokens.Token(context.Background())
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("connected replica has no token: %v", err)
	}
	raw := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer raw.Close()
	keys, err := raw.Keys(context.Background(), "*").Result()
	if err != nil || len(keys) < 3 { // token entry, epoch, used state
		t.Fatalf("keys %v: %v", keys, err)
	}
	for _, k := range keys {
		v, _ := raw.Get(context.Background(), k).Result()
		for _, secret := range []string{tok.AccessToken, tok.RefreshToken, q.Get("code"), q.Get("state"), clientSecret} {
			if strings.Contains(k+v, secret) {
				t.Fatalf("Redis key %s holds a secret in clear", k)
			}
		}
	}
}

// Save & test says what a replica does while Redis is down with the authorization code grant.
func TestHealthWithRedisDownAndAuthCode(t *testing.T) {
	t.Setenv("OAUTH2REST_STATE_DIR", t.TempDir())
	rs := redistest.Start(t)
	f := newFixture(t)
	d := newDS(t, withRedis(f.authCodeSettings(nil), rs.Addr()))
	if r := callback(t, d, consent(t, d)); r.status != 200 {
		t.Fatalf("connect: %s", r.body)
	}
	rs.Stop()
	h, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if !strings.Contains(h.Message, "shared token store (Redis) unavailable, serving the current access token without refreshing") {
		t.Fatalf("health: %q", h.Message)
	}
}

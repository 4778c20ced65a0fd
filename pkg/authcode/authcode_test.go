package authcode

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
)

// recordingFetcher answers every fetch with a new refresh token and records the one it was given.
type recordingFetcher struct{ got []string }

func (r *recordingFetcher) Fetch(_ context.Context, rt string) (*oauth2.Token, error) {
	r.got = append(r.got, rt)
	return &oauth2.Token{AccessToken: "at", RefreshToken: "rt-rotated", Expiry: time.Now().Add(time.Hour)}, nil
}

func newFlow(t *testing.T, dir, secret string, tok settings.Token) (*Flow, *recordingFetcher) {
	t.Helper()
	tok.ClientSecret = secret
	rec := &recordingFetcher{}
	f, err := New(Config{UID: "ds/1", Token: tok, Tokens: token.NewCache(rec, time.Second, nil), Dir: dir, Logger: log.DefaultLogger})
	if err != nil {
		t.Fatal(err)
	}
	return f, rec
}

// The newest refresh token wins (settings < sealed copy < state file), every rotation is sealed
// into the state file and the ConfigEditor's copy, and neither holds it in clear.
func TestRefreshTokenRestoreAndDurability(t *testing.T) {
	dir := t.TempDir()
	f, rec := newFlow(t, dir, "secret", settings.Token{RefreshToken: "rt-provisioned"})
	if _, err := f.cfg.Tokens.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 1 || rec.got[0] != "rt-provisioned" {
		t.Fatalf("first fetch used %q, want the provisioned refresh token", rec.got)
	}
	sealed := f.SealedRefreshToken()
	raw, err := os.ReadFile(filepath.Join(dir, "ds_1.refresh"))
	if err != nil || sealed == "" {
		t.Fatalf("rotation not kept: file %v, sealed copy %q", err, sealed)
	}
	if strings.Contains(string(raw)+sealed, "rt-rotated") {
		t.Fatal("the refresh token is stored in clear")
	}

	// Restart with an older provisioned token and the sealed copy: the state file (newer) wins.
	g, rec := newFlow(t, dir, "secret", settings.Token{RefreshToken: "rt-provisioned", SealedRefreshToken: sealed})
	if _, err := g.cfg.Tokens.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 1 || rec.got[0] != "rt-rotated" {
		t.Fatalf("after restart the fetch used %q, want the rotated refresh token", rec.got)
	}

	// Another client secret cannot open the file or the sealed copy: the settings' token is used.
	h, rec := newFlow(t, dir, "other secret", settings.Token{RefreshToken: "rt-provisioned", SealedRefreshToken: sealed})
	if _, err := h.cfg.Tokens.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 1 || rec.got[0] != "rt-provisioned" {
		t.Fatalf("with another secret the fetch used %q", rec.got)
	}
}

// A state's nonce is single-use across instances sharing the state directory, until it expires.
func TestReplayMemory(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	f, _ := newFlow(t, dir, "secret", settings.Token{})
	later := time.Now().Add(time.Minute)
	if !f.markStateUsed(ctx, "n1", later) || f.markStateUsed(ctx, "n1", later) {
		t.Fatal("a nonce was not single-use")
	}
	restarted, _ := newFlow(t, dir, "secret", settings.Token{})
	if restarted.markStateUsed(ctx, "n1", later) {
		t.Fatal("a used nonce was forgotten by a new instance")
	}
	// Expired entries are pruned: a nonce recorded as expired is free again on the next write.
	past := time.Now().Add(-time.Minute)
	if !f.markStateUsed(ctx, "old", past) || !f.markStateUsed(ctx, "old", past) {
		t.Fatal("an expired entry was not pruned")
	}
	// The file holds sha256(nonce) in hex inside a sealed blob: neither the hex id nor the JSON key
	// may show. (Checking for "n1" itself failed now and then: two base64 characters of the
	// ciphertext can spell it.)
	raw, _ := os.ReadFile(f.usedFile.Path())
	sum := sha256.Sum256([]byte("n1"))
	if strings.Contains(string(raw), hex.EncodeToString(sum[:])) || strings.Contains(string(raw), `"n"`) {
		t.Fatal("the used-states file is not sealed")
	}
	// Sealed under another secret: unreadable, so a new file is started (its states cannot be
	// opened by this key either).
	other, _ := newFlow(t, dir, "other secret", settings.Token{})
	if !other.markStateUsed(ctx, "n1", later) {
		t.Fatal("a used-states file of another secret blocked a new state")
	}
}

// A state directory that cannot be read fails closed: the callback is refused.
func TestReplayMemoryFailsClosed(t *testing.T) {
	dir := t.TempDir()
	f, _ := newFlow(t, dir, "secret", settings.Token{})
	if err := os.Mkdir(f.usedFile.Path(), 0o700); err != nil { // a directory where the file should be
		t.Fatal(err)
	}
	if f.markStateUsed(context.Background(), "n1", time.Now().Add(time.Minute)) {
		t.Fatal("an unreadable used-states file let the callback through")
	}
}

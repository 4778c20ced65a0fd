package seal

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/argon2"
)

// hkdfOnly is the key of earlier versions: HKDF of the client secret, salted with the public uid.
// It costs about a microsecond per guess of the secret.
func hkdfOnly(t testing.TB, secret, purpose, uid string) cipher.AEAD {
	key, err := hkdf.Key(sha256.New, []byte(secret), salt(uid), purpose, 32)
	if err != nil {
		t.Fatal(err)
	}
	a, err := gcm(key)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func openWith(a cipher.AEAD, blob string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(blob)
	if err != nil || len(raw) < a.NonceSize() {
		return false
	}
	_, err = a.Open(nil, raw[:a.NonceSize()], raw[a.NonceSize():], nil)
	return err == nil
}

// TestSealingKeyIsMemoryHard: a blob opens with HKDF(argon2id(secret, uid)) with the documented
// cost (64 MiB, 1 pass, 4 lanes), and not with the fast HKDF-of-the-secret key, so a blob is no
// longer a fast offline oracle for the client secret.
func TestSealingKeyIsMemoryHard(t *testing.T) {
	const secret, purpose, uid = "correct horse", "refresh-token", "ds-kdf"
	blob, err := mustSealer(t, secret, purpose, uid).Seal(refreshState{RefreshToken: "rt", Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	if openWith(hkdfOnly(t, secret, purpose, uid), blob) {
		t.Fatal("a new blob opens with HKDF of the client secret alone: still a fast offline oracle")
	}
	master := argon2.IDKey([]byte(secret), salt(uid), 1, 64*1024, 4, 32)
	key, _ := hkdf.Key(sha256.New, master, salt(uid), purpose, 32)
	a, _ := gcm(key)
	if !openWith(a, blob) {
		t.Fatal("the blob does not open with HKDF(argon2id(secret; 64 MiB, t=1, p=4))")
	}
}

// TestLegacyBlobsStillOpenAndFileIsResealed: a blob sealed by an earlier version (HKDF key) still
// opens, so an upgrade does not disconnect the datasource; a state file in that form is sealed
// again under the argon2id key when loaded.
func TestLegacyBlobsStillOpenAndFileIsResealed(t *testing.T) {
	const secret, uid = "s3cr3t", "ds-legacy"
	s := mustSealer(t, secret, "refresh-token", uid)
	legacy := &Sealer{aead: hkdfOnly(t, secret, "refresh-token", uid), legacy: hkdfOnly(t, secret, "refresh-token", uid)}
	old, err := legacy.Seal(refreshState{RefreshToken: "rt-old", Version: 7})
	if err != nil {
		t.Fatal(err)
	}
	var st refreshState
	if err := s.Open(old, &st); err != nil || st.RefreshToken != "rt-old" {
		t.Fatalf("legacy blob: %v %+v", err, st)
	}
	dir := t.TempDir()
	f := NewFile(dir, uid+".refresh", s)
	if err := os.WriteFile(f.Path(), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	if st, err := load(f); err != nil || st.RefreshToken != "rt-old" || st.Version != 7 {
		t.Fatalf("load legacy file: %v %+v", err, st)
	}
	b, _ := os.ReadFile(filepath.Join(dir, filepath.Base(f.Path())))
	if openWith(hkdfOnly(t, secret, "refresh-token", uid), string(b)) {
		t.Fatal("the legacy state file was not sealed again under the argon2id key")
	}
	if st, err := load(f); err != nil || st.RefreshToken != "rt-old" {
		t.Fatalf("reload: %v %+v", err, st)
	}
}

// BenchmarkGuess compares what one guess of the client secret costs an attacker holding a blob:
// the HKDF key of earlier versions and the argon2id key (reported as ns/op of each).
func BenchmarkGuess(b *testing.B) {
	b.Run("hkdf", func(b *testing.B) {
		for b.Loop() {
			_, _ = hkdf.Key(sha256.New, []byte("guess"), salt("ds1"), "refresh-token", 32)
		}
	})
	b.Run("argon2id", func(b *testing.B) {
		for b.Loop() {
			_ = argon2.IDKey([]byte("guess"), salt("ds1"), argonTime, argonMemory, argonThreads, 32)
		}
	})
}

// Package seal keeps small values secret at rest: they are sealed with AES-256-GCM under a key
// derived from the datasource's client secret and uid (argon2id, a memory-hard KDF, then
// HKDF-SHA256 per purpose), and may be written atomically to a file of the state directory.
//
// Why: a plugin cannot write its own secureJsonData, yet rotating refresh tokens and used
// authorization states must survive a plugin restart, a Grafana restart and a settings save
// (pkg/authcode keeps them); the shared token store holds sealed tokens only (pkg/token).
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Sealer encrypts and authenticates small JSON values for one datasource and one purpose.
type Sealer struct {
	aead cipher.AEAD
	// legacy opens (never seals) blobs of earlier versions, whose key was HKDF of the client secret
	// alone, so that a connected datasource stays connected across the upgrade.
	legacy cipher.AEAD
}

// Argon2id cost of the master key: 64 MiB, one pass, 4 lanes (above OWASP's minimum of 46 MiB and
// one pass). It makes each guess of the client secret against a sealed blob cost 64 MiB of memory
// and tens of milliseconds, instead of the microsecond of HKDF: a human-chosen secret is no longer
// found offline from a blob. Changing these makes every sealed value unreadable (connect again).
const (
	argonTime    = 1
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 4
)

// masterKeys caches the argon2id key per (client secret, uid) for the process: an instance is
// rebuilt on every settings save, and several sealers (state, refresh token, shared store) share
// one key. keyMu also serialises derivations, so datasources starting together need 64 MiB at a
// time, not 64 MiB each.
var (
	keyMu      sync.Mutex
	masterKeys = map[[32]byte][]byte{}
)

const maxMasterKeys = 64

func masterKey(secret, uid string) []byte {
	id := sha256.Sum256([]byte(secret + "\x00" + uid))
	keyMu.Lock()
	defer keyMu.Unlock()
	if k, ok := masterKeys[id]; ok {
		return k
	}
	k := argon2.IDKey([]byte(secret), salt(uid), argonTime, argonMemory, argonThreads, 32)
	if len(masterKeys) >= maxMasterKeys {
		for old := range masterKeys { // settings churn: forget one (it is derived again if needed)
			delete(masterKeys, old)
			break
		}
	}
	masterKeys[id] = k
	return k
}

func salt(uid string) []byte { return []byte("oauth2rest-api-datasource/" + uid) }

// NewSealer derives a key from secret for the given purpose and datasource uid: a blob sealed for
// one datasource or purpose cannot be opened for another. The first sealer of a (secret, uid) pays
// the argon2id derivation (see argonMemory); the others reuse it.
func NewSealer(secret, purpose, uid string) (*Sealer, error) {
	if secret == "" {
		return nil, errors.New("seal: a client secret is required to seal values")
	}
	key, err := hkdf.Key(sha256.New, masterKey(secret, uid), salt(uid), purpose, 32)
	if err != nil {
		return nil, err
	}
	aead, err := gcm(key)
	if err != nil {
		return nil, err
	}
	legacyKey, err := hkdf.Key(sha256.New, []byte(secret), salt(uid), purpose, 32)
	if err != nil {
		return nil, err
	}
	legacy, err := gcm(legacyKey)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, legacy: legacy}, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Seal returns base64url(nonce | ciphertext) of v's JSON.
func (s *Sealer) Seal(v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, nil)), nil
}

// ErrUnreadable means a blob was not sealed by this key (another secret or datasource) or was
// altered.
var ErrUnreadable = errors.New("sealed value cannot be opened with this datasource's client secret")

// Open reverses Seal into v.
func (s *Sealer) Open(blob string, v any) error {
	_, err := s.open(blob, v)
	return err
}

// open also says whether blob was sealed under the legacy key (and should be sealed again).
func (s *Sealer) open(blob string, v any) (legacy bool, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(blob)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return false, ErrUnreadable
	}
	nonce, sealed := raw[:s.aead.NonceSize()], raw[s.aead.NonceSize():]
	plain, err := s.aead.Open(nil, nonce, sealed, nil)
	if err != nil {
		if plain, err = s.legacy.Open(nil, nonce, sealed, nil); err != nil {
			return false, ErrUnreadable
		}
		legacy = true
	}
	return legacy, json.Unmarshal(plain, v)
}

// File is one sealed value kept in a file of the state directory.
type File struct {
	path   string
	sealer *Sealer
}

var safeName = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// NewFile returns the file name (a datasource uid and an extension; any other character becomes
// "_", so it cannot leave dir) under dir, sealed with sealer.
func NewFile(dir, name string, sealer *Sealer) *File {
	return &File{path: filepath.Join(dir, safeName.ReplaceAllString(name, "_")), sealer: sealer}
}

// Path is where the file lives.
func (f *File) Path() string { return f.path }

// Load opens the file into v; a missing file is not an error (v is left as it is), one that cannot
// be opened is ErrUnreadable. A file sealed under the legacy key is sealed again under the current
// one.
func (f *File) Load(v any) error {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", f.path, err)
	}
	legacy, err := f.sealer.open(string(b), v)
	if err != nil {
		if !errors.Is(err, ErrUnreadable) { // sealed by this key, yet not of v's shape
			err = fmt.Errorf("%w: %w", ErrUnreadable, err)
		}
		return fmt.Errorf("%s: %w", f.path, err)
	}
	if legacy {
		_ = f.Save(v) // seal it again under the current key; on failure the old file still works
	}
	return nil
}

// Save writes v sealed, atomically: a temporary file in the same directory, fsync, rename. A crash
// leaves either the old or the new content, never a torn one.
func (f *File) Save(v any) error {
	blob, err := f.sealer.Seal(v)
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating state directory %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.path)+"-*")
	if err != nil {
		return fmt.Errorf("writing state in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.WriteString(blob); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil { // make the rename itself durable
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// DefaultDir is where state files go: $OAUTH2REST_STATE_DIR, else Grafana's data path
// ($GF_PATHS_DATA/oauth2rest-api-datasource), else the user's config directory.
func DefaultDir() string {
	if d := os.Getenv("OAUTH2REST_STATE_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("GF_PATHS_DATA"); d != "" {
		return filepath.Join(d, "oauth2rest-api-datasource")
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "oauth2rest-api-datasource")
	}
	return filepath.Join(os.TempDir(), "oauth2rest-api-datasource")
}

package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// A callback URL (code + state) must be redeemed once: a provider that sees a code twice may
// revoke every token issued from it (RFC 6749 4.1.2). The state's nonce is therefore remembered
// until the state expires: in a sealed file in the state directory, so a plugin restart does not
// forget it, and with the shared store on, in Redis too (SET NX with the state's expiry), so that
// the same callback cannot be redeemed on two replicas behind a load balancer.

// maxUsedStates bounds the file: states live stateLifetime and only an admin can start one.
const maxUsedStates = 10000

// usedStatesMu serialises the read-modify-write of every used-states file of this process.
var usedStatesMu sync.Mutex

// usedStates is the sealed content of the file: sha256(nonce) -> expiry (unix seconds).
type usedStates struct {
	N map[string]int64 `json:"n"`
}

// markStateUsed reports whether nonce was unused, and records it as used until expires.
func (d *Datasource) markStateUsed(ctx context.Context, nonce string, expires time.Time) bool {
	sum := sha256.Sum256([]byte(nonce))
	id := hex.EncodeToString(sum[:])
	fresh, err := d.markStateUsedLocally(id, expires)
	if err != nil {
		// Fail closed: redeeming a callback twice can cost the grant; connecting again is cheap.
		d.logger.Error("could not record the used authorization state", "error", err.Error())
		return false
	}
	if !fresh {
		return false
	}
	if d.redis != nil {
		ttl := time.Until(expires)
		if ttl < time.Second {
			ttl = time.Second
		}
		ok, err := d.redis.SetNX(ctx, "used-state:"+d.uid+":"+id, "1", ttl)
		if err == nil {
			return ok
		}
		d.logger.Warn("shared token store unavailable: this callback is single-use on this replica only", "error", err.Error())
	}
	return true
}

// markStateUsedLocally records id in the state directory's sealed file, pruning expired entries.
func (d *Datasource) markStateUsedLocally(id string, expires time.Time) (bool, error) {
	path := filepath.Join(filepath.Dir(d.stateFile.Path()), safeFileName(d.uid)+".used-states")
	usedStatesMu.Lock()
	defer usedStatesMu.Unlock()
	var st usedStates
	if b, err := os.ReadFile(path); err == nil {
		if err := d.stateSealer.Open(string(b), &st); err != nil {
			// Sealed under another client secret: its states cannot be opened any more either.
			d.logger.Warn("used authorization states file is unreadable; starting a new one", "path", path)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("reading %s: %w", path, err)
	}
	now := time.Now().Unix()
	if st.N == nil {
		st.N = map[string]int64{}
	}
	for k, exp := range st.N {
		if exp < now {
			delete(st.N, k)
		}
	}
	if _, used := st.N[id]; used {
		return false, nil
	}
	if len(st.N) >= maxUsedStates {
		return false, errors.New("too many authorizations in progress")
	}
	st.N[id] = expires.Unix() + 1
	blob, err := d.stateSealer.Seal(st)
	if err != nil {
		return false, err
	}
	return true, writeFileAtomic(path, blob)
}

// writeFileAtomic writes a temporary file in the same directory, syncs it and renames it.
func writeFileAtomic(path, content string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".used-states-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.WriteString(content); err != nil {
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
	return os.Rename(tmp.Name(), path)
}

func safeFileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

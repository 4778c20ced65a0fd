package authcode

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/seal"
)

// A callback URL (code + state) must be redeemed once: a provider that sees a code twice may
// revoke every token issued from it (RFC 6749 4.1.2). The state's nonce is therefore remembered
// until the state expires: in a sealed file in the state directory, so a plugin restart does not
// forget it, and with the shared store on, in Redis too (set if absent, with the state's expiry),
// so that the same callback cannot be redeemed on two replicas behind a load balancer.

// maxUsedStates bounds the file: states live stateLifetime and only an admin can start one.
const maxUsedStates = 10000

// usedStatesMu serialises the read-modify-write of every used-states file of this process.
var usedStatesMu sync.Mutex

// usedStates is the sealed content of the file: sha256(nonce) -> expiry (unix seconds).
type usedStates struct {
	N map[string]int64 `json:"n"`
}

// markStateUsed reports whether nonce was unused, and records it as used until expires.
func (f *Flow) markStateUsed(ctx context.Context, nonce string, expires time.Time) bool {
	sum := sha256.Sum256([]byte(nonce))
	id := hex.EncodeToString(sum[:])
	fresh, err := f.markStateUsedLocally(id, expires)
	if err != nil {
		// Fail closed: redeeming a callback twice can cost the grant; connecting again is cheap.
		f.cfg.Logger.Error("could not record the used authorization state", "error", err.Error())
		return false
	}
	if !fresh {
		return false
	}
	if f.cfg.Redis != nil {
		ttl := time.Until(expires)
		if ttl < time.Second {
			ttl = time.Second
		}
		// Compare-and-swap from absent: set only if the key is absent, expiring after ttl.
		ok, err := f.cfg.Redis.CompareAndSwap(ctx, "used-state:"+f.cfg.UID+":"+id, "", "1", ttl)
		if err == nil {
			return ok
		}
		f.cfg.Logger.Warn("shared token store unavailable: this callback is single-use on this replica only", "error", err.Error())
	}
	return true
}

// markStateUsedLocally records id in the state directory's sealed file, pruning expired entries.
func (f *Flow) markStateUsedLocally(id string, expires time.Time) (bool, error) {
	usedStatesMu.Lock()
	defer usedStatesMu.Unlock()
	var st usedStates
	if err := f.usedFile.Load(&st); errors.Is(err, seal.ErrUnreadable) {
		// Sealed under another client secret: its states cannot be opened any more either.
		f.cfg.Logger.Warn("used authorization states file is unreadable; starting a new one", "path", f.usedFile.Path())
		st = usedStates{}
	} else if err != nil {
		return false, err
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
	return true, f.usedFile.Save(st)
}

// Package authcode owns the authorization code grant of one datasource (RFC 6749 section 4.1):
// Connect (the provider's authorization URL with PKCE and a sealed state), the callback (state
// opened and checked, replay refused, iss checked, code exchanged), and the durability of the
// refresh token it yields (a sealed state file, and a sealed copy the ConfigEditor saves in
// secureJsonData). It speaks no HTTP: pkg/plugin translates requests and replies and checks roles.
package authcode

import (
	"sync/atomic"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/discovery"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/redisstore"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/seal"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
)

// Config is what the flow of one datasource instance uses.
type Config struct {
	UID       string
	Token     settings.Token
	Grant     *token.Grant      // exchanges the code
	Tokens    *token.Cache      // receives the token and the refresh tokens
	Discovery *discovery.Client // nil unless issuerUrl is set
	Redis     *redisstore.Redis // nil unless the shared token store is on
	Dir       string            // the state directory (seal.DefaultDir())
	Logger    log.Logger
}

// Flow is the authorization code grant of one datasource instance.
type Flow struct {
	cfg           Config
	stateSealer   *seal.Sealer
	refreshFile   *seal.File
	usedFile      *seal.File
	sealedRefresh atomic.Value // string: the newest refresh token, sealed, for the ConfigEditor
}

// refreshState is what is kept durable: the newest refresh token and when it was obtained (unix
// nanoseconds), so that the newer of two copies wins.
type refreshState struct {
	RefreshToken string `json:"rt"`
	Version      int64  `json:"v"`
}

// New derives the sealing keys and seeds the cache with the newest refresh token known.
func New(c Config) (*Flow, error) {
	f := &Flow{cfg: c}
	var err error
	if f.stateSealer, err = seal.NewSealer(c.Token.SealingSecret(), "oauth-state", c.UID); err != nil {
		return nil, err
	}
	refreshSealer, err := seal.NewSealer(c.Token.SealingSecret(), "refresh-token", c.UID)
	if err != nil {
		return nil, err
	}
	f.refreshFile = seal.NewFile(c.Dir, c.UID+".refresh", refreshSealer)
	f.usedFile = seal.NewFile(c.Dir, c.UID+".used-states", f.stateSealer)
	f.restoreRefreshToken(refreshSealer)
	return f, nil
}

// SealedRefreshToken is the newest refresh token sealed for this datasource ("" if none): the
// ConfigEditor stores it in secureJsonData on the next Save.
func (f *Flow) SealedRefreshToken() string {
	blob, _ := f.sealedRefresh.Load().(string)
	return blob
}

// restoreRefreshToken seeds the cache with the newest refresh token we know of (settings, sealed
// copy from the ConfigEditor, state file), and makes every new one durable.
func (f *Flow) restoreRefreshToken(refreshSealer *seal.Sealer) {
	best := refreshState{RefreshToken: f.cfg.Token.RefreshToken}
	if f.cfg.Token.SealedRefreshToken != "" {
		var st refreshState
		if err := refreshSealer.Open(f.cfg.Token.SealedRefreshToken, &st); err != nil {
			f.cfg.Logger.Warn("secureJsonData.sealedRefreshToken is unreadable (was the client secret changed?); connect again", "error", err.Error())
		} else if st.Version > best.Version {
			best = st
		}
	}
	var st refreshState
	if err := f.refreshFile.Load(&st); err != nil {
		f.cfg.Logger.Warn("refresh token state file is unreadable; using the saved settings", "error", err.Error())
	} else if st.Version > best.Version {
		best = st
	}
	keep := func(st refreshState) {
		if blob, err := refreshSealer.Seal(st); err == nil {
			f.sealedRefresh.Store(blob)
		}
	}
	if best.RefreshToken != "" {
		f.cfg.Tokens.SetRefreshToken(best.RefreshToken)
		keep(best)
	}
	f.cfg.Tokens.OnRefreshToken(func(rt string) {
		st := refreshState{RefreshToken: rt, Version: time.Now().UnixNano()}
		if err := f.refreshFile.Save(st); err != nil {
			f.cfg.Logger.Error("could not persist the new refresh token; it lives in memory until the next settings save", "error", err.Error())
		}
		keep(st)
	})
}

// Package plugin wires the steps together for Grafana: one Datasource per settings version, with
// thin handlers for QueryData, CallResource and CheckHealth.
package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/authcode"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/discovery"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/dpop"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jqworker"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/redisstore"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/seal"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/transport"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// Datasource is one instance: settings parsed once, one token cache, one HTTP client per endpoint.
type Datasource struct {
	// configErr is set when the settings are invalid; every handler then reports it, so the user sees
	// which field to fix instead of a generic plugin failure.
	configErr error

	settings *settings.Settings
	limits   frames.Limits   // the output budget of a query, from settings.Budget
	jqLimits jqworker.Limits // the budget of a jq run
	// tokens is the client's own token (nil in pure oauthPassThru mode); source is what the API
	// client asks: tokens, or the signed-in user's token (identity.go).
	tokens    *token.Cache
	source    token.Source
	dpopKey   *dpop.Key // nil unless dpop is on
	api       *upstream.Client
	transport []*http.Client
	resources backend.CallResourceHandler
	logger    log.Logger

	uid      string
	grant    *token.Grant
	authcode *authcode.Flow // nil unless grantType is authorization_code

	// Optional shared token store (Grafana in high availability).
	redis  *redisstore.Redis
	shared *token.Shared

	// discovery reads the provider's metadata when issuerUrl is set (discovery.go).
	discovery *discovery.Client
}

// sharedKey names this datasource's token in the shared store; the hash changes with the token
// configuration, so replicas still running older settings never adopt a token for other settings.
func sharedKey(uid string, t settings.Token) string {
	id := t.GrantType + "\x00" + t.URL + "\x00" + t.ClientID + "\x00" + strings.Join(t.Scopes, " ")
	if t.IssuerURL != "" || t.Assertion.Issuer != "" || t.Assertion.Subject != "" {
		// Discovery and jwt_bearer: the issuer and the assertion's iss/sub decide whose token it is
		// (added only then, so the keys of existing setups do not change).
		id += "\x00" + t.IssuerURL + "\x00" + t.Assertion.Issuer + "\x00" + t.Assertion.Subject
	}
	sum := sha256.Sum256([]byte(id))
	return uid + ":" + hex.EncodeToString(sum[:8])
}

// dpopKeyID extends the shared-store key with the DPoP key's thumbprint: a DPoP-bound token is
// useless with another key, so replicas share it only when they share the key (dpopPrivateKey);
// with generated keys each replica keeps its own token (docs/user-identity-and-dpop.md).
func (d *Datasource) dpopKeyID() string {
	if d.dpopKey == nil {
		return ""
	}
	return ":dpop-" + d.dpopKey.Thumbprint()[:16]
}

// NewDatasource is the instance factory Grafana calls for each settings version.
func NewDatasource(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	d := &Datasource{uid: s.UID, logger: log.DefaultLogger.With("datasource", s.UID)}
	d.resources = httpadapter.New(d.routes())
	defer func() {
		if r := recover(); r != nil {
			d.logger.Error("panic building the datasource instance", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			d.configErr = &internalError{what: "internal error while loading the settings (the Grafana server log has the details)"}
		}
	}()
	d.build(ctx, s)
	d.configErr = ours(d.configErr)
	return d, nil
}

// build fills d from the settings, or sets d.configErr.
func (d *Datasource) build(ctx context.Context, s backend.DataSourceInstanceSettings) {
	cfg, err := settings.Load(s)
	if err != nil {
		d.configErr = err
		return
	}
	d.settings = cfg
	b := cfg.Budget
	d.limits = frames.Limits{MaxRows: b.MaxRows, MaxCells: b.MaxCells, MaxColumns: b.MaxColumns, MaxColumnNameLength: b.MaxColumnNameLength}
	// A jq result takes the place of a reply: it is bounded like one.
	d.jqLimits = jqworker.Limits{Timeout: b.JQTimeout, MemoryBytes: int64(b.QueryMemoryMiB) << 20, OutputBytes: cfg.Upstream.MaxResponseBytes}

	opts, err := s.HTTPClientOptions(ctx)
	if err != nil {
		d.configErr = &settings.FieldError{Field: "TLS or proxy settings", Reason: err.Error()}
		return
	}
	// Timeouts are applied per request from our own settings (timeout, tokenTimeout); authentication
	// comes only from our settings, never from Grafana's generic basic auth or custom headers.
	if opts.Timeouts != nil {
		opts.Timeouts.Timeout = 0
	}
	opts.BasicAuth = nil
	opts.Header = nil
	opts.ForwardHTTPHeaders = false

	// One transport (one keep-alive connection pool) per instance, shared by the token client and the
	// API client: token.NewGrant and upstream.New each copy the client and set their own redirect
	// policy, so they differ only in that.
	hc, err := transport.New(opts, secretQueryParams(cfg.Upstream)...)
	if err != nil {
		d.configErr = &internalError{what: "building the HTTP client: " + err.Error()}
		return
	}
	d.transport = []*http.Client{hc}
	tokenHC, apiHC, err := d.dpopClients(cfg, hc)
	if err != nil {
		d.configErr = err
		return
	}

	// The client id is a secure field: redacted from errors like the secrets (it is still sent as a
	// header when sendClientIdHeader is on, by design).
	secrets := append(cfg.Secrets(), cfg.Token.ClientID)
	if cfg.Identity.ClientGrant {
		d.buildClientGrant(cfg, tokenHC, secrets)
		if d.configErr != nil {
			return
		}
		d.source = d.tokens
	}
	if cfg.Identity.PassThru {
		d.source = d.passThruSource(cfg)
	}
	d.api = upstream.New(cfg.Upstream, d.source, apiHC, secrets)
}

// buildClientGrant builds the client's own token: grant, optional shared store, cache.
func (d *Datasource) buildClientGrant(cfg *settings.Settings, hc *http.Client, secrets []string) {
	var err error
	if d.grant, err = token.NewGrant(cfg.Token, hc, secrets); err != nil {
		d.configErr = err
		return
	}
	d.setupDiscovery(cfg, hc)
	var fetcher token.Fetcher = d.grant
	if cfg.Shared.Kind == "redis" {
		codec, err := seal.NewSealer(cfg.Token.SealingSecret(), "shared-token", d.uid)
		if err != nil {
			d.configErr = err
			return
		}
		d.redis = redisstore.New(redisstore.Config{Address: cfg.Shared.Address, Username: cfg.Shared.Username,
			Password: cfg.Shared.Password, DB: cfg.Shared.DB, TLS: cfg.Shared.TLS, KeyPrefix: cfg.Shared.KeyPrefix})
		d.shared = token.NewShared(d.grant, d.redis, codec, sharedKey(d.uid, cfg.Token)+d.dpopKeyID(), cfg.Token.Timeout+5*time.Second, d.logger.Warn)
		if cfg.Token.GrantType == settings.GrantAuthorizationCode {
			d.shared.RequireRefreshToken()
		}
		fetcher = d.shared
	}
	d.tokens = token.NewCache(fetcher, cfg.Token.Timeout, nil)
	if cfg.Token.GrantType == settings.GrantAuthorizationCode {
		d.authcode, err = authcode.New(authcode.Config{UID: d.uid, Token: cfg.Token, Grant: d.grant, Tokens: d.tokens,
			Discovery: d.discovery, Redis: d.redis, Dir: seal.DefaultDir(), Logger: d.logger})
		if err != nil {
			d.configErr = err
		}
	}
}

// Dispose is called when the settings change or the datasource is deleted: cancel a token fetch in
// flight and close idle connections.
func (d *Datasource) Dispose() {
	if d.tokens != nil {
		d.tokens.Close()
	}
	for _, c := range d.transport {
		c.CloseIdleConnections()
	}
	if d.shared != nil {
		d.shared.Close()
	}
	if d.redis != nil {
		_ = d.redis.Close()
	}
}

// CallResource serves the routes in routes().
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) (err error) {
	defer func() {
		if r := recover(); r != nil {
			d.logger.Error("panic in resource call", "path", req.Path, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = sender.Send(&backend.CallResourceResponse{Status: http.StatusInternalServerError,
				Headers: map[string][]string{"Content-Type": {"application/json"}}, Body: []byte(`{"error":"internal error"}`)})
		}
	}()
	return d.resources.CallResource(d.userContext(ctx, req, false), req, sender)
}

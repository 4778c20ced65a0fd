// Package passthru forwards the signed-in Grafana user's OAuth token (jsonData.oauthPassThru):
// Grafana puts the user's "Authorization: Bearer <token>" on each QueryData, CallResource and
// CheckHealth request; the handler stores it in the request's context (WithRequest) and Source
// hands it to the upstream client as the token of that request only. Nothing outlives the request:
// no cache, no log. Optionally the token is first exchanged (RFC 8693) for one for the API.
//
// A request without a user token gets ErrNoUserToken, never the client's token. The one exception
// is an alert rule (Grafana marks its queries FromAlert: true and has no user to forward): it gets
// the datasource's own client-credentials token when one is configured.
package passthru

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
)

// maxUserTokenLen bounds the forwarded token (real ones are a few KB; Grafana caps headers too).
const maxUserTokenLen = 16 << 10

// Error is a request that cannot be authenticated as its user. It never holds a token.
type Error struct {
	Msg string
}

func (e *Error) Error() string { return "user token failed: " + e.Msg }

// Errors a user or an admin can act on.
var (
	ErrNoUserToken = &Error{Msg: "sign in to Grafana with OAuth to use this datasource: it forwards the signed-in user's OAuth token (oauthPassThru) and this request carries none"}
	ErrAlertNoUser = &Error{Msg: "alert rules run without a signed-in user, so there is no OAuth token to forward: configure the datasource's own client (tokenUrl, clientId, clientSecret) for alert rules to use its client-credentials token"}
	errBadScheme   = &Error{Msg: "the signed-in user's token from Grafana is not a Bearer token; only Bearer tokens can be forwarded"}
	errBadToken    = &Error{Msg: "the signed-in user's token from Grafana is malformed (empty, too long or with control characters)"}
)

// request is what one incoming Grafana request carries: the user's token, whether it comes from
// the alerting engine, and the token exchanged for it (once per request, shared by its queries and
// pages).
type request struct {
	user      string
	fromAlert bool

	mu        sync.Mutex // held across the exchange so the queries of one request share it
	exchanged *oauth2.Token
}

type ctxKey struct{}

// WithRequest stores the user's token from Grafana's forwarded headers (h: the request's
// GetHTTPHeaders) and the FromAlert mark in ctx.
func WithRequest(ctx context.Context, h http.Header, fromAlert bool) context.Context {
	return context.WithValue(ctx, ctxKey{}, &request{user: h.Get("Authorization"), fromAlert: fromAlert})
}

// bearer takes the token out of "Bearer <token>".
func bearer(auth string) (string, error) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", errBadScheme
	}
	tok = strings.TrimSpace(tok)
	if tok == "" || len(tok) > maxUserTokenLen || strings.ContainsAny(tok, "\r\n\t\x00 ") {
		return "", errBadToken
	}
	return tok, nil
}

// Exchanger trades the user's token for one for the API (token.Grant.TokenExchange).
type Exchanger interface {
	TokenExchange(ctx context.Context, subjectToken string) (*oauth2.Token, error)
}

// Source is the token.Source of pass-through mode.
type Source struct {
	exchange Exchanger     // nil: forward the user's token as is
	timeout  time.Duration // bounds one exchange
	fallback token.Source  // the client's own token, for alert rules; nil if not configured
}

// NewSource builds the pass-through source. exchange and fallback may be nil.
func NewSource(exchange Exchanger, timeout time.Duration, fallback token.Source) *Source {
	return &Source{exchange: exchange, timeout: timeout, fallback: fallback}
}

var (
	_ token.Source  = (*Source)(nil)
	_ token.Renewer = (*Source)(nil)
)

// userMark tags tokens that belong to the signed-in user (Renews tells upstream not to retry them).
const userMark = "oauth2rest_user_token"

// Token returns the token for this request: the user's (or the one exchanged for it), or for an
// alert rule the client's.
func (s *Source) Token(ctx context.Context) (*oauth2.Token, error) {
	r, _ := ctx.Value(ctxKey{}).(*request)
	if r == nil || r.user == "" {
		if r != nil && r.fromAlert {
			if s.fallback == nil {
				return nil, ErrAlertNoUser
			}
			return s.fallback.Token(ctx)
		}
		return nil, ErrNoUserToken
	}
	user, err := bearer(r.user)
	if err != nil {
		return nil, err
	}
	if s.exchange == nil {
		return mark(&oauth2.Token{AccessToken: user, TokenType: "Bearer"}), nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.exchanged != nil && r.exchanged.Valid() {
		return r.exchanged, nil
	}
	xctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	tok, err := s.exchange.TokenExchange(xctx, user)
	if err != nil {
		var te *token.Error
		if errors.As(err, &te) {
			te.Msg = "token exchange for the signed-in user: " + te.Msg
		}
		return nil, err
	}
	r.exchanged = mark(tok)
	return r.exchanged, nil
}

func mark(tok *oauth2.Token) *oauth2.Token {
	return tok.WithExtra(map[string]any{userMark: true})
}

// Invalidate passes a refused client token to the fallback (which ignores tokens it does not
// hold). The user's tokens are the request's: there is nothing to drop.
func (s *Source) Invalidate(tok *oauth2.Token) {
	if s.fallback != nil && !IsUserToken(tok) {
		s.fallback.Invalidate(tok)
	}
}

// Renews reports whether a refused tok can be replaced: not a user's token (another attempt would
// send the same one), but the client's token of an alert rule can.
func (s *Source) Renews(tok *oauth2.Token) bool { return !IsUserToken(tok) }

// IsUserToken reports whether tok is the signed-in user's (forwarded or exchanged).
func IsUserToken(tok *oauth2.Token) bool { return tok != nil && tok.Extra(userMark) == true }

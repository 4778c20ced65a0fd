// Package token obtains, reads and caches access tokens. The token value lives only here and in the
// one upstream middleware that writes it onto a request.
//
// The shape follows golang.org/x/oauth2: a one-method source (plus Invalidate, because an API's 401
// must be able to drop a token the cache still believes in), and behaviour added by wrapping it.
package token

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Source hands out a valid token. Implementations are safe for concurrent use.
type Source interface {
	Token(ctx context.Context) (*oauth2.Token, error)
	// Invalidate tells the source that the API answered 401 to tok; the next Token call may fetch
	// anew. A token that is no longer the current one is ignored, so concurrent 401s cause one
	// fetch, and a source may keep tok (Cache keeps a token that already replaced a refused one):
	// when Token then returns the same token, the 401 is the API's answer and there is no retry.
	Invalidate(tok *oauth2.Token)
}

// Confirmer is a Source that wants to know when the API accepted a token on the retry after a 401
// (Cache: the replacement is then known good, and may be replaced after a later revocation).
type Confirmer interface {
	Confirm(tok *oauth2.Token)
}

// Renewer is a Source that says whether a token the API refused can be replaced; a Source that is
// not a Renewer always can. passthru.Source is one: another attempt with a user's token would only
// be refused again.
type Renewer interface {
	Renews(tok *oauth2.Token) bool
}

// Steps of obtaining a token, named in errors so a user knows where it broke.
const (
	StepRequest = "token request" // sending the request, transport errors, non-2xx answers
	StepReply   = "token reply"   // a 2xx answer we could not read a token from
)

// Error is a failure to obtain a token. Message never contains a secret: values the reply echoes
// back are redacted before the error is built.
type Error struct {
	Step   string
	Status int // HTTP status of the token endpoint; 0 if none was received
	// Code is the OAuth2 error code of the reply ("invalid_client", "invalid_grant"), if any.
	Code string
	Msg  string
	// RetryAfter is the server's Retry-After, if it sent one.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Step)
	b.WriteString(" failed")
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// IsInvalidGrant reports whether err says the grant (refresh token, code) is no longer valid.
func IsInvalidGrant(err error) bool {
	var te *Error
	return errors.As(err, &te) && te.Code == "invalid_grant"
}

// BackoffError is returned without contacting the token endpoint while it is backing off after
// failures. It wraps the last failure.
type BackoffError struct {
	Last  error
	Until time.Time
	now   time.Time
}

func (e *BackoffError) Error() string {
	wait := e.Until.Sub(e.now).Round(time.Second)
	if wait < time.Second {
		wait = time.Second
	}
	return fmt.Sprintf("%v (token endpoint backing off; next attempt in %s)", e.Last, wait)
}

func (e *BackoffError) Unwrap() error { return e.Last }

// Status describes the cached token without revealing it.
type Status struct {
	Cached          bool      `json:"cached"`
	ExpiresAt       time.Time `json:"expiresAt,omitzero"`
	ExpiresIn       string    `json:"expiresIn,omitempty"`
	ObtainedAt      time.Time `json:"obtainedAt,omitzero"`
	HasRefreshToken bool      `json:"hasRefreshToken"`
	// ReauthRequired: the authorization code grant needs the user to connect again.
	ReauthRequired bool      `json:"reauthRequired"`
	LastError      string    `json:"lastError,omitempty"`
	BackoffUntil   time.Time `json:"backoffUntil,omitzero"`
}

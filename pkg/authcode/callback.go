package authcode

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Callback finishes the authorization the provider answered with query (the callback URL's query),
// for the signed-in user. On success the token is in the cache; an error's message is the reason
// to show the user (it never holds a token).
func (f *Flow) Callback(ctx context.Context, query url.Values, user string) error {
	if e := query.Get("error"); e != "" {
		return errors.New("the provider refused: " + clip(e+" "+query.Get("error_description"), 200))
	}
	var st state
	if err := f.stateSealer.Open(query.Get("state"), &st); err != nil || st.UID != f.cfg.UID {
		return errors.New("invalid state parameter: start again with Connect")
	}
	if time.Now().After(st.Expires) {
		return errors.New("the authorization took too long (state expired): start again with Connect")
	}
	if st.User != user {
		return errors.New("this authorization was started by another Grafana user")
	}
	if !f.markStateUsed(ctx, st.Nonce, st.Expires) {
		return errors.New("this authorization response was already used (state replay): start again with Connect")
	}
	if want := f.expectedIssuer(); query.Get("iss") != "" || f.cfg.Token.Issuer != "" || f.issRequired(ctx) {
		if query.Get("iss") != want {
			return fmt.Errorf("issuer mismatch (RFC 9207): expected %s", want)
		}
	}
	code := query.Get("code")
	if code == "" {
		return errors.New("the provider sent no authorization code")
	}
	tok, err := f.cfg.Grant.Exchange(ctx, code, st.Verifier, st.RedirectURI)
	if err != nil {
		return errors.New("code exchange " + err.Error())
	}
	f.cfg.Tokens.Put(tok)
	f.cfg.Logger.Info("authorization code grant connected")
	return nil
}

// expectedIssuer is the configured issuer, else issuerUrl (discovery checked that the metadata's
// issuer equals it exactly), else the origin of the authorization endpoint.
func (f *Flow) expectedIssuer() string {
	t := f.cfg.Token
	if t.Issuer != "" {
		return t.Issuer
	}
	if t.IssuerURL != "" {
		return t.IssuerURL
	}
	u, err := url.Parse(t.AuthURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// issRequired: the discovered metadata says the server sends `iss` in authorization responses, so
// a response without it is refused (RFC 9207 section 2.4).
func (f *Flow) issRequired(ctx context.Context) bool {
	if f.cfg.Discovery == nil {
		return false
	}
	m, err := f.cfg.Discovery.Metadata(ctx)
	return err == nil && m.IssParameter
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

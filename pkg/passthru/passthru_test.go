package passthru

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

type fakeSource struct {
	tok         *oauth2.Token
	invalidated atomic.Int64
}

func (f *fakeSource) Token(context.Context) (*oauth2.Token, error) { return f.tok, nil }
func (f *fakeSource) Invalidate(*oauth2.Token)                     { f.invalidated.Add(1) }

type fakeExchange struct{ n atomic.Int64 }

func (f *fakeExchange) TokenExchange(_ context.Context, subject string) (*oauth2.Token, error) {
	f.n.Add(1)
	return &oauth2.Token{AccessToken: "x-" + subject, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

func ctxWith(auth string, alert bool) context.Context {
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	return WithRequest(context.Background(), h, alert)
}

func TestSource(t *testing.T) {
	client := &fakeSource{tok: &oauth2.Token{AccessToken: "client"}}
	s := NewSource(nil, time.Second, client)

	tok, err := s.Token(ctxWith("bearer  user-tok ", false))
	if err != nil || tok.AccessToken != "user-tok" || !IsUserToken(tok) || s.Renews(tok) {
		t.Fatalf("user token: %v %+v", err, tok)
	}
	s.Invalidate(tok)
	if client.invalidated.Load() != 0 {
		t.Fatal("a user's token was passed to the client's cache")
	}
	for _, bad := range []string{"", "Basic abc", "Bearer", "Bearer a b", "Bearer " + strings.Repeat("a", maxUserTokenLen+1)} {
		_, err := s.Token(ctxWith(bad, false))
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("%.30q: err %v", bad, err)
		}
	}
	if _, err := s.Token(context.Background()); err != ErrNoUserToken {
		t.Errorf("no request in context: %v", err)
	}
	// Alert rules: the client's token, which can be renewed and invalidated.
	tok, err = s.Token(ctxWith("", true))
	if err != nil || tok.AccessToken != "client" || IsUserToken(tok) || !s.Renews(tok) {
		t.Fatalf("alert: %v %+v", err, tok)
	}
	s.Invalidate(tok)
	if client.invalidated.Load() != 1 {
		t.Fatal("the client's refused token was not invalidated")
	}
	if _, err := NewSource(nil, time.Second, nil).Token(ctxWith("", true)); err != ErrAlertNoUser {
		t.Fatalf("alert without client: %v", err)
	}
	// A user with a token is never served the client's token, even when marked FromAlert.
	if tok, _ := s.Token(ctxWith("Bearer u", true)); tok.AccessToken != "u" {
		t.Fatalf("user in an alert-marked request got %q", tok.AccessToken)
	}
}

func TestExchangeOncePerRequest(t *testing.T) {
	x := &fakeExchange{}
	s := NewSource(x, time.Second, nil)
	ctx := ctxWith("Bearer u", false)
	for i := 0; i < 3; i++ {
		tok, err := s.Token(ctx)
		if err != nil || tok.AccessToken != "x-u" || !IsUserToken(tok) {
			t.Fatalf("%v %+v", err, tok)
		}
	}
	if _, err := s.Token(ctxWith("Bearer u", false)); err != nil || x.n.Load() != 2 {
		t.Fatalf("%d exchanges for two requests, want 2 (%v)", x.n.Load(), err)
	}
}

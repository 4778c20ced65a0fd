package mockapi

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
)

// connect runs the authorization code flow with PKCE and returns the token reply.
func connect(t *testing.T, base string) map[string]any {
	t.Helper()
	verifier := "verifier-verifier-verifier-verifier-verifier"
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {testID}, "response_type": {"code"}, "redirect_uri": {"http://grafana/cb"}, "state": {"s"},
		"code_challenge_method": {"S256"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + PathAuthorize + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return standardToken(t, base, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {"http://grafana/cb"}, "code_verifier": {verifier}}, testID, testSecret)
}

func refresh(t *testing.T, base, rt string) reply {
	t.Helper()
	return postForm(t, base+PathOAuthToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, testID, testSecret)
}

func TestRefreshReplayRevokesTheFamily(t *testing.T) {
	s, ts := newTestServer(t, Config{})
	other := connect(t, ts.URL) // another grant: must survive the replay in the first one
	first := connect(t, ts.URL)
	r1 := refresh(t, ts.URL, first["refresh_token"].(string))
	if r1.status != 200 {
		t.Fatalf("refresh: %d %s", r1.status, r1.body)
	}
	second := r1.json(t)
	if second["refresh_token"] == first["refresh_token"] {
		t.Fatal("refresh token not rotated")
	}
	api := func(at any) int {
		return get(t, ts.URL+PathItems, map[string]string{"Authorization": "Bearer " + at.(string)}).status
	}
	if api(second["access_token"]) != 200 || api(first["access_token"]) != 200 {
		t.Fatal("fresh access tokens refused")
	}
	// Replay of the rotated-away refresh token: invalid_grant, and everything of that grant dies.
	r2 := refresh(t, ts.URL, first["refresh_token"].(string))
	if r2.status != 400 || r2.json(t)["error"] != "invalid_grant" {
		t.Fatalf("replay: %d %s", r2.status, r2.body)
	}
	if api(second["access_token"]) != 401 || api(first["access_token"]) != 401 {
		t.Fatal("access tokens of the revoked family still work")
	}
	if r := refresh(t, ts.URL, second["refresh_token"].(string)); r.status != 400 {
		t.Fatalf("newest refresh token of the revoked family still works: %d", r.status)
	}
	if api(other["access_token"]) != 200 || refresh(t, ts.URL, other["refresh_token"].(string)).status != 200 {
		t.Fatal("the other grant was revoked too")
	}
	want := []RefreshUse{{2, 1, true}, {2, 1, false}, {2, 2, false}, {1, 1, true}}
	got := s.RefreshLog()
	if len(got) != len(want) {
		t.Fatalf("log %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("log %v, want %v", got, want)
		}
	}
	if g, d := s.RefreshGrants(), s.DeadRefreshTokenUses(); g != 4 || d != 2 {
		t.Fatalf("%d refresh grants, %d dead refresh token uses; want 4, 2", g, d)
	}
	// The counters are the server's own: a test's deliberate replays are not counted by the next
	// test's server (they were process-wide, and a -count=2 run failed on it).
	if fresh, _ := newTestServer(t, Config{}); fresh.RefreshGrants() != 0 || fresh.DeadRefreshTokenUses() != 0 {
		t.Fatalf("a new server starts at %d refresh grants, %d dead uses", fresh.RefreshGrants(), fresh.DeadRefreshTokenUses())
	}
}

package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
)

const redirectURL = "http://grafana.local/api/datasources/uid/ds1/resources/oauth/callback"

func (f *fixture) authCodeSettings(secure map[string]string) backend.DataSourceInstanceSettings {
	return f.settings("/api", map[string]any{
		"grantType": "authorization_code", "authUrl": f.srv.URL + mockapi.PathAuthorize,
		"tokenUrl": f.srv.URL + mockapi.PathOAuthToken, "redirectUrl": redirectURL, "scopes": "read offline_access",
		"authParams": []map[string]any{{"name": "prompt", "value": "consent"}}, "healthCheckPath": "/items",
	}, secure)
}

type resourceReply struct {
	status int
	header map[string][]string
	body   string
}

func callResource(t *testing.T, ctx context.Context, d *Datasource, pathAndQuery string) resourceReply {
	t.Helper()
	path, _, _ := strings.Cut(pathAndQuery, "?")
	var got *backend.CallResourceResponse
	// Grafana sends the user in the request's plugin context; these tests act as an org admin
	// unless ctx says otherwise.
	pc := backend.PluginConfigFromContext(ctx)
	if pc.User == nil {
		pc.User = &backend.User{Login: "admin", Role: "Admin"}
	}
	err := d.CallResource(ctx, &backend.CallResourceRequest{Method: "GET", Path: path, URL: pathAndQuery, PluginContext: pc},
		backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error { got = r; return nil }))
	if err != nil {
		t.Fatal(err)
	}
	return resourceReply{got.Status, got.Headers, string(got.Body)}
}

// consent asks the plugin for the authorization URL and plays the user at the provider: it returns
// the query the provider sends back to the callback.
func consent(t *testing.T, d *Datasource) url.Values {
	t.Helper()
	r := callResource(t, context.Background(), d, "oauth/authorize")
	var out struct{ URL, RedirectURL string }
	if r.status != 200 || json.Unmarshal([]byte(r.body), &out) != nil {
		t.Fatalf("authorize: %d %s", r.status, r.body)
	}
	u, _ := url.Parse(out.URL)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("prompt") != "consent" ||
		q.Get("redirect_uri") != redirectURL || q.Get("scope") != "read offline_access" {
		t.Fatalf("authorization URL lacks PKCE, params or redirect: %s", out.URL)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(out.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("provider answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return back.Query()
}

func callback(t *testing.T, d *Datasource, q url.Values) resourceReply {
	t.Helper()
	return callResource(t, context.Background(), d, "oauth/callback?"+q.Encode())
}

func TestAuthCodeFlowWithRotationAndRestart(t *testing.T) {
	t.Setenv("OAUTH2REST_STATE_DIR", t.TempDir())
	f := newFixture(t)
	s := f.authCodeSettings(nil)
	d := newDS(t, s)

	if r := runQuery(t, d, `{"path":"/items"}`); r.Error == nil || !strings.Contains(r.Error.Error(), "re-authorization required: click Connect") {
		t.Fatalf("before connecting: %v", r.Error)
	}
	back := consent(t, d)
	r := callback(t, d, back)
	if r.status != 200 || !strings.Contains(r.body, "Connected") {
		t.Fatalf("callback: %d %s", r.status, r.body)
	}
	if strings.Contains(r.body, back.Get("code")) {
		t.Fatal("callback page shows the code")
	}
	if q := runQuery(t, d, `{"path":"/items"}`); q.Error != nil {
		t.Fatalf("query after connect: %v", q.Error)
	}
	// The access token dies: the 401 makes the plugin refresh, and the provider rotates.
	f.mock.RevokeAll()
	if q := runQuery(t, d, `{"path":"/items"}`); q.Error != nil {
		t.Fatalf("query after access token revoked: %v", q.Error)
	}
	if f.mock.RefreshGrants() == 0 {
		t.Fatal("no refresh grant used")
	}
	status := callResource(t, context.Background(), d, "oauth/status")
	var st struct {
		Connected          bool
		SealedRefreshToken string
	}
	json.Unmarshal([]byte(status.body), &st)
	if !st.Connected || st.SealedRefreshToken == "" {
		t.Fatalf("status %s", status.body)
	}

	// Restart: a new instance with the same settings finds the rotated refresh token in its state file.
	d.Dispose()
	f.mock.RevokeAll()
	d2 := newDS(t, s)
	if q := runQuery(t, d2, `{"path":"/items"}`); q.Error != nil {
		t.Fatalf("query after restart: %v", q.Error)
	}
	// Settings save on another machine (no state file): the sealed blob saved by the editor works,
	// as long as it is the newest. Here the state file is gone and the blob is from before the last rotation,
	// so first take the current blob.
	status = callResource(t, context.Background(), d2, "oauth/status")
	json.Unmarshal([]byte(status.body), &st)
	d2.Dispose()
	t.Setenv("OAUTH2REST_STATE_DIR", t.TempDir())
	f.mock.RevokeAll()
	saved := f.authCodeSettings(map[string]string{"clientId": clientID, "clientSecret": clientSecret, "sealedRefreshToken": st.SealedRefreshToken})
	d3 := newDS(t, saved)
	health, _ := d3.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if health.Status != backend.HealthStatusOk {
		t.Fatalf("health after settings save: %s", health.Message)
	}
	if got := f.mock.DeadRefreshTokenUses(); got != 0 {
		t.Fatalf("%d uses of a dead refresh token", got)
	}
	for _, text := range []string{status.body, health.Message, r.body} {
		if strings.Contains(text, clientSecret) {
			t.Fatalf("secret leaked: %s", text)
		}
	}
}

func TestAuthCodeCallbackRejections(t *testing.T) {
	t.Setenv("OAUTH2REST_STATE_DIR", t.TempDir())
	f := newFixture(t)
	d := newDS(t, f.authCodeSettings(nil))

	t.Run("state replay", func(t *testing.T) {
		back := consent(t, d)
		if r := callback(t, d, back); r.status != 200 {
			t.Fatalf("first use: %d %s", r.status, r.body)
		}
		r := callback(t, d, back)
		if r.status != 400 || !strings.Contains(r.body, "already used") {
			t.Fatalf("replay: %d %s", r.status, r.body)
		}
	})
	t.Run("wrong state", func(t *testing.T) {
		back := consent(t, d)
		st := []byte(back.Get("state")) // one character changed (it may have been an "x" already)
		if st[20] == 'x' {
			st[20] = 'y'
		} else {
			st[20] = 'x'
		}
		back.Set("state", string(st))
		if r := callback(t, d, back); r.status != 400 || !strings.Contains(r.body, "invalid state") {
			t.Fatalf("tampered state: %d %s", r.status, r.body)
		}
		back.Set("state", "made-up")
		if r := callback(t, d, back); r.status != 400 || !strings.Contains(r.body, "invalid state") {
			t.Fatalf("made-up state: %d %s", r.status, r.body)
		}
	})
	t.Run("state of another datasource", func(t *testing.T) {
		other := f.authCodeSettings(nil)
		other.UID = "ds2"
		back := consent(t, newDS(t, other))
		if r := callback(t, d, back); r.status != 400 || !strings.Contains(r.body, "invalid state") {
			t.Fatalf("foreign state: %d %s", r.status, r.body)
		}
	})
	t.Run("PKCE mismatch", func(t *testing.T) {
		first, second := consent(t, d), consent(t, d)
		first.Set("state", second.Get("state")) // code bound to the first challenge, verifier of the second
		r := callback(t, d, first)
		if r.status != 400 || !strings.Contains(r.body, "PKCE verification failed") {
			t.Fatalf("PKCE mismatch: %d %s", r.status, r.body)
		}
	})
	t.Run("issuer mismatch", func(t *testing.T) {
		back := consent(t, d)
		back.Set("iss", "https://evil.example.com")
		if r := callback(t, d, back); r.status != 400 || !strings.Contains(r.body, "issuer mismatch") {
			t.Fatalf("issuer: %d %s", r.status, r.body)
		}
	})
	t.Run("provider error", func(t *testing.T) {
		back := consent(t, d)
		q := url.Values{"error": {"access_denied"}, "error_description": {"<script>x</script>"}, "state": {back.Get("state")}}
		r := callback(t, d, q)
		if r.status != 400 || !strings.Contains(r.body, "access_denied") || strings.Contains(r.body, "<script>") {
			t.Fatalf("provider error: %d %s", r.status, r.body)
		}
	})
	t.Run("only an org admin may connect", func(t *testing.T) {
		editor := backend.WithPluginContext(context.Background(), backend.PluginContext{User: &backend.User{Login: "ed", Role: "Editor"}})
		if r := callResource(t, editor, d, "oauth/authorize"); r.status != http.StatusForbidden {
			t.Fatalf("editor authorize: %d %s", r.status, r.body)
		}
		if r := callResource(t, editor, d, "oauth/callback?"+consent(t, d).Encode()); r.status != http.StatusForbidden {
			t.Fatalf("editor callback: %d %s", r.status, r.body)
		}
		admin := backend.WithPluginContext(context.Background(), backend.PluginContext{User: &backend.User{Login: "ad", Role: "Admin"}})
		if r := callResource(t, admin, d, "oauth/authorize"); r.status != http.StatusOK {
			t.Fatalf("admin authorize: %d %s", r.status, r.body)
		}
	})
	t.Run("redirects to the settings page when Grafana's URL is known", func(t *testing.T) {
		back := consent(t, d)
		ctx := backend.WithGrafanaConfig(context.Background(), backend.NewGrafanaCfg(map[string]string{"GF_APP_URL": "http://grafana.local/"}))
		r := callResource(t, ctx, d, "oauth/callback?"+back.Encode())
		loc := ""
		if l := r.header["Location"]; len(l) > 0 {
			loc = l[0]
		}
		if r.status != http.StatusFound || loc != "http://grafana.local/connections/datasources/edit/ds1?oauth2rest=connected" {
			t.Fatalf("redirect: %d %q", r.status, loc)
		}
	})
}

func TestAuthCodeInvalidGrantStopsAndAsksToReconnect(t *testing.T) {
	t.Setenv("OAUTH2REST_STATE_DIR", t.TempDir())
	f := newFixture(t)
	d := newDS(t, f.authCodeSettings(nil))
	if r := callback(t, d, consent(t, d)); r.status != 200 {
		t.Fatalf("connect: %s", r.body)
	}
	f.mock.RevokeRefreshTokens()
	f.mock.RevokeAll()
	q := runQuery(t, d, `{"path":"/items"}`)
	if q.Error == nil || !strings.Contains(q.Error.Error(), "re-authorization required: click Connect") {
		t.Fatalf("query: %v", q.Error)
	}
	health, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if health.Status != backend.HealthStatusError || !strings.Contains(health.Message, "re-authorization required: click Connect") {
		t.Fatalf("health: %s", health.Message)
	}
	before := f.mock.TokenRequests()
	for i := 0; i < 20; i++ {
		runQuery(t, d, `{"path":"/items"}`)
	}
	if got := f.mock.TokenRequests() - before; got != 0 {
		t.Fatalf("%d token requests after invalid_grant, want 0 (nothing to refresh with)", got)
	}
	st := callResource(t, context.Background(), d, "oauth/status")
	if !strings.Contains(st.body, `"reauthRequired":true`) {
		t.Fatalf("status %s", st.body)
	}
	// Connecting again recovers.
	if r := callback(t, d, consent(t, d)); r.status != 200 {
		t.Fatalf("reconnect: %s", r.body)
	}
	if q := runQuery(t, d, `{"path":"/items"}`); q.Error != nil {
		t.Fatalf("after reconnect: %v", q.Error)
	}
}

package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
)

const (
	aliceToken = "alice-user-token-7f3e9a1c5b2d4e6f"
	bobToken   = "bob-user-token-0a9b8c7d6e5f4a3b"
	audience   = "api://items"
)

type userFixture struct {
	mock *mockapi.UserServer
	srv  *httptest.Server
}

func newUserFixture(t *testing.T, requireExchange bool) *userFixture {
	t.Helper()
	m := mockapi.NewUser(mockapi.UserConfig{ClientID: clientID, ClientSecret: clientSecret, Audience: audience,
		RequireExchange: requireExchange, Users: map[string]string{aliceToken: "Alice", bobToken: "Bob"}})
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return &userFixture{mock: m, srv: srv}
}

// settings: pass-through; withClient adds the datasource's own client (for exchange and alerts).
func (f *userFixture) settings(extra map[string]any, withClient bool) backend.DataSourceInstanceSettings {
	jd := map[string]any{"oauthPassThru": true, "healthCheckPath": "/whoami"}
	secure := map[string]string{}
	if withClient {
		jd["tokenUrl"] = f.srv.URL + mockapi.PathOAuthToken
		secure["clientId"], secure["clientSecret"] = clientID, clientSecret
	}
	for k, v := range extra {
		jd[k] = v
	}
	raw, _ := json.Marshal(jd)
	return backend.DataSourceInstanceSettings{UID: "pt1", Name: "pt", URL: f.srv.URL + "/api", JSONData: raw, DecryptedSecureJSONData: secure, Updated: time.Now()}
}

// userQuery runs queries as Grafana sends them with oauthPassThru: the user's token in the
// request headers (Authorization, X-Id-Token).
func userQuery(t *testing.T, d *Datasource, headers map[string]string, queries ...string) []backend.DataResponse {
	t.Helper()
	req := &backend.QueryDataRequest{Headers: headers}
	for i, q := range queries {
		req.Queries = append(req.Queries, backend.DataQuery{RefID: string(rune('A' + i)), JSON: json.RawMessage(q),
			TimeRange: backend.TimeRange{From: time.Now().Add(-time.Hour), To: time.Now()}})
	}
	resp, err := d.QueryData(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]backend.DataResponse, len(queries))
	for i := range queries {
		out[i] = resp.Responses[string(rune('A'+i))]
	}
	return out
}

func as(tok string) map[string]string {
	return map[string]string{backend.OAuthIdentityTokenHeaderName: "Bearer " + tok, backend.OAuthIdentityIDTokenHeaderName: "id-token-not-forwarded"}
}

func rows(t *testing.T, r backend.DataResponse) int {
	t.Helper()
	if r.Error != nil {
		t.Fatalf("query error: %v", r.Error)
	}
	if len(r.Frames) != 1 {
		t.Fatalf("%d frames", len(r.Frames))
	}
	return r.Frames[0].Rows()
}

// TestPassThruForwardsEachUsersToken: each query carries its own user's token to the API (which
// answers each user only their items), on QueryData, CallResource and CheckHealth; a request
// without a user token is refused before anything is sent, even with a client configured.
func TestPassThruForwardsEachUsersToken(t *testing.T) {
	for _, withClient := range []bool{false, true} {
		f := newUserFixture(t, false)
		d := newDS(t, f.settings(nil, withClient))
		if d.configErr != nil {
			t.Fatal(d.configErr)
		}
		if n := rows(t, userQuery(t, d, as(aliceToken), `{"path":"/items"}`)[0]); n != 1 {
			t.Fatalf("Alice sees %d items, want 1", n)
		}
		if got := f.mock.LastAPIHeaders(); got.Get("Authorization") != "Bearer "+aliceToken || got.Get("X-Id-Token") != "" {
			t.Fatalf("API saw Authorization %q X-Id-Token %q", got.Get("Authorization"), got.Get("X-Id-Token"))
		}
		if n := rows(t, userQuery(t, d, as(bobToken), `{"path":"/items"}`)[0]); n != 1 {
			t.Fatalf("Bob sees %d items, want 1", n)
		}
		if got := f.mock.LastAPIHeaders().Get("Authorization"); got != "Bearer "+bobToken {
			t.Fatalf("API saw %q for Bob", got)
		}

		// No user token: a clear error, status 401, nothing sent anywhere.
		api, tok := f.mock.APIRequests(), f.mock.TokenRequests()
		r := userQuery(t, d, nil, `{"path":"/items"}`)[0]
		if r.Error == nil || !strings.Contains(r.Error.Error(), "sign in to Grafana with OAuth to use this datasource") || r.Status != backend.StatusUnauthorized {
			t.Fatalf("no user token: %v (status %d)", r.Error, r.Status)
		}
		if f.mock.APIRequests() != api || f.mock.TokenRequests() != tok {
			t.Fatalf("a request without a user token reached the API or the token endpoint")
		}
		// A malformed or non-Bearer header is refused the same way.
		for _, bad := range []string{"Basic YWxpY2U6cHc=", "Bearer ", "Bearer a\x00b"} {
			r := userQuery(t, d, map[string]string{"Authorization": bad}, `{"path":"/items"}`)[0]
			if r.Error == nil || r.Status != backend.StatusUnauthorized {
				t.Fatalf("header %q: %v", bad, r.Error)
			}
		}

		// Resource route (Alice is an Editor: the proxy route is for editors) and health, as Alice.
		var got *backend.CallResourceResponse
		err := d.CallResource(context.Background(), &backend.CallResourceRequest{Method: "GET", Path: "proxy/whoami", URL: "proxy/whoami",
			PluginContext: backend.PluginContext{User: &backend.User{Login: "alice", Role: "Editor"}},
			Headers:       map[string][]string{"Authorization": {"Bearer " + aliceToken}}},
			backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error { got = r; return nil }))
		if err != nil || got.Status != 200 || !strings.Contains(string(got.Body), `"user":"Alice"`) {
			t.Fatalf("proxy as Alice: %v %d %s", err, got.Status, got.Body)
		}
		health, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{Headers: as(aliceToken)})
		if health.Status != backend.HealthStatusOk || !strings.Contains(health.Message, "forwarding the signed-in user's OAuth token") ||
			!strings.Contains(health.Message, "API answered 200") {
			t.Fatalf("health as Alice: %q", health.Message)
		}
		health, _ = d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
		if health.Status != backend.HealthStatusError || !strings.Contains(health.Message, "sign in to Grafana with OAuth") {
			t.Fatalf("health without user: %q", health.Message)
		}
		for _, s := range []string{health.Message, string(got.Body)} {
			assertNoSecret(t, s, aliceToken, bobToken)
		}
	}
}

// TestPassThruAlertRules: an alert rule (FromAlert: true, no user) gets the client's
// client-credentials token when the client is configured, else an error that says why.
func TestPassThruAlertRules(t *testing.T) {
	f := newUserFixture(t, false)
	alert := map[string]string{backend.FromAlertHeaderName: "true"}

	d := newDS(t, f.settings(nil, false))
	r := userQuery(t, d, alert, `{"path":"/items"}`)[0]
	if r.Error == nil || !strings.Contains(r.Error.Error(), "alert rules run without a signed-in user") {
		t.Fatalf("alert without client: %v", r.Error)
	}

	d = newDS(t, f.settings(nil, true))
	if n := rows(t, userQuery(t, d, alert, `{"path":"/items"}`)[0]); n != 5 {
		t.Fatalf("alert rule with the client's token sees %d items, want all 5", n)
	}
	if form := f.mock.LastTokenForm(); form.Get("grant_type") != "client_credentials" {
		t.Fatalf("alert rule token grant %q", form.Get("grant_type"))
	}
	health, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{Headers: as(aliceToken)})
	if !strings.Contains(health.Message, "alert rules use the client's token") {
		t.Fatalf("health: %q", health.Message)
	}
}

// TestPassThruTokenExchange: with tokenExchange the API sees only tokens issued for its audience;
// the queries of one Grafana request share one exchange, the next request exchanges again (nothing
// outlives the request), and a refused user token is not retried.
func TestPassThruTokenExchange(t *testing.T) {
	f := newUserFixture(t, true)
	d := newDS(t, f.settings(map[string]any{"tokenExchange": true, "tokenExchangeAudience": audience, "audience": "client-audience"}, true))
	if d.configErr != nil {
		t.Fatal(d.configErr)
	}
	rs := userQuery(t, d, as(aliceToken), `{"path":"/items"}`, `{"path":"/whoami"}`, `{"path":"/items"}`)
	for _, r := range rs {
		if r.Error != nil {
			t.Fatal(r.Error)
		}
	}
	if n := rows(t, rs[0]); n != 1 {
		t.Fatalf("Alice (exchanged) sees %d items, want 1", n)
	}
	if n := f.mock.Exchanges(); n != 1 {
		t.Fatalf("%d exchanges for one request with three queries, want 1", n)
	}
	form := f.mock.LastTokenForm()
	if form.Get("grant_type") != mockapi.GrantTokenExchange || form.Get("subject_token") != aliceToken ||
		form.Get("subject_token_type") != mockapi.TokenTypeAccessToken || form.Get("audience") != audience {
		t.Fatalf("exchange request: %v", form)
	}
	// The user's headers from Grafana are not forwarded to the token endpoint (client auth is in
	// the body here, so an Authorization header could only be the user's).
	if th := f.mock.LastTokenHeaders(); th.Get("Authorization") != "" || th.Get("X-Id-Token") != "" {
		t.Fatalf("token endpoint saw Authorization %q X-Id-Token %q", th.Get("Authorization"), th.Get("X-Id-Token"))
	}
	if got := f.mock.LastAPIHeaders().Get("Authorization"); got == "Bearer "+aliceToken || !strings.HasPrefix(got, "Bearer ") {
		t.Fatalf("API saw %q: the user's own token, not the exchanged one", got)
	}
	userQuery(t, d, as(aliceToken), `{"path":"/items"}`)
	if n := f.mock.Exchanges(); n != 2 {
		t.Fatalf("%d exchanges after a second request, want 2 (no cache beyond a request)", n)
	}

	// An unknown user token: the exchange fails with a clear, token-free error.
	r := userQuery(t, d, as("stranger-token-1234567890abcdef"), `{"path":"/items"}`)[0]
	if r.Error == nil || !strings.Contains(r.Error.Error(), "token exchange for the signed-in user") || strings.Contains(r.Error.Error(), "stranger-token") {
		t.Fatalf("exchange of an unknown token: %v", r.Error)
	}

	// Without exchange, a user token the API refuses is not sent twice.
	g := newUserFixture(t, true)
	d = newDS(t, g.settings(nil, false))
	before := g.mock.APIRequests()
	r = userQuery(t, d, as(aliceToken), `{"path":"/items"}`)[0]
	if r.Error == nil || !strings.Contains(r.Error.Error(), "rejected the signed-in user's token") || g.mock.APIRequests()-before != 1 {
		t.Fatalf("refused user token: %v after %d API requests", r.Error, g.mock.APIRequests()-before)
	}
	assertNoSecret(t, r.Error.Error(), aliceToken)
}

// TestPassThruTokenExchangeDiscovered: with issuerUrl and no tokenUrl, the exchange goes to the
// token endpoint discovery found, like the client's own grant (it is that grant with the exchange's
// audience).
func TestPassThruTokenExchangeDiscovered(t *testing.T) {
	f := newUserFixture(t, true)
	var metadataReads atomic.Int64
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != mockapi.WellKnownOIDC {
			http.NotFound(w, r)
			return
		}
		metadataReads.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": "http://" + r.Host, "token_endpoint": f.srv.URL + mockapi.PathOAuthToken})
	}))
	t.Cleanup(issuer.Close)
	s := f.settings(map[string]any{"tokenExchange": true, "tokenExchangeAudience": audience, "issuerUrl": issuer.URL}, true)
	var jd map[string]any
	if err := json.Unmarshal(s.JSONData, &jd); err != nil {
		t.Fatal(err)
	}
	delete(jd, "tokenUrl")
	s.JSONData, _ = json.Marshal(jd)
	d := newDS(t, s)
	if d.configErr != nil {
		t.Fatal(d.configErr)
	}
	r := userQuery(t, d, as(aliceToken), `{"path":"/items"}`)[0]
	if n := rows(t, r); n != 1 {
		t.Fatalf("Alice (exchanged) sees %d items, want 1", n)
	}
	form := f.mock.LastTokenForm()
	if f.mock.Exchanges() != 1 || form.Get("grant_type") != mockapi.GrantTokenExchange || form.Get("audience") != audience {
		t.Fatalf("%d exchanges, last token request %v", f.mock.Exchanges(), form)
	}
	if n := metadataReads.Load(); n != 1 {
		t.Fatalf("%d metadata reads, want 1", n)
	}
}

func TestPassThruSettings(t *testing.T) {
	f := newUserFixture(t, false)
	for _, tc := range []struct {
		name       string
		extra      map[string]any
		withClient bool
		field      string
	}{
		{"exchange without client", map[string]any{"tokenExchange": true}, false, "tokenUrl"},
		{"exchange without pass-through", map[string]any{"oauthPassThru": false, "tokenExchange": true}, true, "tokenExchange"},
		{"audience without exchange", map[string]any{"tokenExchangeAudience": "x"}, false, "tokenExchangeAudience"},
		{"partial client", map[string]any{"tokenUrl": "https://idp.example/token"}, false, "secureJsonData.clientId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDS(t, f.settings(tc.extra, tc.withClient))
			if d.configErr == nil || !strings.Contains(d.configErr.Error(), tc.field) {
				t.Fatalf("configErr %v does not name %s", d.configErr, tc.field)
			}
		})
	}
	// Pure pass-through needs no client; token/status says so.
	d := newDS(t, f.settings(nil, false))
	if d.configErr != nil {
		t.Fatal(d.configErr)
	}
	if r := callResource(t, context.Background(), d, "token/status"); r.status != 200 || !strings.Contains(r.body, `"mode":"oauthPassThru"`) {
		t.Fatalf("token/status: %d %s", r.status, r.body)
	}
}

// TestPassThruUserTokenNeverExposed: endpoints that echo what they receive (the API echoes the
// request headers, the token endpoint echoes the exchange form in its error) cannot put the user's
// token into a frame, an error, a health message, a resource reply or a log line.
func TestPassThruUserTokenNeverExposed(t *testing.T) {
	logs := captureLogs(t)
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case mockapi.PathOAuthToken:
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": "invalid_grant", "error_description": "bad subject " + r.PostForm.Get("subject_token")})
		case "/api/echo":
			_ = json.NewEncoder(w).Encode([]map[string]any{{"headers": r.Header}})
		default:
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": "you sent " + r.Header.Get("Authorization")})
		}
	}))
	t.Cleanup(echo.Close)
	f := &userFixture{srv: echo}
	h := newHygiene(t)
	h.secret("user token", aliceToken)
	h.secret("client secret", clientSecret)

	plain := newDS(t, f.settings(map[string]any{"healthCheckPath": "/denied"}, false))
	exchange := newDS(t, f.settings(map[string]any{"tokenExchange": true, "healthCheckPath": "/echo"}, true))
	for name, d := range map[string]*Datasource{"plain": plain, "exchange": exchange} {
		for _, path := range []string{"/echo", "/denied"} {
			resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Headers: as(aliceToken),
				Queries: []backend.DataQuery{{RefID: "A", JSON: json.RawMessage(`{"path":"` + path + `"}`)}}})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(resp)
			h.add(name+" query "+path, string(b))
			if name == "plain" && path == "/echo" && (resp.Responses["A"].Error != nil || !strings.Contains(string(b), "[redacted]")) {
				t.Fatalf("the echo API's reply should carry the redacted token: %s", b)
			}
			if r := resp.Responses["A"]; r.Error != nil {
				h.add(name+" query error "+path, r.Error.Error())
			}
		}
		health, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{Headers: as(aliceToken)})
		h.add(name+" health", health.Message)
		var got *backend.CallResourceResponse
		_ = d.CallResource(context.Background(), &backend.CallResourceRequest{Method: "GET", Path: "proxy/echo", URL: "proxy/echo",
			Headers: map[string][]string{"Authorization": {"Bearer " + aliceToken}}},
			backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error { got = r; return nil }))
		h.add(name+" proxy", string(got.Body))
	}
	if len(h.seen) != 11 {
		t.Fatalf("collected only %d exposures", len(h.seen))
	}
	h.verify(logs)
}

// TestPassThruCustomPlacement: the user's token goes where tokenHeaderName/tokenHeaderTemplate say,
// and Grafana's own Authorization and X-Id-Token headers are not passed on.
func TestPassThruCustomPlacement(t *testing.T) {
	var seen atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Clone())
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"ok":true}]`))
	}))
	t.Cleanup(srv.Close)
	f := &userFixture{srv: srv}
	d := newDS(t, f.settings(map[string]any{"tokenHeaderName": "X-User-Token", "tokenHeaderTemplate": "Token {{token}}"}, false))
	if r := userQuery(t, d, as(aliceToken), `{"path":"/items"}`)[0]; r.Error != nil {
		t.Fatal(r.Error)
	}
	h := seen.Load().(http.Header)
	if h.Get("X-User-Token") != "Token "+aliceToken || h.Get("Authorization") != "" || h.Get("X-Id-Token") != "" {
		t.Fatalf("API saw X-User-Token %q Authorization %q X-Id-Token %q", h.Get("X-User-Token"), h.Get("Authorization"), h.Get("X-Id-Token"))
	}
}

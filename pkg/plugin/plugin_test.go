package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
)

const (
	clientID     = "demo-client"
	clientSecret = "s3cr3t-Value-9"
)

// fixture is the mock API plus a way to build datasource instances against it.
type fixture struct {
	mock *mockapi.Server
	srv  *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	m := mockapi.New(mockapi.Config{ClientID: clientID, ClientSecret: clientSecret})
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return &fixture{mock: m, srv: srv}
}

// customSettings is the case that started the project: {"token": ...} and X-Token + X-Client-ID.
func (f *fixture) customSettings() backend.DataSourceInstanceSettings {
	return f.settings("/custom/api", map[string]any{
		"tokenUrl": f.srv.URL + mockapi.PathCustomToken, "tokenPath": "token",
		"tokenHeaderName": "X-Token", "tokenHeaderTemplate": "{{token}}",
		"sendClientIdHeader": true, "clientIdHeaderName": "X-Client-ID", "healthCheckPath": "/items",
	}, nil)
}

// standardSettings is a plain RFC 6749 server with Authorization: Bearer.
func (f *fixture) standardSettings() backend.DataSourceInstanceSettings {
	return f.settings("/api", map[string]any{
		"tokenUrl": f.srv.URL + mockapi.PathOAuthToken, "clientAuth": "basic", "scopes": "read",
		"healthCheckPath": "items",
	}, nil)
}

func (f *fixture) settings(apiPath string, jsonData map[string]any, secure map[string]string) backend.DataSourceInstanceSettings {
	raw, _ := json.Marshal(jsonData)
	if secure == nil {
		secure = map[string]string{"clientId": clientID, "clientSecret": clientSecret}
	}
	return backend.DataSourceInstanceSettings{UID: "ds1", Type: "oauth2rest-api-datasource", Name: "test", URL: f.srv.URL + apiPath, JSONData: raw, DecryptedSecureJSONData: secure, Updated: time.Now()}
}

func newDS(t *testing.T, s backend.DataSourceInstanceSettings) *Datasource {
	t.Helper()
	inst, err := NewDatasource(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	d := inst.(*Datasource)
	t.Cleanup(d.Dispose)
	return d
}

func runQuery(t *testing.T, d *Datasource, q string) backend.DataResponse {
	t.Helper()
	resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", JSON: json.RawMessage(q), TimeRange: backend.TimeRange{From: time.Now().Add(-10 * time.Minute), To: time.Now()}, Interval: time.Minute,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Responses["A"]
}

func fieldNames(f *data.Frame) []string {
	var out []string
	for _, fl := range f.Fields {
		out = append(out, fl.Name)
	}
	return out
}

func TestEndToEndBothProviders(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name     string
		settings backend.DataSourceInstanceSettings
		check    func(t *testing.T, h http.Header)
	}{
		{"custom {token} with X-Token and X-Client-ID", f.customSettings(), func(t *testing.T, h http.Header) {
			if h.Get("X-Client-ID") != clientID || len(h.Get("X-Token")) != 32 || h.Get("Authorization") != "" {
				t.Errorf("API saw X-Client-ID=%q X-Token len %d Authorization=%q", h.Get("X-Client-ID"), len(h.Get("X-Token")), h.Get("Authorization"))
			}
		}},
		{"standard RFC 6749 with Bearer", f.standardSettings(), func(t *testing.T, h http.Header) {
			if !strings.HasPrefix(h.Get("Authorization"), "Bearer ") || h.Get("X-Client-ID") != "" {
				t.Errorf("API saw Authorization=%q X-Client-ID=%q", h.Get("Authorization"), h.Get("X-Client-ID"))
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDS(t, tc.settings)
			before := f.mock.TokenRequests()
			health, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
			if health.Status != backend.HealthStatusOk || !strings.Contains(health.Message, "Token obtained (expires in") || !strings.Contains(health.Message, "API answered 200") {
				t.Fatalf("health: %v %q", health.Status, health.Message)
			}
			r := runQuery(t, d, `{"method":"GET","path":"/items"}`)
			if r.Error != nil {
				t.Fatal(r.Error)
			}
			tc.check(t, f.mock.LastAPIHeaders())
			fr := r.Frames[0]
			if fr.Rows() != 5 {
				t.Fatalf("%d rows", fr.Rows())
			}
			if got := strings.Join(fieldNames(fr), ","); got != "id,name,value,active,createdAt,owner.name,owner.team" {
				t.Fatalf("fields %s", got)
			}
			if got := f.mock.TokenRequests() - before; got != 1 {
				t.Fatalf("%d token requests for health + query, want 1", got)
			}
		})
	}
}

func TestHundredConcurrentQueriesOneTokenRequest(t *testing.T) {
	f := newFixture(t)
	f.mock.SetTokenDelay(100 * time.Millisecond)
	d := newDS(t, f.customSettings())
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", JSON: json.RawMessage(`{"path":"/items"}`)}}})
			if err == nil {
				err = resp.Responses["A"].Error
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := f.mock.TokenRequests(); got != 1 {
		t.Fatalf("%d token requests for 100 concurrent queries, want 1", got)
	}
	if got := f.mock.APIRequests(); got != 100 {
		t.Fatalf("%d API requests, want 100", got)
	}
}

func TestRevokedTokenRefreshedOnSameQuery(t *testing.T) {
	f := newFixture(t)
	d := newDS(t, f.customSettings())
	if r := runQuery(t, d, `{"path":"/items"}`); r.Error != nil {
		t.Fatal(r.Error)
	}
	f.mock.RevokeAll()
	r := runQuery(t, d, `{"path":"/items"}`)
	if r.Error != nil {
		t.Fatalf("query after revocation: %v", r.Error)
	}
	if got := f.mock.TokenRequests(); got != 2 {
		t.Fatalf("%d token requests, want 2 (initial + after 401)", got)
	}
}

func TestQueryErrorsAreSpecificAndSecretFree(t *testing.T) {
	f := newFixture(t)
	good := newDS(t, f.customSettings())
	wrong := f.customSettings()
	wrong.DecryptedSecureJSONData = map[string]string{"clientId": clientID, "clientSecret": "wrong-secret-777"}
	bad := newDS(t, wrong)
	cases := []struct {
		name   string
		d      *Datasource
		query  string
		want   []string
		source backend.ErrorSource
	}{
		{"absolute URL", good, `{"path":"http://evil.example.com/x"}`, []string{"API URL", "not an absolute URL"}, backend.ErrorSourceDownstream},
		{"protocol-relative", good, `{"path":"//evil.example.com/x"}`, []string{"not a host"}, backend.ErrorSourceDownstream},
		{"dot-dot escape", good, `{"path":"/items/../../oauth/token"}`, []string{". or .. segments"}, backend.ErrorSourceDownstream},
		{"wrong secret", bad, `{"path":"/items"}`, []string{"token request failed (HTTP 401)", "invalid_client"}, backend.ErrorSourceDownstream},
		{"unknown API path", good, `{"path":"/nope"}`, []string{"API reply failed (HTTP 404)"}, backend.ErrorSourceDownstream},
		{"bad method", good, `{"path":"/items","method":"DELETE"}`, []string{"method \"DELETE\" is not supported"}, backend.ErrorSourceDownstream},
		{"bad selector", good, `{"path":"/items","rootSelector":"$["}`, []string{"rootSelector"}, backend.ErrorSourceDownstream},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runQuery(t, tc.d, tc.query)
			if r.Error == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Error.Error(), w) {
					t.Errorf("error %q lacks %q", r.Error, w)
				}
			}
			if r.ErrorSource != tc.source {
				t.Errorf("error source %q, want %q", r.ErrorSource, tc.source)
			}
			assertNoSecret(t, r.Error.Error(), clientSecret, "wrong-secret-777")
		})
	}
	health, _ := bad.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if health.Status != backend.HealthStatusError || !strings.Contains(health.Message, "token request failed (HTTP 401)") {
		t.Fatalf("health %q", health.Message)
	}
	assertNoSecret(t, health.Message, "wrong-secret-777")
}

func TestInvalidSettingsNameTheField(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name   string
		mutate func(*backend.DataSourceInstanceSettings)
		want   string
	}{
		{"no url", func(s *backend.DataSourceInstanceSettings) { s.URL = "" }, "url"},
		{"no secret", func(s *backend.DataSourceInstanceSettings) {
			s.DecryptedSecureJSONData = map[string]string{"clientId": "x"}
		}, "secureJsonData.clientSecret"},
		{"bad template", func(s *backend.DataSourceInstanceSettings) {
			s.JSONData = json.RawMessage(`{"tokenUrl":"http://x/token","tokenHeaderTemplate":"Bearer"}`)
		}, "tokenHeaderTemplate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := f.customSettings()
			tc.mutate(&s)
			d := newDS(t, s)
			health, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
			if health.Status != backend.HealthStatusError || !strings.Contains(health.Message, tc.want) {
				t.Fatalf("health %q lacks %q", health.Message, tc.want)
			}
			if r := runQuery(t, d, `{"path":"/items"}`); r.Error == nil || !strings.Contains(r.Error.Error(), tc.want) {
				t.Fatalf("query error %v lacks %q", r.Error, tc.want)
			}
		})
	}
}

func TestResources(t *testing.T) {
	f := newFixture(t)
	d := newDS(t, f.customSettings())
	call := func(method, path string) (int, string) {
		var got *backend.CallResourceResponse
		err := d.CallResource(context.Background(), &backend.CallResourceRequest{Method: method, Path: path, URL: path,
			PluginContext: backend.PluginContext{User: &backend.User{Login: "ed", Role: "Editor"}}},
			backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error { got = r; return nil }))
		if err != nil {
			t.Fatal(err)
		}
		return got.Status, string(got.Body)
	}
	status, body := call("GET", "token/status")
	if status != 200 || !strings.Contains(body, `"cached":false`) {
		t.Fatalf("status before: %d %s", status, body)
	}
	status, body = call("GET", "proxy/items?limit=2")
	if status != 200 || !strings.Contains(body, `"name"`) {
		t.Fatalf("proxy: %d %s", status, body)
	}
	if h := f.mock.LastAPIHeaders(); h.Get("X-Client-ID") != clientID {
		t.Fatalf("proxy did not authenticate: %v", h)
	}
	status, body = call("GET", "token/status")
	if status != 200 || !strings.Contains(body, `"cached":true`) || !strings.Contains(body, `"expiresAt"`) {
		t.Fatalf("status after: %d %s", status, body)
	}
	cur, _ := d.tokens.Token(context.Background())
	assertNoSecret(t, body, cur.AccessToken, clientSecret)
	status, body = call("GET", "proxy/..%2f..%2foauth/token")
	if status != 400 || !strings.Contains(body, "API URL") {
		t.Fatalf("escape via proxy: %d %s", status, body)
	}
	status, _ = call("DELETE", "proxy/items")
	if status != 405 {
		t.Fatalf("DELETE proxy: %d", status)
	}
}

func TestTimeSeriesQueryForAlerting(t *testing.T) {
	f := newFixture(t)
	d := newDS(t, f.customSettings())
	from := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	// Alerting sends no browser headers and relies on the backend for the time macros.
	resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", TimeRange: backend.TimeRange{From: from, To: from.Add(10 * time.Minute)},
		JSON: json.RawMessage(`{"path":"/metrics","params":[{"name":"from","value":"$__from"},{"name":"to","value":"$__to"}],
			"rootSelector":"$.data.points","format":"timeseries"}`),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	fr := r.Frames[0]
	if fr.Meta == nil || fr.Meta.Type != data.FrameTypeTimeSeriesWide {
		t.Fatalf("frame type %v", fr.Meta)
	}
	if len(fr.Fields) != 3 || fr.Fields[0].Type() != data.FieldTypeTime {
		t.Fatalf("fields %v", fieldNames(fr))
	}
	for _, fl := range fr.Fields[1:] {
		if !fl.Type().Numeric() || fl.Labels["host"] == "" {
			t.Fatalf("value field %s type %s labels %v", fl.Name, fl.Type(), fl.Labels)
		}
	}
	if fr.Rows() != 11 {
		t.Fatalf("%d rows, want 11 (10 minutes at 60 s step, both ends)", fr.Rows())
	}
	if first := fr.Fields[0].At(0).(time.Time); !first.Equal(from) {
		t.Fatalf("first time %v, want %v ($__from expanded)", first, from)
	}
}

func assertNoSecret(t *testing.T, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("secret leaked into %q", s)
		}
	}
}

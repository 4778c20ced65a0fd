package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/authcode"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/discovery"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/passthru"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/query"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// classAPI is a token endpoint and an API with one path per failure class.
func classAPI(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, secret, _ := r.BasicAuth(); secret != clientSecret && r.PostFormValue("client_secret") != clientSecret {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"class-token-123456","expires_in":3600}`))
	})
	reply := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	mux.HandleFunc("/api/items", reply(http.StatusOK, `[{"id":1,"n":"abc"}]`))
	mux.HandleFunc("/api/html", reply(http.StatusOK, `<html>maintenance</html>`))
	mux.HandleFunc("/api/missing", reply(http.StatusNotFound, `{"error":"no such thing"}`))
	mux.HandleFunc("/api/busy", reply(http.StatusServiceUnavailable, `{"error":"later"}`))
	mux.HandleFunc("/api/hang-up", func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close() // no answer at all: a transport failure
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func classSettings(srv *httptest.Server, jsonData map[string]any, secret string) backend.DataSourceInstanceSettings {
	jd := map[string]any{"tokenUrl": srv.URL + "/token", "allowedMethods": []string{"GET", "POST"}, "postPathPatterns": []string{"/search"}}
	for k, v := range jsonData {
		if jd[k] = v; v == nil {
			delete(jd, k)
		}
	}
	raw, _ := json.Marshal(jd)
	secure := map[string]string{"clientId": clientID, "clientSecret": secret}
	if secret == "" { // the signed-in user's token only
		secure = nil
	}
	return backend.DataSourceInstanceSettings{UID: "classes", URL: srv.URL + "/api", JSONData: raw, Updated: time.Now(), DecryptedSecureJSONData: secure}
}

// brokenDatasource has no API client: a nil dereference while running a query stands for a bug of ours.
func brokenDatasource(t *testing.T, srv *httptest.Server) *Datasource {
	t.Helper()
	cfg, err := settings.Load(classSettings(srv, nil, clientSecret))
	if err != nil {
		t.Fatal(err)
	}
	return &Datasource{uid: "broken", settings: cfg, logger: log.DefaultLogger}
}

// TestErrorClasses pins, for each class of failure, the status and the error source a query gets,
// the status of the proxy route where the class can occur there, and the step that opens the message.
func TestErrorClasses(t *testing.T) {
	srv := classAPI(t)
	good := newDS(t, classSettings(srv, nil, clientSecret))
	wrongSecret := newDS(t, classSettings(srv, nil, "wrong-secret-777"))
	badSettings := newDS(t, classSettings(srv, map[string]any{"tokenLocation": "cookie"}, clientSecret))
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	unreachableToken := newDS(t, classSettings(srv, map[string]any{"tokenUrl": down.URL + "/token"}, clientSecret))
	passThru := newDS(t, classSettings(srv, map[string]any{"oauthPassThru": true, "tokenUrl": nil}, ""))

	const (
		down_ = backend.ErrorSourceDownstream
		ours_ = backend.ErrorSourcePlugin
	)
	cases := []struct {
		name   string
		d      *Datasource
		query  string
		status backend.Status
		source backend.ErrorSource
		prefix string
		proxy  int // the proxy route's status for the same request (0: not a proxy case)
	}{
		{"settings", badSettings, `{"path":"/items"}`, 400, down_, "settings check failed: tokenLocation: ", 400},
		{"query", good, `{"path":"/items","format":"pie"}`, 400, down_, "query failed: format ", 0},
		{"query jq program", good, `{"path":"/items","jq":".["}`, 400, down_, "query failed: jq: ", 0},
		{"API URL", good, `{"path":"/items%2F..%2Ftoken"}`, 400, down_, "API URL failed: ", 400},
		{"request policy", good, `{"path":"/other","method":"POST","body":"{}"}`, 403, down_, "request policy failed: ", 403},
		{"token endpoint refuses", wrongSecret, `{"path":"/items"}`, 502, down_, "token request failed (HTTP 401): ", 502},
		{"token endpoint unreachable", unreachableToken, `{"path":"/items"}`, 502, down_, "token request failed: ", 502},
		{"no user token", passThru, `{"path":"/items"}`, 401, down_, "user token failed: sign in to Grafana", 401},
		{"API transport", good, `{"path":"/hang-up"}`, 502, down_, "API request failed: ", 502},
		{"API status 404", good, `{"path":"/missing"}`, 404, down_, "API reply failed (HTTP 404): ", 502},
		{"API status 503", good, `{"path":"/busy"}`, 503, down_, "API reply failed (HTTP 503): ", 502},
		{"API reply not JSON", good, `{"path":"/html"}`, 502, down_, "API reply failed: cannot be converted: reply is not valid JSON", 0},
		{"API reply not JSON (jq)", good, `{"path":"/html","jq":"."}`, 502, down_, "API reply failed: cannot be converted: reply is not valid JSON", 0},
		{"API reply not as declared", good, `{"path":"/items","columns":[{"selector":"n","type":"number"}]}`, 502, down_, `API reply failed: cannot be converted: column "n" row 0: `, 0},
		{"API reply lacks a time column", good, `{"path":"/items","format":"timeseries","columns":[{"selector":"id","type":"number"}]}`, 502, down_, "API reply failed: cannot be converted: ", 0},
		{"internal", brokenDatasource(t, srv), `{"path":"/items"}`, 500, ours_, "plugin failed: internal error while running query A", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := queryAs(tc.d, "Editor", tc.query)
			if r.Error == nil {
				t.Fatalf("want an error, got %d frames", len(r.Frames))
			}
			if r.Status != tc.status || r.ErrorSource != tc.source {
				t.Errorf("status %d source %q, want %d %q (%v)", r.Status, r.ErrorSource, tc.status, tc.source, r.Error)
			}
			if !strings.HasPrefix(r.Error.Error(), tc.prefix) {
				t.Errorf("message %q does not start with %q", r.Error, tc.prefix)
			}
			assertNoSecret(t, r.Error.Error(), clientSecret, "wrong-secret-777", "class-token-123456")
			if tc.proxy == 0 {
				return
			}
			var q struct{ Path, Method, Body string }
			_ = json.Unmarshal([]byte(tc.query), &q)
			if q.Method == "" {
				q.Method = http.MethodGet
			}
			got := callAs(t, tc.d, "Editor", q.Method, "proxy"+q.Path, q.Body)
			if got.status != tc.proxy || !strings.Contains(got.body, jsonQuoted(tc.prefix)) {
				t.Errorf("proxy: %d %s, want %d with %q", got.status, got.body, tc.proxy, tc.prefix)
			}
		})
	}
}

// jsonQuoted is s as it appears inside a JSON string.
func jsonQuoted(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// TestClassifyByType: the class follows the error's type through any wrapping, never its text.
func TestClassifyByType(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("page 2: %w", err) }
	cases := []struct {
		name   string
		err    error
		status backend.Status
		source backend.ErrorSource
	}{
		{"settings", &settings.FieldError{Field: "url", Reason: "is required"}, 400, backend.ErrorSourceDownstream},
		{"query", &query.Error{Msg: "jq: boom"}, 400, backend.ErrorSourceDownstream},
		{"user token", passthru.ErrNoUserToken, 401, backend.ErrorSourceDownstream},
		{"token request", &token.Error{Step: token.StepRequest, Status: 500}, 502, backend.ErrorSourceDownstream},
		{"token backoff", &token.BackoffError{Last: &token.Error{Step: token.StepReply}}, 502, backend.ErrorSourceDownstream},
		{"discovery", token.DiscoveryError(&discovery.Error{Status: 404, Msg: "no metadata"}), 502, backend.ErrorSourceDownstream},
		{"API URL", &upstream.Error{Step: upstream.StepURL}, 400, backend.ErrorSourceDownstream},
		{"request policy", &upstream.Error{Step: upstream.StepPolicy}, 403, backend.ErrorSourceDownstream},
		{"API request", &upstream.Error{Step: upstream.StepRequest}, 502, backend.ErrorSourceDownstream},
		{"API status", wrap(&upstream.Error{Step: upstream.StepReply, Status: 429}), 429, backend.ErrorSourceDownstream},
		{"bad reply", wrap(upstream.BadReply(" (page 2)", errors.New("reply is not valid JSON"))), 502, backend.ErrorSourceDownstream},
		{"deadline", wrap(context.DeadlineExceeded), 504, backend.ErrorSourceDownstream},
		{"internal", &internalError{what: "x"}, 500, backend.ErrorSourcePlugin},
		{"authorization state", authcode.ErrState, 500, backend.ErrorSourcePlugin}, // oauth/authorize's own failure
		// Text that looks like another class does not change the class.
		{"untyped", errors.New("token request failed (HTTP 401): settings check failed: url"), 500, backend.ErrorSourcePlugin},
	}
	for _, tc := range cases {
		if got := classify(tc.err); got.status != tc.status || got.source != tc.source {
			t.Errorf("%s: %d %q, want %d %q", tc.name, got.status, got.source, tc.status, tc.source)
		}
	}
	if err := ours(errors.New("no randomness")); err.Error() != "plugin failed: no randomness" {
		t.Errorf("ours: %q", err)
	}
	fe := &settings.FieldError{Field: "url", Reason: "is required"}
	if ours(fe) != error(fe) {
		t.Error("ours changed a classified error")
	}
}

package plugin

// Security guarantees of the plugin paths, end to end (issue #6): secret hygiene with a logger
// capture, and requests that never leave the API host. The outage, 401-storm and hostile-reply
// guarantees are in security_load_test.go and security_hostile_test.go.
//
// Tests in this file replace log.DefaultLogger and therefore must not call t.Parallel.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
)

// ---------------------------------------------------------------------------------------------
// Logger capture

type capturedLogs struct {
	mu    sync.Mutex
	lines []string
}

func (c *capturedLogs) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

// captureLogger records every message with all its key/values (the logger's own With attributes
// included), formatted with %v so that errors and structs show their text.
type captureLogger struct {
	buf   *capturedLogs
	attrs []any
}

func (l *captureLogger) write(level, msg string, args []any) {
	var b strings.Builder
	b.WriteString(level)
	b.WriteString(" ")
	b.WriteString(msg)
	for _, a := range append(append([]any(nil), l.attrs...), args...) {
		fmt.Fprintf(&b, " %v", a)
	}
	l.buf.mu.Lock()
	l.buf.lines = append(l.buf.lines, b.String())
	l.buf.mu.Unlock()
}

func (l *captureLogger) Debug(msg string, args ...any) { l.write("DEBUG", msg, args) }
func (l *captureLogger) Info(msg string, args ...any)  { l.write("INFO", msg, args) }
func (l *captureLogger) Warn(msg string, args ...any)  { l.write("WARN", msg, args) }
func (l *captureLogger) Error(msg string, args ...any) { l.write("ERROR", msg, args) }
func (l *captureLogger) With(args ...any) log.Logger {
	return &captureLogger{buf: l.buf, attrs: append(append([]any(nil), l.attrs...), args...)}
}
func (l *captureLogger) Level() log.Level { return log.Debug }
func (l *captureLogger) FromContext(ctx context.Context) log.Logger {
	return l.With(log.ContextualAttributesFromContext(ctx)...)
}

// captureLogs replaces the SDK's DefaultLogger (which every instance and the SDK's HTTP middlewares
// log through) until the end of the test. Callers must not run in parallel.
func captureLogs(t *testing.T) *capturedLogs {
	t.Helper()
	old := log.DefaultLogger
	c := &capturedLogs{}
	log.DefaultLogger = &captureLogger{buf: c}
	t.Cleanup(func() { log.DefaultLogger = old })
	return c
}

// ---------------------------------------------------------------------------------------------
// Exposure collector: everything a user, a browser or a log reader can see.

// hexRun matches the tokens, refresh tokens and authorization codes mockapi issues (32 hex digits).
var hexRun = regexp.MustCompile(`[0-9a-fA-F]{32}`)

type exposure struct {
	where, text string
	// clientIDAllowed: the client id is public by design here (the authorization URL sent to the
	// browser must carry client_id).
	clientIDAllowed bool
}

type hygiene struct {
	t         *testing.T
	mu        sync.Mutex
	seen      []exposure
	forbidden map[string]string // value -> what it is
	clientID  string
}

func newHygiene(t *testing.T) *hygiene {
	return &hygiene{t: t, forbidden: map[string]string{}}
}

// secret forbids v, and, so that a secret cut in half by a length limit is caught too, its first
// two thirds.
func (h *hygiene) secret(what, v string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.forbidden[v] = what
	if len(v) >= 9 {
		h.forbidden[v[:len(v)*2/3]] = what + " (prefix)"
	}
}

func (h *hygiene) add(where, text string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen = append(h.seen, exposure{where: where, text: text})
}

func (h *hygiene) addPublicClientID(where, text string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen = append(h.seen, exposure{where: where, text: text, clientIDAllowed: true})
}

func (h *hygiene) query(where string, d *Datasource, q string) backend.DataResponse {
	h.t.Helper()
	resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", JSON: json.RawMessage(q), TimeRange: backend.TimeRange{From: time.Now().Add(-10 * time.Minute), To: time.Now()}, Interval: time.Minute,
	}}})
	if err != nil {
		h.add(where+" QueryData error", err.Error())
		return backend.DataResponse{Error: err}
	}
	r := resp.Responses["A"]
	if r.Error != nil {
		h.add(where+" query error", r.Error.Error())
	}
	// Frames (data, schema, meta) and the error, as Grafana serialises them.
	b, err := json.Marshal(resp)
	if err != nil {
		h.t.Fatalf("%s: serialising the response: %v", where, err)
	}
	h.add(where+" response JSON", string(b))
	return r
}

func (h *hygiene) health(where string, d *Datasource) *backend.CheckHealthResult {
	h.t.Helper()
	res, err := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		h.add(where+" health error", err.Error())
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: err.Error()}
	}
	h.add(where+" health message", res.Message)
	h.add(where+" health details", string(res.JSONDetails))
	return res
}

func (h *hygiene) resource(where string, ctx context.Context, d *Datasource, method, pathAndQuery string) resourceReply {
	h.t.Helper()
	path, _, _ := strings.Cut(pathAndQuery, "?")
	var got *backend.CallResourceResponse
	// As an org admin, who sees the most (the sealed refresh token of oauth/status included).
	pc := backend.PluginContext{User: &backend.User{Login: "admin", Role: "Admin"}}
	err := d.CallResource(ctx, &backend.CallResourceRequest{Method: method, Path: path, URL: pathAndQuery, PluginContext: pc},
		backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error { got = r; return nil }))
	if err != nil {
		h.add(where+" CallResource error", err.Error())
		return resourceReply{}
	}
	r := resourceReply{got.Status, got.Headers, string(got.Body)}
	text := r.body + " " + fmt.Sprint(r.header)
	if strings.HasPrefix(path, "oauth/authorize") {
		h.addPublicClientID(where+" resource "+pathAndQuery, text)
	} else {
		h.add(where+" resource "+pathAndQuery, text)
	}
	return r
}

// verify checks every collected text and every log line.
func (h *hygiene) verify(logs *capturedLogs) {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	check := func(where, text string, clientIDAllowed bool) {
		for v, what := range h.forbidden {
			if clientIDAllowed && strings.HasPrefix(what, "client id") {
				continue
			}
			if strings.Contains(text, v) {
				h.t.Errorf("%s leaked into %s: %q", what, where, clip(text, 2000))
			}
		}
		if m := hexRun.FindString(text); m != "" {
			h.t.Errorf("a 32-hex value (token, refresh token or code) %q leaked into %s: %q", m, where, clip(text, 2000))
		}
	}
	for _, e := range h.seen {
		check(e.where, e.text, e.clientIDAllowed)
	}
	for i, line := range logs.all() {
		check(fmt.Sprintf("log line %d", i), line, false)
	}
}

// ---------------------------------------------------------------------------------------------
// A token endpoint that can pass requests to mockapi or echo everything it receives.

type echoMode int32

const (
	modePass     echoMode = iota // forward to mockapi
	modeEcho401                  // 401 invalid_client quoting the whole request
	modeEcho200                  // 200 without a token, error fields quoting the whole request
	modeEchoKeys                 // 200 whose field names are the request's values
	modeStraddle                 // 400 quoting one value so that a 300-character cut falls inside it
)

// serveTokenFront serves a tokenFront before mock's token endpoint at mockPath, until the test ends.
func serveTokenFront(t *testing.T, mock http.Handler, mockPath string) (*tokenFront, *httptest.Server) {
	front := &tokenFront{mock: mock, mockPath: mockPath}
	srv := httptest.NewServer(front)
	t.Cleanup(srv.Close)
	return front, srv
}

type tokenFront struct {
	mock     http.Handler
	mockPath string
	mode     atomic.Int32
	target   atomic.Value // string: request value quoted by modeStraddle ("client_secret", "refresh_token", "code", "basic", "header:X-Name")
	requests atomic.Int64
}

func (f *tokenFront) set(m echoMode, target string) {
	f.mode.Store(int32(m))
	f.target.Store(target)
}

func (f *tokenFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	mode := echoMode(f.mode.Load())
	if mode == modePass {
		r2 := r.Clone(r.Context())
		r2.URL.Path = f.mockPath
		f.mock.ServeHTTP(w, r2)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	vals := map[string]string{}
	if q, err := url.ParseQuery(string(raw)); err == nil {
		for k, v := range q {
			vals[k] = v[0]
		}
	}
	var js map[string]string
	if json.Unmarshal(raw, &js) == nil {
		for k, v := range js {
			vals[k] = v
		}
	}
	user, pass, _ := r.BasicAuth()
	vals["basic"] = user + ":" + pass
	var hdrs []string
	for k, v := range r.Header {
		if strings.HasPrefix(k, "X-") || k == "Authorization" {
			vals["header:"+k] = v[0]
			hdrs = append(hdrs, k+"="+v[0])
		}
	}
	sort.Strings(hdrs)
	everything := "basic " + vals["basic"] + " body " + string(raw) + " headers " + strings.Join(hdrs, " ")
	w.Header().Set("Content-Type", "application/json")
	switch mode {
	case modeEcho401:
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": everything})
	case modeEcho200:
		json.NewEncoder(w).Encode(map[string]string{"error": "server_error", "message": everything})
	case modeEchoKeys:
		obj := map[string]int{}
		for _, v := range vals {
			if v != "" && v != ":" {
				obj[v] = 1
			}
		}
		json.NewEncoder(w).Encode(obj)
	case modeStraddle:
		target, _ := f.target.Load().(string)
		v := vals[target]
		// describeError writes "<error>: <description>" and cuts at 300 bytes: put all but the last
		// two characters of v before the cut.
		const prefix = "invalid_request: "
		pad := 300 - len(prefix) - (len(v) - 2)
		if pad < 0 {
			pad = 0
		}
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request", "error_description": strings.Repeat("x", pad) + v})
	}
}

// ---------------------------------------------------------------------------------------------
// An API that echoes the request headers, like httpbin's /anything.

func echoAPI(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdrs := map[string]string{}
		for k, v := range r.Header {
			hdrs[k] = strings.Join(v, ",")
		}
		w.Header().Set("Content-Type", "application/json")
		// The echo also comes back in a response header, which the proxy route does not pass on.
		w.Header().Set("X-Echo-Token", r.Header.Get("X-Token"))
		switch {
		case strings.HasSuffix(r.URL.Path, "/fail"):
			w.WriteHeader(http.StatusInternalServerError)
		case strings.HasSuffix(r.URL.Path, "/denied"):
			w.WriteHeader(http.StatusUnauthorized)
		}
		json.NewEncoder(w).Encode(map[string]any{"headers": hdrs, "url": r.URL.String()})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// ---------------------------------------------------------------------------------------------

const (
	secureHeaderValue      = "hdr-S3CRET-value-a1"
	secureTokenParamValue  = "param-S3CRET-value-b2"
	secureTokenHeaderValue = "tokhdr-S3CRET-value-c3"
	wrongSecret            = "wrong-secret-777"
)

func basicCredential(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
}

// secureEverything: the custom provider with every kind of secure value configured.
func secureEverything(jsonData map[string]any) (map[string]any, map[string]string) {
	jsonData["headers"] = []map[string]any{{"name": "X-Api-Key", "secure": true}, {"name": "X-Plain", "value": "plain-value"}}
	jsonData["tokenParams"] = []map[string]any{{"name": "tenant_secret", "secure": true}, {"name": "tenant", "value": "t1"}}
	jsonData["tokenHeaders"] = []map[string]any{{"name": "X-Token-Key", "secure": true}}
	return jsonData, map[string]string{
		"clientId": clientID, "clientSecret": clientSecret,
		"header.X-Api-Key": secureHeaderValue, "tokenParam.tenant_secret": secureTokenParamValue,
		"tokenHeader.X-Token-Key": secureTokenHeaderValue,
	}
}

// TestSecretHygiene runs the plugin paths against the mock API, a token endpoint that echoes what
// it receives and an API that echoes what it receives, with the SDK logger captured. No client
// secret, client id, access token, refresh token, authorization code, secure header or secure token
// parameter may appear in a log line, an error, a health message, a frame (data or meta) or a
// resource reply. Tokens and codes of mockapi are 32 hex digits, so any 32-hex run is a leak.
func TestSecretHygiene(t *testing.T) {
	logs := captureLogs(t)
	t.Setenv("OAUTH2REST_STATE_DIR", t.TempDir())
	f := newFixture(t)
	h := newHygiene(t)
	for what, v := range map[string]string{
		"client secret": clientSecret, "wrong client secret": wrongSecret, "client id": clientID,
		"secure API header": secureHeaderValue, "secure token parameter": secureTokenParamValue,
		"secure token header": secureTokenHeaderValue,
		"client id (Basic)":   basicCredential(clientID, clientSecret),
	} {
		h.secret(what, v)
	}
	h.secret("client id (Basic, wrong secret)", basicCredential(clientID, wrongSecret))

	customJSON := func() map[string]any {
		return map[string]any{
			"tokenUrl": f.srv.URL + mockapi.PathCustomToken, "tokenPath": "token",
			"tokenHeaderName": "X-Token", "tokenHeaderTemplate": "{{token}}",
			"sendClientIdHeader": true, "clientIdHeaderName": "X-Client-ID", "healthCheckPath": "/items",
		}
	}

	t.Run("custom provider, every secure value, success paths", func(t *testing.T) {
		jd, secure := secureEverything(customJSON())
		d := newDS(t, f.settings("/custom/api", jd, secure))
		if res := h.health("custom ok", d); res.Status != backend.HealthStatusOk {
			t.Fatalf("health: %s", res.Message)
		}
		if r := h.query("custom items", d, `{"path":"/items"}`); r.Error != nil || len(r.Frames) == 0 {
			t.Fatalf("query: %v", r.Error)
		}
		if r := h.query("custom metrics", d, `{"path":"/metrics","params":[{"name":"from","value":"$__from"}],"rootSelector":"$.data.points","format":"timeseries"}`); r.Error != nil {
			t.Fatalf("timeseries query: %v", r.Error)
		}
		if h := f.mock.LastAPIHeaders(); h.Get("X-Api-Key") != secureHeaderValue || h.Get("X-Client-ID") != clientID {
			t.Fatalf("the secure header or client id did not reach the API (the test proves nothing): %v", h)
		}
		if r := h.resource("custom", context.Background(), d, "GET", "proxy/items?limit=2"); r.status != 200 {
			t.Fatalf("proxy: %d %s", r.status, r.body)
		}
		h.resource("custom", context.Background(), d, "GET", "proxy/nope")
		h.resource("custom", context.Background(), d, "GET", "proxy/..%2f..%2fcustom/token")
		h.resource("custom", context.Background(), d, "POST", "proxy/items")
		if r := h.resource("custom", context.Background(), d, "GET", "token/status"); !strings.Contains(r.body, `"cached":true`) {
			t.Fatalf("token status: %s", r.body)
		}
		h.resource("custom", context.Background(), d, "GET", "oauth/status")
		// 401 storm: every token revoked, the same query gets a new one.
		f.mock.RevokeAll()
		if r := h.query("custom after revoke", d, `{"path":"/items"}`); r.Error != nil {
			t.Fatalf("after revoke: %v", r.Error)
		}
		h.query("custom failing", d, `{"path":"/nope"}`)
		h.query("custom hostile path", d, `{"path":"http://evil.example.com/x"}`)
		h.query("custom bad header", d, `{"path":"/items","headers":[{"name":"X-Token","value":"mine"}]}`)
	})

	t.Run("standard provider, Basic, success and failure", func(t *testing.T) {
		jd, secure := secureEverything(map[string]any{
			"tokenUrl": f.srv.URL + mockapi.PathOAuthToken, "clientAuth": "basic", "scopes": "read", "healthCheckPath": "items",
		})
		d := newDS(t, f.settings("/api", jd, secure))
		if res := h.health("standard ok", d); res.Status != backend.HealthStatusOk {
			t.Fatalf("health: %s", res.Message)
		}
		if r := h.query("standard items", d, `{"path":"/items"}`); r.Error != nil {
			t.Fatalf("query: %v", r.Error)
		}
		secure["clientSecret"] = wrongSecret
		bad := newDS(t, f.settings("/api", jd, secure))
		if res := h.health("standard wrong secret", bad); res.Status != backend.HealthStatusError {
			t.Fatalf("health with a wrong secret: %s", res.Message)
		}
		if r := h.query("standard wrong secret", bad, `{"path":"/items"}`); r.Error == nil {
			t.Fatal("query with a wrong secret succeeded")
		}
		h.resource("standard wrong secret", context.Background(), bad, "GET", "token/status")
		h.resource("standard wrong secret", context.Background(), bad, "GET", "proxy/items")
	})

	t.Run("token endpoint echoing the request", func(t *testing.T) {
		front, fsrv := serveTokenFront(t, f.mock, mockapi.PathCustomToken)
		for _, style := range []struct {
			name  string
			extra map[string]any
		}{
			{"form body", nil},
			{"json body", map[string]any{"tokenRequestEncoding": "json"}},
			{"basic", map[string]any{"clientAuth": "basic"}},
		} {
			for _, mode := range []struct {
				name   string
				mode   echoMode
				target string
			}{
				{"401 echo", modeEcho401, ""}, {"200 echo", modeEcho200, ""}, {"keys echo", modeEchoKeys, ""},
				{"cut inside the secret", modeStraddle, "client_secret"}, {"cut inside the client id", modeStraddle, "client_id"},
				{"cut inside the secure param", modeStraddle, "tenant_secret"},
				{"cut inside the secure header", modeStraddle, "header:X-Token-Key"},
				{"cut inside Basic", modeStraddle, "header:Authorization"},
			} {
				name := style.name + ", " + mode.name
				t.Run(name, func(t *testing.T) {
					jd, secure := secureEverything(customJSON())
					jd["tokenUrl"] = fsrv.URL + "/token"
					for k, v := range style.extra {
						jd[k] = v
					}
					front.set(mode.mode, mode.target)
					d := newDS(t, f.settings("/custom/api", jd, secure))
					if res := h.health("echo "+name, d); res.Status != backend.HealthStatusError {
						t.Fatalf("health: %s", res.Message)
					}
					// Through the backoff, then once more on a fresh instance.
					if r := h.query("echo "+name, d, `{"path":"/items"}`); r.Error == nil {
						t.Fatal("query succeeded")
					}
					h.resource("echo "+name, context.Background(), d, "GET", "token/status")
					h.resource("echo "+name, context.Background(), d, "GET", "proxy/items")
					d2 := newDS(t, f.settings("/custom/api", jd, secure))
					h.query("echo fresh "+name, d2, `{"path":"/items"}`)
				})
			}
		}
	})

	t.Run("API echoing the request", func(t *testing.T) {
		api := echoAPI(t)
		jd, secure := secureEverything(customJSON())
		jd["healthCheckPath"] = "/fail"
		s := f.settings("", jd, secure)
		s.URL = api.URL + "/v1"
		d := newDS(t, s)
		if res := h.health("echo API", d); res.Status != backend.HealthStatusError {
			t.Fatalf("health: %s", res.Message)
		}
		r := h.query("echo API ok", d, `{"path":"/anything"}`)
		if r.Error != nil || len(r.Frames) == 0 {
			t.Fatalf("query: %v", r.Error)
		}
		h.query("echo API ok, JSON columns", d, `{"path":"/anything","columns":[{"selector":"headers","type":"json"}]}`)
		h.query("echo API 500", d, `{"path":"/fail"}`)
		h.query("echo API 401", d, `{"path":"/denied"}`)
		h.resource("echo API", context.Background(), d, "GET", "proxy/anything")
		h.resource("echo API", context.Background(), d, "GET", "proxy/fail")
		h.resource("echo API", context.Background(), d, "GET", "proxy/denied")
	})

	t.Run("authorization code: connect, refresh, re-auth", func(t *testing.T) {
		front, fsrv := serveTokenFront(t, f.mock, mockapi.PathOAuthToken)
		s := f.authCodeSettings(nil)
		var jd map[string]any
		json.Unmarshal(s.JSONData, &jd)
		jd["tokenUrl"] = fsrv.URL + "/token"
		s.JSONData, _ = json.Marshal(jd)
		d := newDS(t, s)
		h.query("authcode before connect", d, `{"path":"/items"}`)
		h.resource("authcode", context.Background(), d, "GET", "oauth/status")
		h.resource("authcode", context.Background(), d, "GET", "oauth/authorize")

		// The code exchange fails at an endpoint that echoes the code, the verifier and the secret.
		front.set(modeEcho401, "")
		r := h.resource("authcode echo exchange", context.Background(), d, "GET", "oauth/callback?"+consent(t, d).Encode())
		if r.status != 400 {
			t.Fatalf("callback at an echoing endpoint: %d %s", r.status, r.body)
		}
		front.set(modeStraddle, "code")
		h.resource("authcode cut code", context.Background(), d, "GET", "oauth/callback?"+consent(t, d).Encode())

		front.set(modePass, "")
		back := consent(t, d)
		if r := h.resource("authcode connect", context.Background(), d, "GET", "oauth/callback?"+back.Encode()); r.status != 200 {
			t.Fatalf("callback: %d %s", r.status, r.body)
		}
		h.resource("authcode replay", context.Background(), d, "GET", "oauth/callback?"+back.Encode())
		ctx := backend.WithGrafanaConfig(context.Background(), backend.NewGrafanaCfg(map[string]string{"GF_APP_URL": "http://grafana.local/"}))
		h.resource("authcode redirect", ctx, d, "GET", "oauth/callback?"+consent(t, d).Encode())
		if q := h.query("authcode connected", d, `{"path":"/items"}`); q.Error != nil {
			t.Fatalf("query after connect: %v", q.Error)
		}
		if res := h.health("authcode connected", d); res.Status != backend.HealthStatusOk {
			t.Fatalf("health: %s", res.Message)
		}
		h.resource("authcode connected", context.Background(), d, "GET", "oauth/status")
		h.resource("authcode connected", context.Background(), d, "GET", "token/status")

		// The refresh grant at an endpoint that echoes the refresh token. Each round uses a new
		// instance: it restores the refresh token from the state file and has no access token, so
		// its first query refreshes (and the backoff of the previous round does not apply).
		for _, m := range []struct {
			mode   echoMode
			target string
		}{{modeEcho401, ""}, {modeEcho200, ""}, {modeEchoKeys, ""}, {modeStraddle, "refresh_token"}} {
			front.set(m.mode, m.target)
			d = newDS(t, s)
			before := front.requests.Load()
			h.query(fmt.Sprintf("authcode refresh echo %d", m.mode), d, `{"path":"/items"}`)
			if front.requests.Load() == before {
				t.Fatal("no refresh request reached the echoing endpoint: the test proves nothing")
			}
			h.health(fmt.Sprintf("authcode refresh echo %d", m.mode), d)
			h.resource(fmt.Sprintf("authcode refresh echo %d", m.mode), context.Background(), d, "GET", "oauth/status")
			h.resource(fmt.Sprintf("authcode refresh echo %d", m.mode), context.Background(), d, "GET", "token/status")
		}

		front.set(modePass, "")
		f.mock.RevokeAll()
		d = newDS(t, s)
		if q := h.query("authcode refresh", d, `{"path":"/items"}`); q.Error != nil {
			t.Fatalf("query after revoke: %v", q.Error)
		}
		f.mock.RevokeRefreshTokens()
		f.mock.RevokeAll()
		h.query("authcode invalid_grant", d, `{"path":"/items"}`)
		h.health("authcode invalid_grant", d)
		h.resource("authcode invalid_grant", context.Background(), d, "GET", "oauth/status")
	})

	t.Run("invalid settings", func(t *testing.T) {
		jd, secure := secureEverything(customJSON())
		jd["headers"] = []map[string]any{{"name": "X-Api-Key", "secure": true, "value": secureHeaderValue}}
		d := newDS(t, f.settings("/custom/api", jd, secure))
		h.health("invalid settings", d)
		h.query("invalid settings", d, `{"path":"/items"}`)
		h.resource("invalid settings", context.Background(), d, "GET", "token/status")
	})

	h.verify(logs)
	// The capture must have seen the plugin's own logging, or it proves nothing.
	joined := strings.Join(logs.all(), "\n")
	for _, want := range []string{"query failed", "authorization code callback failed", "authorization code grant connected"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %q in the captured logs: the capture missed the plugin's logger", want)
		}
	}
	t.Logf("checked %d texts and %d log lines against %d forbidden values", len(h.seen), len(logs.all()), len(h.forbidden))
}

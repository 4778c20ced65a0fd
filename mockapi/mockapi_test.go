package mockapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testID     = "demo-client"
	testSecret = "demo-secret"
)

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func newTestServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	if cfg.ClientID == "" {
		cfg.ClientID = testID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = testSecret
	}
	s := New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

func postForm(t *testing.T, u string, form url.Values, basicUser, basicPass string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" || basicPass != "" {
		req.SetBasicAuth(basicUser, basicPass)
	}
	return do(t, req)
}

func get(t *testing.T, u string, headers map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return do(t, req)
}

func expect(t *testing.T, r reply, status int, body string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d (body %s)", r.status, status, r.body)
	}
	if body != "" && strings.TrimSpace(string(r.body)) != body {
		t.Fatalf("body = %s, want %s", bytes.TrimSpace(r.body), body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
}

func customToken(t *testing.T, base string) string {
	t.Helper()
	r := postForm(t, base+PathCustomToken, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {testID}, "client_secret": {testSecret},
	}, "", "")
	expect(t, r, http.StatusOK, "")
	m := r.json(t)
	if len(m) != 1 {
		t.Fatalf("custom token reply has keys %v, want only \"token\"", m)
	}
	tok, _ := m["token"].(string)
	if !hex32.MatchString(tok) {
		t.Fatalf("token %q is not 32 hex chars", tok)
	}
	return tok
}

func standardToken(t *testing.T, base string, form url.Values, user, pass string) map[string]any {
	t.Helper()
	r := postForm(t, base+PathOAuthToken, form, user, pass)
	expect(t, r, http.StatusOK, "")
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", r.header.Get("Cache-Control"))
	}
	return r.json(t)
}

func TestHealth(t *testing.T) {
	_, ts := newTestServer(t, Config{})
	expect(t, get(t, ts.URL+PathHealth, nil), http.StatusOK, `{"status":"ok"}`)
}

func TestCustomFlow(t *testing.T) {
	s, ts := newTestServer(t, Config{})
	tok := customToken(t, ts.URL)
	good := map[string]string{"X-Client-ID": testID, "X-Token": tok}

	for _, p := range []string{PathCustomItems, PathCustomMetrics} {
		r := get(t, ts.URL+p, good)
		expect(t, r, http.StatusOK, "")
	}
	if h := s.LastAPIHeaders(); h.Get("X-Token") != tok || h.Get("X-Client-ID") != testID {
		t.Errorf("LastAPIHeaders = %v", h)
	}

	unauthorized := `{"error":"unauthorized"}`
	cases := map[string]map[string]string{
		"wrong client id":   {"X-Client-ID": "other", "X-Token": tok},
		"missing client id": {"X-Token": tok},
		"missing token":     {"X-Client-ID": testID},
		"unknown token":     {"X-Client-ID": testID, "X-Token": strings.Repeat("0", 32)},
		"bearer instead":    {"X-Client-ID": testID, "Authorization": "Bearer " + tok},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			expect(t, get(t, ts.URL+PathCustomItems, h), http.StatusUnauthorized, unauthorized)
			// Rejected requests are recorded too.
			if got := s.LastAPIHeaders().Get("X-Client-ID"); got != h["X-Client-ID"] {
				t.Errorf("LastAPIHeaders X-Client-ID = %q, want %q", got, h["X-Client-ID"])
			}
		})
	}

	// The custom token is not accepted by the standard API.
	expect(t, get(t, ts.URL+PathItems, map[string]string{"Authorization": "Bearer " + tok}),
		http.StatusUnauthorized, unauthorized)

	s.RevokeAll()
	expect(t, get(t, ts.URL+PathCustomItems, good), http.StatusUnauthorized, unauthorized)

	// A new token works again.
	tok2 := customToken(t, ts.URL)
	if tok2 == tok {
		t.Fatal("token reused")
	}
	expect(t, get(t, ts.URL+PathCustomItems, map[string]string{"X-Client-ID": testID, "X-Token": tok2}), http.StatusOK, "")
}

func TestCustomTokenErrors(t *testing.T) {
	_, ts := newTestServer(t, Config{})
	u := ts.URL + PathCustomToken
	tests := []struct {
		name   string
		form   url.Values
		status int
		body   string
	}{
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {testID}, "client_secret": {"nope"}},
			401, `{"error":"invalid_client","message":"client authentication failed"}`},
		{"wrong id", url.Values{"grant_type": {"client_credentials"}, "client_id": {"x"}, "client_secret": {testSecret}},
			401, `{"error":"invalid_client","message":"client authentication failed"}`},
		{"no credentials", url.Values{"grant_type": {"client_credentials"}},
			401, `{"error":"invalid_client","message":"client authentication failed"}`},
		{"missing grant", url.Values{"client_id": {testID}, "client_secret": {testSecret}},
			400, `{"error":"unsupported_grant_type"}`},
		{"other grant", url.Values{"grant_type": {"password"}, "client_id": {testID}, "client_secret": {testSecret}},
			400, `{"error":"unsupported_grant_type"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, postForm(t, u, tc.form, "", ""), tc.status, tc.body)
		})
	}
	t.Run("GET", func(t *testing.T) {
		r := get(t, u, nil)
		expect(t, r, http.StatusMethodNotAllowed, "")
		if r.header.Get("Allow") != "POST" {
			t.Errorf("Allow = %q", r.header.Get("Allow"))
		}
	})
	t.Run("credentials in query ignored", func(t *testing.T) {
		q := url.Values{"grant_type": {"client_credentials"}, "client_id": {testID}, "client_secret": {testSecret}}
		expect(t, postForm(t, u+"?"+q.Encode(), url.Values{}, "", ""), 401, "")
	})
}

func TestStandardFlow(t *testing.T) {
	// Credentials with characters that RFC 6749 2.3.1 form-encodes for Basic.
	const id, secret = "my client:1", "p@ss+w/rd%&="
	s, ts := newTestServer(t, Config{ClientID: id, ClientSecret: secret, TokenLifetime: 30 * time.Minute})

	check := func(t *testing.T, m map[string]any, scope string) string {
		t.Helper()
		tok, _ := m["access_token"].(string)
		if !hex32.MatchString(tok) {
			t.Fatalf("access_token %q is not 32 hex chars", tok)
		}
		if m["token_type"] != "Bearer" {
			t.Errorf("token_type = %v", m["token_type"])
		}
		if m["expires_in"] != float64(1800) {
			t.Errorf("expires_in = %v, want 1800", m["expires_in"])
		}
		if got, _ := m["scope"].(string); got != scope {
			t.Errorf("scope = %q, want %q", got, scope)
		}
		r := get(t, ts.URL+PathItems, map[string]string{"Authorization": "Bearer " + tok})
		expect(t, r, http.StatusOK, "")
		return tok
	}

	t.Run("basic", func(t *testing.T) {
		m := standardToken(t, ts.URL, url.Values{"grant_type": {"client_credentials"}, "scope": {"read write"}},
			url.QueryEscape(id), url.QueryEscape(secret))
		check(t, m, "read write")
	})
	t.Run("body", func(t *testing.T) {
		m := standardToken(t, ts.URL, url.Values{
			"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret},
		}, "", "")
		tok := check(t, m, "")
		if _, ok := m["scope"]; ok {
			t.Errorf("scope present although none requested: %v", m)
		}
		// Not accepted by the custom API.
		expect(t, get(t, ts.URL+PathCustomItems, map[string]string{"X-Client-ID": id, "X-Token": tok}),
			http.StatusUnauthorized, `{"error":"unauthorized"}`)
		// Revocation.
		s.RevokeAll()
		expect(t, get(t, ts.URL+PathMetrics, map[string]string{"Authorization": "Bearer " + tok}),
			http.StatusUnauthorized, `{"error":"unauthorized"}`)
	})
	t.Run("errors", func(t *testing.T) {
		grant := url.Values{"grant_type": {"client_credentials"}}
		r := postForm(t, ts.URL+PathOAuthToken, grant, url.QueryEscape(id), "wrong")
		expect(t, r, 401, `{"error":"invalid_client"}`)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Error("no WWW-Authenticate on Basic failure")
		}
		// Basic without the RFC 6749 encoding fails for these credentials.
		expect(t, postForm(t, ts.URL+PathOAuthToken, grant, id, secret), 401, `{"error":"invalid_client"}`)
		expect(t, postForm(t, ts.URL+PathOAuthToken, url.Values{
			"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"x"},
		}, "", ""), 401, `{"error":"invalid_client"}`)
		expect(t, postForm(t, ts.URL+PathOAuthToken, grant, "", ""), 401, `{"error":"invalid_client"}`)
		expect(t, postForm(t, ts.URL+PathOAuthToken, url.Values{"grant_type": {"password"}},
			url.QueryEscape(id), url.QueryEscape(secret)), 400, `{"error":"unsupported_grant_type"}`)
		expect(t, postForm(t, ts.URL+PathOAuthToken, url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}},
			url.QueryEscape(id), url.QueryEscape(secret)), 400, `{"error":"invalid_grant","message":"unknown or expired code"}`)
		expect(t, postForm(t, ts.URL+PathOAuthToken, url.Values{"client_id": {id}, "client_secret": {secret}}, "", ""),
			400, `{"error":"unsupported_grant_type"}`)
		expect(t, get(t, ts.URL+PathOAuthToken, nil), 405, "")
	})
	t.Run("bad authorization headers", func(t *testing.T) {
		for _, h := range []string{"", "Bearer", "Bearer ", "Basic abc", "Token " + strings.Repeat("a", 32)} {
			expect(t, get(t, ts.URL+PathItems, map[string]string{"Authorization": h}),
				http.StatusUnauthorized, `{"error":"unauthorized"}`)
		}
	})
}

func TestStandardExpiry(t *testing.T) {
	_, ts := newTestServer(t, Config{TokenLifetime: 900 * time.Millisecond}) // room for the first GET under load
	m := standardToken(t, ts.URL, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {testID}, "client_secret": {testSecret},
	}, "", "")
	if m["expires_in"] != float64(1) {
		t.Errorf("expires_in = %v, want 1 (sub-second lifetimes are reported as 1)", m["expires_in"])
	}
	auth := map[string]string{"Authorization": "Bearer " + m["access_token"].(string)}
	expect(t, get(t, ts.URL+PathItems, auth), http.StatusOK, "")
	time.Sleep(1200 * time.Millisecond)
	expect(t, get(t, ts.URL+PathItems, auth), http.StatusUnauthorized, `{"error":"unauthorized"}`)
}

func TestDefaultLifetime(t *testing.T) {
	_, ts := newTestServer(t, Config{})
	m := standardToken(t, ts.URL, url.Values{"grant_type": {"client_credentials"}}, testID, testSecret)
	if m["expires_in"] != float64(3600) {
		t.Errorf("expires_in = %v, want 3600", m["expires_in"])
	}
}

func TestItems(t *testing.T) {
	_, ts := newTestServer(t, Config{})
	tok := customToken(t, ts.URL)
	r := get(t, ts.URL+PathCustomItems, map[string]string{"X-Client-ID": testID, "X-Token": tok})
	expect(t, r, http.StatusOK, "")

	var list []map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 5 {
		t.Fatalf("%d items, want 5", len(list))
	}
	nulls := 0
	for _, it := range list {
		if string(it["value"]) == "null" {
			nulls++
		}
	}
	if nulls != 1 {
		t.Errorf("%d items with value null, want 1", nulls)
	}
	// Key order of the first object.
	dec := json.NewDecoder(bytes.NewReader(r.body))
	var keys []string
	depth := 0
	for {
		tk, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := tk.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			if d == '}' && depth == 1 {
				break
			}
			continue
		}
		if depth == 2 {
			keys = append(keys, tk.(string))
			// Skip the value.
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := strings.Join(keys, ","); got != "id,name,value,active,createdAt,owner" {
		t.Errorf("key order = %s", got)
	}
	var typed []Item
	if err := json.Unmarshal(r.body, &typed); err != nil {
		t.Fatal(err)
	}
	for _, it := range typed {
		if _, err := time.Parse(time.RFC3339, it.CreatedAt); err != nil {
			t.Errorf("createdAt %q: %v", it.CreatedAt, err)
		}
		if it.Owner.Name == "" || it.Owner.Team == "" {
			t.Errorf("owner incomplete: %+v", it.Owner)
		}
	}
	// Same data on the standard route.
	m := standardToken(t, ts.URL, url.Values{"grant_type": {"client_credentials"}}, testID, testSecret)
	r2 := get(t, ts.URL+PathItems, map[string]string{"Authorization": "Bearer " + m["access_token"].(string)})
	expect(t, r2, http.StatusOK, string(bytes.TrimSpace(r.body)))
}

func metricsPoints(t *testing.T, r reply) []Point {
	t.Helper()
	var m MetricsResponse
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("%s: %v", r.body, err)
	}
	return m.Data.Points
}

func TestMetrics(t *testing.T) {
	s, ts := newTestServer(t, Config{})
	tok := customToken(t, ts.URL)
	hdr := map[string]string{"X-Client-ID": testID, "X-Token": tok}
	fetch := func(query string) reply { return get(t, ts.URL+PathCustomMetrics+query, hdr) }

	t.Run("from to step", func(t *testing.T) {
		from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		to := from.Add(10 * time.Minute)
		r := fetch(fmt.Sprintf("?from=%d&to=%d&step=60", from.UnixMilli(), to.UnixMilli()))
		expect(t, r, http.StatusOK, "")
		pts := metricsPoints(t, r)
		if len(pts) != 22 { // 11 timestamps (inclusive) x 2 hosts
			t.Fatalf("%d points, want 22", len(pts))
		}
		for i, p := range pts {
			wantTime := from.Add(time.Duration(i/2) * time.Minute).Format(time.RFC3339)
			wantHost := []string{"a", "b"}[i%2]
			if p.Time != wantTime || p.Host != wantHost {
				t.Fatalf("point %d = %+v, want time %s host %s", i, p, wantTime, wantHost)
			}
			if p.CPU < 0 || p.CPU > 100 {
				t.Errorf("cpu %v out of range", p.CPU)
			}
		}
		if pts[0].CPU == pts[1].CPU {
			t.Errorf("hosts a and b have the same value %v", pts[0].CPU)
		}
		// Deterministic.
		if r2 := fetch(fmt.Sprintf("?from=%d&to=%d&step=60", from.UnixMilli(), to.UnixMilli())); !bytes.Equal(r.body, r2.body) {
			t.Error("metrics not deterministic")
		}
		// Step 300 over the same range: 0, 5, 10 minutes.
		if n := len(metricsPoints(t, fetch(fmt.Sprintf("?from=%d&to=%d&step=300", from.UnixMilli(), to.UnixMilli())))); n != 6 {
			t.Errorf("step 300: %d points, want 6", n)
		}
		// Default step 60.
		if n := len(metricsPoints(t, fetch(fmt.Sprintf("?from=%d&to=%d", from.UnixMilli(), to.UnixMilli())))); n != 22 {
			t.Errorf("default step: %d points, want 22", n)
		}
		// from == to: one timestamp.
		if n := len(metricsPoints(t, fetch(fmt.Sprintf("?from=%d&to=%d", from.UnixMilli(), from.UnixMilli())))); n != 2 {
			t.Errorf("from==to: %d points, want 2", n)
		}
	})
	t.Run("cap", func(t *testing.T) {
		r := fetch("?from=0&to=86400000&step=1")
		expect(t, r, http.StatusOK, "")
		if n := len(metricsPoints(t, r)); n != MaxPoints {
			t.Errorf("%d points, want %d", n, MaxPoints)
		}
	})
	t.Run("default range", func(t *testing.T) {
		now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
		s.mu.Lock()
		s.now = func() time.Time { return now }
		s.mu.Unlock()
		defer func() { s.mu.Lock(); s.now = time.Now; s.mu.Unlock() }()
		r := fetch("")
		expect(t, r, http.StatusOK, "")
		pts := metricsPoints(t, r)
		if len(pts) != 122 {
			t.Fatalf("%d points, want 122", len(pts))
		}
		if pts[0].Time != now.Add(-time.Hour).Format(time.RFC3339) || pts[len(pts)-1].Time != now.Format(time.RFC3339) {
			t.Errorf("range %s..%s", pts[0].Time, pts[len(pts)-1].Time)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, q := range []string{
			"?from=abc&to=1000", "?from=0&to=xyz", "?from=1.5&to=2000", "?from=-1&to=1000",
			"?from=2000&to=1000", "?from=0&to=1000&step=0", "?from=0&to=1000&step=-5",
			"?from=0&to=1000&step=1m", "?from=99999999999999999999&to=1",
		} {
			r := fetch(q)
			expect(t, r, http.StatusBadRequest, "")
			m := r.json(t)
			if m["error"] != "bad_request" || m["message"] == "" {
				t.Errorf("%s: body %s", q, r.body)
			}
		}
	})
}

func TestCounters(t *testing.T) {
	s, ts := newTestServer(t, Config{})
	if s.TokenRequests() != 0 || s.APIRequests() != 0 || s.LastAPIHeaders() != nil {
		t.Fatal("fresh server not zero")
	}
	tok := customToken(t, ts.URL)                                                                  // 1
	postForm(t, ts.URL+PathCustomToken, url.Values{"grant_type": {"client_credentials"}}, "", "")  // 2 (401)
	get(t, ts.URL+PathCustomToken, nil)                                                            // 3 (405)
	standardToken(t, ts.URL, url.Values{"grant_type": {"client_credentials"}}, testID, testSecret) // 4
	postForm(t, ts.URL+PathOAuthToken, url.Values{}, testID, testSecret)                           // 5 (400)
	get(t, ts.URL+PathHealth, nil)                                                                 // neither
	get(t, ts.URL+"/nope", nil)                                                                    // neither
	if got := s.TokenRequests(); got != 5 {
		t.Errorf("TokenRequests = %d, want 5", got)
	}

	get(t, ts.URL+PathCustomItems, map[string]string{"X-Client-ID": testID, "X-Token": tok}) // 1
	get(t, ts.URL+PathCustomMetrics, nil)                                                    // 2 (401)
	get(t, ts.URL+PathItems, nil)                                                            // 3 (401)
	postForm(t, ts.URL+PathMetrics, url.Values{}, "", "")                                    // 4 (405)
	get(t, ts.URL+"/api/unknown", map[string]string{"X-Marker": "last"})                     // 5 (401)
	if got := s.APIRequests(); got != 5 {
		t.Errorf("APIRequests = %d, want 5", got)
	}
	if s.TokenRequests() != 5 {
		t.Errorf("API requests changed TokenRequests")
	}
	h := s.LastAPIHeaders()
	if h.Get("X-Marker") != "last" {
		t.Errorf("LastAPIHeaders = %v", h)
	}
	h.Set("X-Marker", "mutated")
	if s.LastAPIHeaders().Get("X-Marker") != "last" {
		t.Error("LastAPIHeaders does not return a copy")
	}
}

func TestConcurrentTokenRequests(t *testing.T) {
	s, ts := newTestServer(t, Config{})
	s.SetTokenDelay(100 * time.Millisecond)
	const n = 20
	var wg sync.WaitGroup
	toks := make([]string, n)
	errs := make(chan error, n)
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, body := ts.URL+PathCustomToken, url.Values{
				"grant_type": {"client_credentials"}, "client_id": {testID}, "client_secret": {testSecret},
			}
			if i%2 == 1 {
				u = ts.URL + PathOAuthToken
			}
			resp, err := http.PostForm(u, body)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var m map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
				errs <- fmt.Errorf("status %d, err %v", resp.StatusCode, err)
				return
			}
			if tok, ok := m["token"].(string); ok {
				toks[i] = tok
			} else {
				toks[i], _ = m["access_token"].(string)
			}
			// Use the token right away, concurrently with other issuances.
			req, _ := http.NewRequest(http.MethodGet, ts.URL+PathItems, nil)
			if i%2 == 1 {
				req.Header.Set("Authorization", "Bearer "+toks[i])
			} else {
				req, _ = http.NewRequest(http.MethodGet, ts.URL+PathCustomItems, nil)
				req.Header.Set("X-Client-ID", testID)
				req.Header.Set("X-Token", toks[i])
			}
			r2, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			r2.Body.Close()
			if r2.StatusCode != 200 {
				errs <- fmt.Errorf("API status %d", r2.StatusCode)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Errorf("token delay not applied: %v", el)
	}
	if got := s.TokenRequests(); got != n {
		t.Errorf("TokenRequests = %d, want %d", got, n)
	}
	seen := map[string]bool{}
	for _, tok := range toks {
		if !hex32.MatchString(tok) || seen[tok] {
			t.Errorf("bad or duplicate token %q", tok)
		}
		seen[tok] = true
	}
	// With the delay every try takes 100 ms; without it one of three is faster than 90 ms even on a
	// loaded machine under -race (a single try was not always).
	s.SetTokenDelay(0)
	fast := false
	for range 3 {
		begin := time.Now()
		customToken(t, ts.URL)
		if time.Since(begin) < 90*time.Millisecond {
			fast = true
			break
		}
	}
	if !fast {
		t.Error("SetTokenDelay(0) did not remove the delay")
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	_, ts := newTestServer(t, Config{})
	expect(t, get(t, ts.URL+"/", nil), 404, "")
	r := postForm(t, ts.URL+PathHealth, url.Values{}, "", "")
	expect(t, r, 405, "")
}

package upstream_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// fakeSource hands out "tok-1", "tok-2", ... : a new one after each Invalidate of the current token.
type fakeSource struct {
	mu          sync.Mutex
	issued      int
	cur         *oauth2.Token
	tokens      int
	invalidated []string
	err         error
}

func (s *fakeSource) Token(context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens++
	if s.err != nil {
		return nil, s.err
	}
	if s.cur == nil {
		s.issued++
		s.cur = &oauth2.Token{AccessToken: fmt.Sprintf("tok-%d", s.issued), TokenType: "Bearer"}
	}
	return s.cur, nil
}

func (s *fakeSource) Invalidate(tok *oauth2.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidated = append(s.invalidated, tok.AccessToken)
	if s.cur == tok {
		s.cur = nil
	}
}

func (s *fakeSource) tokenCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens
}

func (s *fakeSource) invalidations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.invalidated...)
}

func testConfig(t testing.TB, base string) settings.Upstream {
	return settings.Upstream{
		BaseURL:             mustURL(t, base),
		TokenHeaderName:     "Authorization",
		TokenHeaderTemplate: settings.DefaultTokenHeaderTemplate,
		Timeout:             5 * time.Second,
		MaxResponseBytes:    1 << 20,
		AllowedMethods:      []string{"GET", "POST"},
	}
}

// recorder is an httptest handler that records each request and answers with reply.
type recorder struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
	reply  func(w http.ResponseWriter, r *http.Request, n int)
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, r.Clone(context.Background()))
	rc.bodies = append(rc.bodies, body)
	n := len(rc.reqs)
	rc.mu.Unlock()
	if rc.reply != nil {
		rc.reply(w, r, n)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"ok":true}`)
}

func (rc *recorder) requests() []*http.Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*http.Request(nil), rc.reqs...)
}

func newServer(t *testing.T, rc *recorder) *httptest.Server {
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return srv
}

func asError(t *testing.T, err error, step string) *upstream.Error {
	t.Helper()
	var ue *upstream.Error
	if !errors.As(err, &ue) {
		t.Fatalf("error %v (%T) is not an *upstream.Error", err, err)
	}
	if ue.Step != step {
		t.Fatalf("Step = %q, want %q (%v)", ue.Step, step, err)
	}
	return ue
}

func TestDoTokenHeaderPlacement(t *testing.T) {
	for _, tc := range []struct {
		name, header, template, want string
	}{
		{"bearer in Authorization", "Authorization", "Bearer {{token}}", "Bearer tok-1"},
		{"bare token in X-Token", "X-Token", "{{token}}", "tok-1"},
		{"custom scheme", "X-Api-Key", "Token {{token}}; v=2", "Token tok-1; v=2"},
		{"lower-case header name", "x-token", "{{token}}", "tok-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := &recorder{}
			srv := newServer(t, rc)
			cfg := testConfig(t, srv.URL+"/v1")
			cfg.TokenHeaderName, cfg.TokenHeaderTemplate = tc.header, tc.template
			src := &fakeSource{}
			resp, err := upstream.New(cfg, src, &http.Client{}, nil).Do(context.Background(), upstream.Request{Path: "/items"})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != 200 || string(resp.Body) != `{"ok":true}` {
				t.Fatalf("resp = %d %q", resp.Status, resp.Body)
			}
			reqs := rc.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if got := r.Header.Values(tc.header); len(got) != 1 || got[0] != tc.want {
				t.Errorf("%s = %q, want [%q]", tc.header, got, tc.want)
			}
			if !strings.EqualFold(tc.header, "Authorization") && r.Header.Get("Authorization") != "" {
				t.Errorf("Authorization also set: %q", r.Header.Get("Authorization"))
			}
			if r.URL.Path != "/v1/items" || r.Method != http.MethodGet {
				t.Errorf("got %s %s", r.Method, r.URL)
			}
			if got := r.Header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept = %q", got)
			}
			if src.tokenCalls() != 1 || len(src.invalidations()) != 0 {
				t.Errorf("token calls %d, invalidations %v", src.tokenCalls(), src.invalidations())
			}
		})
	}
}

func TestDoClientIDAndConfiguredHeaders(t *testing.T) {
	rc := &recorder{}
	srv := newServer(t, rc)
	cfg := testConfig(t, srv.URL+"/v1")
	cfg.ClientIDHeaderName, cfg.ClientID = "X-Client-Id", "client-123"
	cfg.Headers = []settings.NameValue{
		{Name: "X-Tenant", Value: "tenant-a"},
		{Name: "X-Api-Secret", Value: "s3cr3t-header-value", Secure: true},
	}
	c := upstream.New(cfg, &fakeSource{}, &http.Client{}, []string{"s3cr3t-header-value"})
	resp, err := c.Do(context.Background(), upstream.Request{
		Method: "post",
		Path:   "search?limit=5",
		Body:   []byte(`{"q":"x"}`),
		Header: hdr(map[string]string{
			"X-Custom": "query-value",
			"Accept":   "text/csv",
			"X-Tenant": "tenant-from-query", // not secure: allowed, but the configured value wins
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.URL == nil || resp.URL.Path != "/v1/search" {
		t.Errorf("resp.URL = %v", resp.URL)
	}
	r := rc.requests()[0]
	for name, want := range map[string]string{
		"Authorization": "Bearer tok-1",
		"X-Client-Id":   "client-123",
		"X-Tenant":      "tenant-a",
		"X-Api-Secret":  "s3cr3t-header-value",
		"X-Custom":      "query-value",
		"Accept":        "text/csv",
		"Content-Type":  "application/json",
	} {
		if got := r.Header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want [%q]", name, got, want)
		}
	}
	if r.Method != http.MethodPost || r.URL.RawQuery != "limit=5" {
		t.Errorf("got %s %s", r.Method, r.URL)
	}
	if got := string(rc.bodies[0]); got != `{"q":"x"}` {
		t.Errorf("body = %q", got)
	}
}

func hdr(m map[string]string) http.Header {
	h := http.Header{}
	for k, v := range m {
		h[k] = []string{v}
	}
	return h
}

func TestDoRejectsProtectedQueryHeaders(t *testing.T) {
	rc := &recorder{}
	srv := newServer(t, rc)
	cfg := testConfig(t, srv.URL+"/v1")
	cfg.TokenHeaderName, cfg.TokenHeaderTemplate = "X-Token", "{{token}}"
	cfg.ClientIDHeaderName, cfg.ClientID = "X-Client-Id", "client-123"
	cfg.Headers = []settings.NameValue{
		{Name: "X-Tenant", Value: "tenant-a"},
		{Name: "X-Api-Secret", Value: "s3cr3t-header-value", Secure: true},
	}
	const plugin, secure, lines = "set by the plugin", "secure datasource header", "line breaks are not allowed"
	for _, tc := range []struct {
		name, key, value, why string
	}{
		{"token header", "X-Token", "mine", plugin},
		{"token header lower case", "x-token", "mine", plugin},
		{"token header upper case", "X-TOKEN", "mine", plugin},
		{"Authorization", "Authorization", "Bearer mine", plugin},
		{"authorization lower case", "authorization", "Basic Zm9vOmJhcg==", plugin},
		{"client id header", "X-Client-Id", "other-client", plugin},
		{"client id header lower case", "x-client-id", "other-client", plugin},
		{"secure header", "X-Api-Secret", "guess", secure},
		{"secure header other case", "x-api-SECRET", "guess", secure},
		{"CRLF in value", "X-Custom", "a\r\nX-Token: mine", lines},
		{"LF in value", "X-Custom", "a\nb", lines},
		{"CRLF in name", "X-Custom\r\nX-Token", "mine", lines},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &fakeSource{}
			c := upstream.New(cfg, src, &http.Client{}, nil)
			resp, err := c.Do(context.Background(), upstream.Request{
				Path:   "/items",
				Header: http.Header{tc.key: {tc.value}},
			})
			if resp != nil {
				t.Errorf("got a response")
			}
			ue := asError(t, err, upstream.StepURL)
			if !strings.Contains(ue.Msg, tc.why) {
				t.Errorf("message %q does not say %q", ue.Msg, tc.why)
			}
			if strings.Contains(ue.Msg, "s3cr3t-header-value") {
				t.Errorf("message leaks the secure value: %q", ue.Msg)
			}
			if src.tokenCalls() != 0 {
				t.Errorf("token fetched for a refused request")
			}
		})
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("server received %d requests", n)
	}
}

func TestDoRejectsUnsupportedMethod(t *testing.T) {
	rc := &recorder{}
	srv := newServer(t, rc)
	for _, m := range []string{"PUT", "DELETE", "PATCH", "CONNECT", "TRACE", "G ET"} {
		_, err := upstream.New(testConfig(t, srv.URL), &fakeSource{}, &http.Client{}, nil).
			Do(context.Background(), upstream.Request{Method: m, Path: "/x"})
		ue := asError(t, err, upstream.StepURL)
		if !strings.Contains(ue.Msg, "not supported") {
			t.Errorf("%s: %q", m, ue.Msg)
		}
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("server received %d requests", n)
	}
}

func TestDoTokenSourceErrorSendsNothing(t *testing.T) {
	rc := &recorder{}
	srv := newServer(t, rc)
	boom := errors.New("token endpoint down")
	_, err := upstream.New(testConfig(t, srv.URL), &fakeSource{err: boom}, &http.Client{}, nil).
		Do(context.Background(), upstream.Request{Path: "/x"})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("server received %d requests", n)
	}
}

func TestDo401RetriesOnceWithNewToken(t *testing.T) {
	rc := &recorder{reply: func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Header.Get("Authorization") != "Bearer tok-2" {
			http.Error(w, `{"error":"expired"}`, http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"ok":2}`)
	}}
	srv := newServer(t, rc)
	src := &fakeSource{}
	resp, err := upstream.New(testConfig(t, srv.URL), src, &http.Client{}, nil).
		Do(context.Background(), upstream.Request{Method: "POST", Path: "/x", Body: []byte(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || string(resp.Body) != `{"ok":2}` {
		t.Errorf("resp = %d %q", resp.Status, resp.Body)
	}
	var got []string
	for _, r := range rc.requests() {
		got = append(got, r.Header.Get("Authorization"))
	}
	if want := []string{"Bearer tok-1", "Bearer tok-2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tokens sent = %q, want %q", got, want)
	}
	for i, b := range rc.bodies {
		if string(b) != `{"a":1}` {
			t.Errorf("attempt %d body = %q (the body must be re-sent on retry)", i+1, b)
		}
	}
	if inv := src.invalidations(); len(inv) != 1 || inv[0] != "tok-1" {
		t.Errorf("invalidated %q, want [tok-1]", inv)
	}
	if n := src.tokenCalls(); n != 2 {
		t.Errorf("Token called %d times, want 2", n)
	}
}

func TestDo401TwiceFails(t *testing.T) {
	rc := &recorder{reply: func(w http.ResponseWriter, r *http.Request, n int) {
		http.Error(w, "token "+r.Header.Get("Authorization")+" rejected", http.StatusUnauthorized)
	}}
	srv := newServer(t, rc)
	src := &fakeSource{}
	resp, err := upstream.New(testConfig(t, srv.URL), src, &http.Client{}, nil).
		Do(context.Background(), upstream.Request{Path: "/x"})
	ue := asError(t, err, upstream.StepReply)
	if ue.Status != http.StatusUnauthorized {
		t.Errorf("Status = %d", ue.Status)
	}
	if !strings.Contains(ue.Msg, "rejected the token twice") {
		t.Errorf("message %q", ue.Msg)
	}
	if strings.Contains(err.Error(), "tok-1") || strings.Contains(err.Error(), "tok-2") {
		t.Errorf("message leaks a token: %q", err)
	}
	if !strings.Contains(ue.Msg, "[redacted]") {
		t.Errorf("echoed token not replaced by [redacted]: %q", ue.Msg)
	}
	if resp == nil || resp.Status != http.StatusUnauthorized {
		t.Errorf("resp = %+v", resp)
	}
	if n := len(rc.requests()); n != 2 {
		t.Errorf("%d attempts, want exactly 2", n)
	}
	if inv := src.invalidations(); len(inv) != 1 || inv[0] != "tok-1" {
		t.Errorf("invalidated %q, want [tok-1]", inv)
	}
}

func TestDoRedactsEchoedSecrets(t *testing.T) {
	const secureVal = "s3cr3t-header-value-0123456789"
	const clientSecret = "client-secret-XYZ"
	for _, tc := range []struct {
		name   string
		status int
		body   func(r *http.Request) string
		leaks  []string
	}{
		{"token echoed", 500, func(r *http.Request) string {
			return `{"error":"bad","auth":"` + r.Header.Get("Authorization") + `"}`
		}, []string{"tok-1"}},
		{"bare token echoed twice", 400, func(r *http.Request) string {
			return "tok-1 tok-1"
		}, []string{"tok-1"}},
		{"secure header echoed", 403, func(r *http.Request) string {
			return "header X-Api-Secret=" + r.Header.Get("X-Api-Secret") + " not allowed"
		}, []string{secureVal}},
		{"token and secrets echoed", 502, func(r *http.Request) string {
			return r.Header.Get("Authorization") + " " + r.Header.Get("X-Api-Secret") + " " + clientSecret
		}, []string{"tok-1", secureVal, clientSecret}},
		// The message is cut to 300 characters: a secret straddling the cut must not leak a prefix.
		{"secure header at the truncation point", 500, func(r *http.Request) string {
			return strings.Repeat("x", 290) + r.Header.Get("X-Api-Secret") + strings.Repeat("y", 50)
		}, []string{secureVal[:8]}},
		{"token at the truncation point", 500, func(r *http.Request) string {
			return strings.Repeat("x", 297) + "tok-1" + strings.Repeat("y", 50)
		}, []string{"tok-"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := &recorder{reply: func(w http.ResponseWriter, r *http.Request, n int) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body(r))
			}}
			srv := newServer(t, rc)
			cfg := testConfig(t, srv.URL)
			cfg.Headers = []settings.NameValue{{Name: "X-Api-Secret", Value: secureVal, Secure: true}}
			c := upstream.New(cfg, &fakeSource{}, &http.Client{}, []string{secureVal, clientSecret, ""})
			_, err := c.Do(context.Background(), upstream.Request{Path: "/x"})
			ue := asError(t, err, upstream.StepReply)
			if ue.Status != tc.status {
				t.Errorf("Status = %d", ue.Status)
			}
			for _, s := range tc.leaks {
				if strings.Contains(err.Error(), s) {
					t.Errorf("message leaks %q: %q", s, err)
				}
			}
			// The marker itself may be cut by the 300-character limit; it must at least start.
			if !strings.Contains(ue.Msg, "[redacted]") && !strings.HasSuffix(ue.Msg, "[re...") {
				t.Errorf("message %q has no [redacted]", ue.Msg)
			}
		})
	}
}

func TestDoResponseSize(t *testing.T) {
	const limit = 1024
	for _, tc := range []struct {
		name    string
		size    int
		chunked bool
		wantErr bool
	}{
		{"just under", limit - 1, false, false},
		{"exactly the limit", limit, false, false},
		{"one byte over", limit + 1, false, true},
		{"far over", 10 * limit, false, true},
		{"far over, chunked", 10 * limit, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := &recorder{reply: func(w http.ResponseWriter, r *http.Request, n int) {
				if tc.chunked {
					for i := 0; i < tc.size; i += 100 {
						w.Write(bytes.Repeat([]byte("a"), min(100, tc.size-i)))
						w.(http.Flusher).Flush()
					}
					return
				}
				w.Write(bytes.Repeat([]byte("a"), tc.size))
			}}
			srv := newServer(t, rc)
			cfg := testConfig(t, srv.URL)
			cfg.MaxResponseBytes = limit
			resp, err := upstream.New(cfg, &fakeSource{}, &http.Client{}, nil).Do(context.Background(), upstream.Request{Path: "/x"})
			if !tc.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if len(resp.Body) != tc.size {
					t.Errorf("body %d bytes", len(resp.Body))
				}
				return
			}
			if resp != nil {
				t.Errorf("got a response")
			}
			ue := asError(t, err, upstream.StepReply)
			if !strings.Contains(ue.Msg, "larger than maxResponseBytes (1024 bytes)") {
				t.Errorf("message %q", ue.Msg)
			}
		})
	}
}

// rawReply writes a 200 reply by hand on the hijacked connection, declaring a Content-Length of
// declared whatever body holds, then closes: net/http would not send such a reply.
func rawReply(t *testing.T, declared int64, body []byte) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", declared, body)
		_ = buf.Flush()
	}
}

// A reply that declares its length is read into one buffer of that size; a connection that ends
// before the declared length is an error, never a silently shorter body.
func TestDoDeclaredLength(t *testing.T) {
	for _, tc := range []struct {
		name      string
		declared  int
		sent      int
		wantError bool
	}{
		{"empty", 0, 0, false},
		{"complete", 700, 700, false},
		{"cut short", 700, 300, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := &recorder{reply: rawReply(t, int64(tc.declared), bytes.Repeat([]byte("a"), tc.sent))}
			srv := newServer(t, rc)
			resp, err := upstream.New(testConfig(t, srv.URL), &fakeSource{}, &http.Client{}, nil).Do(context.Background(), upstream.Request{Path: "/x"})
			if tc.wantError {
				ue := asError(t, err, upstream.StepReply)
				if !strings.Contains(ue.Msg, "reading the reply: unexpected EOF") {
					t.Errorf("message %q", ue.Msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Body) != tc.sent || cap(resp.Body) != tc.declared {
				t.Errorf("body %d bytes (capacity %d), want %d", len(resp.Body), cap(resp.Body), tc.sent)
			}
		})
	}
}

func TestDoGzipBombIsBounded(t *testing.T) {
	const unpacked = 50 << 20
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zeros := make([]byte, 1<<20)
	for i := 0; i < unpacked/len(zeros); i++ {
		zw.Write(zeros)
	}
	zw.Close()
	bomb := buf.Bytes()
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb is %d bytes compressed", len(bomb))
	}
	rc := &recorder{reply: func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/json")
		w.Write(bomb)
	}}
	srv := newServer(t, rc)
	cfg := testConfig(t, srv.URL)
	cfg.MaxResponseBytes = 1 << 20 // the compressed reply (~50 KB) is well under this
	c := upstream.New(cfg, &fakeSource{}, &http.Client{}, nil)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	resp, err := c.Do(context.Background(), upstream.Request{Path: "/x"})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)

	if resp != nil {
		t.Errorf("got a response of %d bytes", len(resp.Body))
	}
	ue := asError(t, err, upstream.StepReply)
	if !strings.Contains(ue.Msg, "larger than maxResponseBytes") {
		t.Errorf("message %q", ue.Msg)
	}
	if got := rc.requests()[0].Header.Get("Accept-Encoding"); got != "gzip" {
		t.Errorf("Accept-Encoding = %q: the transport did not ask for gzip, the test proves nothing", got)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("allocated %d MB while reading a bomb limited to 1 MB", alloc>>20)
	}
	t.Logf("compressed %d bytes, allocated %d KB, %s", len(bomb), (after.TotalAlloc-before.TotalAlloc)>>10, elapsed)
}

func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDoTimeout(t *testing.T) {
	for _, tc := range []struct {
		name      string
		slowBody  bool
		step      string
		wantInMsg string
	}{
		{"slow body", true, upstream.StepReply, "reply body not complete within timeout (1s)"},
		{"slow headers", false, upstream.StepRequest, "no complete answer within timeout (1s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runtime.GC()
			before := runtime.NumGoroutine()
			release := make(chan struct{})
			var started atomic.Bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				started.Store(true)
				if tc.slowBody {
					w.Header().Set("Content-Length", "1000")
					w.WriteHeader(http.StatusOK)
					io.WriteString(w, `{"partial":`)
					w.(http.Flusher).Flush()
				}
				select {
				case <-r.Context().Done():
				case <-release:
				case <-time.After(10 * time.Second):
				}
			}))
			hc := &http.Client{}
			cfg := testConfig(t, srv.URL)
			cfg.Timeout = time.Second // 200 ms was not always enough for the slow body's headers under -race

			start := time.Now()
			resp, err := upstream.New(cfg, &fakeSource{}, hc, nil).Do(context.Background(), upstream.Request{Path: "/slow"})
			elapsed := time.Since(start)

			if resp != nil {
				t.Errorf("got a response")
			}
			ue := asError(t, err, tc.step)
			if !strings.Contains(ue.Msg, tc.wantInMsg) || !strings.Contains(err.Error(), "timeout") {
				t.Errorf("message %q, want %q", ue.Msg, tc.wantInMsg)
			}
			if tc.slowBody && ue.Status != http.StatusOK {
				t.Errorf("Status = %d, want 200 (headers were received)", ue.Status)
			}
			if elapsed > 5*time.Second {
				t.Errorf("Do returned after %s with a 1s timeout", elapsed)
			}
			if !started.Load() {
				t.Errorf("server never saw the request")
			}
			close(release)
			srv.Close()
			hc.CloseIdleConnections()
			waitGoroutines(t, before)
		})
	}
}

func TestDoCallerContextCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := upstream.New(testConfig(t, srv.URL), &fakeSource{}, &http.Client{}, nil).Do(ctx, upstream.Request{Path: "/x"})
	if err == nil {
		t.Fatal("no error")
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
}

func TestDoRedirects(t *testing.T) {
	t.Run("same host followed with token", func(t *testing.T) {
		for _, code := range []int{301, 302, 303, 307, 308} {
			t.Run(fmt.Sprint(code), func(t *testing.T) {
				rc := &recorder{reply: func(w http.ResponseWriter, r *http.Request, n int) {
					if r.URL.Path == "/v1/start" {
						http.Redirect(w, r, "/v1/final?x=1", code)
						return
					}
					io.WriteString(w, `{"final":true}`)
				}}
				srv := newServer(t, rc)
				resp, err := upstream.New(testConfig(t, srv.URL+"/v1"), &fakeSource{}, &http.Client{}, nil).
					Do(context.Background(), upstream.Request{Path: "/start"})
				if err != nil {
					t.Fatal(err)
				}
				if string(resp.Body) != `{"final":true}` || resp.URL.Path != "/v1/final" {
					t.Errorf("resp %q from %v", resp.Body, resp.URL)
				}
				reqs := rc.requests()
				if len(reqs) != 2 {
					t.Fatalf("%d requests", len(reqs))
				}
				if got := reqs[1].Header.Get("Authorization"); got != "Bearer tok-1" {
					t.Errorf("token on redirected request = %q", got)
				}
			})
		}
	})

	t.Run("other host not followed", func(t *testing.T) {
		evil := &recorder{}
		evilSrv := newServer(t, evil)
		evilHost := mustURL(t, evilSrv.URL).Host
		for _, tc := range []struct {
			name     string
			code     int
			location func(api *httptest.Server) string
		}{
			{"absolute 302", 302, func(*httptest.Server) string { return evilSrv.URL + "/steal" }},
			{"absolute 301", 301, func(*httptest.Server) string { return evilSrv.URL + "/steal" }},
			{"absolute 307", 307, func(*httptest.Server) string { return evilSrv.URL + "/steal" }},
			{"absolute 308", 308, func(*httptest.Server) string { return evilSrv.URL + "/steal" }},
			{"protocol-relative", 302, func(*httptest.Server) string { return "//" + evilHost + "/steal" }},
			// Same listener, but another host name: still another host as far as the rule goes.
			{"same server via localhost", 302, func(api *httptest.Server) string {
				return strings.Replace(api.URL, "127.0.0.1", "localhost", 1) + "/v1/x"
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var api *httptest.Server
				rc := &recorder{}
				rc.reply = func(w http.ResponseWriter, r *http.Request, n int) {
					w.Header().Set("Location", tc.location(api))
					w.WriteHeader(tc.code)
				}
				api = newServer(t, rc)
				cfg := testConfig(t, api.URL+"/v1")
				cfg.Headers = []settings.NameValue{{Name: "X-Api-Secret", Value: "s3cr3t-header-value", Secure: true}}
				resp, err := upstream.New(cfg, &fakeSource{}, &http.Client{}, nil).
					Do(context.Background(), upstream.Request{Method: "POST", Path: "/x", Body: []byte(`{}`)})
				if resp != nil {
					t.Errorf("got a response")
				}
				ue := asError(t, err, upstream.StepRequest)
				if !strings.Contains(ue.Msg, "redirected to another host") {
					t.Errorf("message %q", ue.Msg)
				}
				if n := len(rc.requests()); n != 1 {
					t.Errorf("API received %d requests, want 1", n)
				}
			})
		}
		if n := len(evil.requests()); n != 0 {
			t.Errorf("the other host received %d requests: %v", n, evil.requests()[0].Header)
		}
	})

	t.Run("loop capped", func(t *testing.T) {
		rc := &recorder{reply: func(w http.ResponseWriter, r *http.Request, n int) {
			http.Redirect(w, r, "/v1/loop", http.StatusFound)
		}}
		srv := newServer(t, rc)
		start := time.Now()
		_, err := upstream.New(testConfig(t, srv.URL+"/v1"), &fakeSource{}, &http.Client{}, nil).
			Do(context.Background(), upstream.Request{Path: "/loop"})
		ue := asError(t, err, upstream.StepRequest)
		if !strings.Contains(ue.Msg, "more than 5 redirects") {
			t.Errorf("message %q", ue.Msg)
		}
		if n := len(rc.requests()); n < 2 || n > 6 {
			t.Errorf("%d requests for a redirect loop", n)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("took %s", time.Since(start))
		}
	})

	t.Run("chain within the cap followed", func(t *testing.T) {
		rc := &recorder{reply: func(w http.ResponseWriter, r *http.Request, n int) {
			if n <= 4 {
				http.Redirect(w, r, fmt.Sprintf("/v1/hop%d", n), http.StatusFound)
				return
			}
			io.WriteString(w, `{}`)
		}}
		srv := newServer(t, rc)
		resp, err := upstream.New(testConfig(t, srv.URL+"/v1"), &fakeSource{}, &http.Client{}, nil).
			Do(context.Background(), upstream.Request{Path: "/start"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.URL.Path != "/v1/hop4" {
			t.Errorf("ended at %v", resp.URL)
		}
	})
}

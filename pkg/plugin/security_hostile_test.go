package plugin

// Hostile API replies through QueryData, and requests that never leave the API host (redirects,
// next links), at plugin level (issue #6). TestHostileRepliesThroughQueryData measures memory and
// swaps the logger: it must not run in parallel.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
)

const hostileLimit = 1 << 20 // maxResponseBytes of the hostile-reply datasource

func hostileAPI(t *testing.T) http.Handler {
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for i := 0; i < 64; i++ { // 64 MB of zeros, about 64 KB compressed
		zw.Write(zeros)
	}
	zw.Close()
	var jsonBomb bytes.Buffer
	zw, _ = gzip.NewWriterLevel(&jsonBomb, gzip.BestCompression)
	zw.Write([]byte(`[`))
	row := []byte(`{"a":1,"b":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},`)
	for n := 0; n < 48<<20; n += len(row) {
		zw.Write(row)
	}
	zw.Write([]byte(`{"a":2}]`))
	zw.Close()

	mux := http.NewServeMux()
	json := func(w http.ResponseWriter) { w.Header().Set("Content-Type", "application/json") }
	mux.HandleFunc("/v1/ok", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		io.WriteString(w, `[{"id":1,"name":"a"}]`)
	})
	mux.HandleFunc("/v1/huge", func(w http.ResponseWriter, r *http.Request) {
		// 64 MB, streamed without Content-Length, until the client stops reading.
		json(w)
		chunk := bytes.Repeat([]byte(`{"a":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},`), 1<<14)
		io.WriteString(w, "[")
		for n := 0; n < 64<<20; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		io.WriteString(w, `{"a":1}]`)
	})
	mux.HandleFunc("/v1/huge-declared", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		w.Header().Set("Content-Length", fmt.Sprint(64<<20))
		w.Write(bytes.Repeat([]byte(" "), 2<<20))
	})
	mux.HandleFunc("/v1/slow", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `[{"a":`)
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
				io.WriteString(w, " ")
				w.(http.Flusher).Flush()
			}
		}
	})
	mux.HandleFunc("/v1/slow-headers", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("/v1/bad-utf8", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		w.Write([]byte("[{\"name\":\"\xff\xfe\xfd bad \xc3\x28\",\"v\":1,\"\xff\":\"key\"}]"))
	})
	mux.HandleFunc("/v1/deep-array", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		io.WriteString(w, strings.Repeat("[", 100000)+strings.Repeat("]", 100000))
	})
	mux.HandleFunc("/v1/deep-object", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		io.WriteString(w, strings.Repeat(`{"a":`, 50000)+"1"+strings.Repeat("}", 50000))
	})
	mux.HandleFunc("/v1/deep-unclosed", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		io.WriteString(w, strings.Repeat("[{\"a\":", 100000))
	})
	mux.HandleFunc("/v1/html", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		io.WriteString(w, "<html><body>Gateway error</body></html>")
	})
	mux.HandleFunc("/v1/text", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		io.WriteString(w, "OK")
	})
	mux.HandleFunc("/v1/empty", func(w http.ResponseWriter, r *http.Request) { json(w) })
	mux.HandleFunc("/v1/trailing", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		io.WriteString(w, `[{"a":1}] {"b":2}`)
	})
	mux.HandleFunc("/v1/truncated", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		w.Header().Set("Content-Length", "1000")
		io.WriteString(w, `[{"a":1},{"a":`)
	})
	mux.HandleFunc("/v1/numbers", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		io.WriteString(w, `[{"n":1e999999,"m":-1e-999999,"i":123456789012345678901234567890,"f":NaN}]`)
	})
	mux.HandleFunc("/v1/numbers-valid", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		io.WriteString(w, `[{"n":1e308,"m":-1e-320,"i":123456789012345678901234567890},{"n":"x","m":true,"i":null}]`)
	})
	mux.HandleFunc("/v1/wide", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		var b strings.Builder
		b.WriteString("[{")
		for i := 0; i < 20000; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"k%d":%d`, i, i)
		}
		b.WriteString("}]")
		io.WriteString(w, b.String())
	})
	mux.HandleFunc("/v1/gzip-bomb", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb.Bytes())
	})
	mux.HandleFunc("/v1/gzip-json-bomb", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(jsonBomb.Bytes())
	})
	mux.HandleFunc("/v1/gzip-garbage", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		w.Header().Set("Content-Encoding", "gzip")
		w.Write([]byte("\x1f\x8b\x08\x00garbage-not-gzip"))
	})
	mux.HandleFunc("/v1/error-huge", func(w http.ResponseWriter, r *http.Request) {
		json(w)
		w.WriteHeader(http.StatusInternalServerError)
		w.Write(bytes.Repeat([]byte("\xff<script>"), 100000)) // 900 KB, under the limit
	})
	return mux
}

// TestHostileRepliesThroughQueryData: every hostile reply is that query's error (or a valid frame),
// never a panic, never a stuck goroutine, and a body over maxResponseBytes costs memory in
// proportion to the limit, not to the body.
func TestHostileRepliesThroughQueryData(t *testing.T) {
	logs := captureLogs(t)
	runtime.GC()
	baseline := runtime.NumGoroutine()

	srv := httptest.NewServer(hostileAPI(t))
	f := newFixture(t)
	raw, _ := json.Marshal(map[string]any{
		"tokenUrl": f.srv.URL + mockapi.PathOAuthToken, "timeout": "2s", "maxResponseBytes": hostileLimit, // 500ms was tight for /ok beside the 64 MB bodies
	})
	inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{UID: "hostile", URL: srv.URL + "/v1", JSONData: raw,
		DecryptedSecureJSONData: map[string]string{"clientId": clientID, "clientSecret": clientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	d := inst.(*Datasource)

	type want int
	const (
		wantError want = iota
		wantFrame
		wantEither
	)
	cases := []struct {
		path string
		want want
		msg  string // part of the error, when an error is wanted
	}{
		{"/ok", wantFrame, ""},
		{"/huge", wantError, "larger than maxResponseBytes"},
		{"/huge-declared", wantError, ""},
		{"/slow", wantError, "timeout"},
		{"/slow-headers", wantError, "timeout"},
		{"/bad-utf8", wantEither, ""},
		{"/deep-array", wantError, "nests deeper"},
		{"/deep-object", wantError, "nests deeper"},
		{"/deep-unclosed", wantError, ""},
		{"/html", wantError, "not valid JSON"},
		{"/text", wantError, "not valid JSON"},
		{"/empty", wantError, "not valid JSON"},
		{"/trailing", wantError, "not valid JSON"},
		{"/truncated", wantError, ""},
		{"/numbers", wantError, "not valid JSON"},
		{"/numbers-valid", wantEither, ""},
		{"/wide", wantEither, ""},
		{"/gzip-bomb", wantError, "larger than maxResponseBytes"},
		{"/gzip-json-bomb", wantError, "larger than maxResponseBytes"},
		{"/gzip-garbage", wantError, ""},
		{"/error-huge", wantError, "HTTP 500"},
	}
	check := func(t *testing.T, path string, w want, msg string, r backend.DataResponse) {
		t.Helper()
		if r.Error != nil {
			if strings.Contains(r.Error.Error(), "internal error") || r.ErrorSource == backend.ErrorSourcePlugin {
				t.Errorf("%s: a plugin error (a recovered panic?): %v", path, r.Error)
			}
			if w == wantFrame {
				t.Errorf("%s: %v", path, r.Error)
			}
			if msg != "" && !strings.Contains(r.Error.Error(), msg) {
				t.Errorf("%s: error %q lacks %q", path, r.Error, msg)
			}
			if !utf8.ValidString(r.Error.Error()) {
				t.Errorf("%s: error is not valid UTF-8: %q", path, r.Error)
			}
			if len(r.Error.Error()) > 2000 {
				t.Errorf("%s: error of %d bytes", path, len(r.Error.Error()))
			}
		} else if w == wantError {
			t.Errorf("%s: no error (%d frames)", path, len(r.Frames))
		}
		if _, err := json.Marshal(r); err != nil {
			t.Errorf("%s: the response does not serialise: %v", path, err)
		}
	}

	// One at a time, measuring time and memory.
	for _, tc := range cases {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			r := runQuery(t, d, fmt.Sprintf(`{"path":%q}`, tc.path))
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			check(t, tc.path, tc.want, tc.msg, r)
			if elapsed > 8*time.Second {
				t.Errorf("took %s with a 2s timeout", elapsed)
			}
			heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			alloc := after.TotalAlloc - before.TotalAlloc
			switch tc.path {
			case "/huge", "/gzip-bomb", "/gzip-json-bomb":
				// The body is 48-64 MB; the limit is 1 MB. Reading up to the limit may allocate a
				// few times the limit, never the body.
				if heap > 16*hostileLimit || alloc > 16*hostileLimit {
					t.Errorf("heap grew %d KB, allocated %d KB for a 64 MB body with a 1 MB limit", heap>>10, alloc>>10)
				}
			}
			t.Logf("%s in %s, heap %+d KB, allocated %d KB: %v", tc.path, elapsed.Round(time.Millisecond), heap>>10, alloc>>10, errText(r))
		})
	}

	// All at once in one request: each query gets its own answer.
	t.Run("all in one request", func(t *testing.T) {
		req := &backend.QueryDataRequest{}
		for i, tc := range cases {
			req.Queries = append(req.Queries, backend.DataQuery{RefID: fmt.Sprintf("Q%d", i), JSON: json.RawMessage(fmt.Sprintf(`{"path":%q}`, tc.path))})
		}
		resp, err := d.QueryData(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range cases {
			r, ok := resp.Responses[fmt.Sprintf("Q%d", i)]
			if !ok {
				t.Errorf("%s: no response", tc.path)
				continue
			}
			check(t, tc.path, tc.want, tc.msg, r)
		}
	})

	// Also through the proxy route and the health check.
	for _, p := range []string{"proxy/huge", "proxy/gzip-bomb", "proxy/slow", "proxy/deep-array", "proxy/bad-utf8"} {
		r := callResource(t, context.Background(), d, p)
		if r.status == http.StatusInternalServerError {
			t.Errorf("%s: %d %s", p, r.status, clip(r.body, 200))
		}
		if len(r.body) > 2*hostileLimit {
			t.Errorf("%s: %d bytes", p, len(r.body))
		}
	}

	for _, line := range logs.all() {
		if strings.Contains(line, "panic") {
			t.Errorf("logged: %s", clip(line, 500))
		}
	}

	d.Dispose()
	srv.CloseClientConnections()
	srv.Close()
	f.srv.Close()
	settleGoroutines(t, baseline)
}

func errText(r backend.DataResponse) string {
	if r.Error != nil {
		return clip(r.Error.Error(), 160)
	}
	return fmt.Sprintf("%d frames", len(r.Frames))
}

// settleGoroutines waits until the goroutine count is back to baseline.
func settleGoroutines(t *testing.T, baseline int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		n := runtime.NumGoroutine()
		if n <= baseline {
			t.Logf("goroutines back to %d (baseline %d)", n, baseline)
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Errorf("goroutine leak: %d, baseline %d\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// recordingHost is a second server that records everything it receives.
type recordingHost struct {
	mu   sync.Mutex
	reqs []string
}

func (h *recordingHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.reqs = append(h.reqs, fmt.Sprintf("%s %s %v %s", r.Method, r.URL, r.Header, body))
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `[{"stolen":true}]`)
}

func (h *recordingHost) received() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.reqs...)
}

// TestRequestsNeverLeaveTheAPIHost: through QueryData, the proxy route and the health check, an API
// that redirects elsewhere or sends next links to elsewhere never gets the plugin to send anything
// - least of all the token, the client id or a secure header - to another host.
func TestRequestsNeverLeaveTheAPIHost(t *testing.T) {
	evil := &recordingHost{}
	evilSrv := httptest.NewServer(evil)
	defer evilSrv.Close()
	evilURL, _ := url.Parse(evilSrv.URL)
	f := newFixture(t)

	var apiHits atomic.Int64
	var api *httptest.Server
	var apiURL *url.URL
	api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiHits.Add(1)
		q := r.URL.Query()
		if loc := q.Get("redirect"); loc != "" {
			w.Header().Set("Location", loc)
			w.WriteHeader(http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if link := q.Get("linkheader"); link != "" {
			w.Header().Set("Link", "<"+link+`>; rel="next"`)
			io.WriteString(w, `[{"id":1}]`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"items": []map[string]any{{"id": 1}}, "next": q.Get("next")})
	}))
	defer api.Close()
	apiURL, _ = url.Parse(api.URL)

	jd, secure := secureEverything(map[string]any{
		"tokenUrl": f.srv.URL + mockapi.PathCustomToken, "tokenPath": "token",
		"tokenHeaderName": "X-Token", "tokenHeaderTemplate": "{{token}}",
		"sendClientIdHeader": true, "clientIdHeaderName": "X-Client-ID",
	})
	s := f.settings("", jd, secure)
	s.URL = api.URL + "/v1"
	d := newDS(t, s)

	evilHost := evilURL.Host
	apiPort := apiURL.Port()
	targets := []string{
		evilSrv.URL + "/steal",
		"//" + evilHost + "/steal",
		"///" + evilHost + "/steal",
		`/\` + evilHost + "/steal",
		`\\` + evilHost + `\steal`,
		"HTTP://" + strings.ToUpper(evilHost) + "/steal",
		"http://" + apiURL.Host + "@" + evilHost + "/v1/steal",
		"http://user:pass@" + evilHost + "/v1/steal",
		"http://localhost:" + apiPort + "/v1/steal",           // same listener, another host name
		"http://[::1]:" + apiPort + "/v1/steal",               // IPv6 literal
		"https://" + apiURL.Host + "/v1/steal",                // scheme change
		"http://" + apiURL.Host + ":" + apiPort + "/v1/steal", // malformed port
		"http://" + apiURL.Host + "/other/steal",              // outside the base path
		"http://" + apiURL.Host + "/v1/../steal",              // dot segments out of the base path
		"http://" + apiURL.Host + "/v1/%2e%2e/steal",          // encoded dots
		"http://" + apiURL.Host + "/v1/a%2f..%2f..%2fsteal",   // encoded slashes
		"http://127.0.0.1:" + evilURL.Port() + "/v1/steal",    // same IP, another port
		" \t" + evilSrv.URL + "/steal",                        // leading whitespace
		evilSrv.URL + "/steal\r\nX-Injected: 1",               // CR/LF
		"javascript:alert(1)",
		"file:///etc/passwd",
		"ftp://" + evilHost + "/steal",
	}

	// Redirects: only same-host redirects are followed; these must all fail without contacting evil.
	for _, target := range targets {
		if strings.ContainsAny(target, "\r\n") {
			continue // not expressible as a Location header
		}
		t.Run("redirect "+target, func(t *testing.T) {
			q := fmt.Sprintf(`{"path":"/start","params":[{"name":"redirect","value":%q}]}`, target)
			r := runQuery(t, d, q)
			if r.Error == nil && len(r.Frames) > 0 && r.Frames[0].Rows() > 0 {
				if v, ok := r.Frames[0].Fields[0].ConcreteAt(0); ok && fmt.Sprint(v) == "true" {
					t.Errorf("the query read the other host's reply")
				}
			}
		})
	}
	// Next links, from the body and from the Link header.
	for _, target := range targets {
		t.Run("next link "+target, func(t *testing.T) {
			before := apiHits.Load()
			for _, q := range []string{
				fmt.Sprintf(`{"path":"/list","params":[{"name":"next","value":%q}],"rootSelector":"items","pagination":{"mode":"nextLink","nextLinkPath":"next"}}`, target),
				fmt.Sprintf(`{"path":"/list","params":[{"name":"linkheader","value":%q}],"pagination":{"mode":"nextLink"}}`, target),
			} {
				if strings.Contains(q, "linkheader") && strings.ContainsAny(target, "\r\n") {
					continue
				}
				r := runQuery(t, d, q)
				if r.Error == nil {
					t.Errorf("next link %q: no error", target)
				}
			}
			if got := apiHits.Load() - before; got > 2 {
				t.Errorf("next link %q: %d API requests, want only the first page of each query", target, got)
			}
		})
	}
	// The proxy route and the health check take the same path.
	callResource(t, context.Background(), d, "proxy/start?redirect="+url.QueryEscape(evilSrv.URL+"/steal"))
	jd["healthCheckPath"] = "/start?redirect=" + url.QueryEscape("//"+evilHost+"/steal")
	s2 := f.settings("", jd, secure)
	s2.URL = api.URL + "/v1"
	if res, _ := newDS(t, s2).CheckHealth(context.Background(), &backend.CheckHealthRequest{}); res.Status != backend.HealthStatusError ||
		!strings.Contains(res.Message, "another host") {
		t.Errorf("health: %s", res.Message)
	}

	if got := evil.received(); len(got) != 0 {
		t.Errorf("the other host received %d requests, first: %s", len(got), got[0])
		for _, r := range got {
			for _, v := range []string{clientID, secureHeaderValue} {
				if strings.Contains(r, v) {
					t.Errorf("the other host received %q", v)
				}
			}
		}
	}
}

// clip shortens s for a test message.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

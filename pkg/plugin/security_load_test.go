package plugin

// Token endpoint outages under load and upstream 401 storms, at plugin level (issue #6).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

type tokenMode int32

const (
	tokenOK tokenMode = iota
	token500
	tokenHang
	token429
)

// flakyTokenServer is a token endpoint whose behaviour the test switches; it records when each
// request arrived.
type flakyTokenServer struct {
	mode    atomic.Int32
	mu      sync.Mutex
	arrived []time.Time
	release chan struct{}
}

func (s *flakyTokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.arrived = append(s.arrived, time.Now())
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch tokenMode(s.mode.Load()) {
	case tokenOK:
		b := make([]byte, 16)
		rand.Read(b)
		json.NewEncoder(w).Encode(map[string]any{"access_token": hex.EncodeToString(b), "expires_in": 3600, "token_type": "Bearer"})
	case token500:
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":"server_error","error_description":"database down"}`))
	case tokenHang:
		select {
		case <-r.Context().Done():
		case <-s.release:
		}
	case token429:
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"error":"slow_down"}`))
	}
}

func (s *flakyTokenServer) times() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.arrived...)
}

func (s *flakyTokenServer) since(t time.Time) int {
	n := 0
	for _, a := range s.times() {
		if !a.Before(t) {
			n++
		}
	}
	return n
}

// anyTokenAPI accepts any bearer token (or, with reject, none) and counts requests.
type anyTokenAPI struct {
	requests atomic.Int64
	reject   atomic.Bool
}

func (a *anyTokenAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.requests.Add(1)
	w.Header().Set("Content-Type", "application/json")
	if a.reject.Load() || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"invalid_token"}`))
		return
	}
	w.Write([]byte(`[{"id":1,"name":"a"},{"id":2,"name":"b"}]`))
}

type outageFixture struct {
	tokens *flakyTokenServer
	api    *anyTokenAPI
	d      *Datasource
}

func newOutageFixture(t *testing.T, tokenTimeout string) *outageFixture {
	t.Helper()
	o := &outageFixture{tokens: &flakyTokenServer{release: make(chan struct{})}, api: &anyTokenAPI{}}
	tsrv := httptest.NewServer(o.tokens)
	asrv := httptest.NewServer(o.api)
	t.Cleanup(func() { close(o.tokens.release); tsrv.Close(); asrv.Close() })
	raw, _ := json.Marshal(map[string]any{"tokenUrl": tsrv.URL + "/token", "tokenTimeout": tokenTimeout, "timeout": "2s"})
	o.d = newDS(t, backend.DataSourceInstanceSettings{UID: "outage", URL: asrv.URL + "/v1", JSONData: raw,
		DecryptedSecureJSONData: map[string]string{"clientId": clientID, "clientSecret": clientSecret}})
	return o
}

type queryResult struct {
	start   time.Time
	elapsed time.Duration
	err     error
}

// storm runs workers concurrent query loops for period; every query has its own deadline.
func storm(d *Datasource, workers int, period, queryTimeout time.Duration) []queryResult {
	var mu sync.Mutex
	var out []queryResult
	var wg sync.WaitGroup
	end := time.Now().Add(period)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for time.Now().Before(end) {
				ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
				start := time.Now()
				resp, err := d.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", JSON: json.RawMessage(`{"path":"/items"}`)}}})
				elapsed := time.Since(start)
				cancel()
				if err == nil {
					err = resp.Responses["A"].Error
				}
				mu.Lock()
				out = append(out, queryResult{start, elapsed, err})
				mu.Unlock()
				time.Sleep(time.Duration(5+i%10) * time.Millisecond)
			}
		}(i)
	}
	wg.Wait()
	return out
}

// TestTokenEndpointOutageUnderLoad: 64 concurrent query loops for 3 s against a token endpoint that
// answers 500, never answers, or answers 429 with Retry-After: 2. The endpoint sees a handful of
// requests, every query fails fast with a clear error (only those waiting on a fetch wait, and
// never longer than tokenTimeout), none reaches its own deadline, and the datasource recovers by
// itself on the first attempt after the backoff window.
func TestTokenEndpointOutageUnderLoad(t *testing.T) {
	const (
		workers      = 64
		period       = 3 * time.Second
		tokenTimeout = time.Second
		queryTimeout = 3 * time.Second
		fast         = 250 * time.Millisecond
	)
	for _, tc := range []struct {
		name        string
		mode        tokenMode
		maxRequests int
		want        []string
		minGap      time.Duration // between two token requests
	}{
		// Backoff 1 s, 2 s (minus up to 20% jitter): requests at about 0, 0.9 and 2.7 s.
		{"500", token500, 4, []string{"token request failed (HTTP 500)", "database down"}, 750 * time.Millisecond},
		// Each attempt lasts tokenTimeout, then backs off: attempts at about 0 and 1.9 s.
		{"hang", tokenHang, 3, []string{"token request failed", "no answer within tokenTimeout (1s)"}, 1500 * time.Millisecond},
		// Retry-After: 2 wins over the shorter backoff: requests at 0 and 2 s.
		{"429 Retry-After 2", token429, 3, []string{"token request failed (HTTP 429)", "slow_down"}, 1900 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := newOutageFixture(t, "1s")
			o.tokens.mode.Store(int32(tc.mode))
			began := time.Now()
			results := storm(o.d, workers, period, queryTimeout)

			arrived := o.tokens.times()
			if len(arrived) == 0 || len(arrived) > tc.maxRequests {
				t.Errorf("%d token requests in %s from %d concurrent query loops, want 1..%d", len(arrived), period, workers, tc.maxRequests)
			}
			for i := 1; i < len(arrived); i++ {
				if gap := arrived[i].Sub(arrived[i-1]); gap < tc.minGap {
					t.Errorf("token requests %d and %d only %s apart, want at least %s", i-1, i, gap, tc.minGap)
				}
			}
			var slow []time.Duration
			nFast := 0
			for _, r := range results {
				if r.err == nil {
					t.Fatalf("a query succeeded against a failing token endpoint")
				}
				msg := r.err.Error()
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Fatalf("error %q lacks %q", msg, w)
					}
				}
				if strings.Contains(msg, "gave up waiting") || r.elapsed >= queryTimeout {
					t.Fatalf("a query hung until its own deadline (%s): %v", r.elapsed, msg)
				}
				if r.elapsed < fast {
					nFast++
				} else {
					slow = append(slow, r.elapsed)
				}
			}
			sort.Slice(slow, func(i, j int) bool { return slow[i] > slow[j] })
			// Only queries that joined a fetch in flight may wait, and never past tokenTimeout.
			if len(slow) > 0 && slow[0] > tokenTimeout+time.Second {
				t.Errorf("slowest query took %s, want at most tokenTimeout (%s) + slack", slow[0], tokenTimeout)
			}
			// Against an endpoint that answers at once, only the scheduling noise of 64 busy loops
			// (the race detector, a loaded CI machine, the first fetch's connection set-up) may slow
			// a query down: it still ends well before its deadline.
			if tc.mode != tokenHang && len(slow) > 0 && (slow[0] >= queryTimeout/2 || len(slow) > len(results)/10) {
				t.Errorf("%d of %d queries took %s or more against an endpoint that answers at once (slowest %s)", len(slow), len(results), fast, slow[0])
			}
			if nFast < workers {
				t.Errorf("only %d fast failures out of %d queries: the backoff does not answer at once", nFast, len(results))
			}
			if n := o.api.requests.Load(); n != 0 {
				t.Errorf("the API received %d requests without a token", n)
			}
			t.Logf("%d queries in %s: %d fast failures, %d waited on a fetch (slowest %v); %d token requests at %v",
				len(results), time.Since(began).Round(time.Millisecond), nFast, len(slow), first(slow), len(arrived), offsets(began, arrived))

			// Recovery: the endpoint works again; the first attempt after the backoff window succeeds.
			switched := time.Now()
			o.tokens.mode.Store(int32(tokenOK))
			until := o.d.tokens.Status().BackoffUntil
			deadline := switched.Add(tokenTimeout + time.Second)
			if until.After(switched) {
				deadline = until.Add(tokenTimeout + time.Second)
			}
			var recovered time.Time
			for time.Now().Before(deadline) {
				if r := runQuery(t, o.d, `{"path":"/items"}`); r.Error == nil {
					recovered = time.Now()
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if recovered.IsZero() {
				t.Fatalf("no recovery by %s after the endpoint came back (backoff until %s)", deadline.Sub(switched), until.Sub(switched))
			}
			if n := o.tokens.since(switched); n != 1 {
				t.Errorf("%d token requests after the endpoint came back, want exactly 1", n)
			}
			t.Logf("recovered %s after the endpoint came back (backoff window ended %s after)", recovered.Sub(switched).Round(time.Millisecond), until.Sub(switched).Round(time.Millisecond))
		})
	}
}

func first(d []time.Duration) any {
	if len(d) == 0 {
		return "-"
	}
	return d[0].Round(time.Millisecond)
}

func offsets(t0 time.Time, ts []time.Time) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Sub(t0).Round(10*time.Millisecond).String())
	}
	return out
}

// TestRevokedTokenReplacedOnSameQuery: after the API revokes every token, the next query gets a
// 401, fetches one new token and succeeds: exactly 2 API requests and 1 token request.
func TestRevokedTokenReplacedOnSameQuery(t *testing.T) {
	f := newFixture(t)
	for _, s := range []backend.DataSourceInstanceSettings{f.customSettings(), f.standardSettings()} {
		d := newDS(t, s)
		if r := runQuery(t, d, `{"path":"/items"}`); r.Error != nil {
			t.Fatal(r.Error)
		}
		f.mock.RevokeAll()
		api, tok := f.mock.APIRequests(), f.mock.TokenRequests()
		r := runQuery(t, d, `{"path":"/items"}`)
		if r.Error != nil || len(r.Frames) == 0 || r.Frames[0].Rows() != 5 {
			t.Fatalf("query after revocation: %v", r.Error)
		}
		if got := f.mock.APIRequests() - api; got != 2 {
			t.Errorf("%d API requests for the query after revocation, want 2 (401, then retry)", got)
		}
		if got := f.mock.TokenRequests() - tok; got != 1 {
			t.Errorf("%d token requests for the query after revocation, want 1", got)
		}
	}
}

// TestPermanentlyRejectedClientDoesNotLoop: an API that answers 401 to every token. The first query
// makes 2 API requests and 2 token requests (the first token, one replacement) and fails with a
// message that says the token was rejected twice; the replacement is then kept for its lifetime, so
// every later query makes 1 API request and no token request, and 64 concurrent queries make exactly
// 64 API requests and no token request.
func TestPermanentlyRejectedClientDoesNotLoop(t *testing.T) {
	o := newOutageFixture(t, "1s")
	o.api.reject.Store(true)
	for i := 0; i < 5; i++ {
		api, tok := o.api.requests.Load(), len(o.tokens.times())
		r := runQuery(t, o.d, `{"path":"/items"}`)
		want := "rejected the token twice"
		if i > 0 {
			want = "refused on its own retry too"
		}
		if r.Error == nil || !strings.Contains(r.Error.Error(), want) {
			t.Fatalf("query %d: %v", i, r.Error)
		}
		if r.Status != backend.Status(http.StatusUnauthorized) || r.ErrorSource != backend.ErrorSourceDownstream {
			t.Errorf("query %d: status %d source %q", i, r.Status, r.ErrorSource)
		}
		gotAPI, gotTok := o.api.requests.Load()-api, len(o.tokens.times())-tok
		if wantAPI, wantTok := map[bool]int64{true: 2, false: 1}[i == 0], map[bool]int{true: 2, false: 0}[i == 0]; gotAPI != wantAPI || gotTok != wantTok {
			t.Errorf("query %d: %d API requests and %d token requests, want %d and %d", i, gotAPI, gotTok, wantAPI, wantTok)
		}
	}

	api, tok := o.api.requests.Load(), len(o.tokens.times())
	start := time.Now()
	var wg sync.WaitGroup
	var failures atomic.Int64
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := o.d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", JSON: json.RawMessage(`{"path":"/items"}`)}}})
			if resp.Responses["A"].Error != nil {
				failures.Add(1)
			}
		}()
	}
	wg.Wait()
	gotAPI, gotTok := o.api.requests.Load()-api, len(o.tokens.times())-tok
	if failures.Load() != 64 || gotAPI != 64 || gotTok != 0 {
		t.Errorf("64 concurrent queries: %d failures, %d API requests, %d token requests, want 64, 64 and 0", failures.Load(), gotAPI, gotTok)
	}
	t.Logf("64 concurrent queries against a permanent 401: %d API requests, %d token requests, %s", gotAPI, gotTok, time.Since(start).Round(time.Millisecond))
}

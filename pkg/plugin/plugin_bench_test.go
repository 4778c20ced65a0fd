package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/benchdata"
)

// Benchmarks for issue #7: a query end to end (token cached, small reply) beside a bare net/http GET
// of the same URL in the same run, and token traffic in real time. Run them with scripts/bench.sh.

const benchToken = "0123456789abcdef0123456789abcdef"

// benchItems is a small reply: the mock API's /items (5 rows, 6 columns, one nested object).
var benchItems = []byte(`[{"id":1,"name":"alpha","value":12.5,"active":true,"createdAt":"2024-01-15T08:30:00Z","owner":{"name":"Alice","team":"platform"}},{"id":2,"name":"bravo","value":7.25,"active":false,"createdAt":"2024-02-01T12:00:00Z","owner":{"name":"Bob","team":"data"}},{"id":3,"name":"charlie","value":null,"active":true,"createdAt":"2024-03-10T17:45:30Z","owner":{"name":"Carol","team":"platform"}},{"id":4,"name":"delta","value":99.9,"active":true,"createdAt":"2024-04-22T06:15:00Z","owner":{"name":"Dave","team":"sre"}},{"id":5,"name":"echo","value":0.5,"active":false,"createdAt":"2024-05-05T23:59:59Z","owner":{"name":"Eve","team":"data"}}]`)

// benchServer is a minimal loopback API: /token hands out benchToken (or a standard reply with the
// given lifetime, a fresh token each time), /api/items answers benchItems to the right X-Token or
// Bearer token. It does as little as possible so that the plugin's own cost shows.
type benchServer struct {
	*httptest.Server
	tokenRequests atomic.Int64
	newConns      atomic.Int64
	lifetime      int // seconds; 0: the custom {"token"} reply without expiry
	mu            sync.Mutex
	valid         map[string]bool
	big           []byte // the reply of /api/big (BenchmarkQueryDataLarge)
}

func newBenchServer(tb testing.TB, lifetime int) *benchServer {
	s := &benchServer{lifetime: lifetime, valid: map[string]bool{benchToken: true}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.newConns.Add(1)
		}
	}
	s.Start()
	tb.Cleanup(s.Close)
	return s
}

func (s *benchServer) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/token":
		n := s.tokenRequests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if s.lifetime == 0 {
			_, _ = io.WriteString(w, `{"token":"`+benchToken+`"}`)
			return
		}
		tok := fmt.Sprintf("tok-%d", n)
		s.mu.Lock()
		s.valid[tok] = true
		s.mu.Unlock()
		_, _ = io.WriteString(w, `{"access_token":"`+tok+`","token_type":"Bearer","expires_in":`+strconv.Itoa(s.lifetime)+`}`)
	case "/api/items", "/api/big":
		tok := r.Header.Get("X-Token")
		if tok == "" {
			if a := r.Header.Get("Authorization"); len(a) > 7 {
				tok = a[7:]
			}
		}
		s.mu.Lock()
		ok := s.valid[tok]
		s.mu.Unlock()
		if !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/api/big" {
			w.Header().Set("Content-Length", strconv.Itoa(len(s.big)))
			_, _ = w.Write(s.big)
			return
		}
		_, _ = w.Write(benchItems)
	default:
		http.NotFound(w, r)
	}
}

// settings for the custom {"token"} reply put in X-Token, or for the standard reply in Authorization.
func (s *benchServer) settings() backend.DataSourceInstanceSettings {
	jd := map[string]any{"tokenUrl": s.URL + "/token", "tokenPath": "token", "tokenHeaderName": "X-Token", "tokenHeaderTemplate": "{{token}}"}
	if s.lifetime > 0 {
		jd = map[string]any{"tokenUrl": s.URL + "/token"}
	}
	raw, _ := json.Marshal(jd)
	return backend.DataSourceInstanceSettings{UID: "bench", Type: "oauth2rest-api-datasource", Name: "bench", URL: s.URL + "/api",
		JSONData: raw, DecryptedSecureJSONData: map[string]string{"clientId": clientID, "clientSecret": clientSecret}, Updated: time.Now()}
}

func newBenchDS(tb testing.TB, s backend.DataSourceInstanceSettings) *Datasource {
	inst, err := NewDatasource(context.Background(), s)
	if err != nil {
		tb.Fatal(err)
	}
	d := inst.(*Datasource)
	if d.configErr != nil {
		tb.Fatal(d.configErr)
	}
	tb.Cleanup(d.Dispose)
	return d
}

func benchQuery() *backend.QueryDataRequest {
	now := time.Now()
	return &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", JSON: json.RawMessage(`{"path":"/items"}`), TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now}, Interval: time.Minute,
	}}}
}

func queryOnce(ctx context.Context, d *Datasource, req *backend.QueryDataRequest) error {
	resp, err := d.QueryData(ctx, req)
	if err != nil {
		return err
	}
	r := resp.Responses["A"]
	if r.Error != nil {
		return r.Error
	}
	if len(r.Frames) != 1 || r.Frames[0].Rows() != 5 {
		return fmt.Errorf("unexpected frames %v", r.Frames)
	}
	return nil
}

// BenchmarkQueryData: one query (token cached, 5-row reply) through Datasource.QueryData beside a
// bare GET of the same URL with the same token header, at 1 and 64 concurrent callers, and beside
// the floor: the bare GET plus frames.ConvertBytes of its body. The bare GET
// uses its own http.Transport with the same idle-connection limits as the SDK client (100 per host).
// Reports x-baseline (wall ns/op ÷ the baseline's) and x-baseline-cpu (process CPU per op ÷ the
// baseline's). Target: x-baseline ≤1.2.
func BenchmarkQueryData(b *testing.B) {
	srv := newBenchServer(b, 0)
	d := newBenchDS(b, srv.settings())
	if err := queryOnce(context.Background(), d, benchQuery()); err != nil {
		b.Fatal(err)
	}
	bare := &http.Client{Transport: &http.Transport{MaxIdleConns: 100, MaxIdleConnsPerHost: 100, IdleConnTimeout: 90 * time.Second}}
	b.Cleanup(bare.CloseIdleConnections)
	url := srv.URL + "/api/items"
	get := func(ctx context.Context) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("X-Token", benchToken)
		resp, err := bare.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != 200 || len(body) != len(benchItems) {
			return nil, fmt.Errorf("bare GET: %d, %d bytes", resp.StatusCode, len(body))
		}
		return body, nil
	}
	bareGet := func(ctx context.Context) error {
		_, err := get(ctx)
		return err
	}
	plugin := func(ctx context.Context) error { return queryOnce(ctx, d, benchQuery()) }
	// floor: the bare GET plus the frame conversion of its body, the least work any plugin that
	// answers this query must do; its ratio shows how much of the target the conversion alone takes.
	spec := frames.Spec{Name: "A"}
	floor := func(ctx context.Context) error {
		body, err := get(ctx)
		if err != nil {
			return err
		}
		out, ok, err := frames.ConvertBytes(body, spec)
		if !ok || err != nil || out[0].Rows() != 5 {
			return fmt.Errorf("floor: %v %v", ok, err)
		}
		return nil
	}

	for _, callers := range []int{1, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			// CPU per op counts the test server's work too, the same for every case.
			var ratio benchdata.Ratio
			run := func(name string, op func(context.Context) error, baseline bool) {
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					ctx := context.Background()
					ratio.Measure(b, baseline, func() {
						if callers == 1 {
							for b.Loop() {
								if err := op(ctx); err != nil {
									b.Fatal(err)
								}
							}
							return
						}
						b.SetParallelism((callers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								if err := op(ctx); err != nil {
									b.Error(err)
									return
								}
							}
						})
					})
				})
			}
			run("baseline=bare-GET", bareGet, true)
			run("floor=bare-GET+ConvertBytes", floor, false)
			run("plugin=QueryData", plugin, false)
		})
	}
}

// BenchmarkTokenTrafficRealTime: 64 callers, each querying every 20 ms through the plugin, for 3
// token lifetimes of 2 s (6 s of real time), against a token endpoint that issues a new token with
// expires_in=2 each time. Reports the token requests made during the window per lifetime (the first
// token is fetched before the window). Target ≤2. 12 s tokens are covered with an injected clock by
// BenchmarkTokenTraffic in pkg/token (3 real lifetimes of 12 s would take 36 s).
func BenchmarkTokenTrafficRealTime(b *testing.B) {
	const callers, lifetimes, lifetime = 64, 3, 2
	for b.Loop() {
		srv := newBenchServer(b, lifetime)
		d := newBenchDS(b, srv.settings())
		if err := queryOnce(context.Background(), d, benchQuery()); err != nil {
			b.Fatal(err)
		}
		before := srv.tokenRequests.Load()
		deadline := time.Now().Add(lifetimes * lifetime * time.Second)
		var wg sync.WaitGroup
		var queries, failures atomic.Int64
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					if err := queryOnce(context.Background(), d, benchQuery()); err != nil {
						failures.Add(1)
					}
					queries.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			}()
		}
		wg.Wait()
		if failures.Load() > 0 {
			b.Errorf("%d of %d queries failed", failures.Load(), queries.Load())
		}
		b.ReportMetric(float64(srv.tokenRequests.Load()-before)/lifetimes, "token-req/lifetime")
		b.ReportMetric(float64(queries.Load())/lifetimes, "queries/lifetime")
	}
}

// BenchmarkQueryDataLarge: one query end to end (token cached) for a 1 MB / 20k-row and a 50 MB /
// 1M-row reply (benchdata.Payload: mixed types, a nested object), beside a bare GET of the same URL
// that only reads the body, the least any client does, in the same run. Reports MB/s, x-baseline
// (wall) and x-baseline-cpu, and from one extra untimed query: peak-heap/payload, the query's peak
// heap above the heap before it (the body the plugin reads counts: it is the plugin's memory), and
// retained/payload (the frames handed back). Target: peak ≤3x the payload, as for pkg/frames.
func BenchmarkQueryDataLarge(b *testing.B) {
	for _, rows := range []int{20_000, 1_000_000} {
		body := benchdata.Payload(rows)
		srv := newBenchServer(b, 0)
		srv.big = body
		s := srv.settings()
		var jd map[string]any
		_ = json.Unmarshal(s.JSONData, &jd)
		jd["maxResponseBytes"] = 64 << 20
		s.JSONData, _ = json.Marshal(jd)
		d := newBenchDS(b, s)
		bare := &http.Client{Transport: &http.Transport{MaxIdleConns: 100, MaxIdleConnsPerHost: 100, IdleConnTimeout: 90 * time.Second}}
		b.Cleanup(bare.CloseIdleConnections)
		bareGet := func() any {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/big", nil)
			req.Header.Set("X-Token", benchToken)
			resp, err := bare.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err != nil || len(got) != len(body) {
				b.Fatalf("bare GET: %v, %d bytes", err, len(got))
			}
			return got
		}
		query := func() any {
			now := time.Now()
			resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{
				RefID: "A", JSON: json.RawMessage(`{"path":"/big"}`), TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now}}}})
			if err != nil {
				b.Fatal(err)
			}
			r := resp.Responses["A"]
			if r.Error != nil || len(r.Frames) != 1 || r.Frames[0].Rows() != rows {
				b.Fatalf("query: %v, %v", r.Error, r.Frames)
			}
			return r.Frames
		}
		b.Run(fmt.Sprintf("size=%dMB", (len(body)+1<<19)>>20), func(b *testing.B) {
			var ratio benchdata.Ratio
			for i, tc := range []struct {
				name string
				op   func() any
			}{{"baseline=bare-GET", bareGet}, {"plugin=QueryData", query}} {
				b.Run(tc.name, func(b *testing.B) {
					b.SetBytes(int64(len(body)))
					b.ReportAllocs()
					ratio.Measure(b, i == 0, func() {
						for b.Loop() {
							tc.op()
						}
					})
					peak, retained := benchdata.MeasurePeak(tc.op)
					b.ReportMetric(float64(peak)/float64(len(body)), "peak-heap/payload")
					b.ReportMetric(float64(retained)/float64(len(body)), "retained/payload")
				})
			}
		})
	}
}

package transport

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/tracing"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func names(mws []httpclient.Middleware) []string {
	var out []string
	for _, m := range mws {
		if n, ok := m.(httpclient.MiddlewareName); ok {
			out = append(out, n.MiddlewareName())
		} else {
			out = append(out, "?")
		}
	}
	return out
}

// The replacement keeps the SDK's middlewares and their order; only the metrics one is renamed.
func TestMiddlewaresAreTheSDKDefaults(t *testing.T) {
	want := names(httpclient.DefaultMiddlewares())
	for i, n := range want {
		if n == httpclient.DataSourceMetricsMiddlewareName {
			want[i] = MetricsMiddlewareName
		}
	}
	if got := names(Middlewares()); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("middlewares %v, want %v", got, want)
	}
}

// sample is one series of a plugins_datasource_* family: counter value, histogram count and sum of
// the size histogram (durations differ between two requests, so only their count is compared), or a
// gauge's value.
type sample struct {
	count, sum float64
	gauge      bool
}

func snapshot(t *testing.T) map[string]sample {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]sample{}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "plugins_datasource_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			key := mf.GetName() + labelString(m.GetLabel())
			var s sample
			switch {
			case m.Counter != nil:
				s.count = m.Counter.GetValue()
			case m.Gauge != nil:
				s.count, s.gauge = m.Gauge.GetValue(), true
			case m.Histogram != nil:
				s.count = float64(m.Histogram.GetSampleCount())
				if strings.Contains(mf.GetName(), "size") {
					s.sum = m.Histogram.GetSampleSum()
				}
			}
			out[key] = s
		}
	}
	return out
}

func labelString(ls []*dto.LabelPair) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, l.GetName()+"="+l.GetValue())
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

// delta is what changed: counters and histograms by how much; gauges are compared by their value
// after (the response size gauge holds the last size, the in-flight gauge 0).
func delta(before, after map[string]sample) map[string]sample {
	out := map[string]sample{}
	for k, a := range after {
		b := before[k]
		switch {
		case a.gauge:
			out[k] = a
		case !a.gauge && (a.count != b.count || a.sum != b.sum):
			out[k] = sample{count: a.count - b.count, sum: a.sum - b.sum}
		}
	}
	return out
}

func server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		if code, ok := strings.CutPrefix(r.URL.Path, "/status/"); ok {
			n, _ := strconv.Atoi(code)
			w.WriteHeader(n)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true,"padding":"`+strings.Repeat("x", 700)+`"}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, c *http.Client, ctx context.Context, url string) {
	t.Helper()
	send(t, c, ctx, http.MethodPost, url)
}

func send(t *testing.T, c *http.Client, ctx context.Context, method, url string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader("{}"))
	if err != nil {
		t.Error(err)
		return
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}

// TestMetricsMatchSDK: the same requests through the SDK's own middleware and through ours change
// exactly the same series by the same amounts (requests by code and method, durations, response
// sizes, in flight), for two endpoints and an error status. It also pins that the SDK's collectors
// are found (a future SDK that renames them fails here instead of silently keeping the slow path).
func TestMetricsMatchSDK(t *testing.T) {
	if _, err := sdkCollectors(); err != nil {
		t.Fatalf("the SDK's datasource metrics were not found: %v", err)
	}
	srv := server(t)
	// Each client gets its own datasource type, so that the two write disjoint series (a gauge left
	// by one cannot hide a gauge the other failed to set); the type is then renamed to T.
	client := func(typ string, build func(httpclient.Options) (*http.Client, error)) *http.Client {
		c, err := build(httpclient.Options{Labels: map[string]string{"datasource_type": typ, "datasource_uid": "u1"}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	sdkClient := client("sdk-ref", func(o httpclient.Options) (*http.Client, error) { return httpclient.New(o) }) // DefaultMiddlewares
	ours := client("ours-ref", func(o httpclient.Options) (*http.Client, error) { return New(o) })
	run := func(c *http.Client, label string) map[string]sample {
		before := snapshot(t)
		for _, ep := range []backend.Endpoint{backend.EndpointQueryData, backend.EndpointCheckHealth} {
			ctx := backend.WithEndpoint(context.Background(), ep)
			get(t, c, ctx, srv.URL+"/ok")
			get(t, c, ctx, srv.URL+"/fail")
			get(t, c, ctx, srv.URL+"/ok")
		}
		get(t, c, context.Background(), srv.URL+"/ok") // no endpoint in the context
		// promhttp's label values: methods in lower case or "unknown", unusual status codes.
		ctx := backend.WithEndpoint(context.Background(), backend.EndpointCallResource)
		for _, m := range []string{"GET", "get", "PATCH", "DELETE", "OPTIONS", "PROPFIND"} {
			send(t, c, ctx, m, srv.URL+"/ok")
		}
		for _, code := range []int{201, 299, 302, 418, 599} {
			send(t, c, ctx, http.MethodPut, fmt.Sprintf("%s/status/%d", srv.URL, code))
		}
		out := map[string]sample{}
		for k, v := range delta(before, snapshot(t)) {
			if strings.Contains(k, "datasource_type="+label+",") {
				out[strings.Replace(k, "datasource_type="+label+",", "datasource_type=T,", 1)] = v
			}
		}
		return out
	}
	want := run(sdkClient, "sdkref")
	got := run(ours, "oursref")
	if len(want) < 10 {
		t.Fatalf("the SDK's middleware changed only %d series: %v", len(want), want)
	}
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got[k] != want[k] {
			t.Errorf("%s: ours %+v, SDK %+v", k, got[k], want[k])
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: changed by ours only: %+v", k, got[k])
		}
	}
	if t.Failed() {
		t.Logf("SDK deltas: %v", want)
	}
	// One series to show what is compared: 2 successful POSTs for queryData.
	k := `plugins_datasource_request_total{code=200,datasource_type=T,endpoint=queryData,method=post,secure_socks_ds_proxy_enabled=false}`
	if got[k].count != 2 {
		t.Errorf("%s = %v, want 2 (series: %v)", k, got[k], got)
	}
}

// Without a datasource_type label neither middleware records anything.
func TestMetricsWithoutTypeLabel(t *testing.T) {
	srv := server(t)
	c, err := New(httpclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t)
	get(t, c, context.Background(), srv.URL+"/ok")
	after := snapshot(t)
	for k, a := range after {
		if b, ok := before[k]; !ok || a != b {
			t.Errorf("series %s changed without a datasource type: %+v -> %+v", k, b, a)
		}
	}
}

// TestTracingWhenRecording: with a tracer that records, the span is what the SDK's middleware makes
// (name, kind, labels, URL, method, status code, error status), and the client trace events
// (connection) are attached. Without one, the trace context still propagates.
func TestTracingWhenRecording(t *testing.T) {
	srv := server(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tracing.InitDefaultTracer(tp.Tracer("test"))
	t.Cleanup(func() { tracing.InitDefaultTracer(otel.Tracer("github.com/grafana/grafana-plugin-sdk-go")) })

	c, err := New(httpclient.Options{Labels: map[string]string{"datasource_uid": "u1"}})
	if err != nil {
		t.Fatal(err)
	}
	get(t, c, context.Background(), srv.URL+"/fail")
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	s := spans[0]
	attrs := map[attribute.Key]string{}
	for _, a := range s.Attributes() {
		attrs[a.Key] = a.Value.Emit()
	}
	if s.Name() != "HTTP Outgoing Request" || s.SpanKind() != trace.SpanKindClient {
		t.Errorf("span %q kind %v", s.Name(), s.SpanKind())
	}
	if attrs["datasource_uid"] != "u1" || attrs["http.url"] != srv.URL+"/fail" || attrs["http.method"] != "POST" || attrs["http.status_code"] != "500" {
		t.Errorf("attributes %v", attrs)
	}
	if s.Status().Code != codes.Error || s.Status().Description != "error with HTTP status code 500" {
		t.Errorf("status %+v", s.Status())
	}
	var events []string
	for _, e := range s.Events() {
		events = append(events, e.Name)
	}
	if len(events) == 0 {
		t.Errorf("no client trace events on a recording span")
	}
}

func TestTracingPropagatesWithoutRecording(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Get("traceparent") }))
	t.Cleanup(srv.Close)
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })

	c, err := New(httpclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true}))
	get(t, c, ctx, srv.URL)
	if !strings.HasPrefix(got, "00-0af7651916cd43dd8448eb211c80319c-") {
		t.Fatalf("traceparent %q", got)
	}
}

// Concurrent first requests for new endpoints and status codes add their series once and lose no
// count (run with -race).
func TestMetricsConcurrent(t *testing.T) {
	srv := server(t)
	c, err := New(httpclient.Options{Labels: map[string]string{"datasource_type": "concurrent"}})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := backend.WithEndpoint(context.Background(), []backend.Endpoint{backend.EndpointQueryData, backend.EndpointCheckHealth, backend.EndpointCallResource}[g%3])
			for i := range 20 {
				send(t, c, ctx, http.MethodGet, fmt.Sprintf("%s/status/%d", srv.URL, 200+i%4))
			}
		}()
	}
	wg.Wait()
	var total float64
	for k, v := range delta(before, snapshot(t)) {
		if strings.HasPrefix(k, "plugins_datasource_request_total{") && strings.Contains(k, "datasource_type=concurrent,") {
			total += v.count
		}
	}
	if total != 16*20 {
		t.Fatalf("counted %v requests, want %d", total, 16*20)
	}
}

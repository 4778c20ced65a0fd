package transport

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/tracing"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestTracingHidesSecretQueryParams: with tokenPlacement: query the token is in the URL; the span's
// http.url shows [redacted] for it (other parameters stay), and an error that quotes the URL is
// recorded without it.
func TestTracingHidesSecretQueryParams(t *testing.T) {
	const tok = "tok-0123456789abcdef"
	srv := server(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tracing.InitDefaultTracer(tp.Tracer("test"))
	t.Cleanup(func() { tracing.InitDefaultTracer(otel.Tracer("github.com/grafana/grafana-plugin-sdk-go")) })

	c, err := New(httpclient.Options{}, "access_token")
	if err != nil {
		t.Fatal(err)
	}
	get(t, c, context.Background(), srv.URL+"/ok?page=2&access_token="+tok)

	// A transport error that quotes the URL, as a proxy or a wrapped url.Error would.
	failing := httpclient.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		return nil, fmt.Errorf("dial failed for %s", r.URL.String())
	})
	rt := tracingMiddleware([]string{"access_token"}).CreateMiddleware(httpclient.Options{}, failing)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/x?access_token="+tok, nil)
	if _, err := rt.RoundTrip(req); err == nil || !strings.Contains(err.Error(), tok) {
		t.Fatalf("the caller's own error is unchanged (upstream redacts it): %v", err)
	}

	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	var all []string
	for _, s := range spans {
		for _, a := range s.Attributes() {
			all = append(all, string(a.Key)+"="+a.Value.Emit())
		}
		for _, e := range s.Events() {
			for _, a := range e.Attributes {
				all = append(all, e.Name+":"+string(a.Key)+"="+a.Value.Emit())
			}
		}
		all = append(all, s.Status().Description)
	}
	text := strings.Join(all, "\n")
	if strings.Contains(text, tok) {
		t.Fatalf("token in a span:\n%s", text)
	}
	if !strings.Contains(text, "http.url="+srv.URL+"/ok?access_token=%5Bredacted%5D&page=2") {
		t.Errorf("http.url should keep the other parameters and mark the token:\n%s", text)
	}
	if !strings.Contains(text, "dial failed for") {
		t.Errorf("the error event is missing:\n%s", text)
	}
}

func TestRedactURLLeavesOtherURLsAlone(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://h/p?a=1&b=2", nil)
	if got, vals := redactURL(req.URL, []string{"access_token"}); got != "https://h/p?a=1&b=2" || vals != nil {
		t.Errorf("%q %v", got, vals)
	}
	if got, _ := redactURL(req.URL, nil); got != "https://h/p?a=1&b=2" {
		t.Errorf("%q", got)
	}
}

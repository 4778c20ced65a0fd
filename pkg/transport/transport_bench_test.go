package transport

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/benchdata"
)

// memoryTransport answers every request at once, so that only the middlewares cost anything.
type memoryTransport struct{}

func (memoryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("{}")), Request: r, Header: http.Header{}}, nil
}

// BenchmarkMiddlewares: one request through the SDK's default middlewares and through ours
// (Middlewares), over an in-memory transport, beside no middleware at all. Reports x-baseline
// against the SDK's chain (and x-baseline-cpu).
func BenchmarkMiddlewares(b *testing.B) {
	opts := httpclient.Options{Labels: map[string]string{"datasource_type": "bench-type", "datasource_uid": "u", "datasource_name": "n"}}
	ctx := backend.WithEndpoint(context.Background(), backend.EndpointQueryData)
	var ratio benchdata.Ratio
	for _, tc := range []struct {
		name string
		mws  []httpclient.Middleware
	}{{"baseline=sdk", httpclient.DefaultMiddlewares()}, {"ours", Middlewares()}, {"none", nil}} {
		var rt http.RoundTripper = memoryTransport{}
		for i := len(tc.mws) - 1; i >= 0; i-- {
			rt = tc.mws[i].CreateMiddleware(opts, rt)
		}
		c := &http.Client{Transport: rt}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			ratio.Measure(b, tc.name == "baseline=sdk", func() {
				for b.Loop() {
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://api.test/x", nil)
					resp, err := c.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
			})
		})
	}
}

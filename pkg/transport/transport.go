// Package transport builds an instance's one HTTP client (one keep-alive connection pool, shared by
// the token client and the API client): the SDK's httpclient with its default middlewares, except
// that the datasource metrics are recorded by an equivalent middleware that does its setup once per
// client instead of on every request.
//
// Why: the SDK's DataSourceMetricsMiddleware curries its metric vectors and builds three promhttp
// instrumenters for every request, and each instrumenter validates its labels again through
// fmt.Errorf. pprof of BenchmarkQueryData (pkg/plugin) put about 45 % of a cached-token query's CPU
// there. The series operators rely on (plugins_datasource_request_total,
// plugins_datasource_request_duration_seconds, plugins_datasource_request_in_flight,
// plugins_datasource_response_size_bytes, plugins_datasource_response_size) stay exactly the same:
// they are written into the SDK's own collectors, found through the Prometheus registry.
package transport

import (
	"errors"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/tracing"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/httptrace/otelhttptrace"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.25.0"
	"go.opentelemetry.io/otel/trace"
)

// New builds the HTTP client for opts with the SDK's default middlewares (opts.Middlewares must be
// empty), the metrics one replaced as described in the package comment. When the SDK's collectors
// cannot be found (a future SDK changed them), the SDK's own middleware is kept: slower, never wrong.
func New(opts httpclient.Options) (*http.Client, error) {
	opts.Middlewares = Middlewares()
	return httpclient.New(opts)
}

// Middlewares is httpclient.DefaultMiddlewares, in the same order, with the tracing and metrics
// middlewares replaced (see New and tracingMiddleware).
func Middlewares() []httpclient.Middleware {
	mws := httpclient.DefaultMiddlewares()
	c, err := sdkCollectors()
	for i, m := range mws {
		n, ok := m.(httpclient.MiddlewareName)
		switch {
		case !ok:
		case n.MiddlewareName() == httpclient.TracingMiddlewareName:
			mws[i] = tracingMiddleware()
		case n.MiddlewareName() == httpclient.DataSourceMetricsMiddlewareName && err == nil:
			mws[i] = metricsMiddleware(c)
		}
	}
	return mws
}

// MetricsMiddlewareName names the replacement in a client's middleware list.
const MetricsMiddlewareName = "oauth2rest_datasource_metrics"

// collectors are the SDK's datasource metric vectors.
type collectors struct {
	requests  *prometheus.CounterVec   // datasource_type, code, method, secure_socks_ds_proxy_enabled, endpoint
	duration  *prometheus.HistogramVec // same labels
	inFlight  *prometheus.GaugeVec     // datasource_type, secure_socks_ds_proxy_enabled, endpoint
	sizeHist  *prometheus.HistogramVec // same three
	sizeGauge *prometheus.GaugeVec     // same three
}

var (
	found    *collectors
	foundErr error
	findOnce sync.Once
)

// sdkCollectors finds the SDK's vectors: registering a collector whose descriptor equals one already
// registered returns prometheus.AlreadyRegisteredError with the existing collector, which is the
// registry's documented way to share one. Names, help texts and label names must match the SDK's
// exactly (any difference is a different error, and New keeps the SDK's middleware);
// TestMetricsMatchSDK pins that they do.
func sdkCollectors() (*collectors, error) {
	findOnce.Do(func() {
		full := []string{"datasource_type", "code", "method", "secure_socks_ds_proxy_enabled", "endpoint"}
		short := []string{"datasource_type", "secure_socks_ds_proxy_enabled", "endpoint"}
		var c collectors
		var errs []error
		c.requests = existing[*prometheus.CounterVec](prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "plugins",
			Name: "datasource_request_total", Help: "A counter for outgoing requests for an external data source"}, full), &errs)
		c.duration = existing[*prometheus.HistogramVec](prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "plugins",
			Name: "datasource_request_duration_seconds", Help: "histogram of durations of outgoing external data source requests sent from Grafana"}, full), &errs)
		c.sizeHist = existing[*prometheus.HistogramVec](prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "plugins",
			Name: "datasource_response_size_bytes", Help: "histogram of external data source response sizes returned to Grafana"}, short), &errs)
		c.sizeGauge = existing[*prometheus.GaugeVec](prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "plugins",
			Name: "datasource_response_size", Help: "gauge of data source response sizes returned to Grafana in bytes"}, short), &errs)
		c.inFlight = existing[*prometheus.GaugeVec](prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "plugins",
			Name: "datasource_request_in_flight", Help: "A gauge of outgoing external data source requests currently being sent by Grafana"}, short), &errs)
		if foundErr = errors.Join(errs...); foundErr == nil {
			found = &c
		}
	})
	return found, foundErr
}

// existing returns the registered collector equal to probe. If probe was registered instead (the
// SDK's is gone), it is unregistered again so that the SDK's middleware stays the only writer.
func existing[T prometheus.Collector](probe T, errs *[]error) T {
	var zero T
	err := prometheus.DefaultRegisterer.Register(probe)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if c, ok := are.ExistingCollector.(T); ok {
			return c
		}
		*errs = append(*errs, errors.New("transport: an SDK metric has an unexpected collector type"))
		return zero
	}
	if err == nil {
		prometheus.DefaultRegisterer.Unregister(probe)
		err = errors.New("transport: an SDK metric is not registered")
	}
	*errs = append(*errs, err)
	return zero
}

// metricsMiddleware records what httpclient.DataSourceMetricsMiddleware records, with the same
// labels, building the instrumented round trippers once per endpoint label value.
func metricsMiddleware(c *collectors) httpclient.Middleware {
	return httpclient.NamedMiddlewareFunc(MetricsMiddlewareName, func(opts httpclient.Options, next http.RoundTripper) http.RoundTripper {
		dsType, ok := opts.Labels["datasource_type"]
		if !ok {
			return next // as the SDK: no datasource type, no metrics
		}
		// The SDK's sanitizeLabelName is unexported; for a type it would reject, keep its own
		// middleware (which logs and skips) rather than guess.
		label, ok := sanitize(dsType)
		if !ok {
			return httpclient.DataSourceMetricsMiddleware().CreateMiddleware(opts, next)
		}
		proxy := strconv.FormatBool(opts.ProxyOptions != nil && opts.ProxyOptions.Enabled)
		return &metered{c: c, next: next, dsType: label, proxy: proxy}
	})
}

// metered is the per-client middleware: one instrumented chain per endpoint (queryData,
// checkHealth, callResource, ...), built on first use.
type metered struct {
	c             *collectors
	next          http.RoundTripper
	dsType, proxy string
	byEndpoint    sync.Map // string -> *instrumented
}

type instrumented struct {
	rt        http.RoundTripper
	sizeHist  prometheus.Observer
	sizeGauge prometheus.Gauge
}

func (m *metered) RoundTrip(r *http.Request) (*http.Response, error) {
	endpoint := string(backend.EndpointFromContext(r.Context()))
	v, ok := m.byEndpoint.Load(endpoint)
	if !ok {
		v, _ = m.byEndpoint.LoadOrStore(endpoint, m.instrument(endpoint))
	}
	in := v.(*instrumented)
	res, err := in.rt.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if res != nil && res.StatusCode != http.StatusSwitchingProtocols {
		res.Body = httpclient.CountBytesReader(res.Body, func(n int64) {
			in.sizeHist.Observe(float64(n))
			in.sizeGauge.Set(float64(n))
		})
	}
	return res, nil
}

// instrument is the SDK's per-request setup, done once.
func (m *metered) instrument(endpoint string) *instrumented {
	labels := prometheus.Labels{"datasource_type": m.dsType, "secure_socks_ds_proxy_enabled": m.proxy, "endpoint": endpoint}
	rt := promhttp.InstrumentRoundTripperDuration(m.c.duration.MustCurryWith(labels),
		promhttp.InstrumentRoundTripperCounter(m.c.requests.MustCurryWith(labels),
			promhttp.InstrumentRoundTripperInFlight(m.c.inFlight.With(labels), m.next)))
	return &instrumented{rt: rt, sizeHist: m.c.sizeHist.With(labels), sizeGauge: m.c.sizeGauge.With(labels)}
}

// sanitize is the SDK's rule for the datasource_type label: letters, '_', digits after the first
// character, spaces as '_', anything else dropped; false when nothing is left.
func sanitize(name string) (string, bool) {
	out := make([]rune, 0, len(name))
	for i, b := range name {
		if (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_' || (b >= '0' && b <= '9' && i > 0) {
			out = append(out, b)
		} else if b == ' ' {
			out = append(out, '_')
		}
	}
	return string(out), len(out) > 0
}

// tracingMiddleware is httpclient.TracingMiddleware (same span name, kind, attributes, status and
// propagation) except that the httptrace client trace is attached only to a span that records.
// Why: the SDK attaches it to every request, and building it costs about 30 allocations even when
// no tracer is configured (the span is then a no-op and every event it would get is dropped).
func tracingMiddleware() httpclient.Middleware {
	return httpclient.NamedMiddlewareFunc(httpclient.TracingMiddlewareName, func(opts httpclient.Options, next http.RoundTripper) http.RoundTripper {
		t := tracing.DefaultTracer()
		attrs := make([]attribute.KeyValue, 0, len(opts.Labels))
		for k, v := range opts.Labels {
			attrs = append(attrs, attribute.Key(k).String(v))
		}
		return httpclient.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
			ctx, span := t.Start(req.Context(), "HTTP Outgoing Request", trace.WithSpanKind(trace.SpanKindClient))
			defer span.End()
			recording := span.IsRecording()
			if recording {
				ctx = httptrace.WithClientTrace(ctx, otelhttptrace.NewClientTrace(ctx, otelhttptrace.WithoutSubSpans(), otelhttptrace.WithoutHeaders()))
				span.SetAttributes(attrs...)
			}
			req = req.WithContext(ctx)
			otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(req.Header))
			res, err := next.RoundTrip(req)
			if !recording {
				return res, err
			}
			span.SetAttributes(semconv.HTTPURL(req.URL.String()), semconv.HTTPMethod(req.Method))
			if err != nil {
				span.SetStatus(codes.Error, "request failed")
				span.RecordError(err)
				return res, err
			}
			if res != nil {
				if res.ContentLength > 0 {
					span.SetAttributes(attribute.Int64("http.content_length", res.ContentLength))
				}
				span.SetAttributes(semconv.HTTPStatusCode(res.StatusCode))
				if res.StatusCode >= 400 {
					span.SetStatus(codes.Error, "error with HTTP status code "+strconv.Itoa(res.StatusCode))
				}
			}
			return res, err
		})
	})
}

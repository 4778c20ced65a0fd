// Package transport builds an instance's one HTTP client (one keep-alive connection pool, shared by
// the token client and the API client): the SDK's httpclient with its default middlewares, in their
// order, except two that are replaced by equivalents that cost less per request.
//
// Why: pprof of BenchmarkQueryData (pkg/plugin) put about 45 % of a cached-token query's CPU in the
// SDK's DataSourceMetricsMiddleware, which curries its metric vectors and builds three promhttp
// instrumenters for every request (each validates its labels again through fmt.Errorf), and a
// further share in TracingMiddleware's httptrace client trace, built for every request even when no
// span records. The replacements record exactly the same series (plugins_datasource_request_total,
// plugins_datasource_request_duration_seconds, plugins_datasource_request_in_flight,
// plugins_datasource_response_size_bytes, plugins_datasource_response_size) into the SDK's own
// collectors, found through the Prometheus registry, and make the same spans
// (TestMetricsMatchSDK, TestTracingWhenRecording).
package transport

import (
	"errors"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"net/url"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/tracing"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/httptrace/otelhttptrace"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.25.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/redact"
)

// redactURL is u as text with the values of the secret parameters replaced by redact.Mark, and
// those values (to redact them from an error's text too).
func redactURL(u *url.URL, secretParams []string) (string, []string) {
	if len(secretParams) == 0 || u.RawQuery == "" {
		return u.String(), nil
	}
	q := u.Query()
	var values []string
	for _, p := range secretParams {
		if vs, ok := q[p]; ok {
			values = append(values, vs...)
			for i := range vs {
				vs[i] = redact.Mark
			}
		}
	}
	if values == nil {
		return u.String(), nil
	}
	out := *u
	out.RawQuery = q.Encode()
	return out.String(), values
}

// New builds the HTTP client for opts with Middlewares() (opts.Middlewares is replaced). When the
// SDK's collectors cannot be found (a future SDK changed them), the SDK's own metrics middleware is
// kept: slower, never wrong. secretParams name query parameters that carry a credential
// (tokenPlacement: query): their values never reach a trace.
//
// The client's CloseIdleConnections really closes the instance's connections (see releaser): the
// SDK's middleware chain is a RoundTripperFunc that hides the *http.Transport, so without this the
// connections of a disposed instance (one per settings save) stayed open, two goroutines and a file
// descriptor each, until the 90 s idle timeout.
func New(opts httpclient.Options, secretParams ...string) (*http.Client, error) {
	opts.Middlewares = Middlewares(secretParams...)
	var pool *http.Transport
	prev := opts.ConfigureTransport
	opts.ConfigureTransport = func(o httpclient.Options, t *http.Transport) {
		if prev != nil {
			prev(o, t)
		}
		pool = t
	}
	c, err := httpclient.New(opts)
	if err != nil || pool == nil {
		return c, err
	}
	c.Transport = &releaser{next: c.Transport, pool: pool}
	return c, nil
}

// releaser is the outermost RoundTripper of an instance's client. http.Client.CloseIdleConnections
// calls its CloseIdleConnections, which closes the pool's idle connections and makes the pool close
// every connection that becomes idle afterwards: requests still running when the instance is
// disposed (a query's next page, a token refresh) leave no kept-alive connection behind.
type releaser struct {
	next     http.RoundTripper
	pool     *http.Transport
	released atomic.Bool
}

func (r *releaser) RoundTrip(req *http.Request) (*http.Response, error) {
	if !r.released.Load() {
		return r.next.RoundTrip(req)
	}
	// After release: this request's connection closes after its reply, and because asking the pool
	// for a connection ends the pool's "close newly idle connections" mode, restore that mode once
	// the request has its connection.
	closing := *req
	closing.Close = true
	resp, err := r.next.RoundTrip(&closing)
	r.pool.CloseIdleConnections()
	return resp, err
}

// CloseIdleConnections releases the pool: see releaser.
func (r *releaser) CloseIdleConnections() {
	r.released.Store(true)
	r.pool.CloseIdleConnections()
}

// Middlewares is httpclient.DefaultMiddlewares, in the same order, with the tracing and metrics
// middlewares replaced (see New and tracingMiddleware).
func Middlewares(secretParams ...string) []httpclient.Middleware {
	mws := httpclient.DefaultMiddlewares()
	c, err := sdkCollectors()
	for i, m := range mws {
		n, ok := m.(httpclient.MiddlewareName)
		switch {
		case !ok:
		case n.MiddlewareName() == httpclient.TracingMiddlewareName:
			mws[i] = tracingMiddleware(secretParams)
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
// labels.
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

// metered is the per-client middleware. It records what the SDK's promhttp chain records
// (InstrumentRoundTripperDuration(InstrumentRoundTripperCounter(InstrumentRoundTripperInFlight))),
// with promhttp's label values for code and method, but it looks each series up once and keeps it:
// promhttp builds a label map and hashes it for every request.
type metered struct {
	c             *collectors
	next          http.RoundTripper
	dsType, proxy string

	mu        sync.Mutex                                 // serialises additions to the maps below
	endpoints atomic.Pointer[map[string]*endpointSeries] // copy on write: lookups take no lock
	series    atomic.Pointer[map[seriesKey]*requestSeries]
}

type endpointSeries struct {
	inFlight  prometheus.Gauge
	sizeHist  prometheus.Observer
	sizeGauge prometheus.Gauge
}

type seriesKey struct {
	endpoint, method, code string
}

type requestSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func (m *metered) RoundTrip(r *http.Request) (*http.Response, error) {
	endpoint := string(backend.EndpointFromContext(r.Context()))
	ep := m.endpoint(endpoint)
	start := time.Now()
	res, err := m.roundTrip(ep, r)
	if err != nil || res == nil {
		return res, err
	}
	s := m.request(seriesKey{endpoint, method(r.Method), code(res.StatusCode)})
	s.requests.Inc()
	s.duration.Observe(time.Since(start).Seconds())
	if res.StatusCode != http.StatusSwitchingProtocols {
		res.Body = httpclient.CountBytesReader(res.Body, func(n int64) {
			ep.sizeHist.Observe(float64(n))
			ep.sizeGauge.Set(float64(n))
		})
	}
	return res, nil
}

// roundTrip counts the request in flight while it runs (even if next panics, as promhttp does).
func (m *metered) roundTrip(ep *endpointSeries, r *http.Request) (*http.Response, error) {
	ep.inFlight.Inc()
	defer ep.inFlight.Dec()
	return m.next.RoundTrip(r)
}

func (m *metered) endpoint(name string) *endpointSeries {
	if p := m.endpoints.Load(); p != nil {
		if ep, ok := (*p)[name]; ok {
			return ep
		}
	}
	return lookupOrAdd(&m.mu, &m.endpoints, name, func() *endpointSeries {
		l := prometheus.Labels{"datasource_type": m.dsType, "secure_socks_ds_proxy_enabled": m.proxy, "endpoint": name}
		return &endpointSeries{inFlight: m.c.inFlight.With(l), sizeHist: m.c.sizeHist.With(l), sizeGauge: m.c.sizeGauge.With(l)}
	})
}

func (m *metered) request(k seriesKey) *requestSeries {
	if p := m.series.Load(); p != nil {
		if s, ok := (*p)[k]; ok {
			return s
		}
	}
	return lookupOrAdd(&m.mu, &m.series, k, func() *requestSeries {
		l := prometheus.Labels{"datasource_type": m.dsType, "secure_socks_ds_proxy_enabled": m.proxy, "endpoint": k.endpoint,
			"method": k.method, "code": k.code}
		return &requestSeries{requests: m.c.requests.With(l), duration: m.c.duration.With(l)}
	})
}

// lookupOrAdd adds the value for k to a copy-on-write map unless another request just did.
func lookupOrAdd[K comparable, V any](mu *sync.Mutex, p *atomic.Pointer[map[K]V], k K, build func() V) V {
	mu.Lock()
	defer mu.Unlock()
	old := p.Load()
	if old != nil {
		if v, ok := (*old)[k]; ok {
			return v
		}
	}
	next := build()
	m := map[K]V{k: next}
	if old != nil {
		for k2, v2 := range *old {
			m[k2] = v2
		}
	}
	p.Store(&m)
	return next
}

// method and code are promhttp's label values (its sanitizeMethod and sanitizeCode, unexported):
// the standard methods in lower case, anything else "unknown"; status 0 as "200", 100 to 599 as
// the number, anything else "unknown". TestMetricsMatchSDK compares them with promhttp's.
func method(m string) string {
	switch m {
	case "GET", "get":
		return "get"
	case "PUT", "put":
		return "put"
	case "HEAD", "head":
		return "head"
	case "POST", "post":
		return "post"
	case "DELETE", "delete":
		return "delete"
	case "CONNECT", "connect":
		return "connect"
	case "OPTIONS", "options":
		return "options"
	case "NOTIFY", "notify":
		return "notify"
	case "TRACE", "trace":
		return "trace"
	case "PATCH", "patch":
		return "patch"
	}
	return "unknown"
}

func code(status int) string {
	switch {
	case status == 0:
		return "200"
	case status >= 100 && status <= 599:
		return strconv.Itoa(status)
	}
	return "unknown"
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
//
// The URL attribute and a recorded error never show the values of secretParams (and the metric
// labels above hold no URL at all): a token placed in the URL stays out of traces.
func tracingMiddleware(secretParams []string) httpclient.Middleware {
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
			traced, secrets := redactURL(req.URL, secretParams)
			span.SetAttributes(semconv.HTTPURL(traced), semconv.HTTPMethod(req.Method))
			if err != nil {
				span.SetStatus(codes.Error, "request failed")
				if len(secrets) > 0 {
					span.RecordError(errors.New(redact.New(secrets...).String(err.Error())))
				} else {
					span.RecordError(err)
				}
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

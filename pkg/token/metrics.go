package token

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics go to the default registry, which the SDK exposes to Grafana's plugin metrics endpoint.
var (
	metricTokenRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: "oauth2rest", Name: "token_requests_total",
		Help: "Token endpoint requests by outcome (success, http_4xx, http_5xx, transport_error, bad_reply).",
	}, []string{"outcome"})
	metricTokenLatency = promauto.NewHistogram(prometheus.HistogramOpts{
		Namespace: "oauth2rest", Name: "token_request_duration_seconds",
		Help: "Latency of token endpoint requests.", Buckets: prometheus.DefBuckets,
	})
	metricCacheHits = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: "oauth2rest", Name: "token_cache_hits_total",
		Help: "Token requests answered from the per-instance cache.",
	})
)

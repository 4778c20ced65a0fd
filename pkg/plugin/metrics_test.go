package plugin

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// sumMetric adds up every series of a metric family in the default registry (what the SDK serves
// to Grafana's plugin metrics endpoint), optionally only the series with label=value.
func sumMetric(t *testing.T, name, label, value string) float64 {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if label != "" && !hasLabel(m, label, value) {
				continue
			}
			switch {
			case m.Counter != nil:
				total += m.Counter.GetValue()
			case m.Histogram != nil:
				total += float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return total
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	d := newDS(t, f.customSettings())
	bad := f.customSettings()
	bad.DecryptedSecureJSONData = map[string]string{"clientId": clientID, "clientSecret": "wrong-secret-1"}
	wrong := newDS(t, bad)

	before := map[string]float64{
		"success": sumMetric(t, "oauth2rest_token_requests_total", "outcome", "success"),
		"4xx":     sumMetric(t, "oauth2rest_token_requests_total", "outcome", "http_4xx"),
		"latency": sumMetric(t, "oauth2rest_token_request_duration_seconds", "", ""),
		"hits":    sumMetric(t, "oauth2rest_token_cache_hits_total", "", ""),
		"api200":  sumMetric(t, "oauth2rest_api_requests_total", "status", "200"),
		"api404":  sumMetric(t, "oauth2rest_api_requests_total", "status", "404"),
	}
	for i := 0; i < 3; i++ {
		if r := runQuery(t, d, `{"path":"/items"}`); r.Error != nil {
			t.Fatal(r.Error)
		}
	}
	runQuery(t, d, `{"path":"/missing"}`)
	if r := runQuery(t, wrong, `{"path":"/items"}`); r.Error == nil || !strings.Contains(r.Error.Error(), "401") {
		t.Fatalf("wrong secret: %v", r.Error)
	}
	delta := func(key, name, label, value string) float64 { return sumMetric(t, name, label, value) - before[key] }
	if got := delta("success", "oauth2rest_token_requests_total", "outcome", "success"); got != 1 {
		t.Errorf("token requests success +%v, want +1", got)
	}
	if got := delta("4xx", "oauth2rest_token_requests_total", "outcome", "http_4xx"); got != 1 {
		t.Errorf("token requests http_4xx +%v, want +1", got)
	}
	if got := delta("latency", "oauth2rest_token_request_duration_seconds", "", ""); got != 2 {
		t.Errorf("token latency observations +%v, want +2", got)
	}
	if got := delta("hits", "oauth2rest_token_cache_hits_total", "", ""); got < 3 {
		t.Errorf("cache hits +%v, want at least 3", got)
	}
	if got := delta("api200", "oauth2rest_api_requests_total", "status", "200"); got != 3 {
		t.Errorf("API 200s +%v, want +3", got)
	}
	if got := delta("api404", "oauth2rest_api_requests_total", "status", "404"); got != 1 {
		t.Errorf("API 404s +%v, want +1", got)
	}
}

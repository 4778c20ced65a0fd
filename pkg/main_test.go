package main_test

// TestPluginBinary builds the real plugin executable and drives it the way Grafana does: it starts
// the process with hashicorp/go-plugin, negotiates protocol version 2 over gRPC with the SDK's
// magic cookie, dispenses the "diagnostics", "data" and "resource" plugins and calls them with
// protobuf requests whose PluginContext carries the datasource settings. The upstream is the mock
// API (mockapi) served in-process.

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

func TestPluginBinary(t *testing.T) {
	started := time.Now()
	mock, apiURL, jsonData := customAPI(t, map[string]any{"healthCheckPath": "/items"})
	plug, _, logs := launchPlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	good := pluginContext(t, 1, "custom-ok", "Custom OK", apiURL, jsonData,
		map[string]string{"clientId": clientID, "clientSecret": clientSecret})

	// (1) Save & test.
	gh := health(ctx, t, plug, good, nil)
	if gh.Status != pluginv2.CheckHealthResponse_OK {
		t.Fatalf("CheckHealth status = %v (%q), want OK", gh.Status, gh.Message)
	}
	for _, want := range []string{"Token obtained", "API answered 200"} {
		if !strings.Contains(gh.Message, want) {
			t.Errorf("CheckHealth message %q does not contain %q", gh.Message, want)
		}
	}
	if strings.Contains(gh.Message, clientSecret) || hex32.MatchString(gh.Message) {
		t.Errorf("CheckHealth message leaks a secret or token: %q", gh.Message)
	}
	t.Logf("CheckHealth: %v %q", gh.Status, gh.Message)

	// (2) A query, as the query editor sends it.
	now := time.Now()
	qresp, err := plug.data.QueryData(ctx, &pluginv2.QueryDataRequest{
		PluginContext: good,
		Queries: []*pluginv2.DataQuery{{
			RefId:         "A",
			MaxDataPoints: 1000,
			IntervalMS:    60000,
			TimeRange:     &pluginv2.TimeRange{FromEpochMS: now.Add(-time.Hour).UnixMilli(), ToEpochMS: now.UnixMilli()},
			Json:          []byte(`{"refId":"A","method":"GET","path":"/items"}`),
		}},
	})
	if err != nil {
		t.Fatalf("QueryData: %v", err)
	}
	dr, ok := qresp.Responses["A"]
	if !ok {
		t.Fatalf("QueryData: no response for refId A (got %d responses)", len(qresp.Responses))
	}
	if dr.Error != "" {
		t.Fatalf("QueryData A: error %q (status %d, source %q)", dr.Error, dr.Status, dr.ErrorSource)
	}
	if len(dr.Frames) != 1 {
		t.Fatalf("QueryData A: %d frames, want 1", len(dr.Frames))
	}
	frame, err := data.UnmarshalArrowFrame(dr.Frames[0])
	if err != nil {
		t.Fatalf("decoding the Arrow frame: %v", err)
	}
	if rows, err := frame.RowLen(); err != nil || rows != 5 {
		t.Errorf("frame has %d rows (err %v), want 5", rows, err)
	}
	var names []string
	for _, f := range frame.Fields {
		names = append(names, f.Name)
	}
	wantNames := []string{"id", "name", "value", "active", "createdAt", "owner.name", "owner.team"}
	if strings.Join(names, ",") != strings.Join(wantNames, ",") {
		t.Errorf("field names = %q, want %q", names, wantNames)
	}
	if idx := slices.Index(names, "name"); idx >= 0 && frame.Fields[idx].Len() == 5 {
		var got []string
		for i := 0; i < 5; i++ {
			v, _ := frame.Fields[idx].ConcreteAt(i)
			got = append(got, toString(v))
		}
		if want := "alpha,bravo,charlie,delta,echo"; strings.Join(got, ",") != want {
			t.Errorf("name column = %q, want %s", got, want)
		}
	}
	if frame.Meta != nil && frame.Meta.ExecutedQueryString != "" {
		t.Logf("executed query: %s", frame.Meta.ExecutedQueryString)
	}

	// (3) The token status route of the frontend.
	code, hdr, body := callResource(ctx, t, plug, good, "GET", "token/status", "")
	if code != 200 {
		t.Fatalf("GET token/status: code %d, body %s", code, body)
	}
	if ct := headerValue(hdr, "Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET token/status: Content-Type %q, want application/json", ct)
	}
	var status map[string]any
	if err := json.Unmarshal(body, &status); err != nil {
		t.Fatalf("GET token/status: body is not JSON: %v: %s", err, body)
	}
	if status["cached"] != true {
		t.Errorf("GET token/status: cached = %v, want true (body %s)", status["cached"], body)
	}
	if m := hex32.Find(body); m != nil {
		t.Errorf("GET token/status: body contains a 32-hex-char run %q (a token?): %s", m, body)
	}
	if bytes.Contains(body, []byte(clientSecret)) {
		t.Errorf("GET token/status: body contains the client secret: %s", body)
	}
	t.Logf("token/status: %s", bytes.TrimSpace(body))

	// (4) Health check, query and status route all shared one cached token.
	if n := mock.TokenRequests(); n != 1 {
		t.Errorf("mock saw %d token requests after health check, query and status, want 1", n)
	}

	// (5) A second datasource whose client secret is wrong.
	bad := pluginContext(t, 2, "custom-bad", "Custom wrong secret", apiURL, jsonData,
		map[string]string{"clientId": clientID, "clientSecret": wrongSecret})
	bh := health(ctx, t, plug, bad, nil)
	if bh.Status != pluginv2.CheckHealthResponse_ERROR {
		t.Errorf("CheckHealth (wrong secret) status = %v, want ERROR (message %q)", bh.Status, bh.Message)
	}
	for _, want := range []string{"token request", "401"} {
		if !strings.Contains(bh.Message, want) {
			t.Errorf("CheckHealth (wrong secret) message %q does not contain %q", bh.Message, want)
		}
	}
	for _, leak := range []string{"s3cr3t", wrongSecret, clientSecret} {
		if strings.Contains(bh.Message, leak) || strings.Contains(string(bh.JsonDetails), leak) {
			t.Errorf("CheckHealth (wrong secret) leaks %q: message %q details %s", leak, bh.Message, bh.JsonDetails)
		}
	}
	t.Logf("CheckHealth (wrong secret): %v %q", bh.Status, bh.Message)
	if n := mock.TokenRequests(); n != 2 {
		t.Errorf("mock saw %d token requests in all, want 2 (1 good + 1 refused)", n)
	}

	// Nothing the plugin logged (stderr, relayed by go-plugin) may carry a secret.
	for _, leak := range []string{clientSecret, wrongSecret} {
		if strings.Contains(logs.String(), leak) {
			t.Errorf("plugin log contains the secret %q", leak)
		}
	}
	t.Logf("TestPluginBinary took %s", time.Since(started).Round(time.Millisecond))
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case *string:
		if x == nil {
			return "<nil>"
		}
		return *x
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

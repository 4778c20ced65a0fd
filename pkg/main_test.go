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
	"errors"
	"io"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
)

const (
	pluginID     = "oauth2rest-api-datasource"
	clientID     = "demo-client"
	clientSecret = "s3cr3t-value"
	wrongSecret  = "wr0ng-s3cr3t-guess"
)

// hex32 matches a token as the mock issues them (16 random bytes, hex encoded).
var hex32 = regexp.MustCompile(`[0-9a-fA-F]{32}`)

// syncBuffer collects the plugin's log output, which go-plugin writes from its own goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// pluginClients are the gRPC clients Grafana uses for a backend datasource.
type pluginClients struct {
	diagnostics grpcplugin.DiagnosticsClient
	data        grpcplugin.DataClient
	resource    grpcplugin.ResourceClient
}

// buildPlugin compiles the package in the current directory (pkg/) with the go binary that runs
// this test.
func buildPlugin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gpx_oauth2rest_test")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	// A cold build (empty GOCACHE) of the SDK, gRPC, Arrow and OpenTelemetry takes minutes on a slow
	// machine: allow up to 8 minutes, but stop a minute before the go test -timeout would kill us so
	// the build output is still reported.
	timeout := 8 * time.Minute
	if dl, ok := t.Deadline(); ok {
		timeout = min(timeout, time.Until(dl)-time.Minute)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".")
	cmd.Dir = "." // go test runs in the package directory: pkg/
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build of the plugin failed after %s: %v\n%s", time.Since(start).Round(time.Millisecond), err, out)
	}
	t.Logf("built plugin binary in %s", time.Since(start).Round(time.Millisecond))
	return bin
}

// startPlugin launches the binary as Grafana does and dispenses the three plugin services.
func startPlugin(t *testing.T, bin string, logs io.Writer) pluginClients {
	t.Helper()
	c, _ := startPluginPid(t, bin, logs)
	return c
}

// startPluginPid is startPlugin that also returns the plugin's process id.
func startPluginPid(t *testing.T, bin string, logs io.Writer) (pluginClients, int) {
	t.Helper()
	logger := hclog.New(&hclog.LoggerOptions{
		Name:   "plugin-host",
		Level:  hclog.Debug,
		Output: logs,
	})
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{
			grpcplugin.ProtocolVersion: {
				"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
				"resource":    &grpcplugin.ResourceGRPCPlugin{},
				"data":        &grpcplugin.DataGRPCPlugin{},
			},
		},
		Cmd:              exec.Command(bin),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           logger,
		StartTimeout:     30 * time.Second,
	})
	t.Cleanup(client.Kill)

	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("starting the plugin over go-plugin: %v", err)
	}
	if got := client.NegotiatedVersion(); got != grpcplugin.ProtocolVersion {
		t.Fatalf("negotiated protocol version %d, want %d", got, grpcplugin.ProtocolVersion)
	}
	if p := client.Protocol(); p != goplugin.ProtocolGRPC {
		t.Fatalf("negotiated protocol %q, want grpc", p)
	}
	dispense := func(name string) any {
		raw, err := rpc.Dispense(name)
		if err != nil {
			t.Fatalf("dispensing %q: %v", name, err)
		}
		return raw
	}
	var c pluginClients
	var ok bool
	if c.diagnostics, ok = dispense("diagnostics").(grpcplugin.DiagnosticsClient); !ok {
		t.Fatal("diagnostics plugin is not a DiagnosticsClient")
	}
	if c.data, ok = dispense("data").(grpcplugin.DataClient); !ok {
		t.Fatal("data plugin is not a DataClient")
	}
	if c.resource, ok = dispense("resource").(grpcplugin.ResourceClient); !ok {
		t.Fatal("resource plugin is not a ResourceClient")
	}
	pid := 0
	if rc := client.ReattachConfig(); rc != nil {
		pid = rc.Pid
	}
	return c, pid
}

func pluginContext(t *testing.T, id int64, uid, name, apiURL string, jsonData map[string]any, secure map[string]string) *pluginv2.PluginContext {
	t.Helper()
	jd, err := json.Marshal(jsonData)
	if err != nil {
		t.Fatal(err)
	}
	return &pluginv2.PluginContext{
		OrgId:    1,
		PluginId: pluginID,
		User:     &pluginv2.User{Login: "admin", Name: "Admin", Role: "Admin"},
		DataSourceInstanceSettings: &pluginv2.DataSourceInstanceSettings{
			Id:                      id,
			Uid:                     uid,
			Name:                    name,
			Url:                     apiURL,
			JsonData:                jd,
			DecryptedSecureJsonData: secure,
			LastUpdatedMS:           time.Now().UnixMilli(),
		},
	}
}

// callResource sends one CallResource request and gathers the streamed reply.
func callResource(ctx context.Context, t *testing.T, c grpcplugin.ResourceClient, pc *pluginv2.PluginContext, method, path string) (int, map[string][]string, []byte) {
	t.Helper()
	stream, err := c.CallResource(ctx, &pluginv2.CallResourceRequest{
		PluginContext: pc,
		Path:          path,
		Method:        method,
		Url:           "/api/datasources/uid/" + pc.DataSourceInstanceSettings.Uid + "/resources/" + path,
		Headers:       map[string]*pluginv2.StringList{"Accept": {Values: []string{"application/json"}}},
	})
	if err != nil {
		t.Fatalf("CallResource %s %s: %v", method, path, err)
	}
	code := 0
	headers := map[string][]string{}
	var body []byte
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("CallResource %s %s: receiving: %v", method, path, err)
		}
		if code == 0 {
			code = int(msg.Code)
			for k, v := range msg.Headers {
				headers[k] = v.GetValues()
			}
		}
		body = append(body, msg.Body...)
	}
	return code, headers, body
}

func headerValue(h map[string][]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func TestPluginBinary(t *testing.T) {
	started := time.Now()
	mock := mockapi.New(mockapi.Config{ClientID: clientID, ClientSecret: clientSecret})
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)

	bin := buildPlugin(t)
	logs := &syncBuffer{}
	plug := startPlugin(t, bin, logs)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("plugin host log:\n%s", logs.String())
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	jsonData := map[string]any{
		"tokenUrl":            srv.URL + "/custom/token",
		"tokenPath":           "token",
		"tokenHeaderName":     "X-Token",
		"tokenHeaderTemplate": "{{token}}",
		"sendClientIdHeader":  true,
		"clientIdHeaderName":  "X-Client-ID",
		"healthCheckPath":     "/items",
	}
	good := pluginContext(t, 1, "custom-ok", "Custom OK", srv.URL+"/custom/api", jsonData,
		map[string]string{"clientId": clientID, "clientSecret": clientSecret})

	// (1) Save & test.
	health, err := plug.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: good})
	if err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
	if health.Status != pluginv2.CheckHealthResponse_OK {
		t.Fatalf("CheckHealth status = %v (%q), want OK", health.Status, health.Message)
	}
	for _, want := range []string{"Token obtained", "API answered 200"} {
		if !strings.Contains(health.Message, want) {
			t.Errorf("CheckHealth message %q does not contain %q", health.Message, want)
		}
	}
	if strings.Contains(health.Message, clientSecret) || hex32.MatchString(health.Message) {
		t.Errorf("CheckHealth message leaks a secret or token: %q", health.Message)
	}
	t.Logf("CheckHealth: %v %q", health.Status, health.Message)

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
	if idx := indexOf(names, "name"); idx >= 0 && frame.Fields[idx].Len() == 5 {
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
	code, hdr, body := callResource(ctx, t, plug.resource, good, "GET", "token/status")
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
	bad := pluginContext(t, 2, "custom-bad", "Custom wrong secret", srv.URL+"/custom/api", jsonData,
		map[string]string{"clientId": clientID, "clientSecret": wrongSecret})
	bh, err := plug.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: bad})
	if err != nil {
		t.Fatalf("CheckHealth (wrong secret): %v", err)
	}
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

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
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

package main_test

// The helpers of the tests that drive the real plugin executable the way Grafana does: build it
// once per test binary, start it with hashicorp/go-plugin, negotiate protocol version 2 over gRPC
// with the SDK's magic cookie, dispense the "diagnostics", "data" and "resource" plugins and call
// them with protobuf requests whose PluginContext carries the datasource settings.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http/httptest"
	"os"
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

// bin is the plugin binary the tests of this package share, in a directory of its own that
// TestMain removes.
var (
	build    sync.Once
	bin      string
	buildErr string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if bin != "" {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

// buildPlugin compiles the package in the current directory (pkg/) with the go binary that runs
// this test, once for all the tests of this package: a later test reuses the binary (or the
// failure) of the first.
func buildPlugin(t *testing.T) string {
	t.Helper()
	build.Do(func() {
		dir, err := os.MkdirTemp("", "gpx_oauth2rest_test")
		if err != nil {
			buildErr = err.Error()
			return
		}
		bin = filepath.Join(dir, "gpx_oauth2rest_test")
		if runtime.GOOS == "windows" {
			bin += ".exe"
		}
		goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
		// A cold build (empty GOCACHE) of the SDK, gRPC, Arrow and OpenTelemetry takes minutes on a
		// slow machine: allow up to 8 minutes, but stop a minute before the go test -timeout would
		// kill us so the build output is still reported.
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
			buildErr = "go build of the plugin failed after " + time.Since(start).Round(time.Millisecond).String() + ": " + err.Error() + "\n" + string(out)
			return
		}
		t.Logf("built plugin binary in %s", time.Since(start).Round(time.Millisecond))
	})
	if buildErr != "" {
		t.Fatal(buildErr)
	}
	return bin
}

// launchPlugin builds the plugin (once), starts it as Grafana does and returns its clients, its
// process id and its log; when the test fails, the end of the log is printed.
func launchPlugin(t *testing.T) (pluginClients, int, *syncBuffer) {
	t.Helper()
	exe := buildPlugin(t)
	logs := &syncBuffer{}
	c, pid := startPlugin(t, exe, logs)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("plugin host log (last 16 KiB):\n%s", tail(logs.String(), 16<<10))
		}
	})
	return c, pid, logs
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// startPlugin launches the binary and dispenses the three plugin services.
func startPlugin(t *testing.T, exe string, logs io.Writer) (pluginClients, int) {
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
		Cmd:              exec.Command(exe),
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

// customAPI serves mockapi's custom {token} API for the test; it returns the mock, the API URL and
// the jsonData of a datasource using it (token from /custom/token sent as X-Token, with
// X-Client-ID), with extra's keys added.
func customAPI(t *testing.T, extra map[string]any) (*mockapi.Server, string, map[string]any) {
	t.Helper()
	mock := mockapi.New(mockapi.Config{ClientID: clientID, ClientSecret: clientSecret})
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	jsonData := map[string]any{"tokenUrl": srv.URL + "/custom/token", "tokenPath": "token", "tokenHeaderName": "X-Token",
		"tokenHeaderTemplate": "{{token}}", "sendClientIdHeader": true, "clientIdHeaderName": "X-Client-ID"}
	maps.Copy(jsonData, extra)
	return mock, srv.URL + "/custom/api", jsonData
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

// health sends one CheckHealth request with the given request headers.
func health(ctx context.Context, t *testing.T, c pluginClients, pc *pluginv2.PluginContext, headers map[string]string) *pluginv2.CheckHealthResponse {
	t.Helper()
	h, err := c.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: pc, Headers: headers})
	if err != nil {
		t.Fatalf("CheckHealth of %s: %v", pc.DataSourceInstanceSettings.Uid, err)
	}
	return h
}

// queryOnce sends one query of the last hour for path; it returns the frame, or the error the
// plugin answered.
func queryOnce(ctx context.Context, t *testing.T, c pluginClients, pc *pluginv2.PluginContext, headers map[string]string, path string) (*data.Frame, string) {
	t.Helper()
	resp, err := c.data.QueryData(ctx, &pluginv2.QueryDataRequest{PluginContext: pc, Headers: headers,
		Queries: []*pluginv2.DataQuery{{RefId: "A", Json: []byte(`{"path":"` + path + `"}`),
			TimeRange: &pluginv2.TimeRange{FromEpochMS: time.Now().Add(-time.Hour).UnixMilli(), ToEpochMS: time.Now().UnixMilli()}}}})
	if err != nil {
		t.Fatalf("QueryData: %v", err)
	}
	r := resp.Responses["A"]
	if r.Error != "" {
		return nil, r.Error
	}
	if len(r.Frames) != 1 {
		t.Fatalf("QueryData: %d frames", len(r.Frames))
	}
	f, err := data.UnmarshalArrowFrame(r.Frames[0])
	if err != nil {
		t.Fatal(err)
	}
	return f, ""
}

// callResource sends one CallResource request (with an Authorization header unless auth is empty)
// and gathers the streamed reply.
func callResource(ctx context.Context, t *testing.T, c pluginClients, pc *pluginv2.PluginContext, method, path, auth string) (int, map[string][]string, []byte) {
	t.Helper()
	h := map[string]*pluginv2.StringList{"Accept": {Values: []string{"application/json"}}}
	if auth != "" {
		h["Authorization"] = &pluginv2.StringList{Values: []string{auth}}
	}
	stream, err := c.resource.CallResource(ctx, &pluginv2.CallResourceRequest{
		PluginContext: pc,
		Path:          path,
		Method:        method,
		Url:           "/api/datasources/uid/" + pc.DataSourceInstanceSettings.Uid + "/resources/" + path,
		Headers:       h,
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

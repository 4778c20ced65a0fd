package main_test

// TestSettingsSavesReleaseConnections drives the plugin binary as Grafana does while an admin saves
// the settings 100 times under load (issue 14, item 8): every save makes Grafana's SDK build a new
// instance and dispose the old one 5 s later. Dispose must close the old instance's keep-alive
// connections; before, they stayed until the 90 s idle timeout (+1451 goroutines, +725 fds).

import (
	"bufio"
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// processGauges reads the plugin process's go_goroutines and process_open_fds from its own metrics
// (the CollectMetrics call Grafana makes).
func processGauges(ctx context.Context, t *testing.T, plug pluginClients) (goroutines, fds int) {
	t.Helper()
	resp, err := plug.diagnostics.CollectMetrics(ctx, &pluginv2.CollectMetricsRequest{PluginContext: &pluginv2.PluginContext{PluginId: pluginID}})
	if err != nil {
		t.Fatalf("CollectMetrics: %v", err)
	}
	goroutines, fds = -1, -1
	sc := bufio.NewScanner(bytes.NewReader(resp.GetMetrics().GetPrometheus()))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		switch name {
		case "go_goroutines":
			goroutines = int(v)
		case "process_open_fds":
			fds = int(v)
		}
	}
	if goroutines < 0 || fds < 0 {
		t.Fatalf("go_goroutines or process_open_fds missing from the plugin's metrics")
	}
	return goroutines, fds
}

func TestSettingsSavesReleaseConnections(t *testing.T) {
	mock, apiURL, jsonData := customAPI(t, nil)
	plug, _, _ := launchPlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	secure := map[string]string{"clientId": clientID, "clientSecret": clientSecret}
	created := time.Now().UnixMilli() // LastUpdatedMS of version 0
	var current atomic.Pointer[pluginv2.PluginContext]
	save := func(version int64) {
		pc := pluginContext(t, 1, "saves", "Saves", apiURL, jsonData, secure)
		pc.DataSourceInstanceSettings.LastUpdatedMS = created + version
		current.Store(pc)
	}
	// load runs 8 query loops against the current settings version until stop is closed.
	var failures atomic.Int64
	load := func(stop <-chan struct{}) *sync.WaitGroup {
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					resp, err := plug.data.QueryData(ctx, &pluginv2.QueryDataRequest{PluginContext: current.Load(),
						Queries: []*pluginv2.DataQuery{{RefId: "A", Json: []byte(`{"path":"/items"}`), TimeRange: &pluginv2.TimeRange{}}}})
					if err != nil || resp.Responses["A"].GetError() != "" {
						failures.Add(1)
					}
				}
			}()
		}
		return &wg
	}

	// Baseline: one instance that has served the same load (its own pool is part of the baseline),
	// older instances disposed.
	save(0)
	stop := make(chan struct{})
	wg := load(stop)
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	g0, f0 := processGauges(ctx, t, plug)

	// 100 saves under load.
	stop = make(chan struct{})
	wg = load(stop)
	for v := int64(1); v <= 100; v++ {
		save(v)
		time.Sleep(20 * time.Millisecond)
	}
	lastSave := time.Now()
	close(stop)
	wg.Wait()
	gPeak, fPeak := processGauges(ctx, t, plug)
	t.Logf("baseline %d goroutines, %d fds; right after 100 saves under load: %d goroutines, %d fds; %d token requests; %d failed queries",
		g0, f0, gPeak, fPeak, mock.TokenRequests(), failures.Load())
	if failures.Load() != 0 {
		t.Errorf("%d queries failed during the saves", failures.Load())
	}

	// The SDK disposes a replaced instance 5 s after the replacement: within 15 s of the last save
	// (5.1 s measured; room for a loaded machine), goroutines and fds are back to the baseline (±5).
	var g, f int
	for {
		g, f = processGauges(ctx, t, plug)
		if (g <= g0+5 && f <= f0+5) || time.Since(lastSave) > 15*time.Second {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("%s after the last save: %d goroutines (baseline %d), %d fds (baseline %d)", time.Since(lastSave).Round(100*time.Millisecond), g, g0, f, f0)
	if g > g0+5 || f > f0+5 {
		t.Fatalf("15 s after 100 settings saves under load: %d goroutines and %d fds, want the baseline %d and %d (±5): disposed instances keep their connections", g, f, g0, f0)
	}
}

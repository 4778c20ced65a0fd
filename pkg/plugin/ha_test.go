package plugin

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/redistest"
)

func withRedis(s backend.DataSourceInstanceSettings, addr string) backend.DataSourceInstanceSettings {
	raw := strings.TrimSuffix(string(s.JSONData), "}") + fmt.Sprintf(`,"sharedStore":"redis","redisAddress":%q,"redisKeyPrefix":"test:"}`, addr)
	s.JSONData = []byte(raw)
	return s
}

// replicas builds n independent instances (as n Grafana replicas would, each with its own cache).
func replicas(t *testing.T, n int, s backend.DataSourceInstanceSettings) []*Datasource {
	out := make([]*Datasource, n)
	for i := range out {
		out[i] = newDS(t, s)
	}
	return out
}

func hammer(t *testing.T, ds []*Datasource, perReplica int) {
	t.Helper()
	var wg sync.WaitGroup
	for _, d := range ds {
		for i := 0; i < perReplica; i++ {
			wg.Add(1)
			go func(d *Datasource) {
				defer wg.Done()
				if r := runQuery(t, d, `{"path":"/items"}`); r.Error != nil {
					t.Error(r.Error)
				}
			}(d)
		}
	}
	wg.Wait()
}

func TestHAThreeReplicasCostOneToken(t *testing.T) {
	rs := redistest.Start(t)
	f := newFixture(t)
	f.mock.SetTokenDelay(50 * time.Millisecond)
	ds := replicas(t, 3, withRedis(f.customSettings(), rs.Addr()))
	hammer(t, ds, 40)
	if got := f.mock.TokenRequests(); got != 1 {
		t.Fatalf("%d token requests from 3 replicas under load, want 1 (as one instance)", got)
	}
	health, _ := ds[2].CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if health.Status != backend.HealthStatusOk || !strings.Contains(health.Message, "shared token store (Redis) OK") {
		t.Fatalf("health %q", health.Message)
	}
	// A token one replica sees rejected is replaced once for all.
	f.mock.RevokeAll()
	hammer(t, ds, 10)
	if got := f.mock.TokenRequests(); got != 2 {
		t.Fatalf("%d token requests after revocation, want 2", got)
	}
}

func TestHARotationWithThreeReplicasNeverUsesDeadRefreshToken(t *testing.T) {
	t.Setenv("OAUTH2REST_STATE_DIR", t.TempDir())
	rs := redistest.Start(t)
	m := mockapi.New(mockapi.Config{ClientID: clientID, ClientSecret: clientSecret, TokenLifetime: 1200 * time.Millisecond})
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	f := &fixture{mock: m, srv: srv}
	ds := replicas(t, 3, withRedis(f.authCodeSettings(nil), rs.Addr()))
	if r := callback(t, ds[0], consent(t, ds[0])); r.status != 200 {
		t.Fatalf("connect: %s", r.body)
	}
	deadBefore, refreshBefore := m.DeadRefreshTokenUses(), m.RefreshGrants()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		hammer(t, ds, 5)
		time.Sleep(50 * time.Millisecond)
	}
	if got := m.RefreshGrants() - refreshBefore; got < 3 {
		t.Fatalf("only %d refreshes in 3 s of 1.2 s tokens", got)
	}
	if got := m.DeadRefreshTokenUses() - deadBefore; got != 0 {
		t.Fatalf("%d refreshes used a rotated-away refresh token", got)
	}
	// Sharing must not multiply refreshes: about one per token lifetime (0.6 s with the refresh margin).
	if got := m.RefreshGrants() - refreshBefore; got > 8 {
		t.Fatalf("%d refreshes in 3 s: replicas are not taking turns", got)
	}
}

func TestHARedisOutageDegradesAndRecovers(t *testing.T) {
	rs := redistest.Start(t)
	f := newFixture(t)
	ds := replicas(t, 3, withRedis(f.customSettings(), rs.Addr()))
	hammer(t, ds, 5)
	if got := f.mock.TokenRequests(); got != 1 {
		t.Fatalf("%d token requests before the outage", got)
	}
	rs.Stop()
	f.mock.RevokeAll() // every replica now needs a new token, with Redis down
	hammer(t, ds, 5)   // must keep working from the local caches
	health, _ := ds[0].CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if health.Status != backend.HealthStatusOk || !strings.Contains(health.Message, "shared token store (Redis) unavailable, using the local cache") {
		t.Fatalf("health during outage: %q", health.Message)
	}
	if ds[0].shared.Err() == nil {
		t.Fatal("outage not recorded")
	}
	during := f.mock.TokenRequests() - 1
	if during < 1 || during > 3 {
		t.Fatalf("%d token requests during the outage, want one per replica at most", during)
	}
	rs.Restart()
	f.mock.RevokeAll()
	hammer(t, ds, 5)
	health, _ = ds[1].CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if !strings.Contains(health.Message, "shared token store (Redis) OK") {
		t.Fatalf("health after recovery: %q", health.Message)
	}
	for i, d := range ds {
		if err := d.shared.Err(); err != nil {
			t.Fatalf("replica %d still degraded: %v", i, err)
		}
	}
	after := f.mock.TokenRequests() - 1 - during
	if after != 1 {
		t.Fatalf("%d token requests after recovery, want 1 (shared again)", after)
	}
}

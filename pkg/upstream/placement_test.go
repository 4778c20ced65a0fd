package upstream_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// TestQueryPlacement: the token goes only into the configured parameter (exactly one value, even
// when a next-link path carries a stale one), no token header is sent, and neither the reply's URL
// nor its headers (which echo the request URL) hold the token afterwards.
func TestQueryPlacement(t *testing.T) {
	var got []url.Values
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Query())
		auth = append(auth, r.Header.Get("Authorization"))
		self := "http://" + r.Host + r.URL.String()
		w.Header().Set("Link", "<"+self+">; rel=next")
		w.Header().Add("X-Echo", "one")
		w.Header().Add("X-Echo", "token="+url.QueryEscape(r.URL.Query().Get("api_key")))
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	cfg := testConfig(t, srv.URL)
	cfg.TokenPlacement, cfg.TokenQueryParam = settings.PlacementQuery, "api_key"
	c := upstream.New(cfg, &fakeSource{}, &http.Client{}, nil)
	resp, err := c.Do(context.Background(), upstream.Request{Path: "/items?api_key=stale&page=2", Params: url.Values{"q": {"x"}}})
	if err != nil {
		t.Fatal(err)
	}
	if vs := got[0]["api_key"]; len(vs) != 1 || vs[0] != "tok-1" || got[0].Get("page") != "2" || got[0].Get("q") != "x" || auth[0] != "" {
		t.Fatalf("request query %v, Authorization %q", got[0], auth[0])
	}
	if q := resp.URL.Query(); q.Has("api_key") || q.Get("page") != "2" {
		t.Errorf("reply URL %s still carries the token", resp.URL)
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			if strings.Contains(v, "tok-1") {
				t.Errorf("reply header %s: %s", k, v)
			}
		}
	}
	if resp.Header.Values("X-Echo")[0] != "one" || !strings.Contains(resp.Header.Get("Link"), "api_key=%5Bredacted%5D") && !strings.Contains(resp.Header.Get("Link"), "[redacted]") {
		t.Errorf("headers %v", resp.Header)
	}
	// A query cannot choose the parameter.
	if _, err := c.Do(context.Background(), upstream.Request{Path: "/items", Params: url.Values{"api_key": {"mine"}}}); err == nil ||
		!strings.Contains(err.Error(), `query parameter "api_key" carries the token`) {
		t.Errorf("override: %v", err)
	}
	// Header placement is unchanged: no parameter, the header as before.
	c = upstream.New(testConfig(t, srv.URL), &fakeSource{}, &http.Client{}, nil)
	if _, err := c.Do(context.Background(), upstream.Request{Path: "/items"}); err != nil || got[len(got)-1].Has("api_key") || auth[len(auth)-1] != "Bearer tok-1" {
		t.Errorf("header placement: %v %v %q", err, got[len(got)-1], auth[len(auth)-1])
	}
}

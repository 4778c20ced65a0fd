package upstream_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// TestDoRequestPolicy: allowedMethods and postPathPatterns are checked before a token is fetched
// or anything is sent; the base path is not part of what the patterns match.
func TestDoRequestPolicy(t *testing.T) {
	for _, tc := range []struct {
		name     string
		methods  []string
		patterns []string
		method   string
		path     string
		allowed  bool
	}{
		{"GET by default", nil, nil, "GET", "/items", true},
		{"POST refused by default", nil, nil, "POST", "/items", false},
		{"POST refused when only GET", []string{"GET"}, nil, "POST", "/search", false},
		{"GET refused when only POST", []string{"POST"}, nil, "GET", "/items", false},
		{"POST anywhere without patterns", []string{"GET", "POST"}, nil, "POST", "/anything/at/all", true},
		{"POST to a listed path", []string{"GET", "POST"}, []string{"/search", "/graphql/**"}, "POST", "/search", true},
		{"POST below a /** pattern", []string{"GET", "POST"}, []string{"/search", "/graphql/**"}, "POST", "graphql/v2/query", true},
		{"POST to an unlisted path", []string{"GET", "POST"}, []string{"/search", "/graphql/**"}, "POST", "/items/1/delete", false},
		{"POST to a longer path", []string{"GET", "POST"}, []string{"/search"}, "POST", "/search/more", false},
		{"patterns do not limit GET", []string{"GET", "POST"}, []string{"/search"}, "GET", "/items", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := &recorder{}
			srv := newServer(t, rc)
			cfg := testConfig(t, srv.URL+"/v1")
			cfg.AllowedMethods, cfg.PostPathPatterns = tc.methods, tc.patterns
			src := &fakeSource{}
			_, err := upstream.New(cfg, src, &http.Client{}, nil).
				Do(context.Background(), upstream.Request{Method: tc.method, Path: tc.path, Body: []byte(`{}`)})
			if tc.allowed {
				if err != nil || len(rc.requests()) != 1 {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			ue := asError(t, err, upstream.StepPolicy)
			if !strings.Contains(ue.Msg, tc.method) {
				t.Errorf("message %q does not name the method", ue.Msg)
			}
			if n := len(rc.requests()); n != 0 || src.tokenCalls() != 0 {
				t.Errorf("a refused request sent %d requests and fetched %d tokens", n, src.tokenCalls())
			}
		})
	}
}

package plugin

import (
	"context"
	"testing"
)

// TestSequentialQueriesReuseOneConnection: an instance has one HTTP transport with keep-alive, shared
// by the token request and the API requests, so a token fetch plus 20 sequential queries against
// one host open exactly one TCP connection (counted by the server's ConnState hook).
func TestSequentialQueriesReuseOneConnection(t *testing.T) {
	srv := newBenchServer(t, 0)
	d := newBenchDS(t, srv.settings())
	for i := range 20 {
		if err := queryOnce(context.Background(), d, benchQuery()); err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
	}
	if got := srv.tokenRequests.Load(); got != 1 {
		t.Errorf("%d token requests, want 1", got)
	}
	if got := srv.newConns.Load(); got != 1 {
		t.Fatalf("%d TCP connections for a token request and 20 sequential queries, want 1 (one keep-alive transport per instance)", got)
	}
}

package transport

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
)

// connCounter counts a server's open connections through its ConnState hook.
type connCounter struct {
	open   atomic.Int64
	closed chan struct{}
}

func newCountingServer(t *testing.T, h http.Handler) (*httptest.Server, *connCounter) {
	cc := &connCounter{closed: make(chan struct{}, 1000)}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			cc.open.Add(1)
		case http.StateClosed, http.StateHijacked:
			cc.open.Add(-1)
			cc.closed <- struct{}{}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, cc
}

// waitOpen waits (bounded, event-driven) until the server sees want open connections.
func (cc *connCounter) waitOpen(t *testing.T, want int64) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for cc.open.Load() != want {
		select {
		case <-cc.closed:
		case <-deadline:
			t.Fatalf("%d connections open, want %d", cc.open.Load(), want)
		}
	}
}

func fetchAll(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// TestCloseIdleConnectionsClosesThePool: the client New builds really closes its kept-alive
// connections on CloseIdleConnections (what Dispose calls), including the connection of a request
// that was still running at that moment and of a request made afterwards.
func TestCloseIdleConnectionsClosesThePool(t *testing.T) {
	release, entered := make(chan struct{}), make(chan struct{})
	var slow sync.WaitGroup
	srv, cc := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		_, _ = w.Write([]byte("ok"))
	}))
	c, err := New(httpclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Some idle keep-alive connections and one busy one.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); fetchAll(t, c, srv.URL+"/fast") }()
	}
	wg.Wait()
	slow.Add(1)
	go func() { defer slow.Done(); fetchAll(t, c, srv.URL+"/slow") }()
	<-entered
	c.CloseIdleConnections()
	cc.waitOpen(t, 1) // only the busy one is left
	close(release)
	slow.Wait()
	cc.waitOpen(t, 0) // it closed when its reply was done, instead of going back to the pool
	fetchAll(t, c, srv.URL+"/fast")
	cc.waitOpen(t, 0) // a request after the release does not keep its connection either
}

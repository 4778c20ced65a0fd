// Package redistest runs a real redis-server (Debian package redis-server; scripts/test-all.sh
// installs it) on a loopback port for the tests of pkg/redisstore and pkg/plugin, which stop it and
// start it again. Only test code imports it.
package redistest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

const (
	// startAttempts: a port found free can be taken by another process before redis-server binds
	// it; then redis-server exits and Start tries another port.
	startAttempts = 5
	// startTimeout bounds how long one redis-server may take to say it is ready.
	startTimeout = 10 * time.Second
)

// Server is one redis-server without persistence.
type Server struct {
	t    testing.TB
	port int
	args []string // after the port options
	tls  bool     // the port is a TLS port; the plain one is off

	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	log  *logWatch
}

// Start runs redis-server on a free loopback port, with extra arguments; it stops with the test.
func Start(t testing.TB, extra ...string) *Server { return start(t, false, extra) }

// StartTLS is Start with only a TLS port (--port 0 --tls-port); extra holds the --tls-* options.
func StartTLS(t testing.TB, extra ...string) *Server { return start(t, true, extra) }

func start(t testing.TB, tls bool, extra []string) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is not installed (apt-get install redis-server; scripts/test-all.sh does it)")
	}
	s := &Server{t: t, tls: tls, args: append([]string{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}, extra...)}
	t.Cleanup(s.Stop)
	for range startAttempts {
		s.port = freePort(t)
		if s.launch() {
			return s
		}
	}
	t.Fatalf("redis-server exited at start on %d ports in a row:\n%s", startAttempts, s.log.text())
	return nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Addr is host:port.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// Restart starts the server again after Stop, on the same port (the clients know its address),
// with no data.
func (s *Server) Restart() {
	s.t.Helper()
	if !s.launch() {
		s.t.Fatalf("redis-server did not start again on port %d:\n%s", s.port, s.log.text())
	}
}

// Stop kills the server (a paused one too).
func (s *Server) Stop() {
	if s.cmd != nil {
		_ = s.cmd.Process.Kill()
		<-s.done
		s.cmd = nil
	}
}

// Process is the running redis-server (to send it signals).
func (s *Server) Process() *os.Process { return s.cmd.Process }

// launch runs redis-server on s.port and reports whether it serves there: it said it is ready to
// accept connections, which it says only once it listens. false: it exited first (the port was
// taken).
func (s *Server) launch() bool {
	s.t.Helper()
	port := []string{"--port", fmt.Sprint(s.port)}
	if s.tls {
		port = []string{"--port", "0", "--tls-port", fmt.Sprint(s.port)}
	}
	s.log = &logWatch{ready: make(chan struct{})}
	cmd := exec.Command("redis-server", append(port, s.args...)...)
	cmd.Stdout = s.log // redis-server logs to stdout without --logfile
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	select {
	case <-s.log.ready:
	case <-done:
		s.cmd = nil
		return false
	case <-time.After(startTimeout):
		s.Stop()
		s.t.Fatalf("redis-server did not start within %s:\n%s", startTimeout, s.log.text())
	}
	if c, err := net.Dial("tcp", s.Addr()); err == nil {
		c.Close()
		return true
	}
	s.Stop()
	s.t.Fatalf("redis-server said it was ready but port %d does not answer:\n%s", s.port, s.log.text())
	return false
}

// readyLine is what redis-server logs once it listens ("Ready to accept connections tcp" in 7.2).
var readyLine = []byte("Ready to accept connections")

// logWatch keeps the start of redis-server's log (for a failure message) and closes ready when the
// log says it listens.
type logWatch struct {
	mu    sync.Mutex
	buf   []byte
	ready chan struct{}
	seen  bool
}

const maxLog = 16 << 10

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) < maxLog {
		w.buf = append(w.buf, p[:min(len(p), maxLog-len(w.buf))]...)
	}
	if !w.seen && bytes.Contains(w.buf, readyLine) {
		w.seen = true
		close(w.ready)
	}
	return len(p), nil
}

func (w *logWatch) text() string {
	if w == nil {
		return ""
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}

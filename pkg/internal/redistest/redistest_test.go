package redistest

import (
	"net"
	"testing"
)

// A port taken between freePort and redis-server's bind: redis-server exits and launch says so (it
// does not mistake the other listener for Redis), so that start tries another port.
func TestLaunchOnATakenPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s := Start(t)
	first := s.port
	s.Stop()
	s.port = l.Addr().(*net.TCPAddr).Port
	if s.launch() {
		t.Fatal("launch reported a start on a port another listener holds")
	}
	s.port = first
	s.Restart()
	if c, err := net.Dial("tcp", s.Addr()); err != nil {
		t.Fatal(err)
	} else {
		c.Close()
	}
}

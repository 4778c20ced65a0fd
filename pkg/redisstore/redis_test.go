package redisstore

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/redistest"
)

func newStore(t *testing.T, cfg Config) *Redis {
	r := New(cfg)
	t.Cleanup(func() { r.Close() })
	return r
}

func TestCompareAndSwap(t *testing.T) {
	srv := redistest.Start(t)
	r := newStore(t, Config{Address: srv.Addr(), KeyPrefix: "p:"})
	ctx := context.Background()
	must := func(ok bool, err error, want bool, what string) {
		t.Helper()
		if err != nil || ok != want {
			t.Fatalf("%s: ok=%v err=%v, want %v", what, ok, err, want)
		}
	}
	ok, err := r.CompareAndSwap(ctx, "k", "", "v1", 0)
	must(ok, err, true, "create on absent")
	ok, err = r.CompareAndSwap(ctx, "k", "", "v1b", 0)
	must(ok, err, false, "create when present")
	ok, err = r.CompareAndSwap(ctx, "k", "stale", "v2", 0)
	must(ok, err, false, "swap from a value that is not there")
	ok, err = r.CompareAndSwap(ctx, "k", "v1", "v2", 0)
	must(ok, err, true, "swap from the current value")
	snap, err := r.Get(ctx, "k")
	if err != nil || !snap.Found || snap.Value != "v2" {
		t.Fatalf("get after swaps: %+v %v", snap, err)
	}
	if d := time.Since(snap.Now); d < -time.Minute || d > time.Minute || snap.Epoch == "" {
		t.Fatalf("store clock %v / epoch %q", snap.Now, snap.Epoch)
	}
	// With a TTL the value expires by itself (claims without a refresh token, client credentials;
	// the single-use marker of a callback state, which expires with the state). A second of TTL:
	// the second create must come before it ends, even on a loaded machine.
	ok, err = r.CompareAndSwap(ctx, "t", "", "x", time.Second)
	must(ok, err, true, "create with ttl")
	ok, err = r.CompareAndSwap(ctx, "t", "", "x", time.Second)
	must(ok, err, false, "create with ttl when present")
	time.Sleep(1500 * time.Millisecond)
	if snap, _ := r.Get(ctx, "t"); snap.Found {
		t.Fatal("value with a ttl did not expire")
	}
	ok, err = r.CompareAndSwap(ctx, "t", "", "x", time.Second)
	must(ok, err, true, "create again after expiry")
	snap, _ = r.Get(ctx, "absent")
	if snap.Found || snap.Value != "" {
		t.Fatalf("absent key: %+v", snap)
	}
}

// The epoch changes when Redis restarts empty, so replicas learn that data was lost.
func TestEpochChangesWhenRedisLosesItsData(t *testing.T) {
	srv := redistest.Start(t)
	r := newStore(t, Config{Address: srv.Addr()})
	ctx := context.Background()
	a, err := r.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.Get(ctx, "k")
	if a.Epoch == "" || a.Epoch != b.Epoch {
		t.Fatalf("epoch not stable: %q %q", a.Epoch, b.Epoch)
	}
	srv.Stop()
	if _, err := r.Get(ctx, "k"); err == nil {
		t.Fatal("no error while Redis is down")
	}
	srv.Restart()
	var c = b
	for range 20 { // go-redis redials on the next command
		if c, err = r.Get(ctx, "k"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || c.Epoch == "" || c.Epoch == a.Epoch {
		t.Fatalf("epoch after restart %q (before %q), err %v", c.Epoch, a.Epoch, err)
	}
}

// Key prefix and database number keep datasources and deployments apart.
func TestKeyPrefixAndDB(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a := newStore(t, Config{Address: srv.Addr(), KeyPrefix: "a:"})
	b := newStore(t, Config{Address: srv.Addr(), KeyPrefix: "b:"})
	d3 := newStore(t, Config{Address: srv.Addr(), KeyPrefix: "a:", DB: 3})
	if ok, err := a.CompareAndSwap(ctx, "k", "", "va", 0); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if s, _ := b.Get(ctx, "k"); s.Found {
		t.Fatal("another prefix sees the key")
	}
	if s, _ := d3.Get(ctx, "k"); s.Found {
		t.Fatal("another database sees the key")
	}
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer raw.Close()
	if v, err := raw.Get(ctx, "a:k").Result(); err != nil || v != "va" {
		t.Fatalf("raw key a:k = %q, %v", v, err)
	}
	if ok, _ := d3.CompareAndSwap(ctx, "k", "", "v3", 0); !ok {
		t.Fatal("write to db 3")
	}
	raw3 := redis.NewClient(&redis.Options{Addr: srv.Addr(), DB: 3})
	defer raw3.Close()
	if v, _ := raw3.Get(ctx, "a:k").Result(); v != "v3" {
		t.Fatalf("db 3 holds %q", v)
	}
	if v, _ := raw.Get(ctx, "a:k").Result(); v != "va" {
		t.Fatalf("db 0 changed to %q", v)
	}
}

// TLS: a redis-server with only a TLS port and a private CA; the store verifies the server against
// RootCAs (and fails against the system roots).
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	caPool := writeCert(t, dir)
	srv := redistest.StartTLS(t, "--tls-cert-file", filepath.Join(dir, "cert.pem"),
		"--tls-key-file", filepath.Join(dir, "key.pem"), "--tls-ca-cert-file", filepath.Join(dir, "cert.pem"),
		"--tls-auth-clients", "no")
	ctx := context.Background()
	r := newStore(t, Config{Address: srv.Addr(), TLS: true, RootCAs: caPool})
	if err := r.Ping(ctx); err != nil {
		t.Fatalf("TLS ping: %v", err)
	}
	if ok, err := r.CompareAndSwap(ctx, "k", "", "v", 0); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := newStore(t, Config{Address: srv.Addr(), TLS: true}).Ping(ctx); err == nil {
		t.Fatal("a certificate from an unknown CA was accepted")
	}
	if err := newStore(t, Config{Address: srv.Addr()}).Ping(ctx); err == nil {
		t.Fatal("plain text reached a TLS-only port")
	}
}

func writeCert(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

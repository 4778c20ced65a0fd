// Command mockapi runs the mock OAuth2 token server and REST API of package
// mockapi.
//
// Flags (each with an environment variable that sets its default):
//
//	-addr            MOCK_ADDR            listen address (default ":8080")
//	-client-id       MOCK_CLIENT_ID       accepted client id (default "demo-client")
//	-client-secret   MOCK_CLIENT_SECRET   accepted client secret (default "demo-secret")
//	-token-lifetime  MOCK_TOKEN_LIFETIME  lifetime of standard tokens (default 1h)
//	-client-public-key MOCK_CLIENT_PUBLIC_KEY  PEM file (public key or certificate) that verifies the
//	                 client's private_key_jwt assertions and JWT-bearer grants with iss = client id
//
// One log line is written per request: method, path and status. Query
// strings, headers, tokens and secrets are never logged.
package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mockapi:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func run(args []string) error {
	fs := flag.NewFlagSet("mockapi", flag.ContinueOnError)
	addr := fs.String("addr", envOr("MOCK_ADDR", ":8080"), "listen address (env MOCK_ADDR)")
	clientID := fs.String("client-id", envOr("MOCK_CLIENT_ID", "demo-client"), "accepted client id (env MOCK_CLIENT_ID)")
	clientSecret := fs.String("client-secret", envOr("MOCK_CLIENT_SECRET", "demo-secret"), "accepted client secret (env MOCK_CLIENT_SECRET)")

	defLifetime := time.Hour
	if v := envOr("MOCK_TOKEN_LIFETIME", ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("MOCK_TOKEN_LIFETIME: want a positive Go duration such as 1h or 30s, got %q", v)
		}
		defLifetime = d
	}
	lifetime := fs.Duration("token-lifetime", defLifetime, "lifetime of standard tokens (env MOCK_TOKEN_LIFETIME)")
	pubKeyFile := fs.String("client-public-key", envOr("MOCK_CLIENT_PUBLIC_KEY", ""), "PEM public key or certificate for private_key_jwt and jwt_bearer (env MOCK_CLIENT_PUBLIC_KEY)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *lifetime <= 0 {
		return errors.New("-token-lifetime must be positive")
	}
	if *clientID == "" || *clientSecret == "" {
		return errors.New("client id and client secret must not be empty")
	}

	srv := mockapi.New(mockapi.Config{
		ClientID:      *clientID,
		ClientSecret:  *clientSecret,
		TokenLifetime: *lifetime,
	})
	if *pubKeyFile != "" {
		pub, err := readPublicKey(*pubKeyFile)
		if err != nil {
			return err
		}
		srv.SetClientPublicKey(pub)
		srv.RegisterJWTIssuer(*clientID, pub)
	}
	hs := &http.Server{
		Addr:              *addr,
		Handler:           logRequests(srv),
		ReadHeaderTimeout: 10 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	// Never log the secret; the client id is not secret.
	log.Printf("mockapi listening on %s (client id %q, token lifetime %s)", *addr, *clientID, *lifetime)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Print("mockapi shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// readPublicKey reads a PEM public key (PKIX) or certificate.
func readPublicKey(file string) (crypto.PublicKey, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("-client-public-key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("-client-public-key: %s is not PEM", file)
	}
	if block.Type == "CERTIFICATE" {
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("-client-public-key: %w", err)
		}
		return c.PublicKey, nil
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("-client-public-key: %w", err)
	}
	return pub, nil
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logRequests logs method, path and status of each request. Only
// r.URL.Path is logged: no query string, no header values, no bodies.
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		log.Printf("%s %q %d", r.Method, r.URL.Path, rec.status)
	})
}

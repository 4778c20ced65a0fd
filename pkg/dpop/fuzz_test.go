package dpop

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
)

// FuzzChallenge: whatever a hostile server answers (status, WWW-Authenticate, DPoP-Nonce, body),
// the transport never panics, sends at most two requests, remembers only valid nonces, and a reply
// it does not retry reaches the caller byte for byte.
func FuzzChallenge(f *testing.F) {
	f.Add(400, "", "n1", []byte(`{"error":"use_dpop_nonce"}`), true)
	f.Add(401, `DPoP error="use_dpop_nonce"`, "n2", []byte(``), false)
	f.Add(401, `Bearer error="invalid_token"`, "n\"3", []byte(`{"error":"use_dpop_nonce"`), false)
	f.Add(200, "", strings.Repeat("n", 2000), []byte(`ok`), true)
	k, err := NewKey("")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, wwwAuth, nonce string, body []byte, tokenRole bool) {
		if status < 100 || status > 599 {
			status = 400
		}
		calls := 0
		base := httpclient.RoundTripperFunc(func(r *http.Request) (*http.Response, error) { // answers without a network
			calls++
			h := http.Header{}
			h["Www-Authenticate"] = []string{wwwAuth}
			h["Dpop-Nonce"] = []string{nonce}
			return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
		})
		role := ForResource
		if tokenRole {
			role = ForToken
		}
		tr := NewTransport(base, k, role, nil)
		req, _ := http.NewRequest("POST", "https://api.example.com/x?q=1", bytes.NewReader([]byte("a=b")))
		req.Header.Set("Authorization", "DPoP tok")
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		if calls < 1 || calls > 2 {
			t.Fatalf("%d requests", calls)
		}
		if calls == 1 && !bytes.Equal(got, body) {
			t.Fatalf("reply body changed: %q -> %q", body, got)
		}
		for _, n := range tr.nonces {
			if !validNonce(n) {
				t.Fatalf("kept invalid nonce %q", n)
			}
		}
	})
}

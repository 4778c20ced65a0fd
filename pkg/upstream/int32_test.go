//go:build 386 || arm || mips || mipsle

package upstream_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// Where int is 32 bits, a reply declaring more bytes than an int holds (allowed by a large
// maxResponseBytes) is refused with a clear error, not a panic in make or a wrapped length. Run with
// GOARCH=386 (scripts/test-all.sh does).
func TestDoDeclaredLengthAbove32BitInt(t *testing.T) {
	const declared int64 = 3_000_000_000 // > math.MaxInt32, < maxResponseBytes below
	rc := &recorder{reply: rawReply(t, declared, []byte("{}"))}
	srv := newServer(t, rc)
	cfg := testConfig(t, srv.URL)
	cfg.MaxResponseBytes = 4 << 30
	_, err := upstream.New(cfg, &fakeSource{}, &http.Client{}, nil).Do(context.Background(), upstream.Request{Path: "/x"})
	ue := asError(t, err, upstream.StepReply)
	want := "reading the reply: Content-Length 3000000000 is more than a 32-bit build can hold in memory (2147483647 bytes); lower maxResponseBytes"
	if !strings.Contains(ue.Msg, want) {
		t.Errorf("message %q, want %q", ue.Msg, want)
	}
}

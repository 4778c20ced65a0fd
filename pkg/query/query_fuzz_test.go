package query_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/query"
)

// FuzzParseQuery: for any query JSON, Parse never panics and fails only with a *query.Error; a
// parsed query builds its request and frame spec without panicking.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `{"path":"/items"}`,
		`{"method":"post","path":"/search","body":"{\"from\":$__from}","headers":[{"name":"X-A","value":"$__interval"}]}`,
		`{"method":"DELETE"}`, `{"format":"timeseries","rootSelector":"$.data.points"}`, `{"format":"nope"}`,
		`{"params":[{"name":"","value":"x"}]}`, `{"headers":[{"name":" "}]}`,
		`{"path":"/m","params":[{"name":"from","value":"${__from:date:iso}"},{"name":"to","value":"${__to:date:seconds}"}]}`,
		`{"columns":[{"selector":"t","type":"time","timeFormat":"epoch_ms"},{"selector":"$..id","name":"id"}]}`,
		`{"pagination":{"mode":"offset","pageSize":-1,"maxPages":100000}}`,
		`{"pagination":{"mode":"cursor","cursorPath":"$["}}`,
		`{"pagination":{"mode":"nextLink","nextLinkPath":"links.next"}}`,
		`{"pagination":{"mode":"page","startPage":-5}}`, `{"pagination":{"mode":"bogus"}}`,
		`{"jq":".[] | select(.a > 1)"}`, `{"jq":".[" }`, `{"format":"variable","variableTextSelector":"$["}`,
		`{"path":1}`, `{"params":{"a":1}}`, "{\"path\":\"\xff\"}", `{"path":"x"} trailing`,
	} {
		f.Add([]byte(s))
	}
	tr := backend.TimeRange{From: time.Unix(1700000000, 0), To: time.Unix(1700003600, 0)}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := query.Parse(json.RawMessage(raw))
		if err != nil {
			var qe *query.Error
			if !errors.As(err, &qe) {
				t.Fatalf("error %v is a %T, not a *query.Error", err, err)
			}
			return
		}
		req := m.Request(tr, time.Minute)
		if req.Method != "GET" && req.Method != "POST" {
			t.Fatalf("method %q after Parse", req.Method)
		}
		_ = m.Spec("A")
	})
}

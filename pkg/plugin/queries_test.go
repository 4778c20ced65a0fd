package plugin

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
)

// update rewrites the golden files in testdata/. It defaults to false so that a missing golden fails.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// pagedAPI is an API under /v1 (token from the mock's custom endpoint) with 100 records served in
// pages of 10 by cursor, by Link header, or with a next link to another host.
type pagedAPI struct {
	srv      *httptest.Server
	requests atomic.Int64
	noToken  atomic.Int64 // requests that came without the X-Token header
}

func newPagedAPI(t *testing.T, otherHost string) *pagedAPI {
	t.Helper()
	a := &pagedAPI{}
	// Keys in a non-alphabetical order (Go maps would sort them); ids beyond 2^53 must stay exact.
	record := func(i int) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"ts":%q,"id":%d,"host":%q,"value":%g}`,
			time.Date(2026, 11, 23, 10, i/2, 0, 0, time.UTC).Format(time.RFC3339), int64(9007199254740993)+int64(i)*2, []string{"a", "b"}[i%2], float64(i)/4))
	}
	page := func(start int) []any {
		out := []any{}
		for i := start; i < start+10 && i < 100; i++ {
			out = append(out, record(i))
		}
		return out
	}
	write := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/records", func(w http.ResponseWriter, r *http.Request) {
		start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		body := map[string]any{"data": page(start), "paging": map[string]any{"next": nil}}
		if start+10 < 100 {
			body["paging"] = map[string]any{"next": strconv.Itoa(start + 10)}
		}
		write(w, body)
	})
	mux.HandleFunc("/v1/linked", func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if p == 0 {
			p = 1
		}
		if p < 3 {
			w.Header().Set("Link", fmt.Sprintf(`</v1/linked?page=%d>; rel="next"`, p+1))
		}
		write(w, page((p-1)*10))
	})
	mux.HandleFunc("/v1/escape", func(w http.ResponseWriter, r *http.Request) {
		write(w, map[string]any{"data": page(0), "next": otherHost + "/v1/escape?page=2"})
	})
	mux.HandleFunc("/v1/status", func(w http.ResponseWriter, r *http.Request) {
		write(w, map[string]any{"checks": map[string]any{"db": map[string]any{"latencyMs": 12, "ok": true}, "cache": map[string]any{"latencyMs": 3, "ok": false}}})
	})
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.requests.Add(1)
		if r.Header.Get("X-Token") == "" {
			a.noToken.Add(1)
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// pagedDS is a datasource whose token comes from the mock and whose API is a.
func pagedDS(t *testing.T, a *pagedAPI) *Datasource {
	t.Helper()
	f := newFixture(t)
	s := f.customSettings()
	s.URL = a.srv.URL + "/v1"
	return newDS(t, s)
}

func checkGolden(t *testing.T, name string, r backend.DataResponse) {
	t.Helper()
	experimental.CheckGoldenJSONResponse(t, "testdata", name, &r, *update)
}

func TestCursorPaginationTenPagesEndToEnd(t *testing.T) {
	a := newPagedAPI(t, "")
	d := pagedDS(t, a)
	r := runQuery(t, d, `{"path":"/records","rootSelector":"$.data","pagination":{"mode":"cursor","cursorPath":"paging.next","cursorParam":"cursor"}}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	fr := r.Frames[0]
	if fr.Rows() != 100 || a.requests.Load() != 10 || a.noToken.Load() != 0 {
		t.Fatalf("%d rows from %d requests (%d without token), want 100 from 10", fr.Rows(), a.requests.Load(), a.noToken.Load())
	}
	if got := strings.Join(fieldNames(fr), ","); got != "ts,id,host,value" {
		t.Errorf("fields %s (key order of the reply)", got)
	}
	if got := *fr.Fields[1].At(99).(*int64); got != 9007199254740993+198 {
		t.Errorf("id[99] = %d", got)
	}
	if len(fr.Meta.Notices) != 0 {
		t.Errorf("notices %v: nothing was cut", fr.Meta.Notices)
	}
	if fr.Meta.ExecutedQueryString != "GET /v1/records (10 pages)" {
		t.Errorf("executed %q", fr.Meta.ExecutedQueryString)
	}
	checkGolden(t, "cursor_ten_pages_query", r)
}

func TestPageCapAddsNoticeEndToEnd(t *testing.T) {
	a := newPagedAPI(t, "")
	d := pagedDS(t, a)
	r := runQuery(t, d, `{"path":"/records","rootSelector":"data","format":"timeseries",
		"pagination":{"mode":"cursor","cursorPath":"paging.next","maxPages":3}}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if a.requests.Load() != 3 {
		t.Errorf("%d requests, want 3", a.requests.Load())
	}
	fr := r.Frames[0]
	if fr.Rows() != 15 || fr.Meta.Type != data.FrameTypeTimeSeriesWide { // 30 records, two hosts per minute
		t.Errorf("%d rows, type %s", fr.Rows(), fr.Meta.Type)
	}
	if len(fr.Meta.Notices) != 1 || fr.Meta.Notices[0].Severity != data.NoticeSeverityWarning ||
		fr.Meta.Notices[0].Text != "results truncated after 3 pages (pagination.maxPages)" {
		t.Fatalf("notices %+v", fr.Meta.Notices)
	}
	checkGolden(t, "page_cap_notice", r)
}

func TestLinkHeaderPaginationEndToEnd(t *testing.T) {
	a := newPagedAPI(t, "")
	d := pagedDS(t, a)
	r := runQuery(t, d, `{"path":"/linked","pagination":{"mode":"nextLink"}}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if r.Frames[0].Rows() != 30 || a.requests.Load() != 3 {
		t.Fatalf("%d rows from %d requests", r.Frames[0].Rows(), a.requests.Load())
	}
}

func TestNextLinkToAnotherHostIsRefused(t *testing.T) {
	var evilCalls atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { evilCalls.Add(1) }))
	defer evil.Close()
	a := newPagedAPI(t, evil.URL)
	d := pagedDS(t, a)
	r := runQuery(t, d, `{"path":"/escape","rootSelector":"data","pagination":{"mode":"nextLink","nextLinkPath":"next"}}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "points to another host") {
		t.Fatalf("error %v", r.Error)
	}
	if r.ErrorSource != backend.ErrorSourceDownstream || evilCalls.Load() != 0 {
		t.Errorf("source %s, %d calls to the other host", r.ErrorSource, evilCalls.Load())
	}
}

func TestJQSingleAndVariableEndToEnd(t *testing.T) {
	a := newPagedAPI(t, "")
	d := pagedDS(t, a)
	jq := `.checks | to_entries | map({check: .key, latencyMs: .value.latencyMs, ok: .value.ok})`

	r := runQuery(t, d, `{"path":"/status","jq":`+strconv.Quote(jq)+`}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if got := strings.Join(fieldNames(r.Frames[0]), ","); got != "check,latencyMs,ok" || r.Frames[0].Rows() != 2 {
		t.Fatalf("jq table: fields %s, %d rows", got, r.Frames[0].Rows())
	}
	checkGolden(t, "jq_table_query", r)

	r = runQuery(t, d, `{"path":"/status","jq":".checks.db","format":"single"}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if fr := r.Frames[0]; fr.Rows() != 1 || fr.Fields[0].Name != "latencyMs" || *fr.Fields[0].At(0).(*int64) != 12 {
		t.Fatalf("single: %v", fr.Fields)
	}
	checkGolden(t, "single_query", r)

	r = runQuery(t, d, `{"path":"/status","jq":`+strconv.Quote(jq)+`,"format":"variable","variableTextSelector":"check","variableValueSelector":"latencyMs"}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if got := strings.Join(fieldNames(r.Frames[0]), ","); got != "text,value" || r.Frames[0].Rows() != 2 {
		t.Fatalf("variable: fields %s", got)
	}
	checkGolden(t, "variable_query", r)
}

// One query's bad jq is that query's error only; the message names the field.
func TestJQErrorIsPerQuery(t *testing.T) {
	a := newPagedAPI(t, "")
	d := pagedDS(t, a)
	resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		{RefID: "A", JSON: json.RawMessage(`{"path":"/status","jq":".checks | {"}`)},
		{RefID: "B", JSON: json.RawMessage(`{"path":"/status","jq":".checks | error(\"no checks\")"}`)},
		{RefID: "C", JSON: json.RawMessage(`{"path":"/status","rootSelector":"checks"}`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if e := resp.Responses["A"].Error; e == nil || !strings.Contains(e.Error(), "jq: not a valid jq program") {
		t.Errorf("A: %v", e)
	}
	if e := resp.Responses["B"].Error; e == nil || !strings.Contains(e.Error(), "jq") || !strings.Contains(e.Error(), "no checks") {
		t.Errorf("B: %v", e)
	}
	if resp.Responses["A"].ErrorSource != backend.ErrorSourceDownstream {
		t.Errorf("A source %s", resp.Responses["A"].ErrorSource)
	}
	if e := resp.Responses["C"].Error; e != nil {
		t.Errorf("C: %v", e)
	}
}

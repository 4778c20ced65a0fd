package query

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

var (
	from = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	to   = from.Add(90 * time.Minute)
	tr   = backend.TimeRange{From: from, To: to}
)

func mustParse(t *testing.T, raw string) *Model {
	t.Helper()
	m, err := Parse(json.RawMessage(raw))
	if err != nil {
		t.Fatalf("Parse(%s): %v", raw, err)
	}
	return m
}

func TestMacroFormats(t *testing.T) {
	cases := map[string]string{
		"$__from":                    "1795428000000",
		"$__to":                      "1795433400000",
		"${__from}":                  "1795428000000",
		"${__to}":                    "1795433400000",
		"${__from:date:ms}":          "1795428000000",
		"${__from:date:seconds}":     "1795428000",
		"${__to:date:seconds}":       "1795433400",
		"${__from:date:iso}":         "2026-11-23T10:00:00Z",
		"${__to:date:iso}":           "2026-11-23T11:30:00Z",
		"$__interval":                "1m",
		"$__interval_ms":             "60000",
		"a=$__from&b=$__to":          "a=1795428000000&b=1795433400000",
		"$__interval_ms/$__interval": "60000/1m",
		"no macro $__fromage":        "no macro 1795428000000age", // like Grafana: the longest known name wins, no word boundary
	}
	x := Macros(tr, time.Minute)
	for in, want := range cases {
		if got := x.Replace(in); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}

func TestMacroIntervals(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 30 * time.Second: "30s", time.Minute: "1m", 2 * time.Hour: "2h", 1500 * time.Millisecond: "1500ms", 90 * time.Second: "90s",
	} {
		if got := Macros(tr, d).Replace("$__interval"); got != want {
			t.Errorf("interval %s -> %q, want %q", d, got, want)
		}
	}
}

// The macros work in the path, the parameters, the headers and the body.
func TestMacrosInEveryPartOfTheRequest(t *testing.T) {
	m := mustParse(t, `{"method":"POST","path":"/series/${__from:date:seconds}",
		"params":[{"name":"from","value":"$__from"},{"name":"to","value":"${__to:date:iso}"},{"name":"step","value":"$__interval"}],
		"headers":[{"name":"X-Range","value":"$__from-$__to"},{"name":"X-Step-Ms","value":"$__interval_ms"}],
		"body":"{\"start\":\"${__from:date:iso}\",\"end\":$__to,\"stepMs\":$__interval_ms}"}`)
	req := m.Request(tr, time.Minute)
	if req.Path != "/series/1795428000" {
		t.Errorf("path %q", req.Path)
	}
	if got := req.Params.Get("from"); got != "1795428000000" {
		t.Errorf("param from %q", got)
	}
	if got := req.Params.Get("to"); got != "2026-11-23T11:30:00Z" {
		t.Errorf("param to %q", got)
	}
	if got := req.Params.Get("step"); got != "1m" {
		t.Errorf("param step %q", got)
	}
	if got := req.Header.Get("X-Range"); got != "1795428000000-1795433400000" {
		t.Errorf("header X-Range %q", got)
	}
	if got := req.Header.Get("X-Step-Ms"); got != "60000" {
		t.Errorf("header X-Step-Ms %q", got)
	}
	if got := string(req.Body); got != `{"start":"2026-11-23T10:00:00Z","end":1795433400000,"stepMs":60000}` {
		t.Errorf("body %s", got)
	}
}

func TestGetSendsNoBody(t *testing.T) {
	m := mustParse(t, `{"path":"/a","body":"{}"}`)
	if req := m.Request(tr, time.Minute); req.Body != nil || req.Method != "GET" {
		t.Errorf("GET request %s with body %q", req.Method, req.Body)
	}
}

func TestParseDefaultsAndFormats(t *testing.T) {
	m := mustParse(t, `{"path":"/a"}`)
	if m.Method != "GET" || m.Format != "table" || m.Pagination != nil {
		t.Errorf("defaults: %+v", m)
	}
	for _, f := range []string{"table", "timeseries", "single", "variable"} {
		if m := mustParse(t, `{"path":"/a","format":"`+f+`"}`); m.Format != f {
			t.Errorf("format %s -> %s", f, m.Format)
		}
	}
	if m := mustParse(t, `{"path":"/a","pagination":{"mode":"none"}}`); m.Pagination != nil {
		t.Errorf("mode none should mean no pagination: %+v", m.Pagination)
	}
}

func TestParsePaginationDefaults(t *testing.T) {
	p := mustParse(t, `{"path":"/a","pagination":{"mode":"offset"}}`).Pagination
	if p.MaxPages != 10 || p.PageSize != 100 || p.OffsetParam != "offset" || p.LimitParam != "limit" {
		t.Errorf("offset defaults: %+v", p)
	}
	p = mustParse(t, `{"path":"/a","pagination":{"mode":"page"}}`).Pagination
	if p.PageParam != "page" || *p.StartPage != 1 || p.LimitParam != "" || p.PageSize != 0 {
		t.Errorf("page defaults: %+v", p)
	}
	p = mustParse(t, `{"path":"/a","pagination":{"mode":"page","startPage":0,"limitParam":"per_page"}}`).Pagination
	if *p.StartPage != 0 || p.PageSize != 100 {
		t.Errorf("page with limit: %+v", p)
	}
	p = mustParse(t, `{"path":"/a","pagination":{"mode":"cursor","cursorPath":"meta.next","maxPages":3}}`).Pagination
	if p.CursorParam != "cursor" || p.MaxPages != 3 {
		t.Errorf("cursor defaults: %+v", p)
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	cases := []struct{ query, want string }{
		{`{"path":"/a","format":"pie"}`, `format "pie"`},
		{`{"path":"/a","method":"PUT"}`, `method "PUT"`},
		{`{"path":"/a","params":[{"name":" ","value":"x"}]}`, "params[0]: name"},
		{`{"path":"/a","headers":[{"name":"","value":"x"}]}`, "headers[0]: name"},
		{`{"path":"/a","jq":".items[] | {a: }"}`, "jq: not a valid jq program"},
		{`{"path":"/a","jq":"unknownfn(1)"}`, "jq: not a valid jq program"},
		{`{"path":"/a","pagination":{"mode":"pages"}}`, "pagination.mode"},
		{`{"path":"/a","pagination":{"mode":"cursor"}}`, "pagination.cursorPath"},
		{`{"path":"/a","pagination":{"mode":"cursor","cursorPath":"$["}}`, "pagination.cursorPath"},
		{`{"path":"/a","pagination":{"mode":"nextLink","nextLinkPath":"a..b"}}`, "pagination.nextLinkPath"},
		{`{"path":"/a","pagination":{"mode":"offset","maxPages":1001}}`, "pagination.maxPages"},
		{`{"path":"/a","pagination":{"mode":"offset","maxPages":-1}}`, "pagination.maxPages"},
		{`{"path":"/a","pagination":{"mode":"offset","pageSize":-5}}`, "pagination.pageSize"},
		{`{"path":"/a","format":"variable","variableTextSelector":"$["}`, "variableTextSelector"},
		{`{"path":"/a","format":"variable","variableValueSelector":"a..b"}`, "variableValueSelector"},
		{`[1]`, "not a valid query object"},
	}
	for _, c := range cases {
		_, err := Parse(json.RawMessage(c.query))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%s) error %v, want it to mention %q", c.query, err, c.want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "query failed: ") {
			t.Errorf("error %q is not a query error", err)
		}
	}
}

func TestHasJQ(t *testing.T) {
	if !mustParse(t, `{"path":"/a","jq":".data"}`).HasJQ() || mustParse(t, `{"path":"/a","jq":"  "}`).HasJQ() {
		t.Error("HasJQ")
	}
}

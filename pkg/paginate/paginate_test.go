package paginate

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/query"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// update rewrites the golden files. It defaults to false so that a missing golden file fails the test.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

type staticToken struct{}

func (staticToken) Token(context.Context) (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: "tok", Expiry: time.Now().Add(time.Hour)}, nil
}
func (staticToken) Invalidate(*oauth2.Token) {}

// api is a fake paginated API under /v1 with 100 items; it records the queries it was sent.
type api struct {
	srv  *httptest.Server
	base *url.URL
	mu   sync.Mutex
	seen []string
	fail atomic.Bool // answer 404 to everything
}

func item(i int) map[string]any {
	return map[string]any{"id": i, "name": fmt.Sprintf("item-%03d", i)}
}

func items(from, n, total int) []any {
	out := []any{}
	for i := from; i < from+n && i < total; i++ {
		out = append(out, item(i))
	}
	return out
}

func newAPI(t *testing.T, total int, other string) *api {
	t.Helper()
	a := &api{}
	mux := http.NewServeMux()
	write := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	atoi := func(r *http.Request, name string, def int) int {
		if v, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil {
			return v
		}
		return def
	}
	mux.HandleFunc("/v1/offset", func(w http.ResponseWriter, r *http.Request) {
		write(w, map[string]any{"data": items(atoi(r, "offset", 0), atoi(r, "limit", 10), total)})
	})
	mux.HandleFunc("/v1/page", func(w http.ResponseWriter, r *http.Request) {
		size := atoi(r, "per_page", 10)
		write(w, items((atoi(r, "page", 1)-1)*size, size, total))
	})
	// cursor: 10 items a page; the cursor is the next start, absent on the last page.
	mux.HandleFunc("/v1/cursor", func(w http.ResponseWriter, r *http.Request) {
		start := atoi(r, "after", 0)
		body := map[string]any{"items": items(start, 10, total), "meta": map[string]any{}}
		if start+10 < total {
			body["meta"] = map[string]any{"next": "c" + strconv.Itoa(start+10)}
		}
		write(w, body)
	})
	mux.HandleFunc("/v1/cursor-c", func(w http.ResponseWriter, r *http.Request) { // cursor values are "c<start>"
		start, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Query().Get("cursor"), "c"))
		body := map[string]any{"items": items(start, 10, total)}
		if start+10 < total {
			body["next_cursor"] = "c" + strconv.Itoa(start+10)
		} else {
			body["next_cursor"] = nil
		}
		write(w, body)
	})
	mux.HandleFunc("/v1/same-cursor", func(w http.ResponseWriter, r *http.Request) {
		write(w, map[string]any{"items": items(0, 10, total), "next": "again"})
	})
	// nextLink in the body: relative, absolute on the same host, or to another host.
	mux.HandleFunc("/v1/links", func(w http.ResponseWriter, r *http.Request) {
		p := atoi(r, "p", 1)
		body := map[string]any{"items": items((p-1)*10, 10, total)}
		if p*10 < total {
			switch r.URL.Query().Get("style") {
			case "absolute":
				body["links"] = map[string]any{"next": fmt.Sprintf("%s/v1/links?style=absolute&p=%d", a.srv.URL, p+1)}
			case "other":
				body["links"] = map[string]any{"next": other + "/v1/links?p=2&sig=SECRETSIG"}
			case "outside":
				body["links"] = map[string]any{"next": "/admin/links?p=2"}
			case "dotdot":
				body["links"] = map[string]any{"next": "/v1/../oauth/token"}
			default:
				body["links"] = map[string]any{"next": fmt.Sprintf("links?p=%d", p+1)}
			}
		}
		write(w, body)
	})
	// nextLink in the Link header (GitHub style).
	mux.HandleFunc("/v1/header", func(w http.ResponseWriter, r *http.Request) {
		p := atoi(r, "page", 1)
		if p*10 < total {
			w.Header().Add("Link", fmt.Sprintf(`<%s/v1/header?page=%d>; rel="next", <%s/v1/header?page=%d>; rel="last"`, a.srv.URL, p+1, a.srv.URL, (total+9)/10))
		}
		write(w, items((p-1)*10, 10, total))
	})
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.seen = append(a.seen, r.URL.RequestURI())
		a.mu.Unlock()
		if a.fail.Load() {
			http.NotFound(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(a.srv.Close)
	a.base, _ = url.Parse(a.srv.URL + "/v1")
	return a
}

func (a *api) client() *upstream.Client {
	cfg := settings.Upstream{BaseURL: a.base, TokenHeaderName: "Authorization", TokenHeaderTemplate: "Bearer {{token}}",
		Timeout: 5 * time.Second, MaxResponseBytes: 1 << 20, AllowedMethods: []string{"GET", "POST"}}
	return upstream.New(cfg, staticToken{}, &http.Client{}, nil)
}

func (a *api) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

// run parses a query, follows its pages and converts all rows, as the plugin does.
func (a *api) run(t *testing.T, q string) (data.Frames, Result, error) {
	t.Helper()
	m, err := query.Parse(json.RawMessage(q))
	if err != nil {
		t.Fatal(err)
	}
	var set frames.RowSet
	res, err := Run(context.Background(), a.client(), a.base, m.Request(backend.TimeRange{}, time.Minute), m.Pagination, Options{},
		func(page *Page) (int, error) {
			doc, err := page.Doc()
			if err != nil {
				return 0, err
			}
			return set.Add(doc, m.RootSelector) // no query here has jq: the plugin runs it in a worker
		})
	if err != nil {
		return nil, res, err
	}
	out, err := frames.ConvertRows(&set, m.Spec("A"))
	if err != nil {
		t.Fatal(err)
	}
	return out, res, nil
}

func checkGolden(t *testing.T, name string, out data.Frames) {
	t.Helper()
	experimental.CheckGoldenJSONResponse(t, "testdata", name, &backend.DataResponse{Frames: out}, *update)
}

func wantRows(t *testing.T, out data.Frames, n int) {
	t.Helper()
	if got := out[0].Rows(); got != n {
		t.Fatalf("%d rows, want %d", got, n)
	}
}

func wantRequests(t *testing.T, a *api, want ...string) {
	t.Helper()
	if got := a.requests(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("requests\n got %q\nwant %q", got, want)
	}
}

func TestOffset(t *testing.T) {
	a := newAPI(t, 25, "")
	out, res, err := a.run(t, `{"path":"/offset","rootSelector":"data","params":[{"name":"offset","value":"ignored"}],
		"pagination":{"mode":"offset","pageSize":10}}`)
	if err != nil {
		t.Fatal(err)
	}
	wantRows(t, out, 25)
	if res.Pages != 3 || res.Truncated != "" {
		t.Errorf("result %+v", res)
	}
	// The paginator's offset replaces the query's own parameter.
	wantRequests(t, a, "/v1/offset?limit=10&offset=0", "/v1/offset?limit=10&offset=10", "/v1/offset?limit=10&offset=20")
	checkGolden(t, "offset_25_rows", out)
}

func TestOffsetCustomParamsExactMultiple(t *testing.T) {
	a := newAPI(t, 20, "")
	// 20 rows at 10 a page: the third page is empty and ends the run.
	_, res, err := a.run(t, `{"path":"/offset","rootSelector":"data","pagination":{"mode":"offset","pageSize":10,"offsetParam":"offset","limitParam":"limit"}}`)
	if err != nil || res.Pages != 3 {
		t.Fatalf("pages %d, err %v", res.Pages, err)
	}
}

func TestPageNumbers(t *testing.T) {
	a := newAPI(t, 25, "")
	out, res, err := a.run(t, `{"path":"/page","pagination":{"mode":"page"}}`)
	if err != nil {
		t.Fatal(err)
	}
	// Without a page size the run stops at the first empty page.
	wantRows(t, out, 25)
	wantRequests(t, a, "/v1/page?page=1", "/v1/page?page=2", "/v1/page?page=3", "/v1/page?page=4")
	if res.Pages != 4 {
		t.Errorf("%d pages", res.Pages)
	}

	b := newAPI(t, 25, "")
	out, _, err = b.run(t, `{"path":"/page","pagination":{"mode":"page","limitParam":"per_page","pageSize":20,"startPage":1}}`)
	if err != nil {
		t.Fatal(err)
	}
	// With a page size, the short second page is the last.
	wantRows(t, out, 25)
	wantRequests(t, b, "/v1/page?page=1&per_page=20", "/v1/page?page=2&per_page=20")
}

func TestCursorTenPages(t *testing.T) {
	a := newAPI(t, 100, "")
	out, res, err := a.run(t, `{"path":"/cursor-c","rootSelector":"$.items","pagination":{"mode":"cursor","cursorPath":"next_cursor","cursorParam":"cursor"}}`)
	if err != nil {
		t.Fatal(err)
	}
	wantRows(t, out, 100)
	if res.Pages != 10 || res.Truncated != "" {
		t.Errorf("result %+v: all 10 pages fit the default cap", res)
	}
	got := a.requests()
	if len(got) != 10 || got[0] != "/v1/cursor-c" || got[1] != "/v1/cursor-c?cursor=c10" || got[9] != "/v1/cursor-c?cursor=c90" {
		t.Errorf("requests %q", got)
	}
	if last := *out[0].Fields[0].At(99).(*int64); last != 99 {
		t.Errorf("last id %d", last)
	}
	checkGolden(t, "cursor_ten_pages", out)
}

func TestPageCapCutsResults(t *testing.T) {
	a := newAPI(t, 100, "")
	out, res, err := a.run(t, `{"path":"/cursor-c","rootSelector":"items","pagination":{"mode":"cursor","cursorPath":"$.next_cursor","maxPages":3}}`)
	if err != nil {
		t.Fatal(err)
	}
	wantRows(t, out, 30)
	if res.Pages != 3 || res.Truncated != "results truncated after 3 pages (pagination.maxPages)" {
		t.Errorf("result %+v", res)
	}
	if n := len(a.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestRepeatedCursorStops(t *testing.T) {
	a := newAPI(t, 100, "")
	_, res, err := a.run(t, `{"path":"/same-cursor","rootSelector":"items","pagination":{"mode":"cursor","cursorPath":"next"}}`)
	if err != nil || res.Pages != 2 || res.Truncated != "" {
		t.Fatalf("pages %d truncated %q err %v: a cursor seen before ends the run", res.Pages, res.Truncated, err)
	}
}

func TestNextLinkInBody(t *testing.T) {
	for _, style := range []string{"relative", "absolute"} {
		t.Run(style, func(t *testing.T) {
			a := newAPI(t, 35, "")
			out, res, err := a.run(t, `{"path":"/links?style=`+style+`","rootSelector":"items","pagination":{"mode":"nextLink","nextLinkPath":"links.next"}}`)
			if err != nil {
				t.Fatal(err)
			}
			wantRows(t, out, 35)
			if res.Pages != 4 {
				t.Errorf("%d pages", res.Pages)
			}
			if style == "absolute" {
				wantRequests(t, a, "/v1/links?style=absolute", "/v1/links?p=2&style=absolute", "/v1/links?p=3&style=absolute", "/v1/links?p=4&style=absolute")
			}
		})
	}
}

func TestLinkHeader(t *testing.T) {
	a := newAPI(t, 30, "")
	out, res, err := a.run(t, `{"path":"/header","pagination":{"mode":"nextLink"}}`)
	if err != nil {
		t.Fatal(err)
	}
	wantRows(t, out, 30)
	wantRequests(t, a, "/v1/header", "/v1/header?page=2", "/v1/header?page=3")
	if res.Pages != 3 || res.Truncated != "" {
		t.Errorf("result %+v", res)
	}
	checkGolden(t, "link_header", out)
}

func TestNextLinkMustStayUnderTheDatasourceURL(t *testing.T) {
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the other host was called: %s (Authorization %q)", r.URL, r.Header.Get("Authorization"))
	}))
	defer evil.Close()
	cases := map[string]string{
		"other":   "points to another host",
		"outside": "outside the datasource URL path",
		"dotdot":  "outside the datasource URL path",
	}
	for style, want := range cases {
		t.Run(style, func(t *testing.T) {
			a := newAPI(t, 35, evil.URL)
			_, _, err := a.run(t, `{"path":"/links?style=`+style+`","rootSelector":"items","pagination":{"mode":"nextLink","nextLinkPath":"links.next"}}`)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "next page link") {
				t.Fatalf("error %v, want %q", err, want)
			}
			if strings.Contains(err.Error(), "SECRETSIG") {
				t.Errorf("the link's query string leaked into %q", err)
			}
			if n := len(a.requests()); n != 1 {
				t.Errorf("%d requests, want only the first page", n)
			}
		})
	}
}

func TestLinkPath(t *testing.T) {
	base, _ := url.Parse("https://api.example.com/v1/")
	cur, _ := url.Parse("https://api.example.com/v1/items?page=1")
	ok := map[string]string{
		"https://api.example.com/v1/items?page=2":     "/items?page=2",
		"https://API.example.com:443/v1/items?page=2": "/items?page=2",
		"/v1/items?page=2":                            "/items?page=2",
		"items?page=2":                                "/items?page=2",
		"?page=2":                                     "/items?page=2",
		"https://api.example.com/v1":                  "",
		"https://api.example.com/v1/a/b#frag":         "/a/b",
	}
	for link, want := range ok {
		got, err := LinkPath(base, cur, link)
		if err != nil || got != want {
			t.Errorf("LinkPath(%q) = %q, %v; want %q", link, got, err, want)
		}
	}
	bad := []string{
		"http://api.example.com/v1/items",       // other scheme
		"https://api.example.com:8443/v1/items", // other port
		"https://evil.example.com/v1/items",
		"//evil.example.com/v1/items",
		"https://api.example.com.evil.com/v1/x",
		"https://api.example.com/v10/items", // prefix but not under /v1/
		"https://api.example.com/oauth/token",
		"../oauth/token",
		"/v1/%2e%2e/oauth/token",
		"/v1/a%2fb",
		"javascript:alert(1)",
		"https://user:pass@evil.example.com/v1/",
	}
	for _, link := range bad {
		if got, err := LinkPath(base, cur, link); err == nil {
			t.Errorf("LinkPath(%q) = %q, want an error", link, got)
		}
	}
}

func TestNextFromLinkHeader(t *testing.T) {
	cases := []struct {
		values []string
		want   string
	}{
		{[]string{`<https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel="last"`}, "https://a/x?page=2"},
		{[]string{`<https://a/x?page=1>; rel="prev"`, `<https://a/x?page=3>; rel=next`}, "https://a/x?page=3"},
		{[]string{`<https://a/x?a=1,2>; title="a, b"; rel="next last"`}, "https://a/x?a=1,2"},
		{[]string{`<https://a/x?page=9>; rel="last"`}, ""},
		{[]string{`garbage`}, ""},
		{nil, ""},
	}
	for _, c := range cases {
		h := http.Header{}
		for _, v := range c.values {
			h.Add("Link", v)
		}
		if got := NextFromLinkHeader(h); got != c.want {
			t.Errorf("%q -> %q, want %q", c.values, got, c.want)
		}
	}
}

func TestMaxTotalBytes(t *testing.T) {
	a := newAPI(t, 100, "")
	m, _ := query.Parse(json.RawMessage(`{"path":"/cursor-c","rootSelector":"items","pagination":{"mode":"cursor","cursorPath":"next_cursor","maxPages":100}}`))
	res, err := Run(context.Background(), a.client(), a.base, m.Request(backend.TimeRange{}, 0), m.Pagination, Options{MaxTotalBytes: 1000},
		func(*Page) (int, error) { return 10, nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages >= 10 || !strings.Contains(res.Truncated, "bytes") {
		t.Errorf("result %+v", res)
	}
}

func TestErrorsNameThePage(t *testing.T) {
	a := newAPI(t, 100, "")
	calls := 0
	m, _ := query.Parse(json.RawMessage(`{"path":"/cursor-c","rootSelector":"items","pagination":{"mode":"cursor","cursorPath":"next_cursor"}}`))
	_, err := Run(context.Background(), a.client(), a.base, m.Request(backend.TimeRange{}, 0), m.Pagination, Options{},
		func(*Page) (int, error) {
			calls++
			if calls == 2 {
				a.fail.Store(true)
			}
			return 10, nil
		})
	var ue *upstream.Error
	if err == nil || !strings.Contains(err.Error(), "page 3") || !errors.As(err, &ue) || ue.Status != 404 {
		t.Fatalf("error %v", err)
	}
	// A cursor path that selects an object is an error, not a silent stop.
	b := newAPI(t, 100, "")
	_, _, err = b.run(t, `{"path":"/cursor","rootSelector":"items","pagination":{"mode":"cursor","cursorPath":"meta"}}`)
	if err == nil || !strings.Contains(err.Error(), "pagination.cursorPath") {
		t.Fatalf("error %v", err)
	}
}

package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/paginate"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/query"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// newStreamAPI serves 5 pages of 4 records at /v1/pages: by cursor (?cursor=n, paging.next), by next
// link in the body (links.next, relative) and by offset (?offset=&limit=4, then an empty page). Pages
// differ: "value" is an integer on odd pages and a float on even ones, "late.k" starts on page 3, and
// the paging keys come after the rows. ?variant=dup gives page 2 a row with a duplicate key (which
// the stream refuses), ?variant=bad cuts page 3 short (invalid JSON).
func newStreamAPI(t *testing.T) *pagedAPI {
	t.Helper()
	a := &pagedAPI{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.requests.Add(1)
		q := r.URL.Query()
		p, _ := strconv.Atoi(q.Get("cursor") + q.Get("p"))
		if off, err := strconv.Atoi(q.Get("offset")); err == nil {
			p = off/4 + 1
		}
		p = max(p, 1)
		var rows []string
		for i := (p - 1) * 4; i < p*4 && i < 20; i++ {
			value := strconv.Itoa(i)
			if p%2 == 0 {
				value += ".5"
			}
			row := fmt.Sprintf(`{"ts":"2026-11-23T10:%02d:00Z","id":%d,"host":"h%d","value":%s`, i, int64(9007199254740993)+int64(i), i%3, value)
			if p >= 3 {
				row += `,"late":{"k":"v` + strconv.Itoa(i) + `"}`
			}
			if q.Get("variant") == "dup" && i == 5 {
				row += `,"id":1`
			}
			rows = append(rows, row+"}")
		}
		next, link := "null", "null"
		if p < 5 {
			next, link = strconv.Quote(strconv.Itoa(p+1)), strconv.Quote(fmt.Sprintf("pages?variant=%s&p=%d", q.Get("variant"), p+1))
		}
		body := fmt.Sprintf(`{"data":[%s],"paging":{"next":%s},"links":{"next":%s}}`, strings.Join(rows, ","), next, link)
		if q.Get("variant") == "bad" && p == 3 {
			body = body[:len(body)-3]
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// treeQuery runs q as run did before frames.Stream: every page on the tree path (addTree), the rows
// of all converted by ConvertRows. It is the reference for the stream's results.
func treeQuery(t *testing.T, d *Datasource, q string) backend.DataResponse {
	t.Helper()
	ctx := context.Background()
	m, err := query.Parse(json.RawMessage(q))
	if err != nil {
		t.Fatal(err)
	}
	req := m.Request(backend.TimeRange{}, time.Minute)
	var rows frames.RowSet
	res, err := paginate.Run(ctx, d.api, d.settings.Upstream.BaseURL, req, m.Pagination,
		paginate.Options{MaxTotalBytes: maxPagesBytesFactor * d.settings.Upstream.MaxResponseBytes},
		func(page *paginate.Page) (int, error) { return d.addTree(ctx, m, &rows, page) })
	if err != nil {
		return errorResponse(err)
	}
	out, err := frames.ConvertRows(&rows, m.Spec("A"))
	if err != nil {
		return errorResponse(upstream.BadReply("", err))
	}
	return backend.DataResponse{Frames: annotate(out, req.Method, res)}
}

// sameResponse says how two responses differ ("" when they do not): error, source, frames as JSON.
func sameResponse(got, want backend.DataResponse) string {
	if fmt.Sprint(got.Error) != fmt.Sprint(want.Error) || got.ErrorSource != want.ErrorSource || got.Status != want.Status {
		return fmt.Sprintf("error %v (%s, %d); tree %v (%s, %d)", got.Error, got.ErrorSource, got.Status, want.Error, want.ErrorSource, want.Status)
	}
	if len(got.Frames) != len(want.Frames) {
		return fmt.Sprintf("%d frames; tree %d", len(got.Frames), len(want.Frames))
	}
	for i := range want.Frames {
		gj, err1 := data.FrameToJSON(got.Frames[i], data.IncludeAll)
		wj, err2 := data.FrameToJSON(want.Frames[i], data.IncludeAll)
		if err1 != nil || err2 != nil || !bytes.Equal(gj, wj) {
			return fmt.Sprintf("frame %d:\n%s\ntree:\n%s", i, gj, wj)
		}
	}
	return ""
}

// Paginated queries without jq are converted from the bytes of their pages, cursors and next links
// read from the bytes too: the same frames (and errors) as the tree path, and no tree decoded unless
// a page is outside the streaming case (then that page, the ones before and after go the tree path).
func TestStreamPaginatedQueriesMatchTreePath(t *testing.T) {
	a := newStreamAPI(t)
	d := pagedDS(t, a)
	for _, c := range []struct {
		q        string
		requests int64
		trees    bool
	}{
		{`{"path":"/pages","rootSelector":"$.data","pagination":{"mode":"cursor","cursorPath":"paging.next","cursorParam":"cursor"}}`, 5, false},
		{`{"path":"/pages","rootSelector":"data","format":"timeseries","pagination":{"mode":"cursor","cursorPath":"$.paging.next"}}`, 5, false},
		{`{"path":"/pages","rootSelector":"data","pagination":{"mode":"nextLink","nextLinkPath":"links.next"}}`, 5, false},
		{`{"path":"/pages","rootSelector":"data","columns":[{"selector":"id","type":"integer"},{"selector":"late.k","name":"k"},{"selector":"value"}],
			"pagination":{"mode":"nextLink","nextLinkPath":"$.links.next"}}`, 5, false},
		{`{"path":"/pages","rootSelector":"data","format":"variable","variableTextSelector":"host","variableValueSelector":"id",
			"pagination":{"mode":"cursor","cursorPath":"paging.next"}}`, 5, false},
		{`{"path":"/pages","rootSelector":"data","pagination":{"mode":"offset","pageSize":4}}`, 6, false},
		{`{"path":"/pages","rootSelector":"data","pagination":{"mode":"cursor","cursorPath":"paging.next","maxPages":3}}`, 3, false},
		{`{"path":"/pages","rootSelector":"data"}`, 1, false},
		// Page 2 has a duplicate key: pages 1 and 2 onwards go the tree path, with the same frames.
		{`{"path":"/pages?variant=dup","rootSelector":"data","pagination":{"mode":"cursor","cursorPath":"paging.next"}}`, 5, true},
		{`{"path":"/pages?variant=dup","rootSelector":"data","pagination":{"mode":"nextLink","nextLinkPath":"links.next"}}`, 5, true},
		// Page 3 is not JSON: the tree path's error, naming the page.
		{`{"path":"/pages?variant=bad","rootSelector":"data","pagination":{"mode":"cursor","cursorPath":"paging.next"}}`, 3, true},
		// A key path and one wildcard streams too.
		{`{"path":"/pages","rootSelector":"$.data[*]","pagination":{"mode":"cursor","cursorPath":"paging.next"}}`, 5, false},
		// jq needs the trees; so does a root selector that is not a key path (and one wildcard).
		{`{"path":"/pages","jq":".data","pagination":{"mode":"cursor","cursorPath":"paging.next"}}`, 5, true},
		{`{"path":"/pages","rootSelector":"$.data[?@.id]","pagination":{"mode":"cursor","cursorPath":"paging.next"}}`, 5, true},
	} {
		a.requests.Store(0)
		before := frames.Decodes()
		got := runQuery(t, d, c.q)
		trees := frames.Decodes() - before
		if n := a.requests.Load(); n != c.requests || (trees > 0) != c.trees {
			t.Errorf("%s: %d requests, %d trees; want %d requests, trees %v", c.q, n, trees, c.requests, c.trees)
		}
		if diff := sameResponse(got, treeQuery(t, d, c.q)); diff != "" {
			t.Errorf("%s: %s", c.q, diff)
		}
	}
	// What the streamed cursor query gives, beyond being the tree's.
	r := runQuery(t, d, `{"path":"/pages","rootSelector":"data","pagination":{"mode":"cursor","cursorPath":"paging.next"}}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	fr := r.Frames[0]
	if got := strings.Join(fieldNames(fr), ","); got != "ts,id,host,value,late.k" || fr.Rows() != 20 {
		t.Errorf("fields %s, %d rows", got, fr.Rows())
	}
	if fr.Fields[3].Type() != data.FieldTypeNullableFloat64 || *fr.Fields[1].At(19).(*int64) != 9007199254740993+19 ||
		fr.Meta.ExecutedQueryString != "GET /v1/pages (5 pages)" {
		t.Errorf("value %s, id[19] %d, executed %q", fr.Fields[3].Type(), *fr.Fields[1].At(19).(*int64), fr.Meta.ExecutedQueryString)
	}
	r = runQuery(t, d, `{"path":"/pages?variant=bad","rootSelector":"data","pagination":{"mode":"cursor","cursorPath":"paging.next"}}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "API reply failed: cannot be converted (page 3): reply is not valid JSON") {
		t.Errorf("error %v", r.Error)
	}
}

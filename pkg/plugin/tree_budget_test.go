package plugin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/benchdata"
)

// treeAPI answers large replies: /big is 33 MiB of ordinary rows (a tree of about 590 MiB), /objects
// 8 MiB of one-member objects (the costliest shape per byte: about 74x), /small 1 MiB of rows,
// /pages?page=n one 1 MiB page of rows per n, with a cursor to the next (the 5th with a
// repeated key if dup is set).
func treeAPI(t *testing.T) *httptest.Server {
	big := benchdata.Payload(640_000)
	objects := []byte("[" + strings.TrimSuffix(strings.Repeat(`{"":0},`, 1_200_000), ",") + "]")
	array := []byte(`{"id":1,"data":[` + strings.TrimSuffix(strings.Repeat(`{"":0},`, 1_200_000), ",") + "]}")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/big":
			_, _ = w.Write(big)
		case "/v1/objects":
			_, _ = w.Write(objects)
		case "/v1/array":
			_, _ = w.Write(array)
		case "/v1/tiny":
			_, _ = w.Write([]byte(`[]`))
		case "/v1/small":
			_, _ = w.Write(benchdata.Payload(20_000))
		case "/v1/pages":
			n, _ := strconv.Atoi(r.URL.Query().Get("page"))
			rows := string(benchdata.Rows(n*20_000, (n+1)*20_000))
			if r.URL.Query().Get("dup") != "" && n == 4 { // a repeated key: the stream leaves this page to the tree path
				rows = `[{"id":1,"id":2},` + rows[1:]
			}
			_, _ = w.Write([]byte(`{"data":` + rows + `,"next":"` + strconv.Itoa(n+1) + `"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func treeDatasource(t *testing.T, api string, jsonData map[string]any) *Datasource {
	f := newFixture(t)
	jsonData["tokenUrl"] = f.srv.URL + mockapi.PathOAuthToken
	jsonData["maxResponseBytes"] = 48 << 20
	raw, _ := json.Marshal(jsonData)
	return newDS(t, backend.DataSourceInstanceSettings{UID: "trees", URL: api + "/v1", JSONData: raw,
		DecryptedSecureJSONData: map[string]string{"clientId": clientID, "clientSecret": clientSecret}})
}

// A query whose selectors need the decoded tree (here a JSONPath filter) used to decode any reply
// up to maxResponseBytes in the plugin, at 18 to 80 times its size: queryMemoryMiB now bounds it,
// before anything is decoded.
func TestTreeBudgetThroughQueryData(t *testing.T) {
	api := treeAPI(t)
	d := treeDatasource(t, api.URL, map[string]any{}) // queryMemoryMiB: the default, 256
	filter := func(path string) string {
		return `{"refId":"A","path":"` + path + `","rootSelector":"$[?@.ok == true]"}`
	}
	for _, path := range []string{"/big", "/objects"} {
		decodes := frames.Decodes()
		var r backend.DataResponse
		peak, _ := benchdata.MeasurePeak(func() any { r = runQuery(t, d, filter(path)); return nil })
		t.Logf("%s: %v; heap peak %d MiB", path, r.Error, peak>>20)
		if r.Error == nil || !strings.Contains(r.Error.Error(), "(bound: queryMemoryMiB = 256)") {
			t.Fatalf("%s: got %v, want an error naming queryMemoryMiB = 256", path, r.Error)
		}
		if !strings.HasPrefix(r.Error.Error(), "API reply failed: cannot be converted: decoding it would take about ") {
			t.Errorf("%s: error %q does not say which step and what", path, r.Error)
		}
		// Like the other bounds a reply goes over (maxRows on a reply without jq): the API's, 502.
		if r.Status != backend.StatusBadGateway || r.ErrorSource != backend.ErrorSourceDownstream {
			t.Errorf("%s: status %d, source %s; want 502, downstream", path, r.Status, r.ErrorSource)
		}
		if frames.Decodes() != decodes {
			t.Errorf("%s: the reply was decoded anyway", path)
		}
		// The reply itself (33 MiB) is read and kept; no tree is built.
		if peak > 256<<20 {
			t.Errorf("%s: heap peak %d MiB, over the 256 MiB budget", path, peak>>20)
		}
	}

	// The next query, within the budget, converts through the tree path as before the budget (the
	// reference: addTree without a budget).
	q := filter("/small")
	r := runQuery(t, d, q)
	if r.Error != nil || len(r.Frames) != 1 || r.Frames[0].Rows() != 6_667 {
		t.Fatalf("small reply: %v, %d frames", r.Error, len(r.Frames))
	}
	if diff := sameResponse(r, treeQuery(t, d, q)); diff != "" {
		t.Errorf("small reply: not what the tree path gives without a budget: %s", diff)
	}

	// The pages of one query add up: with 64 MiB, 3 pages of about 20 MiB of tree each fit, the 4th
	// does not.
	d64 := treeDatasource(t, api.URL, map[string]any{"queryMemoryMiB": 64})
	paged := `{"refId":"A","path":"/pages","rootSelector":"$.data[?@.ok == true]","pagination":{"mode":"cursor","cursorPath":"next","cursorParam":"page","maxPages":10}}`
	r = runQuery(t, d64, paged)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "(page 4)") || !strings.Contains(r.Error.Error(), "with the JSON the query decoded before") ||
		!strings.Contains(r.Error.Error(), "(bound: queryMemoryMiB = 64)") {
		t.Fatalf("paginated: got %v, want page 4 refused naming queryMemoryMiB = 64", r.Error)
	}
	if r := runQuery(t, d64, strings.Replace(paged, `"maxPages":10`, `"maxPages":3`, 1)); r.Error != nil || r.Frames[0].Rows() != 20_000 {
		t.Fatalf("3 pages within the budget: %v", r.Error)
	}

	// Pages the stream took, then one it leaves to the tree path (a repeated key): the 4 streamed
	// pages (about 80 MiB as trees) are charged before they are decoded.
	decodes := frames.Decodes()
	mixed := `{"refId":"A","path":"/pages?dup=1","rootSelector":"$.data","pagination":{"mode":"cursor","cursorPath":"next","cursorParam":"page","maxPages":10}}`
	if r := runQuery(t, d64, mixed); r.Error == nil || !strings.Contains(r.Error.Error(), "(bound: queryMemoryMiB = 64)") {
		t.Fatalf("streamed pages, then the tree path: got %v, want an error naming queryMemoryMiB = 64", r.Error)
	}
	if frames.Decodes() != decodes {
		t.Errorf("the streamed pages were decoded (%d trees) before the budget refused them", frames.Decodes()-decodes)
	}
}

// A query without selectors streams, but an array cell is decoded on its own when its column is
// built: one 8 MiB cell (about 600 MiB as a tree) gives the page to the tree path, whose budget
// refuses it before anything is decoded.
func TestTreeBudgetBoundsLargeCells(t *testing.T) {
	d := treeDatasource(t, treeAPI(t).URL, map[string]any{})
	decodes := frames.Decodes()
	var r backend.DataResponse
	peak, _ := benchdata.MeasurePeak(func() any { r = runQuery(t, d, `{"refId":"A","path":"/array"}`); return nil })
	t.Logf("%v; heap peak %d MiB", r.Error, peak>>20)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "(bound: queryMemoryMiB = 256)") {
		t.Fatalf("got %v, want an error naming queryMemoryMiB = 256", r.Error)
	}
	if frames.Decodes() != decodes {
		t.Errorf("the reply was decoded anyway")
	}
	if peak > 256<<20 {
		t.Errorf("heap peak %d MiB, over the 256 MiB budget", peak>>20)
	}
	if r := runQuery(t, d, `{"refId":"A","path":"/small"}`); r.Error != nil || r.Frames[0].Rows() != 20_000 {
		t.Fatalf("the next query: %v", r.Error)
	}
}

// jq's output is decoded in the plugin too: the same budget bounds it.
func TestTreeBudgetBoundsJQOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("starts jq worker processes")
	}
	api := treeAPI(t)
	d := treeDatasource(t, api.URL, map[string]any{}) // queryMemoryMiB: the default, 256
	// 5 MiB of output that the worker builds cheaply (one object, shared), a tree of about 300 MiB in
	// the plugin (74 times: one map per object).
	r := runQuery(t, d, `{"refId":"A","path":"/tiny","jq":"[range(600000) | {\"a\": 0}]"}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "jq output: decoding it would take about") || !strings.Contains(r.Error.Error(), "(bound: queryMemoryMiB = 256)") {
		t.Fatalf("got %v, want jq's output refused naming queryMemoryMiB = 256", r.Error)
	}
	t.Log(r.Error)
	if r := runQuery(t, d, `{"refId":"A","path":"/small","jq":"map(select(.ok))"}`); r.Error != nil || r.Frames[0].Rows() != 6_667 {
		t.Fatalf("an ordinary jq query after it: %v", r.Error)
	}
}

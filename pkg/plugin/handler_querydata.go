package plugin

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/paginate"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/query"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// maxParallelQueries bounds how many queries of one request run at once against the API.
const maxParallelQueries = 8

// QueryData answers each query on its own: one query's failure is that query's error only.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	if len(req.Queries) == 1 {
		// The common case (a panel with one query, an alert rule): run it on this goroutine. A new
		// goroutine would start on a small stack and grow it through the HTTP call chain on every
		// query (runtime.copystack was about 12 % of a query's CPU in BenchmarkQueryData).
		q := req.Queries[0]
		resp.Responses[q.RefID] = d.query(ctx, q)
		return resp, nil
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxParallelQueries)
	for _, q := range req.Queries {
		wg.Add(1)
		sem <- struct{}{}
		go func(q backend.DataQuery) {
			defer wg.Done()
			defer func() { <-sem }()
			r := d.query(ctx, q)
			mu.Lock()
			resp.Responses[q.RefID] = r
			mu.Unlock()
		}(q)
	}
	wg.Wait()
	return resp, nil
}

func (d *Datasource) query(ctx context.Context, q backend.DataQuery) (res backend.DataResponse) {
	defer func() {
		if r := recover(); r != nil {
			d.logger.Error("panic in query", "refId", q.RefID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			res = errorResponse(fmt.Errorf("internal error while running query %s", q.RefID))
		}
	}()
	if d.configErr != nil {
		return errorResponse(d.configErr)
	}
	m, err := query.Parse(q.JSON)
	if err != nil {
		return errorResponse(err)
	}
	fr, err := d.run(ctx, m, q)
	if err != nil {
		d.logger.Debug("query failed", "refId", q.RefID, "error", err.Error())
		return errorResponse(err)
	}
	return backend.DataResponse{Frames: fr}
}

// run is the data flow of one query: request, API calls (one per page), jq, root selector, convert.
func (d *Datasource) run(ctx context.Context, m *query.Model, q backend.DataQuery) (data.Frames, error) {
	req := m.Request(q.TimeRange, q.Interval)
	var api paginate.Doer = d.api
	if m.Pagination == nil && strings.TrimSpace(m.JQ) == "" {
		// One page, no jq: convert the bytes straight into columns when the spec allows it
		// (frames.ConvertBytes); otherwise the reply already fetched goes the usual way.
		resp, err := d.api.Do(ctx, req)
		if err != nil {
			return nil, err
		}
		out, ok, err := frames.ConvertBytes(resp.Body, m.Spec(q.RefID))
		if ok {
			if err != nil {
				return nil, &query.Error{Msg: "converting the API reply: " + err.Error()}
			}
			return annotate(out, req.Method+" "+resp.URL.Path, paginate.Result{Pages: 1, FirstURL: resp.URL}), nil
		}
		api = fetched{resp}
	}
	var rows frames.RowSet
	res, err := paginate.Run(ctx, api, d.settings.Upstream.BaseURL, req, m.Pagination,
		paginate.Options{MaxTotalBytes: maxPagesBytesFactor * d.settings.Upstream.MaxResponseBytes},
		func(page *paginate.Page) (int, error) {
			doc, err := page.Doc()
			if err != nil {
				return 0, err
			}
			root, err := m.Reshape(ctx, doc.Root)
			if err != nil {
				return 0, err
			}
			n, err := rows.Add(doc, root, m.RootSelector)
			if err != nil {
				return 0, &query.Error{Msg: "converting the API reply: " + err.Error()}
			}
			return n, nil
		})
	if err != nil {
		return nil, err
	}
	out, err := frames.ConvertRows(&rows, m.Spec(q.RefID))
	if err != nil {
		return nil, &query.Error{Msg: "converting the API reply: " + err.Error()}
	}
	executed := req.Method + " " + res.FirstURL.Path
	if res.Pages > 1 {
		executed += fmt.Sprintf(" (%d pages)", res.Pages)
	}
	return annotate(out, executed, res), nil
}

// fetched answers the one request of a query with the reply already fetched.
type fetched struct{ resp *upstream.Response }

func (f fetched) Do(context.Context, upstream.Request) (*upstream.Response, error) {
	return f.resp, nil
}

// annotate sets the executed query string and the truncation notice on every frame.
func annotate(out data.Frames, executed string, res paginate.Result) data.Frames {
	for _, f := range out {
		if f.Meta == nil {
			f.Meta = &data.FrameMeta{}
		}
		f.Meta.ExecutedQueryString = executed
		if res.Truncated != "" {
			f.AppendNotices(data.Notice{Severity: data.NoticeSeverityWarning, Text: res.Truncated})
		}
	}
	return out
}

// maxPagesBytesFactor bounds the bodies of all pages of one query to this many times maxResponseBytes.
const maxPagesBytesFactor = 4

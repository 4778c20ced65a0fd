package plugin

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jqworker"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonscan"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/paginate"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/query"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// maxParallelQueries bounds how many queries of one request run at once against the API.
const maxParallelQueries = 8

// QueryData answers each query on its own: one query's failure is that query's error only.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	// A new variable, not ctx reassigned: the goroutines below would capture a reassigned ctx by
	// reference, which moves it to the heap on every call (one allocation per query, found in
	// BenchmarkQueryData's profile).
	uctx := d.userContext(ctx, req, fromAlert(req))
	if len(req.Queries) == 1 {
		// The common case (a panel with one query, an alert rule): run it on this goroutine. A new
		// goroutine would start on a small stack and grow it through the HTTP call chain on every
		// query (runtime.copystack was about 12 % of a query's CPU in BenchmarkQueryData).
		q := req.Queries[0]
		resp.Responses[q.RefID] = d.query(uctx, q)
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
			r := d.query(uctx, q)
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
			res = errorResponse(&internalError{what: fmt.Sprintf("internal error while running query %s (the Grafana server log has the details)", q.RefID)})
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
	spec := m.Spec(q.RefID)
	spec.Limits = d.limits
	// Without jq (which needs Go values), the pages are converted straight from their bytes
	// (frames.Stream: about 2x the payload in memory, a decoded tree about 19x). A page the stream
	// refuses sends the pages so far, it and the next ones down the tree path, which gives the errors.
	// Every tree the query decodes in this process (pages, jq's output) is charged to its memory
	// budget first (paginate.TreeBudget, carried by each page).
	var stream *frames.Stream
	if !m.HasJQ() {
		stream, _ = frames.NewStream(spec)
	}
	rows := &frames.RowSet{Limits: spec.Limits}
	res, err := paginate.Run(ctx, d.api, d.settings.Upstream.BaseURL, req, m.Pagination,
		paginate.Options{MaxTotalBytes: maxPagesBytesFactor * d.settings.Upstream.MaxResponseBytes, TreeMiB: d.settings.Budget.QueryMemoryMiB},
		func(page *paginate.Page) (int, error) {
			if stream != nil {
				if n, ok := stream.Add(page.Resp.Body); ok {
					page.MarkValid()
					return n, nil
				}
				set, err := stream.Trees(page.Charge) // the pages it took, charged then decoded
				if err != nil {
					return 0, upstream.BadReply("", err)
				}
				rows, stream = set, nil
			}
			return d.addTree(ctx, m, rows, page)
		})
	if err != nil {
		return nil, err
	}
	var out data.Frames
	if stream != nil {
		out, err = stream.Frames()
	} else {
		out, err = frames.ConvertRows(rows, spec)
	}
	if err != nil {
		return nil, upstream.BadReply("", err)
	}
	return annotate(out, req.Method, res), nil
}

// addTree adds the rows of a page on the tree path: decoded (or reshaped by jq in a worker process,
// which decodes the page itself), then selected by the root selector. It returns how many rows it
// added.
func (d *Datasource) addTree(ctx context.Context, m *query.Model, rows *frames.RowSet, page *paginate.Page) (int, error) {
	var doc *frames.Doc
	var err error
	if m.HasJQ() && jsonscan.Valid(page.Resp.Body) {
		page.MarkValid()
		lim := d.jqLimits
		lim.Decode = page.DecodeTree // jq's output is decoded here
		if doc, err = jqworker.Run(ctx, m.JQ, page.Resp.Body, lim); err != nil {
			if ctx.Err() != nil {
				return 0, err
			}
			return 0, &query.Error{Msg: "jq: " + err.Error()}
		}
	} else if doc, err = page.Doc(); err != nil { // an invalid page gives its error here
		return 0, err
	}
	n, err := rows.Add(doc, m.RootSelector)
	if err != nil {
		return 0, upstream.BadReply("", err)
	}
	return n, nil
}

// annotate sets the executed query string (the method, the first page's path and how many pages) and
// the truncation notice on every frame.
func annotate(out data.Frames, method string, res paginate.Result) data.Frames {
	executed := method + " " + res.FirstURL.Path
	if res.Pages > 1 {
		executed += fmt.Sprintf(" (%d pages)", res.Pages)
	}
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

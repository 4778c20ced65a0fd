// Package query reads a panel's or an alert rule's query and turns it into an API request and a
// frame spec, expanding the time macros (dashboard variables are already interpolated by the
// frontend; alerting sends none, so the time macros are expanded here).
package query

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jqworker"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonsel"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// NameValue is a query parameter or header.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Model is the query JSON saved in dashboards and alert rules (docs/queries.md).
type Model struct {
	Method       string          `json:"method"`
	Path         string          `json:"path"`
	Params       []NameValue     `json:"params"`
	Headers      []NameValue     `json:"headers"`
	Body         string          `json:"body"`
	JQ           string          `json:"jq"`
	RootSelector string          `json:"rootSelector"`
	Columns      []frames.Column `json:"columns"`
	Format       string          `json:"format"`
	Pagination   *Pagination     `json:"pagination"`
	// Selectors (relative to a row) of a variable option's text and value, for format "variable".
	VariableTextSelector  string `json:"variableTextSelector"`
	VariableValueSelector string `json:"variableValueSelector"`

	hasJQ bool // JQ is not blank (Parse compiled it: a bad program is refused at once)
}

// Pagination modes.
const (
	PageNone     = "none"
	PageOffset   = "offset"   // offsetParam=0,n,2n... limitParam=n
	PagePage     = "page"     // pageParam=startPage, startPage+1...
	PageCursor   = "cursor"   // cursorParam=<value at cursorPath in the previous reply>
	PageNextLink = "nextLink" // the URL at nextLinkPath in the reply, or the Link header's rel="next"
)

// Pagination defaults and bounds.
const (
	DefaultMaxPages = 10
	MaxMaxPages     = 1000
	DefaultPageSize = 100
)

// Pagination says how to fetch the pages of a reply. Rows of all pages are concatenated before the
// columns are inferred.
type Pagination struct {
	Mode     string `json:"mode"`
	MaxPages int    `json:"maxPages,omitempty"` // default 10; a note is added to the frame when it cuts results
	// offset and page modes
	PageSize   int    `json:"pageSize,omitempty"`   // rows per page; a shorter page is the last one
	LimitParam string `json:"limitParam,omitempty"` // parameter carrying pageSize ("limit" in offset mode; page mode sends it only when set)
	// offset mode
	OffsetParam string `json:"offsetParam,omitempty"` // default "offset"
	// page mode
	PageParam string `json:"pageParam,omitempty"` // default "page"
	StartPage *int   `json:"startPage,omitempty"` // default 1
	// cursor mode
	CursorPath  string `json:"cursorPath,omitempty"`  // selector of the next cursor in the reply (before jq)
	CursorParam string `json:"cursorParam,omitempty"` // default "cursor"
	// nextLink mode
	NextLinkPath string `json:"nextLinkPath,omitempty"` // selector of the next URL in the reply; empty = Link header rel="next"
}

// Error is a problem with the query itself (the user's input).
type Error struct{ Msg string }

func (e *Error) Error() string { return "query failed: " + e.Msg }

// Parse reads and checks a query.
func Parse(raw json.RawMessage) (*Model, error) {
	var m Model
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, &Error{Msg: "not a valid query object: " + err.Error()}
	}
	m.Method = strings.ToUpper(strings.TrimSpace(m.Method))
	if m.Method == "" {
		m.Method = http.MethodGet
	}
	if m.Method != http.MethodGet && m.Method != http.MethodPost {
		return nil, &Error{Msg: fmt.Sprintf("method %q is not supported; use GET or POST", m.Method)}
	}
	switch m.Format {
	case "":
		m.Format = frames.FormatTable
	case frames.FormatTable, frames.FormatTimeSeries, frames.FormatSingle, frames.FormatVariable:
	default:
		return nil, &Error{Msg: fmt.Sprintf("format %q is not one of table, timeseries, single, variable", m.Format)}
	}
	if m.hasJQ = strings.TrimSpace(m.JQ) != ""; m.hasJQ {
		if _, err := jqworker.Compile(m.JQ); err != nil { // to refuse a bad program at once; the worker runs it
			return nil, &Error{Msg: "jq: " + err.Error()}
		}
	}
	for _, f := range [][2]string{{"variableTextSelector", m.VariableTextSelector}, {"variableValueSelector", m.VariableValueSelector}} {
		if _, err := jsonsel.Compile(f[1]); err != nil {
			return nil, &Error{Msg: f[0] + ": " + err.Error()}
		}
	}
	if err := m.Pagination.normalize(); err != nil {
		return nil, err
	}
	if m.Pagination != nil && m.Pagination.Mode == PageNone {
		m.Pagination = nil
	}
	for i, p := range m.Params {
		if strings.TrimSpace(p.Name) == "" {
			return nil, &Error{Msg: fmt.Sprintf("params[%d]: name is required", i)}
		}
	}
	for i, h := range m.Headers {
		if strings.TrimSpace(h.Name) == "" {
			return nil, &Error{Msg: fmt.Sprintf("headers[%d]: name is required", i)}
		}
	}
	return &m, nil
}

// normalize checks p and fills the defaults. A nil p means no pagination.
func (p *Pagination) normalize() error {
	if p == nil {
		return nil
	}
	bad := func(field, msg string) error { return &Error{Msg: "pagination." + field + ": " + msg} }
	switch p.Mode {
	case "", PageNone:
		p.Mode = PageNone
		return nil
	case PageOffset, PagePage, PageCursor, PageNextLink:
	default:
		return bad("mode", fmt.Sprintf("%q is not one of none, offset, page, cursor, nextLink", p.Mode))
	}
	switch {
	case p.MaxPages == 0:
		p.MaxPages = DefaultMaxPages
	case p.MaxPages < 1 || p.MaxPages > MaxMaxPages:
		return bad("maxPages", fmt.Sprintf("%d is not between 1 and %d", p.MaxPages, MaxMaxPages))
	}
	if p.PageSize < 0 {
		return bad("pageSize", "must not be negative")
	}
	def := func(s *string, v string) {
		*s = strings.TrimSpace(*s)
		if *s == "" {
			*s = v
		}
	}
	switch p.Mode {
	case PageOffset:
		if p.PageSize == 0 {
			p.PageSize = DefaultPageSize
		}
		def(&p.OffsetParam, "offset")
		def(&p.LimitParam, "limit")
	case PagePage:
		def(&p.PageParam, "page")
		if p.StartPage == nil {
			one := 1
			p.StartPage = &one
		}
		p.LimitParam = strings.TrimSpace(p.LimitParam)
		if p.LimitParam != "" && p.PageSize == 0 {
			p.PageSize = DefaultPageSize
		}
	case PageCursor:
		if strings.TrimSpace(p.CursorPath) == "" {
			return bad("cursorPath", "is required in cursor mode (where the next cursor is in the reply, e.g. meta.next_cursor)")
		}
		def(&p.CursorParam, "cursor")
	}
	for _, f := range [][2]string{{"cursorPath", p.CursorPath}, {"nextLinkPath", p.NextLinkPath}} {
		if _, err := jsonsel.Compile(f[1]); err != nil {
			return bad(f[0], err.Error())
		}
	}
	return nil
}

// HasJQ reports whether the query reshapes the reply with a jq program (m.JQ, checked by Parse). The
// plugin runs it in a worker process (pkg/jqworker), never in its own.
func (m *Model) HasJQ() bool { return m.hasJQ }

// Request builds the API request, with macros expanded in the path, parameters, headers and body.
func (m *Model) Request(tr backend.TimeRange, interval time.Duration) upstream.Request {
	// The replacer is built only for a text that holds a macro: building it costs about 40
	// allocations, most of a small query's own work (BenchmarkQueryData in pkg/plugin).
	var x *strings.Replacer
	expand := func(s string) string {
		if strings.IndexByte(s, '$') < 0 {
			return s
		}
		if x == nil {
			x = Macros(tr, interval)
		}
		return x.Replace(s)
	}
	req := upstream.Request{Method: m.Method, Path: expand(m.Path), Params: url.Values{}, Header: http.Header{}}
	for _, p := range m.Params {
		req.Params.Add(strings.TrimSpace(p.Name), expand(p.Value))
	}
	for _, h := range m.Headers {
		req.Header.Add(strings.TrimSpace(h.Name), expand(h.Value))
	}
	if m.Method == http.MethodPost && m.Body != "" {
		req.Body = []byte(expand(m.Body))
	}
	return req
}

// Spec is how the reply becomes frames.
func (m *Model) Spec(refID string) frames.Spec {
	return frames.Spec{Name: refID, RootSelector: m.RootSelector, Columns: m.Columns, Format: m.Format,
		VariableText: m.VariableTextSelector, VariableValue: m.VariableValueSelector}
}

// Macros returns the replacer for the time macros:
//
//	$__from, $__to, ${__from}, ${__to}          epoch milliseconds
//	${__from:date:seconds}, ${__to:date:seconds} epoch seconds
//	${__from:date:iso}, ${__to:date:iso}        RFC 3339 (UTC)
//	$__interval_ms, $__interval                 the panel's interval (ms; Go-style such as 1m0s -> 60s)
func Macros(tr backend.TimeRange, interval time.Duration) *strings.Replacer {
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	s := func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
	iso := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	// Longer names first: strings.Replacer tries patterns in argument order at each position.
	return strings.NewReplacer(
		"${__from:date:seconds}", s(tr.From), "${__to:date:seconds}", s(tr.To),
		"${__from:date:iso}", iso(tr.From), "${__to:date:iso}", iso(tr.To),
		"${__from:date:ms}", ms(tr.From), "${__to:date:ms}", ms(tr.To),
		"${__from}", ms(tr.From), "${__to}", ms(tr.To),
		"$__interval_ms", strconv.FormatInt(interval.Milliseconds(), 10),
		"$__interval", formatInterval(interval),
		"$__from", ms(tr.From), "$__to", ms(tr.To),
	)
}

// formatInterval writes an interval the way Grafana does: 30s, 1m, 1h.
func formatInterval(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}

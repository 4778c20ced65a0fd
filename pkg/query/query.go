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
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// NameValue is a query parameter or header.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Model is the query JSON saved in dashboards and alert rules.
type Model struct {
	Method       string          `json:"method"`
	Path         string          `json:"path"`
	Params       []NameValue     `json:"params"`
	Headers      []NameValue     `json:"headers"`
	Body         string          `json:"body"`
	RootSelector string          `json:"rootSelector"`
	Columns      []frames.Column `json:"columns"`
	Format       string          `json:"format"`
}

// Error is a problem with the query itself (the user's input).
type Error struct{ Msg string }

func (e *Error) Error() string { return "query: " + e.Msg }

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
	case frames.FormatTable, frames.FormatTimeSeries:
	default:
		return nil, &Error{Msg: fmt.Sprintf("format %q is not one of table, timeseries", m.Format)}
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

// Request builds the API request, with macros expanded in the path, parameters, headers and body.
func (m *Model) Request(tr backend.TimeRange, interval time.Duration) upstream.Request {
	x := Macros(tr, interval)
	req := upstream.Request{Method: m.Method, Path: x.Replace(m.Path), Params: url.Values{}, Header: http.Header{}}
	for _, p := range m.Params {
		req.Params.Add(strings.TrimSpace(p.Name), x.Replace(p.Value))
	}
	for _, h := range m.Headers {
		req.Header.Add(strings.TrimSpace(h.Name), x.Replace(h.Value))
	}
	if m.Method == http.MethodPost && m.Body != "" {
		req.Body = []byte(x.Replace(m.Body))
	}
	return req
}

// Spec is how the reply becomes frames.
func (m *Model) Spec(refID string) frames.Spec {
	return frames.Spec{Name: refID, RootSelector: m.RootSelector, Columns: m.Columns, Format: m.Format}
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

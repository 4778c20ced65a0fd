// Package paginate follows the pages of an API reply: offset/limit, page number, a cursor taken from
// the reply, or a next link from the reply body or the Link header. It stops at the query's page cap
// and reports when the cap cut the results. Next links are followed only when they stay under the
// datasource URL; every request still goes through upstream (and its URL rules).
package paginate

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonscan"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonsel"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/query"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// Doer sends one API request (*upstream.Client).
type Doer interface {
	Do(ctx context.Context, req upstream.Request) (*upstream.Response, error)
}

// OnPage receives each reply in order and returns how many rows it held; offset and page modes take
// a short (or empty) page as the last one.
type OnPage func(page *Page) (rows int, err error)

// Page is one reply. Its tree is decoded only when asked for (Doc): a conversion that streams the
// bytes, and a cursor or next link at a plain key path, never need it, and the tree of a large reply
// costs many times the reply's size in memory.
type Page struct {
	Resp  *upstream.Response
	note  string     // " (page n)" in paginated runs, for error messages
	trees TreeBudget // the query's, charged before a tree is decoded (Run carries it from page to page)

	doc     *frames.Doc
	err     error
	decoded bool
	valid   bool // MarkValid
}

// MarkValid records that the body is valid JSON (a frames.Stream took it), so that a cursor or next
// link read from the bytes does not check the whole body again.
func (p *Page) MarkValid() { p.valid = true }

// Charge charges the cost of decoding another body of this query (such as a page the caller
// streamed before this one) to the query's TreeBudget.
func (p *Page) Charge(body []byte) error { return p.trees.Charge(body) }

// DecodeTree decodes another body of this query (such as jq's output) within its TreeBudget.
func (p *Page) DecodeTree(body []byte) (*frames.Doc, error) { return p.trees.Decode(body) }

// Doc decodes the reply (once), within the query's TreeBudget.
func (p *Page) Doc() (*frames.Doc, error) {
	if !p.decoded {
		p.decoded = true
		p.doc, p.err = p.trees.Decode(p.Resp.Body)
		if p.err != nil {
			p.err = upstream.BadReply(p.note, p.err)
		}
	}
	return p.doc, p.err
}

// Options bound a run.
type Options struct {
	// MaxTotalBytes bounds the sum of the reply bodies of all pages (0 = no bound). When reached, the
	// run stops and reports truncated results, like the page cap.
	MaxTotalBytes int64
	// TreeMiB bounds the memory of the trees the query decodes (Page.Doc, Charge, DecodeTree), in
	// MiB (queryMemoryMiB; 0 = no bound).
	TreeMiB int
}

// Result describes a finished run.
type Result struct {
	Pages     int
	Truncated string   // why more pages were not fetched (empty when all were)
	FirstURL  *url.URL // the URL of the first page
}

// Run sends req, then the following pages as p says (p nil: one request). onPage sees every reply.
func Run(ctx context.Context, api Doer, base *url.URL, req upstream.Request, p *query.Pagination, opts Options, onPage OnPage) (Result, error) {
	if p == nil {
		p = &query.Pagination{Mode: query.PageNone, MaxPages: 1}
	}
	st := state{p: p, base: base, orig: req}
	if p.Mode == query.PagePage {
		st.page = *p.StartPage
	}
	var (
		res   Result
		total int64
		trees = TreeBudget{MiB: opts.TreeMiB}
	)
	cur := st.first()
	for {
		resp, err := api.Do(ctx, cur)
		if err != nil {
			if res.Pages > 0 {
				return res, fmt.Errorf("page %d: %w", res.Pages+1, err)
			}
			return res, err
		}
		if res.FirstURL == nil {
			res.FirstURL = resp.URL
		}
		res.Pages++
		total += int64(len(resp.Body))
		page := &Page{Resp: resp, note: st.pageNote(res.Pages), trees: trees}
		rows, err := onPage(page)
		if err != nil {
			return res, err
		}
		next, more, err := st.next(page, rows)
		trees = page.trees // what this page charged (a copy, not a pointer: no allocation per query)
		if err != nil || !more {
			return res, err
		}
		if res.Pages >= p.MaxPages {
			res.Truncated = fmt.Sprintf("results truncated after %d pages (pagination.maxPages)", res.Pages)
			return res, nil
		}
		if opts.MaxTotalBytes > 0 && total >= opts.MaxTotalBytes {
			res.Truncated = fmt.Sprintf("results truncated after %d pages: the replies reached %d bytes", res.Pages, total)
			return res, nil
		}
		cur = next
	}
}

type state struct {
	p       *query.Pagination
	base    *url.URL
	orig    upstream.Request
	offset  int
	page    int
	cursors map[string]bool
	links   map[string]bool
}

func (s *state) pageNote(n int) string {
	if s.p.Mode == query.PageNone {
		return ""
	}
	return fmt.Sprintf(" (page %d)", n)
}

// withParams returns the original request with the parameters set (replacing the query's own).
func (s *state) withParams(kv ...string) upstream.Request {
	r := s.orig
	r.Params = url.Values{}
	for k, vs := range s.orig.Params {
		r.Params[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Params.Set(kv[i], kv[i+1])
	}
	return r
}

func (s *state) first() upstream.Request {
	switch s.p.Mode {
	case query.PageOffset:
		return s.withParams(s.p.OffsetParam, "0", s.p.LimitParam, strconv.Itoa(s.p.PageSize))
	case query.PagePage:
		return s.withParams(s.pageParams()...)
	}
	return s.orig
}

func (s *state) pageParams() []string {
	kv := []string{s.p.PageParam, strconv.Itoa(s.page)}
	if s.p.LimitParam != "" {
		kv = append(kv, s.p.LimitParam, strconv.Itoa(s.p.PageSize))
	}
	return kv
}

// next returns the request for the page after this one, and whether there is one.
func (s *state) next(page *Page, rows int) (upstream.Request, bool, error) {
	resp := page.Resp
	switch s.p.Mode {
	case query.PageOffset:
		if rows == 0 || rows < s.p.PageSize {
			return upstream.Request{}, false, nil
		}
		s.offset += rows
		return s.withParams(s.p.OffsetParam, strconv.Itoa(s.offset), s.p.LimitParam, strconv.Itoa(s.p.PageSize)), true, nil
	case query.PagePage:
		if rows == 0 || (s.p.PageSize > 0 && rows < s.p.PageSize) {
			return upstream.Request{}, false, nil
		}
		s.page++
		return s.withParams(s.pageParams()...), true, nil
	case query.PageCursor:
		cursor, err := scalarAt(page, s.p.CursorPath, "cursorPath")
		if err != nil || cursor == "" || rows == 0 || s.cursors[cursor] {
			return upstream.Request{}, false, err // no cursor, an empty page or a repeated cursor: the last page
		}
		if s.cursors == nil {
			s.cursors = map[string]bool{}
		}
		s.cursors[cursor] = true
		return s.withParams(s.p.CursorParam, cursor), true, nil
	case query.PageNextLink:
		var link string
		if s.p.NextLinkPath != "" {
			l, err := scalarAt(page, s.p.NextLinkPath, "nextLinkPath")
			if err != nil {
				return upstream.Request{}, false, err
			}
			link = l
		} else {
			link = NextFromLinkHeader(resp.Header)
		}
		if link == "" || rows == 0 {
			return upstream.Request{}, false, nil
		}
		path, err := LinkPath(s.base, resp.URL, link)
		if err != nil {
			return upstream.Request{}, false, err
		}
		if s.links == nil {
			s.links = map[string]bool{}
		}
		if s.links[path] {
			return upstream.Request{}, false, nil
		}
		s.links[path] = true
		r := s.orig
		r.Path, r.Params = path, nil // the link carries its own query string
		return r, true, nil
	}
	return upstream.Request{}, false, nil
}

// scalarAt reads a cursor or link from the reply: a string or a number; null, false or missing means
// none. Unless the page's tree is decoded already, a plain key path is read from the bytes
// (jsonscan.Lookup); anything else from the tree.
func scalarAt(page *Page, path, field string) (string, error) {
	var (
		v         any
		found, ok bool
	)
	// A key path compiles whenever KeyPath takes it (FuzzLookup checks it), so the selector is only
	// compiled when the bytes cannot answer.
	if keys, isKey := jsonsel.KeyPath(path); isKey && !page.decoded && (page.valid || jsonscan.Valid(page.Resp.Body)) {
		v, found, ok = jsonscan.Lookup(page.Resp.Body, keys)
	}
	if !ok {
		sel, err := jsonsel.Compile(path)
		if err != nil {
			return "", &query.Error{Msg: fmt.Sprintf("pagination.%s: %v", field, err)}
		}
		doc, err := page.Doc()
		if err != nil {
			return "", err
		}
		v, found = sel.FirstOrdered(doc.Root, doc.Keys)
	}
	if !found {
		return "", nil
	}
	switch x := v.(type) {
	case nil, bool:
		return "", nil
	case string:
		return strings.TrimSpace(x), nil
	case json.Number:
		return x.String(), nil
	}
	return "", &upstream.Error{Step: upstream.StepReply, Msg: fmt.Sprintf("pagination.%s %q selects an object or array in the reply, not a string", field, path)}
}

// NextFromLinkHeader returns the target of the rel="next" link of an RFC 8288 Link header, or "".
func NextFromLinkHeader(h http.Header) string {
	for _, line := range h.Values("Link") {
		rest := line
		for {
			lt := strings.IndexByte(rest, '<')
			if lt < 0 {
				break
			}
			gt := strings.IndexByte(rest[lt:], '>')
			if gt < 0 {
				break
			}
			target := rest[lt+1 : lt+gt]
			rest = rest[lt+gt+1:]
			// Parameters run up to the next link (a comma outside quotes).
			params, after := splitLinkParams(rest)
			rest = after
			for _, param := range strings.Split(params, ";") {
				name, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return strings.TrimSpace(target)
					}
				}
			}
		}
	}
	return ""
}

func splitLinkParams(s string) (params, rest string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				return s[:i], s[i+1:]
			}
		}
	}
	return s, ""
}

// LinkPath turns a next link into a path (with its query string) relative to base, for
// upstream.ResolveURL. A relative link is resolved against the URL of the page that sent it (RFC
// 3986). The result must have base's scheme and host and lie under base's path; anything else is
// refused, so credentials never go to another host.
func LinkPath(base, current *url.URL, link string) (string, error) {
	ref, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return "", linkErr(link, "is not a valid URL")
	}
	from := current
	if from == nil {
		from = base
	}
	abs := from.ResolveReference(ref)
	if !strings.EqualFold(abs.Scheme, base.Scheme) || !sameHost(abs, base) {
		return "", linkErr(link, fmt.Sprintf("points to another host (%s://%s); only links on %s://%s are followed", abs.Scheme, abs.Host, base.Scheme, base.Host))
	}
	basePath := strings.TrimRight(base.EscapedPath(), "/")
	p := abs.EscapedPath()
	if p != basePath && !strings.HasPrefix(p, basePath+"/") {
		return "", linkErr(link, fmt.Sprintf("is outside the datasource URL path %q", base.Path))
	}
	rel := strings.TrimPrefix(p, basePath)
	if abs.RawQuery != "" {
		rel += "?" + abs.RawQuery
	}
	// upstream.ResolveURL checks the result again (dot segments, encoded slashes...).
	if _, err := upstream.ResolveURL(base, rel, nil); err != nil {
		return "", err
	}
	return rel, nil
}

func sameHost(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		switch strings.ToLower(u.Scheme) {
		case "https":
			return "443"
		case "http":
			return "80"
		}
		return ""
	}
	return strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// linkErr names the link without its query string, which may hold signatures.
func linkErr(link, reason string) error {
	shown := link
	if i := strings.IndexAny(shown, "?#"); i >= 0 {
		shown = shown[:i]
	}
	if len(shown) > 120 {
		shown = shown[:120] + "..."
	}
	return &upstream.Error{Step: upstream.StepReply, Msg: fmt.Sprintf("next page link %q %s", shown, reason)}
}

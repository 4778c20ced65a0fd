package paginate

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/query"
)

// A cursor or next link at a key path is read from the bytes (jsonscan.Lookup): a run whose pages are
// not converted from trees decodes none. Other paths use the tree, and follow the same pages.
func TestCursorAndLinkWithoutTree(t *testing.T) {
	for _, c := range []struct {
		q     string
		pages int
		trees bool
	}{
		{`{"path":"/cursor-c","pagination":{"mode":"cursor","cursorPath":"next_cursor","cursorParam":"cursor"}}`, 10, false},
		{`{"path":"/cursor-c","pagination":{"mode":"cursor","cursorPath":" $.next_cursor ","cursorParam":"cursor"}}`, 10, false},
		{`{"path":"/links","pagination":{"mode":"nextLink","nextLinkPath":"links.next"}}`, 10, false},
		{`{"path":"/cursor-c","pagination":{"mode":"cursor","cursorPath":"$['next_cursor']","cursorParam":"cursor"}}`, 10, true},
		{`{"path":"/links","pagination":{"mode":"nextLink","nextLinkPath":"$['links'].next"}}`, 10, true},
	} {
		a := newAPI(t, 100, "")
		m, err := query.Parse(json.RawMessage(c.q))
		if err != nil {
			t.Fatal(err)
		}
		before := frames.Decodes()
		res, err := Run(context.Background(), a.client(), a.base, m.Request(backend.TimeRange{}, 0), m.Pagination, Options{},
			func(*Page) (int, error) { return 10, nil })
		trees := frames.Decodes() - before
		if err != nil || res.Pages != c.pages || (trees > 0) != c.trees {
			t.Errorf("%s: %d pages, %v, %d trees; want %d pages, trees %v", c.q, res.Pages, err, trees, c.pages, c.trees)
		}
	}
}

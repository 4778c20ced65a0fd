package upstream

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/redact"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
)

// placeToken writes the token onto the request: the configured header (tokenHeaderName with
// tokenHeaderTemplate), or with tokenPlacement: query the parameter tokenQueryParam, replacing any
// value of that name (a next link or a query cannot choose it). The URL built here is never quoted:
// errors use transportMessage, and the reply's URL goes back through withoutToken.
func (c *Client) placeToken(hr *http.Request, accessToken string) {
	if c.cfg.TokenPlacement != settings.PlacementQuery {
		hr.Header.Set(c.cfg.TokenHeaderName, strings.Replace(c.cfg.TokenHeaderTemplate, settings.TokenPlaceholder, accessToken, 1))
		return
	}
	q := hr.URL.Query()
	q.Set(c.cfg.TokenQueryParam, accessToken)
	hr.URL.RawQuery = q.Encode()
}

// checkParams refuses a query parameter that would replace the token in the URL.
func (c *Client) checkParams(p url.Values) error {
	if c.cfg.TokenPlacement != settings.PlacementQuery {
		return nil
	}
	if _, ok := p[c.cfg.TokenQueryParam]; ok {
		return &Error{Step: StepURL, Msg: fmt.Sprintf("query parameter %q carries the token and is set by the plugin", c.cfg.TokenQueryParam)}
	}
	return nil
}

// withoutToken is u with the token parameter removed, for everything that reads the reply's URL
// (pagination links, the executed query text).
func (c *Client) withoutToken(u *url.URL) *url.URL {
	if c.cfg.TokenPlacement != settings.PlacementQuery || u == nil {
		return u
	}
	out := *u
	q := out.Query()
	q.Del(c.cfg.TokenQueryParam)
	out.RawQuery = q.Encode()
	return &out
}

// replyHeader redacts the token from reply headers when it travels in the URL: servers echo their
// request URL in Location, Link or Content-Location, and pagination reads Link.
func (c *Client) replyHeader(h http.Header, accessToken string) http.Header {
	if c.cfg.TokenPlacement != settings.PlacementQuery || len(accessToken) < redact.MinLen {
		return h
	}
	escaped := url.QueryEscape(accessToken)
	var out http.Header
	for k, vs := range h {
		for i, v := range vs {
			if strings.Contains(v, accessToken) || strings.Contains(v, escaped) {
				if out == nil {
					out = h.Clone()
				}
				out[k][i] = strings.ReplaceAll(strings.ReplaceAll(v, accessToken, redact.Mark), escaped, redact.Mark)
			}
		}
	}
	if out == nil {
		return h
	}
	return out
}

package upstream

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/redact"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
)

// Placement writes the access token onto an outgoing API request. It is the one place the token
// value touches a request; header placement (below) is the default, and another placement (a query
// parameter) implements the same method.
type Placement interface {
	Place(hr *http.Request, tok *oauth2.Token)
}

// HeaderPlacement sends the token in a header made from a template. A DPoP-bound token (the token
// endpoint answered token_type DPoP) always travels as "Authorization: DPoP <token>" (RFC 9449
// section 7.1), whatever the template: the DPoP transport recognises it by that scheme and adds
// the proof.
type HeaderPlacement struct {
	Name     string
	Template string
}

// Place implements Placement.
func (p HeaderPlacement) Place(hr *http.Request, tok *oauth2.Token) {
	if IsDPoP(tok) {
		hr.Header.Set("Authorization", "DPoP "+tok.AccessToken)
		return
	}
	hr.Header.Set(p.Name, strings.Replace(p.Template, settings.TokenPlaceholder, tok.AccessToken, 1))
}

// IsDPoP reports whether tok is DPoP-bound (its token_type is DPoP).
func IsDPoP(tok *oauth2.Token) bool { return strings.EqualFold(tok.TokenType, "DPoP") }

// renews reports whether a 401 for tok is worth one retry: the source can get another token.
// A source of the signed-in user's token cannot, and says so as a token.Renewer.
func renews(src token.Source, tok *oauth2.Token) bool {
	if r, ok := src.(token.Renewer); ok {
		return r.Renews(tok)
	}
	return true
}

// QueryPlacement sends the token as the URL query parameter Param (tokenPlacement: query),
// replacing any value of that name (a next link or a query cannot choose it). The URL built here is
// never quoted: errors use transportMessage, and the reply's URL goes back through withoutToken.
type QueryPlacement struct {
	Param string
}

// Place implements Placement.
func (p QueryPlacement) Place(hr *http.Request, tok *oauth2.Token) {
	q := hr.URL.Query()
	q.Set(p.Param, tok.AccessToken)
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

package upstream

import (
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
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
// A source of the signed-in user's token cannot, and says so by implementing Renews.
func renews(src interface{}, tok *oauth2.Token) bool {
	if r, ok := src.(interface{ Renews(*oauth2.Token) bool }); ok {
		return r.Renews(tok)
	}
	return true
}

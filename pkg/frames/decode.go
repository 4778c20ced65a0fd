// Package frames converts decoded API replies into Grafana data frames. It does no I/O: a reply and
// a query spec go in, frames come out, so golden-file tests pin the output.
package frames

import (
	"sync/atomic"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonscan"
)

// Doc is a decoded reply: the tree, and the key order of each of its objects (see jsonscan.Doc).
type Doc = jsonscan.Doc

// Decode is jsonscan.Decode, counted (see Decodes).
func Decode(body []byte) (*Doc, error) {
	decodes.Add(1)
	return jsonscan.Decode(body)
}

// decodes counts Decode's runs.
var decodes atomic.Int64

// Decodes is how many times Decode has run in this process. A tree costs many times the reply's size
// in memory, so tests of the callers (a query, a paginated run) check with it that none was built.
func Decodes() int64 { return decodes.Load() }

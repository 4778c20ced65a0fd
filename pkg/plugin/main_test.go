package plugin

import (
	"os"
	"testing"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jqworker"
)

// TestMain lets this test binary serve as the jq worker, as the plugin's main does: queries with jq
// run through the same worker process path as in production.
func TestMain(m *testing.M) {
	jqworker.MaybeServe()
	os.Exit(m.Run())
}

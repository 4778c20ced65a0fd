package plugin

// Who may do what (issue 14, item 3): every cell of the role table in docs/security.md, through
// CallResource and QueryData with that role.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

var roles = []string{"", "None", "Viewer", "Editor", "Admin"} // "": no user in the request

func pluginCtx(role string) backend.PluginContext {
	if role == "" {
		return backend.PluginContext{}
	}
	return backend.PluginContext{User: &backend.User{Login: "user-" + role, Role: role}}
}

func callAs(t *testing.T, d *Datasource, role, method, pathAndQuery, body string) resourceReply {
	t.Helper()
	path, _, _ := strings.Cut(pathAndQuery, "?")
	req := &backend.CallResourceRequest{PluginContext: pluginCtx(role), Method: method, Path: path, URL: pathAndQuery}
	if body != "" {
		req.Body = []byte(body)
		req.Headers = map[string][]string{"Content-Type": {"application/json"}}
	}
	var got *backend.CallResourceResponse
	if err := d.CallResource(context.Background(), req, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error { got = r; return nil })); err != nil {
		t.Fatal(err)
	}
	return resourceReply{got.Status, got.Headers, string(got.Body)}
}

func queryAs(d *Datasource, role, q string) backend.DataResponse {
	resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{PluginContext: pluginCtx(role),
		Queries: []backend.DataQuery{{RefID: "A", JSON: json.RawMessage(q)}}})
	if err != nil {
		return backend.DataResponse{Error: err}
	}
	return resp.Responses["A"]
}

func rank(role string) int {
	return map[string]int{"Viewer": 1, "Editor": 2, "Admin": 3}[role]
}

// TestRoleTable: the proxy route and token/status serve Editors and Admins; oauth/authorize and
// oauth/callback serve Admins; oauth/status serves everyone, with the sealed refresh token for
// Admins only; queries serve every role, under the request policy, whatever the role.
func TestRoleTable(t *testing.T) {
	t.Setenv("OAUTH2REST_STATE_DIR", t.TempDir())
	p := newRotatingProvider()
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	build := func(uid string, jd map[string]any, secure map[string]string) *Datasource {
		jd["tokenUrl"] = srv.URL + "/token"
		raw, _ := json.Marshal(jd)
		if secure == nil {
			secure = map[string]string{}
		}
		secure["clientId"], secure["clientSecret"] = clientID, clientSecret
		d := newDS(t, backend.DataSourceInstanceSettings{UID: uid, URL: srv.URL + "/api", JSONData: raw, DecryptedSecureJSONData: secure})
		if d.configErr != nil {
			t.Fatal(d.configErr)
		}
		return d
	}
	reads := build("reads", map[string]any{}, nil)
	writes := build("writes", map[string]any{"allowedMethods": []string{"GET", "POST"}, "postPathPatterns": []string{"/search"}}, nil)
	authCode := build("authcode", map[string]any{"grantType": "authorization_code", "authUrl": srv.URL + "/authorize", "redirectUrl": redirectURL},
		map[string]string{"refreshToken": p.refresh})

	for _, role := range roles {
		t.Run("role="+role, func(t *testing.T) {
			editor, admin := rank(role) >= 2, rank(role) >= 3
			cell := func(what string, r resourceReply, allowed bool, wantAllowed int) {
				t.Helper()
				if allowed && r.status != wantAllowed {
					t.Errorf("%s: %d %s, want %d", what, r.status, r.body, wantAllowed)
				}
				if !allowed && r.status != http.StatusForbidden {
					t.Errorf("%s: %d %s, want 403", what, r.status, r.body)
				}
			}
			before := p.apiRequests.Load()
			cell("GET proxy/items", callAs(t, reads, role, "GET", "proxy/items?x=1", ""), editor, 200)
			cell("POST proxy/items (POST not allowed)", callAs(t, reads, role, "POST", "proxy/items", `{}`), false, 0)
			cell("POST proxy/search (allowed path)", callAs(t, writes, role, "POST", "proxy/search", `{"q":1}`), editor, 200)
			cell("POST proxy/items (path not in postPathPatterns)", callAs(t, writes, role, "POST", "proxy/items", `{}`), false, 0)
			cell("DELETE proxy/items", callAs(t, writes, role, "DELETE", "proxy/items", ""), editor, 405)
			cell("GET token/status", callAs(t, reads, role, "GET", "token/status", ""), editor, 200)
			cell("GET oauth/authorize", callAs(t, authCode, role, "GET", "oauth/authorize", ""), admin, 200)
			cell("GET oauth/callback (no state)", callAs(t, authCode, role, "GET", "oauth/callback?code=x", ""), admin, 400)
			st := callAs(t, authCode, role, "GET", "oauth/status", "")
			cell("GET oauth/status", st, true, 200)
			if got := strings.Contains(st.body, "sealedRefreshToken"); got != admin || !strings.Contains(st.body, `"connected":true`) {
				t.Errorf("oauth/status as %q: %s; want connected, with the sealed refresh token only for an Admin", role, st.body)
			}
			if want := map[bool]int64{true: 2, false: 0}[editor]; p.apiRequests.Load()-before != want {
				t.Errorf("%d API requests, want %d (the allowed proxy calls only)", p.apiRequests.Load()-before, want)
			}

			// Queries: every role, the same policy.
			if r := queryAs(reads, role, `{"path":"/items"}`); r.Error != nil {
				t.Errorf("GET query: %v", r.Error)
			}
			before = p.apiRequests.Load()
			for _, q := range []struct {
				d *Datasource
				q string
			}{{reads, `{"method":"POST","path":"/search","body":"{}"}`}, {writes, `{"method":"POST","path":"/items","body":"{}"}`}} {
				r := queryAs(q.d, role, q.q)
				if r.Error == nil || r.Status != http.StatusForbidden || !strings.Contains(r.Error.Error(), "request policy") {
					t.Errorf("POST query %s on %s: status %d error %v, want 403 request policy", q.q, q.d.uid, r.Status, r.Error)
				}
			}
			if p.apiRequests.Load() != before {
				t.Errorf("a refused POST query reached the API")
			}
			if r := queryAs(writes, role, `{"method":"POST","path":"/search","body":"{}","rootSelector":"items"}`); r.Error != nil {
				t.Errorf("POST query to an allowed path: %v", r.Error)
			}
			// Every page is checked: a next link to a path outside postPathPatterns is refused.
			r := queryAs(writes, role, `{"method":"POST","path":"/search","body":"{}","rootSelector":"items","pagination":{"mode":"nextLink","nextLinkPath":"next"}}`)
			if r.Error == nil || r.Status != http.StatusForbidden || !strings.Contains(r.Error.Error(), "page 2") || !strings.Contains(r.Error.Error(), "postPathPatterns") {
				t.Errorf("POST pagination to a path outside the patterns: status %d error %v", r.Status, r.Error)
			}
		})
	}
}

package main_test

// TestPluginBinaryIdentity drives the real plugin executable over gRPC (as TestPluginBinary does)
// in the two identity modes of issue 17: forwarding the signed-in user's OAuth token
// (oauthPassThru, with and without RFC 8693 exchange) and DPoP-bound tokens against mockapi's
// strict DPoP server. Grafana puts the user's token on each request's headers; so does this test.

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/oauth2rest/oauth2rest-api-datasource/mockapi"
)

const (
	aliceToken   = "alice-oauth-access-token-5e1f0c9a"
	aliceIDToken = "alice-id-token-b7d2e4f6a8c0"
	bobToken     = "bob-oauth-access-token-3c8d7e6f"
)

func userHeaders(tok string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + tok, "X-Id-Token": aliceIDToken}
}

func TestPluginBinaryIdentity(t *testing.T) {
	users := mockapi.NewUser(mockapi.UserConfig{ClientID: clientID, ClientSecret: clientSecret, Audience: "api://items",
		Users: map[string]string{aliceToken: "Alice", bobToken: "Bob"}})
	usrv := httptest.NewServer(users)
	t.Cleanup(usrv.Close)
	strict := mockapi.NewDPoP(mockapi.DPoPConfig{ClientID: clientID, ClientSecret: clientSecret, RequireNonce: true})
	dsrv := httptest.NewServer(strict)
	t.Cleanup(dsrv.Close)

	plug, _, logs := launchPlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var exposed []string // every error, health message and reply the user could see

	t.Run("pass-through", func(t *testing.T) {
		pc := pluginContext(t, 10, "pt", "pass-through", usrv.URL+"/api",
			map[string]any{"oauthPassThru": true, "healthCheckPath": "/whoami"}, map[string]string{})
		h := health(ctx, t, plug, pc, userHeaders(aliceToken))
		exposed = append(exposed, h.Message)
		if h.Status != pluginv2.CheckHealthResponse_OK || !strings.Contains(h.Message, "forwarding the signed-in user's OAuth token") || !strings.Contains(h.Message, "API answered 200") {
			t.Fatalf("health as Alice: %v %q", h.Status, h.Message)
		}
		for _, u := range []struct{ tok, owner string }{{aliceToken, "Alice"}, {bobToken, "Bob"}} {
			f, errText := queryOnce(ctx, t, plug, pc, userHeaders(u.tok), "/items")
			if errText != "" {
				t.Fatalf("query as %s: %s", u.owner, errText)
			}
			if n, _ := f.RowLen(); n != 1 {
				t.Fatalf("%s sees %d items, want only their own", u.owner, n)
			}
			seen := users.LastAPIHeaders()
			if seen.Get("Authorization") != "Bearer "+u.tok || seen.Get("X-Id-Token") != "" {
				t.Fatalf("API saw Authorization %q, X-Id-Token %q", seen.Get("Authorization"), seen.Get("X-Id-Token"))
			}
		}
		code, _, raw := callResource(ctx, t, plug, pc, "GET", "proxy/whoami", "Bearer "+aliceToken)
		body := string(raw)
		exposed = append(exposed, body)
		if code != 200 || !strings.Contains(body, `"user":"Alice"`) {
			t.Fatalf("proxy as Alice: %d %s", code, body)
		}

		// Without a user token: the clear error on every path, and nothing reaches the API.
		apiBefore, tokBefore := users.APIRequests(), users.TokenRequests()
		_, errText := queryOnce(ctx, t, plug, pc, nil, "/items")
		h = health(ctx, t, plug, pc, nil)
		code, _, raw = callResource(ctx, t, plug, pc, "GET", "proxy/items", "")
		body = string(raw)
		exposed = append(exposed, errText, h.Message, body)
		const want = "sign in to Grafana with OAuth to use this datasource"
		if !strings.Contains(errText, want) || !strings.Contains(h.Message, want) || h.Status != pluginv2.CheckHealthResponse_ERROR || code != 401 || !strings.Contains(body, want) {
			t.Fatalf("without user token: query %q, health %v %q, proxy %d %s", errText, h.Status, h.Message, code, body)
		}
		_, errText = queryOnce(ctx, t, plug, pc, map[string]string{"FromAlert": "true"}, "/items")
		exposed = append(exposed, errText)
		if !strings.Contains(errText, "alert rules run without a signed-in user") {
			t.Fatalf("alert rule without client: %q", errText)
		}
		if users.APIRequests() != apiBefore || users.TokenRequests() != tokBefore {
			t.Fatal("a request without a user token reached the API or the token endpoint")
		}
		// A token the API refuses: a token-free error.
		_, errText = queryOnce(ctx, t, plug, pc, userHeaders("mallory-unknown-token-9f8e7d"), "/items")
		exposed = append(exposed, errText)
		if !strings.Contains(errText, "rejected the signed-in user's token") || strings.Contains(errText, "mallory") {
			t.Fatalf("refused user token: %q", errText)
		}
	})

	t.Run("pass-through with token exchange", func(t *testing.T) {
		pc := pluginContext(t, 11, "ptx", "exchange", usrv.URL+"/api",
			map[string]any{"oauthPassThru": true, "tokenExchange": true, "tokenExchangeAudience": "api://items",
				"tokenUrl": usrv.URL + mockapi.PathOAuthToken, "healthCheckPath": "/whoami"},
			map[string]string{"clientId": clientID, "clientSecret": clientSecret})
		before := users.Exchanges()
		f, errText := queryOnce(ctx, t, plug, pc, userHeaders(aliceToken), "/whoami")
		if errText != "" {
			t.Fatal(errText)
		}
		if users.Exchanges() != before+1 || users.LastTokenForm().Get("subject_token") != aliceToken {
			t.Fatalf("no exchange of Alice's token")
		}
		if v, _ := f.Fields[1].ConcreteAt(0); v != "exchange" {
			t.Fatalf("API saw a token obtained via %v, want exchange", v)
		}
		// Alert rule: the client's own token.
		f, errText = queryOnce(ctx, t, plug, pc, map[string]string{"FromAlert": "true"}, "/items")
		if errText != "" {
			t.Fatal(errText)
		}
		if n, _ := f.RowLen(); n != 5 {
			t.Fatalf("alert rule with the client's token sees %d items, want 5", n)
		}
		h := health(ctx, t, plug, pc, userHeaders(aliceToken))
		exposed = append(exposed, h.Message)
		if h.Status != pluginv2.CheckHealthResponse_OK || !strings.Contains(h.Message, "exchanging the signed-in user's OAuth token") {
			t.Fatalf("health: %q", h.Message)
		}
	})

	t.Run("DPoP", func(t *testing.T) {
		pc := pluginContext(t, 12, "dpop", "dpop", dsrv.URL+"/api",
			map[string]any{"tokenUrl": dsrv.URL + mockapi.PathOAuthToken, "dpop": true, "healthCheckPath": "/items"},
			map[string]string{"clientId": clientID, "clientSecret": clientSecret})
		h := health(ctx, t, plug, pc, nil)
		exposed = append(exposed, h.Message)
		if h.Status != pluginv2.CheckHealthResponse_OK || !strings.Contains(h.Message, "DPoP-bound to key") {
			t.Fatalf("health: %v %q (server refusals %q)", h.Status, h.Message, strict.Refusals())
		}
		f, errText := queryOnce(ctx, t, plug, pc, nil, "/items")
		if errText != "" {
			t.Fatalf("query: %s (server refusals %q)", errText, strict.Refusals())
		}
		if n, _ := f.RowLen(); n != 5 {
			t.Fatalf("%d rows", n)
		}
		if tc, ac := strict.NonceChallenges(); tc != 1 || ac != 1 {
			t.Fatalf("nonce challenges: token %d, API %d; want 1 and 1", tc, ac)
		}
		if r := strict.Refusals(); len(r) != 0 {
			t.Fatalf("strict server refused: %q", r)
		}
		if a := strict.LastAPIHeaders().Get("Authorization"); !strings.HasPrefix(a, "DPoP ") {
			t.Fatalf("API saw Authorization %q", a)
		}
	})

	// No user token, ID token or issued token in anything shown or logged. The plugin logged the
	// failed queries (so the log is not empty by accident).
	all := strings.Join(exposed, "\n") + "\n" + logs.String()
	for _, secret := range []string{aliceToken, bobToken, aliceIDToken, "mallory-unknown-token", clientSecret} {
		if strings.Contains(all, secret) {
			t.Errorf("%q appears in an error, health message, reply or the plugin log", secret)
		}
	}
	if m := hex32.FindString(all); m != "" {
		t.Errorf("an issued token %q appears in an error, reply or the plugin log", m)
	}
	if !strings.Contains(logs.String(), "query failed") {
		t.Errorf("the plugin log does not show the failed queries; is it captured?")
	}
	t.Logf("checked %d exposures and %d bytes of plugin log", len(exposed), len(logs.String()))
}

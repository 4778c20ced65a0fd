package token

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonsel"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
)

// replyReader turns a token endpoint's answer into a token, for every reply shape the settings
// can describe. x/oauth2 cannot do this: it insists on access_token and a numeric expires_in.
type replyReader struct {
	cfg                                                  settings.Token
	token, expiresIn, expiresAt, issuedAt, refresh, succ *jsonsel.Selector
}

func newReplyReader(cfg settings.Token) (*replyReader, error) {
	r := &replyReader{cfg: cfg}
	for _, p := range []struct {
		dst   **jsonsel.Selector
		field string
		expr  string
	}{
		{&r.token, "tokenPath", cfg.Path}, {&r.expiresIn, "expiresInPath", cfg.ExpiresInPath},
		{&r.expiresAt, "expiresAtPath", cfg.ExpiresAtPath}, {&r.issuedAt, "issuedAtPath", cfg.IssuedAtPath},
		{&r.refresh, "refreshTokenPath", cfg.RefreshTokenPath}, {&r.succ, "successPath", cfg.SuccessPath},
	} {
		if p.expr == "" {
			continue
		}
		s, err := jsonsel.Compile(p.expr)
		if err != nil {
			return nil, &settings.FieldError{Field: p.field, Reason: err.Error()}
		}
		*p.dst = s
	}
	return r, nil
}

func (r *replyReader) read(resp *http.Response, body []byte, now time.Time) (*oauth2.Token, error) {
	doc := decodeReply(body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &Error{Step: StepRequest, Status: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now)}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			e.Msg = "the token endpoint redirected; redirects are not followed for token requests, set tokenUrl to the final URL"
			return nil, e
		}
		e.Code, e.Msg = describeError(doc)
		if e.Msg == "" {
			e.Msg = "the token endpoint refused the request"
		}
		return nil, e
	}
	obj, isObj := doc.(map[string]any)
	if r.succ != nil {
		v, ok := r.succ.First(doc)
		if !ok || scalarText(v) != r.cfg.SuccessValue {
			code, msg := describeError(doc)
			got := "missing"
			if ok {
				got = fmt.Sprintf("%q", scalarText(v))
			}
			text := fmt.Sprintf("token reply says the request failed: %s is %s, want %q", r.cfg.SuccessPath, got, r.cfg.SuccessValue)
			if msg != "" {
				text += "; " + msg
			}
			return nil, &Error{Step: StepReply, Status: resp.StatusCode, Code: code, Msg: text}
		}
	}

	var access string
	if r.cfg.Location == settings.TokenInHeader {
		access = strings.TrimSpace(resp.Header.Get(r.cfg.ResponseHeader))
		if access == "" {
			return nil, &Error{Step: StepReply, Status: resp.StatusCode,
				Msg: fmt.Sprintf("token reply has no %s header; headers present: %s", r.cfg.ResponseHeader, headerNames(resp.Header))}
		}
	} else {
		v, ok := r.token.First(doc)
		s, isStr := v.(string)
		if !ok || !isStr || strings.TrimSpace(s) == "" {
			// A 200 with an error body is a failure, and its own words explain it best.
			code, msg := describeError(doc)
			what := "no field"
			if ok && !isStr {
				what = "a non-string value"
			} else if ok {
				what = "an empty value"
			}
			text := fmt.Sprintf("token reply has %s at path %s", what, r.cfg.Path)
			switch {
			case isObj:
				text += "; fields present: " + strings.Join(sortedKeys(obj), ", ")
			case doc == nil:
				text += "; the reply is neither JSON nor form-encoded"
			default:
				text += fmt.Sprintf("; the reply is a JSON %s, not an object", jsonKind(doc))
			}
			if msg != "" {
				text += "; server said: " + msg
			}
			return nil, &Error{Step: StepReply, Status: resp.StatusCode, Code: code, Msg: text}
		}
		access = strings.TrimSpace(s)
	}

	tok := &oauth2.Token{AccessToken: access}
	if isObj {
		if tt, ok := obj["token_type"].(string); ok {
			tok.TokenType = tt
		}
	}
	if r.refresh != nil {
		if v, ok := r.refresh.First(doc); ok {
			if s, ok := v.(string); ok {
				tok.RefreshToken = s
			}
		}
	}
	exp, err := r.expiry(doc, now)
	if err != nil {
		return nil, &Error{Step: StepReply, Status: resp.StatusCode, Msg: err.Error()}
	}
	tok.Expiry = exp
	return tok, nil
}

// expiry applies the documented precedence: an absolute expiry wins; then a lifetime counted from
// the issue time (or from now); then the default lifetime counted the same way.
func (r *replyReader) expiry(doc any, now time.Time) (time.Time, error) {
	if r.expiresAt != nil {
		if v, ok := r.expiresAt.First(doc); ok && v != nil {
			t, err := parseInstant(v)
			if err != nil {
				return time.Time{}, fmt.Errorf("token reply field %s: %v", r.cfg.ExpiresAtPath, err)
			}
			return t, nil
		}
	}
	base := now
	if r.issuedAt != nil {
		if v, ok := r.issuedAt.First(doc); ok && v != nil {
			t, err := parseInstant(v)
			if err != nil {
				return time.Time{}, fmt.Errorf("token reply field %s: %v", r.cfg.IssuedAtPath, err)
			}
			base = t
		}
	}
	if r.expiresIn != nil {
		if v, ok := r.expiresIn.First(doc); ok && v != nil {
			secs, err := parseNumber(v)
			if err != nil {
				return time.Time{}, fmt.Errorf("token reply field %s: %v", r.cfg.ExpiresInPath, err)
			}
			if secs > 0 {
				return base.Add(time.Duration(secs * float64(time.Second))), nil
			}
		}
	}
	return base.Add(r.cfg.DefaultLifetime), nil
}

// decodeReply reads the body as JSON, or else as a form (GitHub-style replies), by content rather
// than Content-Type because servers mislabel both. It returns nil if it is neither.
func decodeReply(body []byte) any {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		d := json.NewDecoder(bytes.NewReader(trimmed))
		d.UseNumber()
		var v any
		if d.Decode(&v) == nil {
			return v
		}
		return nil
	}
	if !bytes.ContainsRune(trimmed, '=') || bytes.ContainsAny(trimmed, " <\n") {
		return nil
	}
	vals, err := url.ParseQuery(string(trimmed))
	if err != nil || len(vals) == 0 {
		return nil
	}
	obj := make(map[string]any, len(vals))
	for k, v := range vals {
		obj[k] = v[0]
	}
	return obj
}

// describeError extracts an OAuth2-style or vendor-style error from a reply.
func describeError(doc any) (code, msg string) {
	obj, ok := doc.(map[string]any)
	if !ok {
		return "", ""
	}
	var parts []string
	if s, ok := obj["error"].(string); ok && s != "" {
		code = s
		parts = append(parts, s)
	} else if e, ok := obj["error"].(map[string]any); ok {
		for _, k := range []string{"code", "message"} {
			if v, ok := e[k]; ok && v != nil {
				parts = append(parts, scalarText(v))
			}
		}
	}
	for _, k := range []string{"error_description", "message", "msg", "errorMessage"} {
		if s, ok := obj[k].(string); ok && s != "" {
			parts = append(parts, s)
			break
		}
	}
	// Not cut here: Grant.do redacts the whole message first and cuts it afterwards, so a secret
	// straddling the cut cannot leave a prefix behind.
	return code, strings.Join(parts, ": ")
}

func parseNumber(v any) (float64, error) {
	switch n := v.(type) {
	case json.Number:
		return strconv.ParseFloat(n.String(), 64)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number of seconds", n)
		}
		return f, nil
	default:
		return 0, fmt.Errorf("is a JSON %s, not a number of seconds", jsonKind(v))
	}
}

// parseInstant reads an absolute time: epoch seconds or milliseconds (number or numeric string),
// or RFC 3339.
func parseInstant(v any) (time.Time, error) {
	if s, ok := v.(string); ok {
		s = strings.TrimSpace(s)
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, nil
		}
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor epoch seconds/milliseconds", s)
		}
	}
	f, err := parseNumber(v)
	if err != nil {
		return time.Time{}, err
	}
	return epoch(f), nil
}

// epoch reads seconds or, for values too large to be seconds in this era, milliseconds.
func epoch(f float64) time.Time {
	if math.Abs(f) >= 1e11 {
		return time.UnixMilli(int64(f))
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9))
}

func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return "null"
	default:
		return jsonKind(v)
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "value"
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func headerNames(h http.Header) string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

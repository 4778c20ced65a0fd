package settings

import (
	"fmt"
	"net/url"
	"strings"
)

// loadBaseURL reads the API's base URL (the datasource's URL, Grafana's own field).
func loadBaseURL(in *source, out *Settings) (err error) {
	out.Upstream.BaseURL, err = parseBaseURL(in.url)
	return err
}

func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, &FieldError{"url", "the API base URL is required (e.g. https://api.example.com/v1)"}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &FieldError{"url", "must be an absolute http or https URL such as https://api.example.com/v1"}
	}
	if u.User != nil {
		return nil, &FieldError{"url", "must not contain user:password@; use headers or the token settings"}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, &FieldError{"url", "must not contain a query string or fragment; put parameters in the query"}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// loadAPI reads how API requests carry the token and the client id, the configured headers, the
// health check path, the timeout and the reply size limit.
func loadAPI(in *source, out *Settings) error {
	w, u := in.w, &out.Upstream
	if err := loadTokenPlacement(u, w); err != nil {
		return err
	}
	u.TokenHeaderName = orDefault(w.TokenHeaderName, DefaultTokenHeaderName)
	if err := checkHeaderName("tokenHeaderName", u.TokenHeaderName); err != nil {
		return err
	}
	u.TokenHeaderTemplate = orDefault(w.TokenHeaderTemplate, DefaultTokenHeaderTemplate)
	if !strings.Contains(u.TokenHeaderTemplate, TokenPlaceholder) {
		return &FieldError{"tokenHeaderTemplate", fmt.Sprintf("must contain %s, e.g. %q or %q", TokenPlaceholder, DefaultTokenHeaderTemplate, TokenPlaceholder)}
	}
	if strings.ContainsAny(u.TokenHeaderTemplate, "\r\n") {
		return &FieldError{"tokenHeaderTemplate", "must not contain line breaks"}
	}
	if w.SendClientIDHeader {
		u.ClientIDHeaderName = orDefault(w.ClientIDHeaderName, DefaultClientIDHeaderName)
		if err := checkHeaderName("clientIdHeaderName", u.ClientIDHeaderName); err != nil {
			return err
		}
		if strings.EqualFold(u.ClientIDHeaderName, u.TokenHeaderName) {
			return &FieldError{"clientIdHeaderName", "must differ from tokenHeaderName"}
		}
		u.ClientID = out.Token.ClientID
	}
	var err error
	if u.Headers, err = resolveItems("headers", "header.", w.Headers, in.secure, true); err != nil {
		return err
	}
	for _, h := range u.Headers {
		if strings.EqualFold(h.Name, u.TokenHeaderName) || (u.ClientIDHeaderName != "" && strings.EqualFold(h.Name, u.ClientIDHeaderName)) {
			return &FieldError{"headers", fmt.Sprintf("header %q is set by the plugin (token or client id header) and cannot be overridden", h.Name)}
		}
	}
	u.HealthCheckPath = strings.TrimSpace(w.HealthCheckPath)
	if u.Timeout, err = parseDuration("timeout", string(w.Timeout), DefaultTimeout, TimeoutRange); err != nil {
		return err
	}
	u.MaxResponseBytes, err = parseInt("maxResponseBytes", string(w.MaxResponseBytes), DefaultMaxResponseBytes, MaxResponseBytesRange, " bytes")
	return err
}

package upstream

import (
	"fmt"
	"net/url"
	"strings"
)

// ResolveURL joins a query's relative path (and optional query string) under the base URL. Anything
// that could leave the base - another scheme or host, a backslash, a dot segment, encoded slashes or
// dots - is refused rather than cleaned, so the user sees why.
func ResolveURL(base *url.URL, path string, params url.Values) (*url.URL, error) {
	raw := strings.TrimSpace(path)
	for _, r := range raw {
		if r < 0x20 || r == 0x7f {
			return nil, urlErr(path, "contains a control character (line breaks are not allowed)")
		}
	}
	if strings.HasPrefix(raw, "//") || strings.Contains(raw, `\`) {
		return nil, urlErr(path, "must be a path relative to the API URL, not a host")
	}
	if strings.ContainsRune(raw, '#') {
		return nil, urlErr(path, "must not contain a fragment (#)")
	}
	p, q, _ := strings.Cut(raw, "?")
	if !strings.HasPrefix(p, "/") {
		first, _, _ := strings.Cut(p, "/")
		if strings.ContainsAny(first, ":@") {
			return nil, urlErr(path, "must be a path relative to the API URL, not an absolute URL or host")
		}
	}
	decoded, err := url.PathUnescape(p)
	if err != nil {
		return nil, urlErr(path, "has an invalid percent-encoding")
	}
	if strings.Contains(strings.ToLower(p), "%2f") {
		return nil, urlErr(path, "contains an encoded slash (%2F); use / to separate segments")
	}
	lower := strings.ToLower(decoded)
	for _, bad := range []string{"%2e", "%2f", "%5c"} {
		if strings.Contains(lower, bad) {
			return nil, urlErr(path, "contains a double-encoded dot, slash or backslash")
		}
	}
	if strings.ContainsRune(decoded, '\\') {
		return nil, urlErr(path, "contains an encoded backslash")
	}
	for _, seg := range strings.Split(decoded, "/") {
		if seg == ".." || seg == "." {
			return nil, urlErr(path, "must not contain . or .. segments")
		}
	}
	query, err := url.ParseQuery(q)
	if err != nil {
		return nil, urlErr(path, "has an invalid query string")
	}
	for k, vs := range params {
		for _, v := range vs {
			if strings.ContainsAny(k+v, "\r\n") {
				return nil, &Error{Step: StepURL, Msg: fmt.Sprintf("query parameter %q: line breaks are not allowed", k)}
			}
			query.Add(k, v)
		}
	}
	u := *base
	u.Path = strings.TrimRight(base.Path, "/")
	if rel := strings.TrimLeft(decoded, "/"); rel != "" {
		u.Path += "/" + rel
	}
	u.RawPath = ""
	u.RawQuery = query.Encode()
	u.Fragment = ""
	u.User = nil
	if u.Host != base.Host || u.Scheme != base.Scheme || !strings.HasPrefix(u.Path, strings.TrimRight(base.Path, "/")) {
		return nil, urlErr(path, "resolves outside the API URL") // defence in depth; unreachable by construction
	}
	return &u, nil
}

func urlErr(path, reason string) error {
	if len(path) > 120 {
		path = path[:120] + "..."
	}
	return &Error{Step: StepURL, Msg: fmt.Sprintf("path %q %s", path, reason)}
}

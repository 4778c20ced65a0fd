package settings

import (
	"fmt"
	"path"
	"strings"
)

// loadPolicy reads allowedMethods and postPathPatterns: reads by default, writes where an admin
// allows them.
func loadPolicy(in *source, out *Settings) error {
	w, u := in.w, &out.Upstream
	seen := map[string]bool{}
	for i, m := range w.AllowedMethods {
		m = strings.ToUpper(strings.TrimSpace(m))
		if m != MethodGet && m != MethodPost {
			return &FieldError{fmt.Sprintf("allowedMethods[%d]", i), fmt.Sprintf("%q is not GET or POST (the only methods the plugin sends)", m)}
		}
		if !seen[m] {
			seen[m] = true
			u.AllowedMethods = append(u.AllowedMethods, m)
		}
	}
	if len(u.AllowedMethods) == 0 {
		u.AllowedMethods = append([]string(nil), DefaultAllowedMethods...)
	}
	for i, p := range w.PostPathPatterns {
		field := fmt.Sprintf("postPathPatterns[%d]", i)
		p = strings.TrimSpace(p)
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		if strings.ContainsAny(p, "?#\\") || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return &FieldError{field, fmt.Sprintf("%q must be a path pattern such as /search or /graphql/*, without query string, fragment, backslash or control characters", p)}
		}
		stem := strings.TrimSuffix(p, "/**")
		for _, seg := range strings.Split(stem, "/") {
			if seg == "." || seg == ".." || seg == "**" {
				return &FieldError{field, fmt.Sprintf("%q: %q is not allowed as a segment (\"**\" only as a trailing /**)", p, seg)}
			}
		}
		if _, err := path.Match(stem, ""); err != nil {
			return &FieldError{field, fmt.Sprintf("%q is not a valid pattern: %v", p, err)}
		}
		u.PostPathPatterns = append(u.PostPathPatterns, p)
	}
	return nil
}

// MatchPostPath reports whether rel (a request path relative to the base URL, starting with "/")
// matches one of patterns: path.Match syntax ("*" within one segment), and a trailing "/**"
// matches that path and everything below it.
func MatchPostPath(patterns []string, rel string) bool {
	for _, p := range patterns {
		if stem, ok := strings.CutSuffix(p, "/**"); ok {
			if ok, _ := path.Match(stem, rel); ok {
				return true
			}
			for i := len(rel) - 1; i > 0; i-- { // every ancestor of rel
				if rel[i] == '/' {
					if ok, _ := path.Match(stem, rel[:i]); ok {
						return true
					}
				}
			}
			continue
		}
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
	}
	return false
}

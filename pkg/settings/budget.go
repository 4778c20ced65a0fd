package settings

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Budget is what one query may spend (docs/security.md, "Query budgets"): a Viewer writes the
// query and the API host the reply, so each bound is the admin's, never theirs.
type Budget struct {
	JQTimeout           time.Duration // one jq run, in a worker process killed at this time
	QueryMemoryMiB      int           // the jq worker's memory
	MaxRows             int
	MaxCells            int
	MaxColumns          int
	MaxColumnNameLength int
}

// Defaults and ranges of the budget keys, documented in docs/configuration.md.
const (
	DefaultJQTimeout           = 10 * time.Second
	MinJQTimeout               = 100 * time.Millisecond
	MaxJQTimeout               = 5 * time.Minute
	DefaultQueryMemoryMiB      = 256
	MinQueryMemoryMiB          = 64
	MaxQueryMemoryMiB          = 16384
	DefaultMaxRows             = 1_000_000
	MaxMaxRows                 = 10_000_000
	DefaultMaxCells            = 5_000_000
	MaxMaxCells                = 100_000_000
	DefaultMaxColumns          = 1_000
	MaxMaxColumns              = 100_000
	DefaultMaxColumnNameLength = 256
	MinMaxColumnNameLength     = 16
	MaxMaxColumnNameLength     = 65_536
)

// loadBudget is the query budgets' section: it reads and range-checks their keys of jsonData.
func loadBudget(in *source, out *Settings) error {
	w, b := in.w, &out.Budget
	var err error
	if b.JQTimeout, err = durationIn("jqTimeout", string(w.JQTimeout), DefaultJQTimeout, MinJQTimeout, MaxJQTimeout); err != nil {
		return err
	}
	for _, f := range []struct {
		field    string
		v        flexString
		dst      *int
		def, min int
		max      int
	}{
		{"queryMemoryMiB", w.QueryMemoryMiB, &b.QueryMemoryMiB, DefaultQueryMemoryMiB, MinQueryMemoryMiB, MaxQueryMemoryMiB},
		{"maxRows", w.MaxRows, &b.MaxRows, DefaultMaxRows, 1, MaxMaxRows},
		{"maxCells", w.MaxCells, &b.MaxCells, DefaultMaxCells, 1, MaxMaxCells},
		{"maxColumns", w.MaxColumns, &b.MaxColumns, DefaultMaxColumns, 1, MaxMaxColumns},
		{"maxColumnNameLength", w.MaxColumnNameLength, &b.MaxColumnNameLength, DefaultMaxColumnNameLength, MinMaxColumnNameLength, MaxMaxColumnNameLength},
	} {
		if *f.dst, err = intIn(f.field, string(f.v), f.def, f.min, f.max); err != nil {
			return err
		}
	}
	return nil
}

// intIn parses a whole number between lo and hi (def when empty).
func intIn(field, v string, def, lo, hi int) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < int64(lo) || n > int64(hi) {
		return 0, &FieldError{field, fmt.Sprintf("%q is not a whole number between %d and %d", v, lo, hi)}
	}
	return int(n), nil
}

// durationIn parses a Go duration ("10s") or a number of seconds between lo and hi (def when empty).
// The range is checked before any conversion, so 1e300 or NaN cannot wrap into a valid duration.
func durationIn(field, v string, def, lo, hi time.Duration) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return def, nil
	}
	bad := &FieldError{field, fmt.Sprintf("%q is not a duration between %s and %s (such as 10s or 1m)", v, lo, hi)}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(secs) || secs < lo.Seconds() || secs > hi.Seconds() {
			return 0, bad
		}
		return time.Duration(secs * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		return 0, bad
	}
	return d, nil
}

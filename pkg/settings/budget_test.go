package settings

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestBudgetDefaultsAndValues(t *testing.T) {
	s, err := load("https://api.example.com", `{"tokenUrl":"https://auth.example.com/token"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Budget{JQTimeout: 10 * time.Second, QueryMemoryMiB: 256, MaxRows: 1_000_000, MaxCells: 5_000_000, MaxColumns: 1000, MaxColumnNameLength: 256}
	if s.Budget != want {
		t.Errorf("defaults %+v, want %+v", s.Budget, want)
	}
	s, err = load("https://api.example.com", `{"tokenUrl":"https://auth.example.com/token", "jqTimeout":"1m", "queryMemoryMiB":"512",
		"maxRows":10, "maxCells":"100", "maxColumns":5, "maxColumnNameLength":16}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	want = Budget{JQTimeout: time.Minute, QueryMemoryMiB: 512, MaxRows: 10, MaxCells: 100, MaxColumns: 5, MaxColumnNameLength: 16}
	if s.Budget != want {
		t.Errorf("values %+v, want %+v", s.Budget, want)
	}
	if s, err = load("https://api.example.com", `{"tokenUrl":"https://auth.example.com/token", "jqTimeout":2.5}`, nil); err != nil || s.Budget.JQTimeout != 2500*time.Millisecond {
		t.Errorf("jqTimeout in seconds: %v %v", s, err)
	}
}

func TestBudgetOutOfRangeNamesTheField(t *testing.T) {
	for field, bad := range map[string][]string{
		"jqTimeout":           {`"0s"`, `0`, `-1`, `1e300`, `"NaN"`, `"-5s"`, `"6m"`, `"50ms"`, `"soon"`, `301`},
		"queryMemoryMiB":      {`0`, `63`, `16385`, `1e300`, `"NaN"`, `2.5`, `"lots"`, `-256`, `9223372036854775807`},
		"maxRows":             {`0`, `-1`, `10000001`, `1e300`, `1.5`},
		"maxCells":            {`0`, `100000001`, `"x"`},
		"maxColumns":          {`0`, `100001`, `true`},
		"maxColumnNameLength": {`15`, `65537`, `0`},
	} {
		for _, v := range bad {
			_, err := load("https://api.example.com", `{"tokenUrl":"https://auth.example.com/token", "`+field+`":`+v+`}`, nil)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != field || !strings.Contains(err.Error(), "settings check failed: "+field+":") {
				t.Errorf("%s: %s: error %v, want one naming the field", field, v, err)
			}
		}
	}
}

package jqworker

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// reshape runs the jq program on body in a worker, as the plugin does, and converts the result
// with spec.
func reshape(t *testing.T, body, program string, spec frames.Spec) data.Frames {
	t.Helper()
	doc, err := Run(context.Background(), program, []byte(body), small)
	if err != nil {
		t.Fatal(err)
	}
	var set frames.RowSet
	if _, err := set.Add(doc, spec.RootSelector); err != nil {
		t.Fatal(err)
	}
	out, err := frames.ConvertRows(&set, spec)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fieldNames returns the names of f's fields, in order.
func fieldNames(f *data.Frame) []string {
	names := make([]string, len(f.Fields))
	for i, fld := range f.Fields {
		names[i] = fld.Name
	}
	return names
}

func TestGoldenJQReshape(t *testing.T) {
	body := `{"result":{"hosts":{"web-1":{"cpu":0.5,"since":"2024-01-01T00:00:00Z","id":9007199254740993},
	                              "web-2":{"cpu":0.75,"since":"2024-01-02T00:00:00Z","id":9007199254740995}}}}`
	// Objects jq builds have sorted keys; declared columns would fix the order.
	out := reshape(t, body, `.result.hosts | to_entries | map({host: .key, cpu: (.value.cpu * 100), id: .value.id, since: .value.since})`, frames.Spec{Name: "A"})
	if got := strings.Join(fieldNames(out[0]), ","); got != "cpu,host,id,since" {
		t.Fatalf("fields %s", got)
	}
	for i, want := range []data.FieldType{data.FieldTypeNullableInt64, data.FieldTypeNullableString, data.FieldTypeNullableInt64, data.FieldTypeNullableTime} {
		if got := out[0].Fields[i].Type(); got != want {
			t.Errorf("field %d: %s, want %s", i, got, want)
		}
	}
	if got := *out[0].Fields[2].At(1).(*int64); got != 9007199254740995 {
		t.Errorf("id passed through jq lost exactness: %d", got)
	}
	experimental.CheckGoldenJSONResponse(t, "testdata", "jq_reshape", &backend.DataResponse{Frames: out}, *update)
}

func TestJQKeepsReplyKeyOrderAndExactArithmetic(t *testing.T) {
	// Objects passed through unchanged keep the reply's key order; integer arithmetic stays exact.
	out := reshape(t, `{"data":{"rows":[{"z":9007199254740992,"a":"x"}]}}`, `.data.rows`, frames.Spec{Name: "A"})
	if got := strings.Join(fieldNames(out[0]), ","); got != "z,a" {
		t.Errorf("fields %s", got)
	}
	out = reshape(t, `{"n":9007199254740992}`, `{sum: (.n + 1)}`, frames.Spec{Name: "A"})
	if got := *out[0].Fields[0].At(0).(*int64); got != 9007199254740993 {
		t.Errorf("2^53 + 1 = %d", got)
	}
	// Several outputs become rows; none gives an empty frame; NaN and infinities become null.
	out = reshape(t, `{"a":[1,2,3]}`, `.a[] | select(. > 1)`, frames.Spec{Name: "A"})
	if out[0].Rows() != 2 {
		t.Errorf("%d rows", out[0].Rows())
	}
	out = reshape(t, `{"a":[]}`, `.a[]`, frames.Spec{Name: "A"})
	if len(out[0].Fields) != 0 {
		t.Errorf("no outputs: fields %v", fieldNames(out[0]))
	}
	out = reshape(t, `{}`, `[{v: nan}, {v: infinite}, {v: 1.5}]`, frames.Spec{Name: "A"})
	if out[0].Fields[0].At(0).(*float64) != nil || out[0].Fields[0].At(1).(*float64) != nil {
		t.Errorf("NaN/Inf not null")
	}
}

func TestJQSeesNoEnvironment(t *testing.T) {
	t.Setenv("OAUTH2REST_TEST_SECRET", "do-not-leak")
	jq, err := Compile(`[$ENV.OAUTH2REST_TEST_SECRET, env.OAUTH2REST_TEST_SECRET]`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jq.Run(context.Background(), nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	if strings.Contains(string(b), "do-not-leak") || os.Getenv("OAUTH2REST_TEST_SECRET") != "do-not-leak" {
		t.Errorf("jq read the environment: %s", b)
	}
	for _, prog := range []string{`input`, `import "a" as a; .`} {
		if jq, err := Compile(prog); err == nil {
			if _, err := jq.Run(context.Background(), nil, time.Minute); err == nil {
				t.Errorf("%s: want an error", prog)
			}
		}
	}
}

func TestJQErrors(t *testing.T) {
	if _, err := Compile(`.a | {`); err == nil || !strings.Contains(err.Error(), "not a valid jq program") {
		t.Errorf("parse error %v", err)
	}
	jq, _ := Compile(`.a | error("bad row")`)
	if _, err := jq.Run(context.Background(), map[string]any{"a": 1}, time.Minute); err == nil || !strings.Contains(err.Error(), "bad row") {
		t.Errorf("run error %v", err)
	}
	jq, _ = Compile(`[range(1e12)]`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := jq.Run(ctx, nil, time.Minute); err == nil {
		t.Error("endless program did not stop with its context")
	}
	defer func(n int) { maxJQOutputs = n }(maxJQOutputs)
	maxJQOutputs = 1000
	jq, _ = Compile(`range(2000)`)
	if _, err := jq.Run(context.Background(), nil, time.Minute); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("output cap: %v", err)
	}
}

// Objects jq builds have no document order: their members come in sorted key order, the same on
// every run (encoder writes them sorted; the plugin decodes that order).
func TestSelectorsOverBuiltObjectsAreSorted(t *testing.T) {
	for run := range 10 {
		out := reshape(t, `{"hosts":{"web-2":{"n":2},"web-1":{"n":1}}}`, `{b: .hosts["web-2"], a: .hosts["web-1"], c: {n: 3}}`,
			frames.Spec{Name: "A", RootSelector: "$.*"})
		n := out[0].Fields[0]
		var got []string
		for i := range n.Len() {
			got = append(got, strconv.FormatInt(*n.At(i).(*int64), 10))
		}
		if strings.Join(got, ",") != "1,2,3" {
			t.Fatalf("run %d: jq rows %s, want 1,2,3 (sorted keys a, b, c)", run, got)
		}
	}
}

// jq output deeper than the nesting bound is refused by normalization, walking no further than
// the bound (encoding/json, which recurses once per level, never sees it).
func TestJQOutputOverTheNestingBound(t *testing.T) {
	jq, err := Compile(`[{"a": reduce range(300) as $i (0; [.])}]`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jq.Run(context.Background(), nil, time.Minute); err == nil || !strings.Contains(err.Error(), "deeper than 256 levels") {
		t.Errorf("jq.Run: %v", err)
	}
	jq, _ = Compile(`[{"a": reduce range(250) as $i (0; [.])}]`) // within the bound
	if _, err := jq.Run(context.Background(), nil, time.Minute); err != nil {
		t.Errorf("jq.Run within the bound: %v", err)
	}
}

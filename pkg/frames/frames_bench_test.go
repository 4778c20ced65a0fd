package frames

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/benchdata"
)

// Benchmarks for issue #7: JSON reply -> frames, beside plain encoding/json decoding of the same
// bytes into []map[string]any, measured in the same run. Run them with scripts/bench.sh.

// The payload (benchdata.Payload) is a JSON array of rows objects, about 52 bytes a row, with an
// integer, a float (null in every 17th row), a boolean, a string and a nested object whose "k" is a
// number in most rows and a string in every 10th (so it becomes a mixed, string column):
//
//	{"id":7,"v":1.25,"ok":false,"s":"s7","n":{"k":49}}

// benchPayload is benchdata.Payload (shared with pkg/plugin's benchmarks).
func benchPayload(rows int) []byte { return benchdata.Payload(rows) }

// benchRows is benchdata.Rows: the rows from to to of benchPayload, a page of it.
func benchRows(from, to int) []byte { return benchdata.Rows(from, to) }

// benchDeclared declares the columns the payload's inferred columns have, with their types.
var benchDeclared = Spec{Name: "A", Columns: []Column{{Selector: "id", Type: TypeInteger}, {Selector: "v", Type: TypeNumber},
	{Selector: "ok", Type: TypeBoolean}, {Selector: "s", Type: TypeString}, {Selector: "n.k", Type: TypeString}}}

// BenchmarkJSONToFrames: 1 MB / 20k rows and 50 MB / 1M rows. Sub-benchmarks:
//
//	baseline=encoding-json  json.Unmarshal into []map[string]any (the reference)
//	decode+convert          Decode then Convert (what a query with jq or pagination does); target ≤1x baseline
//	convertbytes            ConvertBytes, the streaming path of a query without them; target ≤1x baseline, ≤3x peak
//	decode+convert-declared, convertbytes-declared
//	                        the same two with declared columns (benchDeclared) instead of inferred ones
//	decode, convert         the two steps alone
//	paginated=10/decode+rowset+convertrows, paginated=10/stream
//	                        the payload as 10 pages (benchRows): Decode and RowSet.Add of each then
//	                        ConvertRows (a paginated query with jq), against a Stream (one without)
//
// Each reports MB/s (b.SetBytes), allocs (-benchmem), x-baseline (ns/op ÷ the baseline's ns/op in
// this run), and from one extra untimed run: peak-heap/payload and retained/payload.
func BenchmarkJSONToFrames(b *testing.B) {
	for _, size := range []struct {
		name string
		rows int
	}{{"1MB", 20_000}, {"50MB", 1_000_000}} {
		body := benchPayload(size.rows)
		spec := Spec{Name: "A"}
		b.Run("size="+size.name, func(b *testing.B) {
			var ratio benchdata.Ratio
			// timed runs f in the timed loop, then reports the metrics, the memory ones from one
			// more, untimed run whose result is kept while the heap is measured.
			timed := func(b *testing.B, baseline bool, f func() (any, error)) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				ratio.Measure(b, baseline, func() {
					for b.Loop() {
						if _, err := f(); err != nil {
							b.Fatal(err)
						}
					}
				})
				peak, retained := benchdata.MeasurePeak(func() any { out, _ := f(); return out })
				b.ReportMetric(float64(peak)/float64(len(body)), "peak-heap/payload")
				b.ReportMetric(float64(retained)/float64(len(body)), "retained/payload")
			}
			b.Run("baseline=encoding-json", func(b *testing.B) {
				timed(b, true, func() (any, error) {
					var rows []map[string]any
					err := json.Unmarshal(body, &rows)
					return rows, err
				})
			})
			// The tree path and the streaming path, with inferred and with declared columns.
			for _, c := range []struct {
				suffix string
				spec   Spec
			}{{"", spec}, {"-declared", benchDeclared}} {
				b.Run("decode+convert"+c.suffix, func(b *testing.B) {
					timed(b, false, func() (any, error) {
						doc, err := Decode(body)
						if err != nil {
							return nil, err
						}
						return Convert(doc, c.spec)
					})
				})
				b.Run("convertbytes"+c.suffix, func(b *testing.B) {
					timed(b, false, func() (any, error) {
						out, ok, err := ConvertBytes(body, c.spec)
						if !ok {
							return nil, errors.New("ConvertBytes gave up on the benchmark payload")
						}
						return out, err
					})
				})
			}
			// The same rows as 10 pages: MB/s and peak-heap/payload are over the payload's size.
			var pages [][]byte
			for k := range 10 {
				pages = append(pages, benchRows(k*size.rows/10, (k+1)*size.rows/10))
			}
			b.Run("paginated=10/decode+rowset+convertrows", func(b *testing.B) {
				timed(b, false, func() (any, error) {
					var set RowSet
					for _, p := range pages {
						doc, err := Decode(p)
						if err != nil {
							return nil, err
						}
						if _, err := set.Add(doc, spec.RootSelector); err != nil {
							return nil, err
						}
					}
					return ConvertRows(&set, spec)
				})
			})
			b.Run("paginated=10/stream", func(b *testing.B) {
				timed(b, false, func() (any, error) {
					s, _ := NewStream(spec)
					for _, p := range pages {
						if _, ok := s.Add(p); !ok {
							return nil, errors.New("the Stream refused a page of the benchmark payload")
						}
					}
					return s.Frames()
				})
			})
			b.Run("decode", func(b *testing.B) {
				timed(b, false, func() (any, error) { return Decode(body) })
			})
			b.Run("convert", func(b *testing.B) {
				doc, err := Decode(body)
				if err != nil {
					b.Fatal(err)
				}
				timed(b, false, func() (any, error) { return Convert(doc, spec) })
			})
		})
	}
}

// TestBenchPayloadShape checks the benchmark's payload and that it converts to the expected columns,
// so the benchmark measures what it claims.
func TestBenchPayloadShape(t *testing.T) {
	body := benchPayload(20_000)
	if n := len(body); n < 1_000_000 || n > 1_150_000 {
		t.Errorf("20k rows are %d bytes, want about 1 MB", n)
	}
	out := convert(t, string(body), Spec{Name: "A"})
	wantFields(t, out[0], "id", "v", "ok", "s", "n.k")
	wantTypes(t, out[0], data.FieldTypeNullableInt64, data.FieldTypeNullableFloat64, data.FieldTypeNullableBool,
		data.FieldTypeNullableString, data.FieldTypeNullableString)
	if out[0].Rows() != 20_000 {
		t.Errorf("%d rows", out[0].Rows())
	}
	if got := fmt.Sprint(*out[0].Fields[4].At(1).(*string)); got != "1" {
		t.Errorf("n.k[1] = %s", got)
	}
	// The declared columns give the same frame (convert also checks ConvertBytes against the tree).
	declared := convert(t, string(body), benchDeclared)
	wantJSON, _ := data.FrameToJSON(out[0], data.IncludeAll)
	if gotJSON, _ := data.FrameToJSON(declared[0], data.IncludeAll); string(gotJSON) != string(wantJSON) {
		t.Error("benchDeclared gives another frame than the inferred columns")
	}
}

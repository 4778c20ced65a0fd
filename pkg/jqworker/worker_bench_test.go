package jqworker

import (
	"context"
	"testing"
	"time"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/benchdata"
)

// BenchmarkJQ: a jq program on a reply, through a worker process (Run) beside the former way, gojq
// in the plugin's own process (Decode, then JQ.Run), in the same run. Reports x-baseline (the
// in-process run is the baseline) and the per-query cost of the worker in ns/op.
func BenchmarkJQ(b *testing.B) {
	const prog = `map(select(.ok) | {id, v, s})`
	lim := Limits{Timeout: 10 * time.Second, MemoryBytes: 256 << 20, OutputBytes: 16 << 20}
	for _, rows := range []int{5, 20_000} {
		body := benchdata.Payload(rows)
		jq, err := frames.CompileJQ(prog)
		if err != nil {
			b.Fatal(err)
		}
		inProcess := func() {
			doc, err := frames.Decode(body)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := jq.Run(context.Background(), doc.Root); err != nil {
				b.Fatal(err)
			}
		}
		worker := func() {
			if _, err := Run(context.Background(), prog, body, lim); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(sizeName(len(body)), func(b *testing.B) {
			var ratio benchdata.Ratio
			for i, tc := range []struct {
				name string
				op   func()
			}{{"baseline=in-process", inProcess}, {"worker", worker}} {
				b.Run(tc.name, func(b *testing.B) {
					b.SetBytes(int64(len(body)))
					ratio.Measure(b, i == 0, func() {
						for b.Loop() {
							tc.op()
						}
					})
				})
			}
		})
	}
}

func sizeName(n int) string {
	if n < 1<<20 {
		return "size=small"
	}
	return "size=1MB"
}

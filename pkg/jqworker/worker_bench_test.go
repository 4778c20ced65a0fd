//go:build unix

package jqworker

import (
	"context"
	"syscall"
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
		jq, err := Compile(prog)
		if err != nil {
			b.Fatal(err)
		}
		inProcess := func() {
			doc, err := frames.Decode(body)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := jq.Run(context.Background(), doc.Root, lim.Timeout); err != nil {
				b.Fatal(err)
			}
		}
		worker := func() {
			if _, err := Run(context.Background(), prog, body, lim); err != nil {
				b.Fatal(err)
			}
		}
		// warm: each query finds a started worker in the pool (the wait for it is not timed), as a
		// query does unless queries come faster than workers start.
		var tb *testing.B
		warm := func() {
			tb.StopTimer()
			for len(idle) == 0 {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond) // and its runtime initialized
			tb.StartTimer()
			worker()
		}
		b.Run(sizeName(len(body)), func(b *testing.B) {
			var ratio benchdata.Ratio
			for i, tc := range []struct {
				name string
				op   func()
			}{{"baseline=in-process", inProcess}, {"worker=back-to-back", worker}, {"worker=warm", warm}} {
				b.Run(tc.name, func(b *testing.B) {
					tb = b
					b.SetBytes(int64(len(body)))
					before := childrenCPU()
					ratio.Measure(b, i == 0, func() {
						for b.Loop() {
							tc.op()
						}
					})
					// The workers' own CPU (user + system of the children reaped meanwhile), which
					// cpu-ns/op (this process's) leaves out.
					b.ReportMetric(float64(childrenCPU()-before)/float64(b.N), "worker-cpu-ns/op")
				})
			}
		})
	}
}

func childrenCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func sizeName(n int) string {
	if n < 1<<20 {
		return "size=small"
	}
	return "size=1MB"
}

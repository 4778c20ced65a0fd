// Package benchdata is shared by the benchmarks of issue #7 (pkg/frames, pkg/plugin): the payload
// they convert and the peak-heap measurement they report; and by the equivalence tests of the byte
// readers (pkg/frames, pkg/jsonscan): TrickyBodies. Only test code imports it.
package benchdata

import (
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Payload returns a deterministic JSON array of rows objects, about 52 bytes a row, with an
// integer, a float (null in every 17th row), a boolean, a string and a nested object whose "k" is a
// number in most rows and a string in every 10th (so it becomes a mixed, string column):
//
//	{"id":7,"v":1.25,"ok":false,"s":"s7","n":{"k":49}}
//
// Payloads are built once per size and shared (callers must not modify them).
func Payload(rows int) []byte {
	payloadMu.Lock()
	defer payloadMu.Unlock()
	if p, ok := payloads[rows]; ok {
		return p
	}
	p := Rows(0, rows)
	payloads[rows] = p
	return p
}

var (
	payloadMu sync.Mutex
	payloads  = map[int][]byte{}
)

// Rows is the array of rows from to to of Payload: one page of it.
func Rows(from, to int) []byte {
	b := make([]byte, 0, (to-from)*53+2)
	b = append(b, '[')
	for i := from; i < to; i++ {
		if i > from {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"v":`...)
		if i%17 == 0 {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, float64(i%400)/4, 'f', -1, 64)
		}
		b = append(b, `,"ok":`...)
		b = strconv.AppendBool(b, i%3 == 0)
		b = append(b, `,"s":"s`...)
		b = strconv.AppendInt(b, int64(i%100), 10)
		b = append(b, `","n":{"k":`...)
		if i%10 == 0 {
			b = append(b, `"x"`...)
		} else {
			b = strconv.AppendInt(b, int64(i%97), 10)
		}
		b = append(b, "}}"...)
	}
	return append(b, ']')
}

// HeapObjects is the heap memory held by objects, live or not yet swept: what the process holds.
func HeapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// MeasurePeak runs f once and returns the peak heap growth while it ran and the heap it left live
// (its result, kept by f's caller), both above the heap before the run (which already holds the
// payload). The peak is sampled every 50 µs from runtime/metrics (no stop-the-world), so it is a
// lower bound that can miss a spike shorter than that; garbage not yet collected counts, as it does
// for the process.
func MeasurePeak(f func() any) (peak, retained uint64) {
	runtime.GC()
	base := HeapObjects()
	var max atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if h := HeapObjects(); h > max.Load() {
				max.Store(h)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Microsecond):
			}
		}
	}()
	result := f()
	if h := HeapObjects(); h > max.Load() {
		max.Store(h)
	}
	close(stop)
	<-done
	runtime.GC()
	after := HeapObjects()
	runtime.KeepAlive(result)
	sub := func(a, b uint64) uint64 {
		if a < b {
			return 0
		}
		return a - b
	}
	return sub(max.Load(), base), sub(after, base)
}

// Ratio reports sub-benchmarks against the baseline measured just before them in the same run.
type Ratio struct{ wall, cpu float64 }

// Measure runs loop, the timed part of a sub-benchmark, and reports cpu-ns/op. The baseline's
// figures are kept; any other sub-benchmark also reports x-baseline (wall ns/op ÷ the baseline's)
// and x-baseline-cpu. b.Run runs a sub-benchmark more than once (b.N calibration): the last run
// counts.
func (r *Ratio) Measure(b *testing.B, baseline bool, loop func()) {
	cpu0 := CPU()
	loop()
	cpu := float64(CPU()-cpu0) / float64(b.N)
	wall := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(cpu, "cpu-ns/op")
	switch {
	case baseline:
		r.wall, r.cpu = wall, cpu
	case r.wall > 0:
		b.ReportMetric(wall/r.wall, "x-baseline")
		b.ReportMetric(cpu/r.cpu, "x-baseline-cpu")
	}
}

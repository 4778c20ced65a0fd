package frames

import (
	"math"
	"testing"
)

// The column offsets are uint32 (1 + offset): a body of math.MaxUint32 bytes or more goes to the tree
// path. Where int is 32 bits (GOARCH=386 in scripts/test-all.sh) every []byte length is accepted,
// and the largest one keeps 1 + offset exact in both uint32 and int (builder.at).
func TestStreamableBodyLength(t *testing.T) {
	last := uint64(math.MaxUint32 - 1)
	if last > math.MaxInt {
		last = math.MaxInt // 32-bit: the longest []byte there is
		if p := uint32(last); int(p) != math.MaxInt {
			t.Fatalf("offset %d wraps to %d", last, int(p))
		}
	}
	for _, n := range []uint64{0, 1, math.MaxInt32, last} {
		if !streamable(int(n)) {
			t.Errorf("streamable(%d) = false, want true", n)
		}
	}
	if last == math.MaxUint32-1 { // 64-bit
		for _, n := range []uint64{math.MaxUint32, math.MaxUint32 + 1, math.MaxInt} {
			if streamable(int(n)) {
				t.Errorf("streamable(%d) = true, want false: 1 + offset would not fit a uint32", n)
			}
		}
	}
}

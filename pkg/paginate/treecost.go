package paginate

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
)

// TreeBudget is the memory one query's decoded JSON trees may take (queryMemoryMiB): the pages a
// selector needs as a tree (JSONPath brackets, filters, `..`, or a cursor at such a path) and jq's
// output. A tree costs 19 times a typical reply's size, and up to about 80 times a hostile one's
// (an array of small objects with alternating keys), so the cost of each body is computed from
// its bytes (TreeCost) and charged before it is decoded: a query that would go over gets an error
// naming the bound instead of the memory. The trees of one query are kept until its frames are
// built, so what each page costs adds up (Run carries the budget from page to page). One query's
// pages are decoded one after another: a TreeBudget is not safe for concurrent use.
type TreeBudget struct {
	MiB  int // the bound, as configured (0: none)
	used int64
}

// Charge adds the cost of decoding body to the budget, or returns a *frames.BudgetError naming
// queryMemoryMiB when that would go over it (and charges nothing).
func (b *TreeBudget) Charge(body []byte) error {
	if b == nil || b.MiB <= 0 {
		return nil
	}
	cost := TreeCost(body)
	if b.used+cost > int64(b.MiB)<<20 {
		mib := func(n int64) int64 { return (n + 1<<20 - 1) >> 20 }
		what := fmt.Sprintf("decoding it would take about %d MiB of memory", mib(cost))
		if b.used > 0 {
			what += fmt.Sprintf(", %d MiB with the JSON the query decoded before", mib(b.used+cost))
		}
		return &frames.BudgetError{What: what + ", more than the query's budget", Key: "queryMemoryMiB", Limit: strconv.Itoa(b.MiB)}
	}
	b.used += cost
	return nil
}

// Decode is frames.Decode of body after Charge.
func (b *TreeBudget) Decode(body []byte) (*frames.Doc, error) {
	if err := b.Charge(body); err != nil {
		return nil, err
	}
	return frames.Decode(body)
}

// What frames.Decode allocates, in bytes (Go 1.26, 64-bit; TestTreeCostBoundsDecode checks the
// whole against runtime.MemStats for hostile and ordinary shapes, TestTreeCostGrowth the growth).
const (
	boxCost       = 16      // a string or json.Number put in an interface (its header)
	sliceBoxCost  = 24      // an array's slice header put in an interface
	slotCost      = 16      // an element of []any
	memberCost    = 32      // a pending member on the decoder's stack (key and value)
	emptyMapCost  = 48      // map[string]any{}: the map header
	smallMapCost  = 336     // a map of 1 to 8 members: its header and one group of 8 slots (measured 336)
	mapMemberCost = 100     // per member of a larger map (measured at most 94, at 1,746 members)
	objCost       = 16      // the Doc's entry for a non-empty object (its key order)
	indexCost     = 48      // the Doc's index of its objects, built on a lookup out of order (measured ≤ 47)
	shapeCost     = 24      // the Doc's entry for a distinct key list
	fixedCost     = 8 << 10 // the Doc, the decoder, its per-depth table, the index's header
)

// maxCostDepth is where TreeCost stops reading: frames.Decode refuses nesting deeper than 256
// before it allocates anything for it (TestTreeCostBoundsDecode checks that it refuses 300), so
// what it allocates lies in the part already read. It also bounds TreeCost's own stack.
const maxCostDepth = 1024

// TreeCost returns an upper bound on the bytes frames.Decode allocates to decode body, all counted
// as if none were freed before the tree is dropped (the decoder's stacks, an unescaped string's
// scratch space, the object index the Doc builds on a lookup out of document order included). It
// reads the bytes once, allocating only a small stack, at several times Decode's speed. For an
// invalid body it bounds what Decode allocates before it finds the error.
func TreeCost(body []byte) int64 {
	s := costScan{b: body}
	s.run()
	return s.total()
}

// costSeed keys the hash that tells whether consecutive objects have the same keys (and so share
// one key list in the Doc): random per process, so a reply cannot be written to collide.
var costSeed = maphash.MakeSeed()

type costScan struct {
	b       []byte
	stack   []costFrame
	keys    []uint64 // hashes of the keys of the open objects, for the duplicate check
	scratch []uint64
	last    []lastObject // per depth, the last non-empty object there

	cost           int64
	objs, shapes   int64 // non-empty objects; distinct key lists
	vals, peakVals int64 // elements pending on the decoder's stack (now, at most)
	mems, peakMems int64 // members pending
	maxUnclean     int64 // longest string that needs unescaping, in bytes
}

type costFrame struct {
	obj     bool
	wantKey bool   // in an object: the next string is a key
	n       int64  // elements or members so far
	keyBase int    // index in keys of this object's first key
	hash    uint64 // of the object's keys, in order
	unclean bool   // a key has an escape or invalid UTF-8: it may repeat another once decoded
}

// lastObject is what Decode compares an object's keys with: consecutive objects at one depth with
// the same keys share one key list.
type lastObject struct {
	hash uint64 // of its keys, in order (0: none yet)
	dup  bool   // it repeats a key (then Decode builds a key list for it and the next like it)
}

// class is an upper bound on the memory the Go allocator gives a request of n bytes: a power of
// two up to 32 KiB (every one is a size class), then whole 8 KiB pages.
func class(n int64) int64 {
	switch {
	case n <= 0:
		return 0
	case n <= 8:
		return 8
	case n <= 32<<10:
		c := int64(16)
		for c < n {
			c <<= 1
		}
		return c
	}
	return (n + 8<<10 - 1) &^ (8<<10 - 1)
}

// growth is an upper bound on what a slice grown by append to n bytes allocates in all: Go doubles
// small slices and grows large ones by 1.25 (so the sum of the backing arrays is about 5 times the
// last), each rounded to a size class.
func growth(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return 6*n + 16<<10
}

func mapCost(members int64) int64 {
	switch {
	case members == 0:
		return emptyMapCost
	case members <= 8:
		return smallMapCost
	}
	return emptyMapCost + mapMemberCost*members
}

// value counts a value that starts in the innermost open container.
func (s *costScan) value() {
	if len(s.stack) == 0 {
		return
	}
	f := &s.stack[len(s.stack)-1]
	f.n++
	if f.obj {
		f.wantKey = false
		s.mems++
		s.peakMems = max(s.peakMems, s.mems)
	} else {
		s.vals++
		s.peakVals = max(s.peakVals, s.vals)
	}
}

func (s *costScan) run() {
	b := s.b
	for i := 0; i < len(b); {
		switch c := b[i]; c {
		case '{', '[':
			s.value()
			if len(s.stack) >= maxCostDepth {
				return
			}
			s.stack = append(s.stack, costFrame{obj: c == '{', wantKey: c == '{', keyBase: len(s.keys)})
			i++
		case '}', ']':
			if len(s.stack) > 0 {
				s.close()
			}
			i++
		case ',':
			if n := len(s.stack); n > 0 && s.stack[n-1].obj {
				s.stack[n-1].wantKey = true
			}
			i++
		case '"':
			end, clean := stringEnd(b, i+1)
			raw := b[i+1 : min(end, len(b))]
			if !clean {
				// Invalid UTF-8 becomes U+FFFD (up to 3 bytes each); charged twice, for the decoder's
				// scratch copy and the string made from it (a race build's decoder was measured 0.6 %
				// above a single charge on a body of such strings).
				s.cost += 2 * class(3*int64(len(raw)))
				s.maxUnclean = max(s.maxUnclean, int64(len(raw)))
			}
			if n := len(s.stack); n > 0 && s.stack[n-1].wantKey {
				f := &s.stack[n-1]
				f.wantKey = false
				h := maphash.Bytes(costSeed, raw)
				f.hash = f.hash*0x100000001b3 ^ h
				f.unclean = f.unclean || !clean
				s.keys = append(s.keys, h)
			} else {
				s.value()
				s.cost += boxCost
			}
			i = end + 1
		case ' ', '\t', '\n', '\r', ':':
			i++
		default: // a number or a literal (true, false, null); anything else Decode refuses
			j := i
			for j < len(b) && (b[j] == '-' || b[j] == '+' || b[j] == '.' || b[j]|0x20 >= 'a' && b[j]|0x20 <= 'z' || b[j] >= '0' && b[j] <= '9') {
				j++
			}
			if j == i {
				j++
			}
			s.value()
			if c == '-' || c >= '0' && c <= '9' {
				s.cost += boxCost
			}
			i = j
		}
	}
}

// stringEnd returns the index of the quote that ends the string starting at i (len(b) if none), and
// whether Decode takes the string as a slice of the body (no escape, valid UTF-8) rather than a copy.
func stringEnd(b []byte, i int) (end int, clean bool) {
	// Most strings are short and plain ASCII: a byte loop, without calls, finds their end.
	for j := i; j < len(b); j++ {
		if c := b[j]; c == '"' {
			return j, true
		} else if c == '\\' || c >= utf8.RuneSelf {
			break
		}
	}
	start := i
	for {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b), false
		}
		esc := bytes.IndexByte(b[i:i+q], '\\')
		if esc < 0 {
			end = i + q
			break
		}
		// An escape: step over it and look for the quote again.
		clean = false
		i += esc + 2
		if i >= len(b) {
			return len(b), false
		}
		start = -1
	}
	if start < 0 {
		return end, false
	}
	return end, utf8.Valid(b[start:end])
}

// close ends the innermost container and charges what Decode allocates for it.
func (s *costScan) close() {
	f := s.stack[len(s.stack)-1]
	depth := len(s.stack) - 1
	s.stack = s.stack[:depth]
	if !f.obj {
		s.vals -= f.n
		s.cost += sliceBoxCost + class(slotCost*f.n)
		return
	}
	s.mems -= f.n
	keys := s.keys[f.keyBase:]
	s.keys = s.keys[:f.keyBase]
	s.cost += mapCost(f.n)
	if f.n == 0 {
		return
	}
	s.objs++
	for len(s.last) <= depth {
		s.last = append(s.last, lastObject{})
	}
	h := f.hash | 1 // never 0 (none)
	last := &s.last[depth]
	switch {
	case h == last.hash && !last.dup: // the same keys as the previous object here: Decode shares its list
	case f.unclean || h == last.hash || s.hasDuplicate(keys):
		// A repeated key costs Decode a set of the keys and a key list of its own. Keys with an
		// escape or invalid UTF-8 may decode alike: charged as if they did.
		s.cost += mapCost(f.n) + class(16*f.n)
		s.shapes++
		last.dup = true
	default: // a key list unlike the previous object's at this depth
		s.cost += class(16 * f.n)
		s.shapes++
		last.dup = false
	}
	last.hash = h
}

// hasDuplicate reports whether two of an object's key hashes are equal: equal keys always are, and
// with a random seed, different keys almost never (then the object is only charged more).
func (s *costScan) hasDuplicate(keys []uint64) bool {
	if len(keys) <= 8 {
		for i := range keys {
			for j := i + 1; j < len(keys); j++ {
				if keys[i] == keys[j] {
					return true
				}
			}
		}
		return false
	}
	s.scratch = append(s.scratch[:0], keys...)
	slices.Sort(s.scratch)
	for i := 1; i < len(s.scratch); i++ {
		if s.scratch[i] == s.scratch[i-1] {
			return true
		}
	}
	return false
}

// total adds what depends on the whole body to what run charged per value.
func (s *costScan) total() int64 {
	n := int64(len(s.b))
	t := s.cost + fixedCost + class(n) // the decoder's private copy of the body
	// The object list is sized once from the '{' bytes (at most one per 8 bytes), then grown.
	hint := min(int64(bytes.Count(s.b, []byte{'{'})), n/8)
	t += class(objCost * hint)
	if s.objs > hint {
		t += growth(objCost * s.objs)
	}
	t += growth(slotCost*s.peakVals) + growth(memberCost*s.peakMems) + growth(shapeCost*s.shapes) + growth(3*s.maxUnclean)
	t += indexCost * s.objs
	return t
}

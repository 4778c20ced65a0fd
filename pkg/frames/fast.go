package frames

import (
	"errors"
	"math"
	"strconv"
	"unsafe"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonscan"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonsel"
)

// ConvertBytes is Decode followed by Convert for the common case, without building the tree: it
// scans body and records, per column, where each row's value starts in body; the fields are then
// built straight from the bytes. Peak memory is the frames plus 4 bytes per cell.
//
// It handles a root selector that is a key path (jsonsel.KeyPath), possibly followed by one
// wildcard ("$[*]", "$.items[*]", "$.a.b.*"), with inferred columns, or with declared columns or
// variable selectors that are all key paths (relative to the row). ok is false, and nothing is
// returned, for anything else (invalid JSON, a duplicate key in an inferred row or in the members a
// wildcard takes, a root path step into an array, another JSONPath form): the caller then runs
// Decode and Convert, which give the errors. When ok is true the frames and the error are those
// Decode and Convert would give (TestConvertBytesMatchesTree, FuzzConvertBytesEquivalence). body is
// not retained. It is a Stream of one page.
func ConvertBytes(body []byte, spec Spec) (out data.Frames, ok bool, err error) {
	s, ok := NewStream(spec)
	if !ok {
		return nil, false, nil
	}
	if _, ok := s.Add(body); !ok {
		return nil, false, nil
	}
	out, err = s.Frames()
	return out, true, err
}

// Stream is ConvertBytes over several replies (the pages of a query): the rows of every page go into
// the same columns, and the frames and the error are those of RowSet.Add on each decoded page (with
// spec.RootSelector) then ConvertRows (TestStreamMatchesTree, FuzzStreamEquivalence). It keeps each
// page's body, which the fields are built from at the end, and 4 bytes per cell.
type Stream struct {
	spec   Spec
	path   []string // the root selector's keys
	wild   bool     // the root selector ends in a wildcard: the rows are the children of path's node
	decl   []Column // the declared columns, or the variable selectors' text and value
	b      builder
	top    *node[*fcol] // the rows' node, kept across pages: the next page's rows usually have the same keys
	failed bool
}

// NewStream returns a Stream for spec, and false when spec is outside the streaming case (see
// ConvertBytes).
func NewStream(spec Spec) (*Stream, bool) {
	path, wild, ok := jsonsel.KeyPathWildcard(spec.RootSelector)
	if !ok {
		return nil, false
	}
	s := &Stream{spec: spec, path: path, wild: wild, decl: spec.Columns, top: &node[*fcol]{},
		b: builder{index: map[string]*fcol{}, lim: spec.Limits.orDefaults()}}
	if spec.variableSelectors() { // as in ConvertRows, they replace the declared columns
		s.decl = variableColumns(spec)
	}
	if len(s.decl) > 0 && !s.b.declare(s.decl) {
		return nil, false
	}
	return s, true
}

// Add scans the next page and returns how many rows it selected (what RowSet.Add returns). ok is
// false when the page is outside the streaming case (as for ConvertBytes); the Stream is then
// unusable, and the caller goes on with the tree path: Trees, then this page and the next ones
// decoded. body must not be modified while the Stream is in use.
func (s *Stream) Add(body []byte) (rows int, ok bool) {
	if s.failed || !streamable(len(body)) || !jsonscan.Valid(body) {
		s.failed = true
		return 0, false
	}
	first := s.b.rows
	s.b.B, s.b.Pos = body, 0
	if !s.b.run(s.path, s.wild, s.top) { // the rows scanned so far are half a page: give up the whole Stream
		s.failed = true
		return 0, false
	}
	s.b.pages = append(s.b.pages, page{body: body, first: first})
	return s.b.rows - first, true
}

// streamable reports whether a body of n bytes fits the column offsets: each is stored as a uint32
// (1 + the offset, 0 for none), so the body must be shorter than math.MaxUint32 bytes. The compare is
// in uint64 so that it compiles and holds where int is 32 bits (any []byte there fits, and int(p) in
// builder.at cannot wrap, as p <= len(body) <= math.MaxInt32). A longer body goes to the tree path.
func streamable(n int) bool {
	return uint64(n) < math.MaxUint32
}

// Trees returns the pages added so far as the tree path holds them: each decoded and added with the
// root selector. A caller whose page the Stream refused adds that page and the next ones to it.
// charge (nil: none) is given every page before any is decoded, and its error ends Trees: the
// caller's memory budget refuses the trees before they cost anything.
func (s *Stream) Trees(charge func(body []byte) error) (*RowSet, error) {
	for _, p := range s.b.pages {
		if charge != nil {
			if err := charge(p.body); err != nil {
				return nil, err
			}
		}
	}
	set := &RowSet{Limits: s.spec.Limits}
	for _, p := range s.b.pages {
		doc, err := Decode(p.body) // cannot fail: Add validated it
		if err != nil {
			return nil, err
		}
		if _, err := set.Add(doc, s.spec.RootSelector); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// Frames builds the frames of all the rows added, as ConvertRows would. Call it once: it releases the
// offsets as it goes.
func (s *Stream) Frames() (data.Frames, error) {
	if s.failed {
		return nil, errors.New("frames: Stream.Frames after a page was refused")
	}
	for i, d := range s.decl { // after every page's JSON check, as in ConvertRows
		if err := d.checkType(i); err != nil {
			return nil, err
		}
	}
	b := &s.b
	if s.spec.variableSelectors() {
		texts, values := variableOptions(b.rows, func(col, row int) (string, bool) {
			if p := b.at(b.cols[col], row); p >= 0 {
				return b.text(p), true
			}
			return "", false
		})
		return data.Frames{variableFrame(s.spec.Name, texts, values)}, nil
	}
	frame := data.NewFrame(s.spec.Name)
	frame.Fields = make([]*data.Field, 0, len(b.cols))
	for _, c := range b.cols {
		f, err := buildField(byteCells{b, c}, b.rows, c.colSpec)
		c.chunks = nil // released as the fields are built
		if err != nil {
			return nil, err
		}
		frame.Fields = append(frame.Fields, f)
	}
	return shapeFrame(frame, s.spec, b.lim)
}

// fcol is one column: for each row, 1 + the offset in the body of its value, or 0 for null or
// missing, in chunks of chunkRows rows allocated on first need (only the first one grows). typ and
// timeFormat are declared ones ("" for an inferred column).
type fcol struct {
	colSpec
	chunks [][]uint32
	// A small reply's column fits in these, without an allocation of its own: most columns of a
	// dashboard query are a few rows long, and per-column allocations were a third of the
	// streaming path's allocations for a 5-row reply (BenchmarkQueryData in pkg/plugin).
	chunk0 [1][]uint32
	small  [8]uint32
}

const (
	chunkShift = 10
	chunkRows  = 1 << chunkShift
)

func (c *fcol) set(row int, p uint32) {
	k := row >> chunkShift
	if k >= len(c.chunks) {
		if p == 0 {
			return
		}
		if c.chunks == nil && k == 0 {
			c.chunks = c.chunk0[:]
		} else {
			c.chunks = append(c.chunks, make([][]uint32, k+1-len(c.chunks))...)
		}
	}
	ch := c.chunks[k]
	i := row & (chunkRows - 1)
	if i >= len(ch) {
		if p == 0 {
			return
		}
		// The first chunk starts small and doubles, so that a small reply does not pay for a
		// whole chunk per column; the others are allocated whole.
		n := chunkRows
		if k == 0 {
			if ch == nil && i < len(c.small) {
				c.chunks[0] = c.small[:]
				c.small[i] = p
				return
			}
			n = min(chunkRows, max(16, 2*len(ch), i+1))
		}
		grown := make([]uint32, n)
		copy(grown, ch)
		ch = grown
		c.chunks[k] = ch
	}
	ch[i] = p
}

func (c *fcol) at(row int) uint32 {
	k := row >> chunkShift
	if k >= len(c.chunks) {
		return 0
	}
	if ch, i := c.chunks[k], row&(chunkRows-1); i < len(ch) {
		return ch[i]
	}
	return 0
}

// builder scans bodies jsonscan.Valid accepted, one page after the other, then builds the fields.
type builder struct {
	jsonscan.Cursor // B: the body being scanned, or the page of the cell being read
	rows            int
	pages           []page // the pages scanned, in order
	cur             int    // index in pages of b, when reading cells
	cols            []*fcol
	index           map[string]*fcol // inferred columns by name
	decl            *pnode           // the declared columns' paths, or nil to infer the columns
	tmp             []byte
	arena           []byte // string data of the fields: appended to, never rewritten
	slab            []fcol // columns not yet handed out (newCol)
	// lim is the output budget. Going over it gives up (the tree path then gives the error), checked
	// as strictly as the tree path does, so that a Stream never returns frames the tree refuses.
	lim Limits
	// bigCell is set when a declared column's cell is larger than maxStreamComposite.
	bigCell bool
}

// page is one body scanned, and the index of its first row: the rows of a page are contiguous.
type page struct {
	body  []byte
	first int
}

// at returns the offset of row's cell of c in its page's body, which it makes b.B, or -1 when the
// cell is null or missing. Rows are read in order, so the page is usually the current one or the next.
func (b *builder) at(c *fcol, row int) int {
	p := c.at(row)
	if p == 0 {
		return -1
	}
	if row < b.pages[b.cur].first {
		b.cur = 0
	}
	for b.cur+1 < len(b.pages) && row >= b.pages[b.cur+1].first {
		b.cur++
	}
	b.B = b.pages[b.cur].body
	return int(p) - 1
}

// get returns the inferred column name, or nil when a new column would go over the budget.
func (b *builder) get(name string) *fcol {
	c, ok := b.index[name]
	if !ok {
		if b.lim.addColumn(len(b.cols), b.rows+1, name) != nil {
			return nil
		}
		c = b.newCol(name)
		b.index[name] = c
		b.cols = append(b.cols, c)
	}
	return c
}

// newCol returns a new column, allocated eight at a time.
func (b *builder) newCol(name string) *fcol {
	if len(b.slab) == 0 {
		b.slab = make([]fcol, 8)
	}
	c := &b.slab[0]
	b.slab = b.slab[1:]
	c.name = name
	return c
}

// run selects the rows of the body as rowsOf does and flattens them as inferColumns does (top is the
// rows' node); wild selects the children of path's node instead of the node. It returns false to give
// up (a root path step into an array, a duplicate key in a row or in the members wild selects).
func (b *builder) run(path []string, wild bool, top *node[*fcol]) bool {
	if found, ok := b.Find(path, false); !ok || !found {
		return ok // no rows when nothing is selected
	}
	if wild {
		return b.children(top)
	}
	return b.rowsOf(top)
}

// rowsOf adds the rows of the one node selected, at pos, as rowsOf does: null gives none, an array
// one per element, anything else one.
func (b *builder) rowsOf(top *node[*fcol]) bool {
	switch b.B[b.Pos] {
	case 'n':
		return true
	case '[':
		if b.IsEmpty() {
			return true
		}
		b.Pos++
		for {
			b.WS()
			if !b.row(top) {
				return false
			}
			if !b.More() {
				return true
			}
		}
	default:
		return b.row(top)
	}
}

// children adds the rows of the nodes a wildcard selects from the value at pos, as rowsOf does: an
// array's elements, or an object's member values in document order (a scalar or null has none). One
// child is the one node selected (rowsOf: null gives no row, an array one per element); several are a
// row each. An object with a duplicate key gives up: the tree takes its members at their first
// position with their last value, which this scan does not reproduce.
func (b *builder) children(top *node[*fcol]) bool {
	kind := b.B[b.Pos]
	if (kind != '[' && kind != '{') || b.IsEmpty() {
		return true
	}
	start := b.Pos + 1
	b.Pos = start
	if kind == '{' {
		b.MemberKey()
	} else {
		b.WS()
	}
	first := b.Pos
	b.SkipValue()
	if !b.More() { // one child
		b.Pos = first
		return b.rowsOf(top)
	}
	b.Pos = start
	var seen map[string]bool
	if kind == '{' {
		seen = map[string]bool{}
	}
	for {
		if kind == '{' {
			key := string(b.MemberKey()) // copied: the row's scan reuses b.tmp
			if seen[key] {
				return false
			}
			seen[key] = true
		} else {
			b.WS()
		}
		if !b.row(top) {
			return false
		}
		if !b.More() {
			return true
		}
	}
}

func (b *builder) row(top *node[*fcol]) bool {
	if b.rows >= b.lim.MaxRows || b.lim.cellsOver(len(b.cols), b.rows+1) {
		return false
	}
	defer func() { b.rows++ }()
	if b.decl != nil {
		b.lookup(b.decl)
		return !b.bigCell
	}
	switch b.B[b.Pos] {
	case '{':
		if b.IsEmpty() {
			b.SkipValue()
			return true
		}
		return b.object(top)
	}
	c := b.get("value")
	if c == nil {
		return false
	}
	if b.B[b.Pos] == 'n' {
		c.set(b.rows, 0)
		b.Pos += 4
		return true
	}
	c.set(b.rows, uint32(b.Pos+1))
	return b.skipCell()
}

// maxStreamComposite bounds one object or array cell on the streaming path. Such a cell is decoded
// on its own when its column is built, at 20 to 80 times its size (paginate.TreeCost's figures),
// and the query's memory budget is charged only for trees of whole pages: a larger cell gives the
// page up, so the tree path charges the decode to queryMemoryMiB before it happens.
const maxStreamComposite = 1 << 20

// skipCell skips the cell at b.Pos and reports whether the stream may keep it (see maxStreamComposite).
func (b *builder) skipCell() bool {
	start := b.Pos
	b.SkipValue()
	return (b.B[start] != '[' && b.B[start] != '{') || b.Pos-start <= maxStreamComposite
}

// object flattens the non-empty object at pos into the columns under n, for row b.rows.
func (b *builder) object(n *node[*fcol]) bool {
	b.Pos++ // '{'
	keys := n.lastKeys
	same := true
	var newKeys []string
	i := 0
	for ; ; i++ {
		raw := b.MemberKey()
		var key string
		if same && i < len(keys) && string(raw) == keys[i] {
			key = keys[i]
		} else {
			if same {
				same = false
				newKeys = append(make([]string, 0, max(8, 2*i)), keys[:i]...)
			}
			key = string(raw)
			newKeys = append(newKeys, key)
		}
		c := b.B[b.Pos]
		if c == '{' && !b.IsEmpty() {
			var kid *node[*fcol]
			if same {
				if n.lastKids[i] == nil {
					n.lastKids[i], _ = n.kid(key, b.lim)
				}
				kid = n.lastKids[i]
			} else {
				kid, _ = n.kid(key, b.lim)
			}
			if kid == nil || !b.object(kid) {
				return false
			}
		} else {
			var col *fcol
			if same {
				if n.lastCols[i] == nil {
					n.lastCols[i] = b.get(n.prefix + key)
				}
				col = n.lastCols[i]
			} else {
				col = b.get(n.prefix + key)
			}
			if col == nil {
				return false
			}
			if c == 'n' {
				col.set(b.rows, 0)
				b.Pos += 4
			} else if col.set(b.rows, uint32(b.Pos+1)); !b.skipCell() {
				return false
			}
		}
		if !b.More() {
			break
		}
	}
	i++
	if same {
		if i == len(keys) {
			return true
		}
		newKeys = append([]string(nil), keys[:i]...)
	}
	// A new key list: with a duplicate key the tree keeps the first position and the last value,
	// which this scan cannot reproduce.
	if len(newKeys) <= 16 {
		for x := range newKeys {
			for y := x + 1; y < len(newKeys); y++ {
				if newKeys[x] == newKeys[y] {
					return false
				}
			}
		}
	} else {
		seen := make(map[string]bool, len(newKeys))
		for _, k := range newKeys {
			if seen[k] {
				return false
			}
			seen[k] = true
		}
	}
	n.remember(newKeys)
	return true
}

// pnode is one step of the declared columns' key paths, which form a trie (selectors with a common
// prefix share its nodes): the columns whose path ends at the step, and the next steps.
type pnode struct {
	cols  []*fcol
	kids  map[string]*pnode // by key
	steps []*pnode          // the same, in declaration order
	index int               // the array element the key selects (strconv.Atoi, as jsonsel's dotted walk), or -1
	at    int               // lookup's scratch: where the step's value starts in the current row, or 0
}

// declare records the declared columns and the trie of their selectors, and returns false when a
// selector is not a key path. A "$.a" name never parses as an index, so both forms share the trie.
func (b *builder) declare(decl []Column) bool {
	if len(decl) > b.lim.MaxColumns {
		return false
	}
	b.decl = &pnode{index: -1}
	for _, d := range decl {
		path, ok := jsonsel.KeyPath(d.Selector)
		if !ok {
			return false
		}
		n := b.decl
		for _, seg := range path {
			k := n.kids[seg]
			if k == nil {
				k = &pnode{index: -1}
				if i, err := strconv.Atoi(seg); err == nil && i >= 0 {
					k.index = i
				}
				if n.kids == nil {
					n.kids = map[string]*pnode{}
				}
				n.kids[seg] = k
				n.steps = append(n.steps, k)
			}
			n = k
		}
		if b.lim.checkName(d.fieldName()) != nil {
			return false
		}
		c := &fcol{colSpec: d.spec()}
		n.cols = append(n.cols, c)
		b.cols = append(b.cols, c)
	}
	return true
}

// lookup is sel.First of every declared column on the row at pos (n is the row's node). The value at
// pos is the cell of n's columns; each next step takes, in an object, the value of its key (the last
// one if the key is repeated, as in the map Decode builds) and, in an array, its element. A step
// that finds nothing (a missing key or element, a scalar, null) leaves its columns null. The steps
// are resolved after the whole value is scanned, so that a repeated key's last value wins. lookup
// leaves pos after the value.
func (b *builder) lookup(n *pnode) {
	kind := b.B[b.Pos]
	if kind != 'n' {
		for _, c := range n.cols {
			c.set(b.rows, uint32(b.Pos+1))
		}
	}
	if len(n.cols) > 0 && (kind == '{' || kind == '[') {
		// A declared column's object or array cell: bounded like an inferred one (skipCell).
		start := b.Pos
		defer func() { b.bigCell = b.bigCell || b.Pos-start > maxStreamComposite }()
	}
	if len(n.steps) == 0 || (kind != '{' && kind != '[') || b.IsEmpty() {
		b.SkipValue()
		return
	}
	b.Pos++
	for i := 0; ; i++ {
		if kind == '{' {
			if k := n.kids[string(b.MemberKey())]; k != nil {
				k.at = b.Pos
			}
		} else {
			b.WS()
			for _, k := range n.steps {
				if k.index == i {
					k.at = b.Pos
				}
			}
		}
		b.SkipValue()
		if !b.More() {
			break
		}
	}
	end := b.Pos
	for _, k := range n.steps {
		if k.at != 0 {
			b.Pos, k.at = k.at, 0
			b.lookup(k)
		}
	}
	b.Pos = end
}

// view is the text at [start, end) of the body, not copied: it must not outlive the call.
//
// unsafe pays here and in keep: with string(b.B[start:end]) and string(s) instead (a copy and an
// allocation per number read and per string cell kept), BenchmarkJSONToFrames/size=1MB/convertbytes
// took 18 % more CPU (user time of 3x300 runs interleaved with this code, same run: 18.8 s vs 16.0 s).
// Both are safe as used: the body is not modified while a Stream uses it (Stream.Add), and the arena
// is only appended to, so a string made from it never changes.
func (b *builder) view(start, end int) string {
	if start == end {
		return ""
	}
	return unsafe.String(&b.B[start], end-start)
}

func (b *builder) number(p int) string { return b.view(p, jsonscan.NumEnd(b.B, p)) }

// str returns the decoded string at p: a view of the body when clean (not to be kept), else a copy.
func (b *builder) str(p int) (string, []byte) {
	b.Pos = p
	raw, clean := b.SkipString()
	if clean {
		return b.view(p+1, p+1+len(raw)), raw
	}
	b.tmp = jsonscan.AppendUnquoted(b.tmp[:0], raw)
	return string(b.tmp), b.tmp
}

// composite decodes the object or array at p as Decode would.
func (b *builder) composite(p int) any {
	b.Pos = p
	b.SkipValue()
	doc, err := Decode(b.B[p:b.Pos])
	if err != nil { // cannot happen: jsonscan.Valid accepted the whole body
		panic(err)
	}
	return doc.Root
}

// keep copies s into the arena and returns the copy.
func (b *builder) keep(s []byte) string {
	if len(s) == 0 {
		return ""
	}
	if len(s) > 1024 {
		return string(s)
	}
	if cap(b.arena)-len(b.arena) < len(s) {
		// The text of all cells is at most the body: a small reply needs one small block.
		b.arena = make([]byte, 0, max(len(s), min(32<<10, len(b.B))))
	}
	start := len(b.arena)
	b.arena = append(b.arena, s...)
	return unsafe.String(&b.arena[start], len(s))
}

// value is the cell at p as Decode gives it, strings copied (a conversion may keep them): for the
// cells that go through the tree path's conversion.
func (b *builder) value(p int) any {
	if k := b.B[p]; k == '{' || k == '[' {
		return b.composite(p)
	}
	b.Pos = p
	return b.Scalar()
}

// text is the tree's text(v) of the cell at p; strings and numbers are copied into the arena.
func (b *builder) text(p int) string {
	switch b.B[p] {
	case '"':
		_, raw := b.str(p)
		return b.keep(raw)
	case 't', 'f', '{', '[':
		return text(b.value(p))
	}
	return b.keep(b.B[p:jsonscan.NumEnd(b.B, p)])
}

// byteCells is the cells of one column of the streaming path: offsets into the pages' bodies.
type byteCells struct {
	b *builder
	c *fcol
}

func (x byteCells) cell(row int) (int, int) {
	p := x.b.at(x.c, row)
	if p < 0 {
		return cellNull, p
	}
	switch x.b.B[p] {
	case 't', 'f':
		return cellBool, p
	case '"':
		return cellString, p
	case '{', '[':
		return cellComposite, p
	}
	return cellNumber, p
}
func (x byteCells) boolean(p int) bool  { return x.b.B[p] == 't' }
func (x byteCells) number(p int) string { return x.b.number(p) }
func (x byteCells) str(p int) string    { s, _ := x.b.str(p); return s }
func (x byteCells) value(p int) any     { return x.b.value(p) }
func (x byteCells) text(p int) string   { return x.b.text(p) }

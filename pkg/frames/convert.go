package frames

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonsel"
)

// Formats.
const (
	FormatTable      = "table"
	FormatTimeSeries = "timeseries"
	FormatSingle     = "single"   // one field, one row: for stat panels
	FormatVariable   = "variable" // fields text and value: for dashboard variables
)

// Column types.
const (
	TypeString  = "string"
	TypeNumber  = "number"
	TypeInteger = "integer"
	TypeBoolean = "boolean"
	TypeTime    = "time"
	TypeJSON    = "json"
)

// Time formats of a time column.
const (
	TimeAuto    = ""         // RFC 3339 strings, epoch seconds or milliseconds numbers
	TimeRFC3339 = "rfc3339"  // RFC 3339 strings
	TimeEpochS  = "epoch_s"  // epoch seconds
	TimeEpochMS = "epoch_ms" // epoch milliseconds
	// anything else is a Go layout, e.g. "2006-01-02 15:04:05"
)

// Column declares one output field.
type Column struct {
	Selector   string `json:"selector"`
	Name       string `json:"name,omitempty"`
	Type       string `json:"type,omitempty"`
	TimeFormat string `json:"timeFormat,omitempty"`
}

// Spec says how to turn a reply into frames.
type Spec struct {
	Name         string // frame name (the query's refId)
	RootSelector string
	Columns      []Column
	Format       string
	// Selectors of the text and value of each option, for FormatVariable (both optional).
	VariableText  string
	VariableValue string
	// Limits is the output budget (zero fields: the defaults).
	Limits Limits
}

// variableSelectors reports whether the options of a variable come from its selectors.
func (s Spec) variableSelectors() bool {
	return s.Format == FormatVariable && (s.VariableText != "" || s.VariableValue != "")
}

// Convert turns a decoded reply into frames as spec says.
func Convert(doc *Doc, spec Spec) (data.Frames, error) {
	set := RowSet{Limits: spec.Limits}
	if _, err := set.Add(doc, spec.RootSelector); err != nil {
		return nil, err
	}
	return ConvertRows(&set, spec)
}

// RowSet gathers the rows of one or more decoded replies (pages), in order, remembering which reply
// each row came from so that inferred columns keep the key order of the JSON.
type RowSet struct {
	// Limits bounds the rows Add takes (zero fields: the defaults); ConvertRows uses the spec's.
	Limits Limits

	rows  []any
	docs  []*Doc
	owner []int // index in docs of each row's reply
}

// Add selects the rows of doc with rootSelector and appends them; it returns how many rows it
// added. More rows than Limits.MaxRows in all is an error. Every value comes from a Doc, so none
// nests deeper than the bound (jq's output too: the worker's reply is decoded, pkg/jqworker).
func (s *RowSet) Add(doc *Doc, rootSelector string) (int, error) {
	sel, err := jsonsel.Compile(rootSelector)
	if err != nil {
		return 0, fmt.Errorf("rootSelector: %v", err)
	}
	rows := rowsOf(sel, doc)
	if l := s.Limits.orDefaults(); len(s.rows)+len(rows) > l.MaxRows {
		return 0, tooManyRows(l)
	}
	s.docs = append(s.docs, doc)
	for range rows {
		s.owner = append(s.owner, len(s.docs)-1)
	}
	s.rows = append(s.rows, rows...)
	return len(rows), nil
}

// Len is the number of rows gathered.
func (s *RowSet) Len() int { return len(s.rows) }

// ConvertRows turns gathered rows into frames as spec says (spec.RootSelector is not used: the rows
// are already selected). Columns are inferred from all rows of all replies.
func ConvertRows(set *RowSet, spec Spec) (data.Frames, error) {
	rows := set.rows
	lim := spec.Limits.orDefaults()
	if len(rows) > lim.MaxRows { // rows added with another RowSet.Limits
		return nil, tooManyRows(lim)
	}
	if spec.variableSelectors() {
		return variableFromSelectors(set, spec, lim)
	}
	var (
		cols []*column
		err  error
	)
	if len(spec.Columns) > 0 {
		cols, err = declaredColumns(spec.Columns, set, lim)
	} else {
		cols, err = inferColumns(set, rows, lim)
	}
	if err != nil {
		return nil, err
	}
	frame := data.NewFrame(spec.Name)
	for _, c := range cols {
		f, err := buildField(treeCells{c.values}, len(rows), c.colSpec)
		c.values = nil // released as the fields are built
		if err != nil {
			return nil, err
		}
		frame.Fields = append(frame.Fields, f)
	}
	return shapeFrame(frame, spec, lim)
}

// shapeFrame turns the table frame of all rows into the frames of spec.Format (lim: spec.Limits with
// its defaults).
func shapeFrame(frame *data.Frame, spec Spec, lim Limits) (data.Frames, error) {
	frame.Meta = &data.FrameMeta{PreferredVisualization: data.VisTypeTable}
	switch spec.Format {
	case FormatTimeSeries:
		return timeSeries(frame, lim)
	case FormatSingle:
		return single(frame, len(spec.Columns) > 0)
	case FormatVariable:
		return variableFromFrame(frame)
	}
	return data.Frames{frame}, nil
}

// rowsOf: a selector that lands on one array yields its elements; otherwise each selected node is a
// row, in document order.
func rowsOf(sel *jsonsel.Selector, doc *Doc) []any {
	nodes := sel.SelectOrdered(doc.Root, doc.Keys)
	if len(nodes) == 1 {
		if arr, ok := nodes[0].([]any); ok {
			return arr
		}
		if nodes[0] == nil {
			return nil
		}
	}
	return nodes
}

// colSpec is what both paths know of a column before its cells: the field name, and the declared
// type and time format ("" for an inferred column).
type colSpec struct{ name, typ, timeFormat string }

// column collects the raw values of one field of the tree path, one per row.
type column struct {
	colSpec
	values []any
}

// node is the columns (of type C: the tree's or the byte scan's) and nested nodes of the objects
// found under one prefix ("" for the rows, "a." for the objects under key a). Objects of one shape
// share their key list (see Doc; the byte scan keeps the last one it read), so the columns of the
// last list seen are kept by position: a row like the previous one costs no string concatenation
// and no lookup by column name.
type node[C any] struct {
	prefix   string
	kids     map[string]*node[C]
	lastKeys []string
	lastCols []C
	lastKids []*node[C]
}

// remember makes keys the key list the columns are kept for.
func (n *node[C]) remember(keys []string) {
	n.lastKeys, n.lastCols, n.lastKids = keys, make([]C, len(keys)), make([]*node[C], len(keys))
}

// kid returns the node of the objects under key k, or the budget error when their columns' names
// would be too long (the budget is checked before a nesting level costs anything).
func (n *node[C]) kid(k string, lim Limits) (*node[C], error) {
	c, ok := n.kids[k]
	if !ok {
		if lim.nestedOver(n.prefix, k) {
			return nil, nameTooLong(lim, n.prefix+k+".")
		}
		if n.kids == nil {
			n.kids = map[string]*node[C]{}
		}
		c = &node[C]{prefix: n.prefix + k + "."}
		n.kids[k] = c
	}
	return c, nil
}

// inferColumns flattens the rows into columns. The budget is checked before anything is allocated
// for a new column (Limits.addColumn) or a new nesting level (node.kid).
func inferColumns(set *RowSet, rows []any, lim Limits) ([]*column, error) {
	var cols []*column
	index := map[string]*column{}
	get := func(name string) (*column, error) {
		if c, ok := index[name]; ok {
			return c, nil
		}
		if err := lim.addColumn(len(cols), len(rows), name); err != nil {
			return nil, err
		}
		c := &column{colSpec: colSpec{name: name}, values: make([]any, len(rows))}
		index[name] = c
		cols = append(cols, c)
		return c, nil
	}
	var flatten func(n *node[*column], m map[string]any, row int) error
	flatten = func(n *node[*column], m map[string]any, row int) error {
		// The document order of row's reply; sorted for an object not from a Doc (cannot happen:
		// RowSet.Add takes a Doc, but a value is never dropped).
		keys := set.docs[set.owner[row]].Keys(m)
		if keys == nil {
			keys = slices.Sorted(maps.Keys(m))
		}
		if len(keys) == 0 {
			return nil
		}
		if len(keys) != len(n.lastKeys) || &keys[0] != &n.lastKeys[0] {
			n.remember(keys)
		}
		for i, k := range keys {
			v := m[k]
			var err error
			if nested, ok := v.(map[string]any); ok && len(nested) > 0 {
				if n.lastKids[i] == nil {
					n.lastKids[i], err = n.kid(k, lim)
				}
				if err == nil {
					err = flatten(n.lastKids[i], nested, row)
				}
			} else {
				if n.lastCols[i] == nil {
					n.lastCols[i], err = get(n.prefix + k)
				}
				if err == nil {
					n.lastCols[i].values[row] = v
				}
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	top := &node[*column]{}
	for i, r := range rows {
		var err error
		if m, ok := r.(map[string]any); ok {
			err = flatten(top, m, i)
		} else {
			var c *column
			if c, err = get("value"); err == nil {
				c.values[i] = r
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return cols, nil
}

// declaredColumns reads each declared column from every row of set: the first node its selector
// selects, in the document order of the row's reply.
func declaredColumns(decl []Column, set *RowSet, lim Limits) ([]*column, error) {
	rows := set.rows
	if len(decl) > lim.MaxColumns {
		return nil, tooManyColumns(lim)
	}
	if lim.cellsOver(len(decl), len(rows)) {
		return nil, tooManyCells(lim, len(decl), len(rows))
	}
	cols := make([]*column, 0, len(decl))
	for i, d := range decl {
		sel, err := jsonsel.Compile(d.Selector)
		if err != nil {
			return nil, fmt.Errorf("columns[%d].selector: %v", i, err)
		}
		if err := d.checkType(i); err != nil {
			return nil, err
		}
		if err := lim.checkName(d.fieldName()); err != nil {
			return nil, fmt.Errorf("columns[%d].name: %w", i, err)
		}
		c := &column{colSpec: d.spec(), values: make([]any, len(rows))}
		for r, row := range rows {
			if v, ok := sel.FirstOrdered(row, set.docs[set.owner[r]].Keys); ok {
				c.values[r] = v
			}
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// checkType returns the error for the declared type of columns[i] when it is not a known one.
func (d Column) checkType(i int) error {
	switch d.Type {
	case "", TypeString, TypeNumber, TypeInteger, TypeBoolean, TypeTime, TypeJSON:
		return nil
	}
	return fmt.Errorf("columns[%d].type: %q is not one of string, number, integer, boolean, time, json", i, d.Type)
}

// spec is the column's colSpec.
func (d Column) spec() colSpec { return colSpec{d.fieldName(), d.Type, d.TimeFormat} }

// fieldName is the declared name, else the selector as written.
func (d Column) fieldName() string {
	if d.Name != "" {
		return d.Name
	}
	return d.Selector
}

// typeCounts tallies a column's non-null values by JSON kind (inferType).
type typeCounts struct {
	bools, ints, floats, strings, composites, nonNull int
	someNotTime                                       bool // a string that is not RFC 3339
}

// chosen is the inferred type: one kind throughout, numbers mixing ints and floats as number, RFC
// 3339 strings as time, and mixed scalars as string (shown as text rather than guessed).
func (n typeCounts) chosen() string {
	switch {
	case n.nonNull == 0:
		return TypeString
	case n.bools == n.nonNull:
		return TypeBoolean
	case n.ints == n.nonNull:
		return TypeInteger
	case n.ints+n.floats == n.nonNull:
		return TypeNumber
	case n.strings == n.nonNull && !n.someNotTime:
		return TypeTime
	case n.composites == n.nonNull:
		return TypeJSON
	}
	return TypeString
}

var errNotRFC3339 = errors.New("not an RFC 3339 time")

// parseRFC3339 is time.Parse(time.RFC3339Nano, s) that refuses at once, without building an error,
// what cannot be one (YYYY-MM-DDThh:mm:ss at least): the first value of every text column is tried.
func parseRFC3339(s string) (time.Time, error) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[4] != '-' || s[7] != '-' || s[13] != ':' {
		return time.Time{}, errNotRFC3339
	}
	return time.Parse(time.RFC3339Nano, s)
}

// isInt64 reports whether n is an integer that fits in int64, without parsing the common short ones.
func isInt64(n json.Number) bool {
	s := string(n)
	digits := s
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 { // 18 digits always fit; longer ones are parsed
		_, err := strconv.ParseInt(s, 10, 64)
		return err == nil
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

// cellSource is the seam between the column model and where a column's cells live: the tree's
// values (treeCells) or offsets into the reply's bytes (byteCells, in fast.go). inferType and
// buildField, the one type inference and the one fill, read cells only through it. cell finds row's
// cell: its kind, and a handle h the other methods take (the row for the tree, the offset for the
// bytes). The two sources are small value types, so each gets its own instantiation of the generic
// functions, with direct (inlinable) calls.
type cellSource interface {
	cell(row int) (kind, h int)
	boolean(h int) bool
	number(h int) string // a number's text; valid until the next call
	str(h int) string    // a string, decoded; valid until the next call
	value(h int) any     // the cell as Decode gives it, strings copied
	text(h int) string   // the tree's text(v), to keep
}

// Cell kinds.
const (
	cellNull = iota // null or missing
	cellBool
	cellNumber
	cellString
	cellComposite // an object or an array
)

// treeCells is the cells of one column of the tree path: one value per row.
type treeCells struct{ vals []any }

func (t treeCells) cell(row int) (int, int) {
	switch t.vals[row].(type) {
	case nil:
		return cellNull, row
	case bool:
		return cellBool, row
	case json.Number:
		return cellNumber, row
	case string:
		return cellString, row
	}
	return cellComposite, row
}
func (t treeCells) boolean(h int) bool  { return t.vals[h].(bool) }
func (t treeCells) number(h int) string { return string(t.vals[h].(json.Number)) }
func (t treeCells) str(h int) string    { return t.vals[h].(string) }
func (t treeCells) value(h int) any     { return t.vals[h] }
func (t treeCells) text(h int) string   { return text(t.vals[h]) }

// inferType looks at every value, not just the first row's. When every value is an RFC 3339
// string it returns the parsed times too, so that buildField does not parse them again.
func inferType[S cellSource](src S, n int) (string, []time.Time) {
	var cnt typeCounts
	var times []time.Time
	for i := 0; i < n; i++ {
		k, h := src.cell(i)
		switch k {
		case cellNull:
			continue
		case cellBool:
			cnt.bools++
		case cellComposite:
			cnt.composites++
		case cellString:
			cnt.strings++
			if !cnt.someNotTime {
				t, err := parseRFC3339(src.str(h))
				if err != nil {
					cnt.someNotTime, times = true, nil
				} else {
					if times == nil {
						times = make([]time.Time, n)
					}
					times[i] = t
				}
			}
		case cellNumber:
			if isInt64(json.Number(src.number(h))) {
				cnt.ints++
			} else {
				cnt.floats++
			}
		}
		cnt.nonNull++
	}
	typ := cnt.chosen()
	if typ != TypeTime {
		times = nil
	}
	return typ, times
}

// buildField builds the output field of a column of n rows: typ is the declared type, or "" to
// infer it. The cells of the JSON kind the type expects are read directly; any other cell goes
// through convCell (or toTime), with the tree's value, so the values and the error texts are the
// same on both paths.
func buildField[S cellSource](src S, n int, col colSpec) (*data.Field, error) {
	typ, times := col.typ, []time.Time(nil)
	if typ == "" {
		typ, times = inferType(src, n)
	}
	switch typ {
	case TypeInteger:
		return fill(src, n, col.name, data.FieldTypeNullableInt64, func(i, k, h int) (int64, error) {
			if k == cellNumber {
				if x, err := strconv.ParseInt(src.number(h), 10, 64); err == nil {
					return x, nil
				}
			}
			return convCell(col, i, src.value(h), toInt, "an integer")
		})
	case TypeNumber:
		return fill(src, n, col.name, data.FieldTypeNullableFloat64, func(i, k, h int) (float64, error) {
			if k == cellNumber {
				if x, err := strconv.ParseFloat(src.number(h), 64); err == nil {
					return x, nil
				}
			}
			return convCell(col, i, src.value(h), toFloat, "a number")
		})
	case TypeBoolean:
		return fill(src, n, col.name, data.FieldTypeNullableBool, func(i, k, h int) (bool, error) {
			if k == cellBool {
				return src.boolean(h), nil
			}
			return convCell(col, i, src.value(h), toBool, "a boolean")
		})
	case TypeTime:
		return fill(src, n, col.name, data.FieldTypeNullableTime, func(i, _, h int) (time.Time, error) {
			if times != nil { // inferred: parsed already
				return times[i], nil
			}
			t, err := toTime(src.value(h), col.timeFormat)
			if err != nil {
				return t, fmt.Errorf("column %q row %d: %v", col.name, i, err)
			}
			return t, nil
		})
	case TypeJSON:
		return fill(src, n, col.name, data.FieldTypeNullableJSON, func(i, _, h int) (json.RawMessage, error) {
			return convCell(col, i, src.value(h), func(v any) (json.RawMessage, error) { return json.Marshal(v) }, "JSON")
		})
	default:
		return fill(src, n, col.name, data.FieldTypeNullableString, func(_, _, h int) (string, error) { return src.text(h), nil })
	}
}

// convCell converts a cell buildField does not read directly (v: the cell as the tree holds it)
// with to: the one conversion rule, and the one error text, of both paths.
func convCell[T any](col colSpec, row int, v any, to func(any) (T, error), want string) (T, error) {
	x, err := to(v)
	if err != nil {
		return x, fmt.Errorf("column %q row %d: %s cannot be read as %s", col.name, row, describeValue(v), want)
	}
	return x, nil
}

// fill converts every non-null cell with conv (given the row, the cell's kind and handle) into a
// nullable field of type ft, whose elements are *T. Non-null cells point into one backing array (one
// allocation per column, not one per cell).
func fill[T any, S cellSource](src S, n int, name string, ft data.FieldType, conv func(i, k, h int) (T, error)) (*data.Field, error) {
	backing := make([]T, n)
	f := data.NewFieldFromFieldType(ft, n)
	f.Name = name
	for i := 0; i < n; i++ {
		k, h := src.cell(i)
		if k == cellNull {
			continue
		}
		x, err := conv(i, k, h)
		if err != nil {
			return nil, err
		}
		backing[i] = x
		f.Set(i, &backing[i])
	}
	return f, nil
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(x.String(), 64)
		if err != nil || f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 { // 2^63 itself overflows int64
			return 0, errors.New("not an integer")
		}
		return int64(f), nil
	case string:
		return toInt(json.Number(strings.TrimSpace(x)))
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, errors.New("not an integer")
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case json.Number:
		return strconv.ParseFloat(x.String(), 64)
	case string:
		return strconv.ParseFloat(strings.TrimSpace(x), 64)
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, errors.New("not a number")
}

func toBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		return strconv.ParseBool(strings.TrimSpace(x))
	case json.Number:
		f, err := strconv.ParseFloat(x.String(), 64)
		return f != 0, err
	}
	return false, errors.New("not a boolean")
}

func toTime(v any, format string) (time.Time, error) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(x.String(), 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("%s is not a number", x)
		}
		return epochTime(f, format)
	case string:
		s := strings.TrimSpace(x)
		switch format {
		case TimeAuto, TimeRFC3339:
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t, nil
			}
			if format == TimeAuto {
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					return epochTime(f, format)
				}
			}
			return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", s)
		case TimeEpochS, TimeEpochMS:
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("%q is not an epoch number", s)
			}
			return epochTime(f, format)
		default:
			t, err := time.Parse(format, s)
			if err != nil {
				return time.Time{}, fmt.Errorf("%q does not match the time layout %q", s, format)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s cannot be read as a time", describeValue(v))
}

func epochTime(f float64, format string) (time.Time, error) {
	switch format {
	case TimeEpochMS:
		return time.UnixMilli(int64(f)).UTC(), nil
	case TimeEpochS:
	case TimeAuto:
		if math.Abs(f) >= 1e11 { // too large for seconds in this era: milliseconds
			return time.UnixMilli(int64(f)).UTC(), nil
		}
	default:
		return time.Time{}, fmt.Errorf("a number cannot be read with the time layout %q", format)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func describeValue(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "..."
		}
		return fmt.Sprintf("string %q", x)
	case json.Number:
		return "number " + x.String()
	case bool:
		return fmt.Sprintf("boolean %v", x)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%v", v)
}

// timeSeries sorts by time and turns a long frame (string columns as labels) into a wide one, the
// shape the time series panel and alerting both accept. lim.MaxCells bounds the wide frame (rows
// times fields): with a new time and a new label set on every row it grows as the square of the
// reply, so a few hundred KB would otherwise take gigabytes.
func timeSeries(frame *data.Frame, lim Limits) (data.Frames, error) {
	timeIdx, hasNumber := -1, false
	var kept []*data.Field
	for _, f := range frame.Fields {
		switch f.Type() {
		case data.FieldTypeNullableTime:
			if timeIdx == -1 {
				timeIdx = len(kept)
				kept = append(kept, f)
			}
		case data.FieldTypeNullableJSON:
			// nested values cannot be series or labels
		default:
			kept, hasNumber = append(kept, f), hasNumber || f.Type().Numeric()
		}
	}
	if timeIdx == -1 {
		return nil, errors.New("time series format needs a time column: declare a column with type time, or return RFC 3339 time strings")
	}
	if !hasNumber {
		return nil, errors.New("time series format needs at least one number column")
	}
	// Rows without a time cannot be placed on the time axis.
	long := data.NewFrame(frame.Name)
	for _, f := range kept {
		typ := f.Type()
		switch typ {
		case data.FieldTypeNullableTime:
			typ = data.FieldTypeTime
		case data.FieldTypeNullableString:
			typ = data.FieldTypeString // labels must not be null
		}
		long.Fields = append(long.Fields, data.NewFieldFromFieldType(typ, 0))
		long.Fields[len(long.Fields)-1].Name = f.Name
	}
	tf := kept[timeIdx]
	order := make([]int, 0, tf.Len())
	for i := 0; i < tf.Len(); i++ {
		if tf.At(i).(*time.Time) != nil {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		return tf.At(order[a]).(*time.Time).Before(*tf.At(order[b]).(*time.Time))
	})
	for _, i := range order {
		for j, f := range kept {
			v := f.At(i)
			switch x := v.(type) {
			case *time.Time:
				v = *x
			case *string:
				if x == nil {
					v = ""
				} else {
					v = *x
				}
			}
			long.Fields[j].Append(v)
		}
	}
	out, isLong := long, long.TimeSeriesSchema().Type == data.TimeSeriesTypeLong
	if isLong && long.Rows() > 0 {
		wide, err := data.LongToWideWithLimit(long, nil, int64(lim.MaxCells))
		if err != nil {
			return nil, fmt.Errorf("turning rows into time series: %v (bound: maxCells = %d)", err, lim.MaxCells)
		}
		out = wide
	}
	out.Meta = &data.FrameMeta{PreferredVisualization: data.VisTypeGraph}
	if !isLong || long.Rows() > 0 { // an empty long frame has no series to type
		out.Meta.Type, out.Meta.TypeVersion = data.FrameTypeTimeSeriesWide, data.FrameTypeVersion{0, 1}
	}
	return data.Frames{out}, nil
}

package frames

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
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
}

// Convert turns a decoded reply into frames as spec says.
func Convert(doc *Doc, spec Spec) (data.Frames, error) {
	var set RowSet
	if _, err := set.Add(doc, doc.Root, spec.RootSelector); err != nil {
		return nil, err
	}
	return ConvertRows(&set, spec)
}

// RowSet gathers the rows of one or more decoded replies (pages), in order, remembering which reply
// each row came from so that inferred columns keep the key order of the JSON.
type RowSet struct {
	rows  []any
	docs  []*Doc
	owner []int // index in docs of each row's reply
}

// Add selects the rows of root (doc.Root, or a value reshaped from it) with rootSelector and appends
// them; it returns how many rows it added.
func (s *RowSet) Add(doc *Doc, root any, rootSelector string) (int, error) {
	sel, err := jsonsel.Compile(rootSelector)
	if err != nil {
		return 0, fmt.Errorf("rootSelector: %v", err)
	}
	rows := rowsOf(sel, root)
	s.docs = append(s.docs, doc)
	for range rows {
		s.owner = append(s.owner, len(s.docs)-1)
	}
	s.rows = append(s.rows, rows...)
	return len(rows), nil
}

// Len is the number of rows gathered.
func (s *RowSet) Len() int { return len(s.rows) }

// keys returns m's keys in document order if m comes from row's reply, else nil.
func (s *RowSet) keys(row int, m map[string]any) []string {
	if d := s.docs[s.owner[row]]; d != nil {
		return d.Keys(m)
	}
	return nil
}

// ConvertRows turns gathered rows into frames as spec says (spec.RootSelector is not used: the rows
// are already selected). Columns are inferred from all rows of all replies.
func ConvertRows(set *RowSet, spec Spec) (data.Frames, error) {
	rows := set.rows
	if spec.Format == FormatVariable && (spec.VariableText != "" || spec.VariableValue != "") {
		return variableFromSelectors(set, spec)
	}
	var (
		cols []*column
		err  error
	)
	if len(spec.Columns) > 0 {
		cols, err = declaredColumns(spec.Columns, rows)
	} else {
		cols = inferColumns(set, rows)
	}
	if err != nil {
		return nil, err
	}
	frame := data.NewFrame(spec.Name)
	for _, c := range cols {
		f, err := c.field(len(rows))
		if err != nil {
			return nil, err
		}
		frame.Fields = append(frame.Fields, f)
	}
	frame.Meta = &data.FrameMeta{PreferredVisualization: data.VisTypeTable}
	switch spec.Format {
	case FormatTimeSeries:
		return timeSeries(frame)
	case FormatSingle:
		return single(frame, len(spec.Columns) > 0)
	case FormatVariable:
		return variableFromFrame(frame)
	}
	return data.Frames{frame}, nil
}

// rowsOf: a selector that lands on one array yields its elements; otherwise each selected node is a row.
func rowsOf(sel *jsonsel.Selector, root any) []any {
	nodes := sel.Select(root)
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

// column collects the raw values of one field, one per row.
type column struct {
	name       string
	typ        string // declared type, or "" to infer
	timeFormat string
	values     []any
}

func inferColumns(set *RowSet, rows []any) []*column {
	var cols []*column
	index := map[string]*column{}
	get := func(name string) *column {
		c, ok := index[name]
		if !ok {
			c = &column{name: name, values: make([]any, len(rows))}
			index[name] = c
			cols = append(cols, c)
		}
		return c
	}
	var flatten func(prefix string, m map[string]any, row int)
	flatten = func(prefix string, m map[string]any, row int) {
		keys := set.keys(row, m)
		if keys == nil { // not from the reply (built by a selector or by jq): stable order
			keys = make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
		}
		for _, k := range keys {
			v := m[k]
			if nested, ok := v.(map[string]any); ok && len(nested) > 0 {
				flatten(prefix+k+".", nested, row)
				continue
			}
			get(prefix + k).values[row] = v
		}
	}
	for i, r := range rows {
		if m, ok := r.(map[string]any); ok {
			flatten("", m, i)
		} else {
			get("value").values[i] = r
		}
	}
	return cols
}

func declaredColumns(decl []Column, rows []any) ([]*column, error) {
	cols := make([]*column, 0, len(decl))
	for i, d := range decl {
		sel, err := jsonsel.Compile(d.Selector)
		if err != nil {
			return nil, fmt.Errorf("columns[%d].selector: %v", i, err)
		}
		switch d.Type {
		case "", TypeString, TypeNumber, TypeInteger, TypeBoolean, TypeTime, TypeJSON:
		default:
			return nil, fmt.Errorf("columns[%d].type: %q is not one of string, number, integer, boolean, time, json", i, d.Type)
		}
		name := d.Name
		if name == "" {
			name = d.Selector
		}
		c := &column{name: name, typ: d.Type, timeFormat: d.TimeFormat, values: make([]any, len(rows))}
		for r, row := range rows {
			if v, ok := sel.First(row); ok {
				c.values[r] = v
			}
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// inferType looks at every value, not just the first row's.
func (c *column) inferType() string {
	var nBool, nInt, nFloat, nString, nComposite, nonNull int
	allTimes := true
	for _, v := range c.values {
		switch x := v.(type) {
		case nil:
			continue
		case bool:
			nBool++
		case json.Number:
			if _, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
				nInt++
			} else {
				nFloat++
			}
		case string:
			nString++
			if allTimes {
				if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
					allTimes = false
				}
			}
		default:
			nComposite++
		}
		nonNull++
	}
	switch {
	case nonNull == 0:
		return TypeString
	case nBool == nonNull:
		return TypeBoolean
	case nInt == nonNull:
		return TypeInteger
	case nInt+nFloat == nonNull:
		return TypeNumber
	case nString == nonNull && allTimes:
		return TypeTime
	case nComposite == nonNull:
		return TypeJSON
	default:
		return TypeString // mixed scalars: shown as text rather than guessed
	}
}

func (c *column) field(n int) (*data.Field, error) {
	typ := c.typ
	if typ == "" {
		typ = c.inferType()
	}
	fail := func(row int, v any, want string) error {
		return fmt.Errorf("column %q row %d: %s cannot be read as %s", c.name, row, describeValue(v), want)
	}
	switch typ {
	case TypeInteger:
		vals := make([]*int64, n)
		for i, v := range c.values {
			if v == nil {
				continue
			}
			x, err := toInt(v)
			if err != nil {
				return nil, fail(i, v, "an integer")
			}
			vals[i] = &x
		}
		return data.NewField(c.name, nil, vals), nil
	case TypeNumber:
		vals := make([]*float64, n)
		for i, v := range c.values {
			if v == nil {
				continue
			}
			x, err := toFloat(v)
			if err != nil {
				return nil, fail(i, v, "a number")
			}
			vals[i] = &x
		}
		return data.NewField(c.name, nil, vals), nil
	case TypeBoolean:
		vals := make([]*bool, n)
		for i, v := range c.values {
			if v == nil {
				continue
			}
			x, err := toBool(v)
			if err != nil {
				return nil, fail(i, v, "a boolean")
			}
			vals[i] = &x
		}
		return data.NewField(c.name, nil, vals), nil
	case TypeTime:
		vals := make([]*time.Time, n)
		for i, v := range c.values {
			if v == nil {
				continue
			}
			x, err := toTime(v, c.timeFormat)
			if err != nil {
				return nil, fmt.Errorf("column %q row %d: %v", c.name, i, err)
			}
			vals[i] = &x
		}
		return data.NewField(c.name, nil, vals), nil
	case TypeJSON:
		vals := make([]*json.RawMessage, n)
		for i, v := range c.values {
			if v == nil {
				continue
			}
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fail(i, v, "JSON")
			}
			raw := json.RawMessage(b)
			vals[i] = &raw
		}
		return data.NewField(c.name, nil, vals), nil
	default:
		vals := make([]*string, n)
		for i, v := range c.values {
			if v == nil {
				continue
			}
			s := text(v)
			vals[i] = &s
		}
		return data.NewField(c.name, nil, vals), nil
	}
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

// maxWideCells bounds the wide frame (rows times fields): with a new time and a new label set on every
// row it grows as the square of the reply, so a few hundred KB would otherwise take gigabytes.
const maxWideCells = 5_000_000

// timeSeries sorts by time and turns a long frame (string columns as labels) into a wide one, the
// shape the time series panel and alerting both accept.
func timeSeries(frame *data.Frame) (data.Frames, error) {
	timeIdx := -1
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
			kept = append(kept, f)
		}
	}
	if timeIdx == -1 {
		return nil, errors.New("time series format needs a time column: declare a column with type time, or return RFC 3339 time strings")
	}
	frame.Fields = kept
	hasNumber := false
	for _, f := range kept {
		if f.Type().Numeric() {
			hasNumber = true
		}
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
	meta := &data.FrameMeta{PreferredVisualization: data.VisTypeGraph}
	if long.TimeSeriesSchema().Type != data.TimeSeriesTypeLong {
		long.Meta = meta
		long.Meta.Type = data.FrameTypeTimeSeriesWide
		long.Meta.TypeVersion = data.FrameTypeVersion{0, 1}
		return data.Frames{long}, nil
	}
	if long.Rows() == 0 {
		long.Meta = meta
		return data.Frames{long}, nil
	}
	wide, err := data.LongToWideWithLimit(long, nil, maxWideCells)
	if err != nil {
		return nil, fmt.Errorf("turning rows into time series: %v", err)
	}
	wide.Meta = meta
	wide.Meta.Type = data.FrameTypeTimeSeriesWide
	wide.Meta.TypeVersion = data.FrameTypeVersion{0, 1}
	return data.Frames{wide}, nil
}

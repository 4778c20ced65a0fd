package frames

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// single keeps one value for a stat panel: the first non-null value of the first declared column
// (when columns are declared) or of the first number column. The frame always has exactly one row;
// the value is null when no row has one.
func single(frame *data.Frame, declared bool) (data.Frames, error) {
	idx := -1
	for i, f := range frame.Fields {
		if declared || f.Type().Numeric() {
			idx = i
			break
		}
	}
	if idx == -1 {
		if len(frame.Fields) == 0 {
			return nil, errors.New("single format: the reply has no rows to take a value from")
		}
		return nil, errors.New("single format needs a number column: declare a column (its first value is used) or select numeric data")
	}
	src := frame.Fields[idx]
	out := data.NewFieldFromFieldType(src.Type(), 1)
	out.Name = src.Name
	for i := 0; i < src.Len(); i++ {
		if v, ok := src.ConcreteAt(i); ok && v != nil {
			out.Set(0, src.At(i))
			break
		}
	}
	f := data.NewFrame(frame.Name, out)
	f.Meta = &data.FrameMeta{PreferredVisualizationPluginID: "stat"}
	return data.Frames{f}, nil
}

// variableFromFrame picks the options of a dashboard variable from a table frame: value is the first
// string or number column, text the first string column (else the value column).
func variableFromFrame(frame *data.Frame) (data.Frames, error) {
	valueIdx, textIdx := -1, -1
	for i, f := range frame.Fields {
		switch {
		case f.Type() == data.FieldTypeNullableString:
			if valueIdx == -1 {
				valueIdx = i
			}
			if textIdx == -1 {
				textIdx = i
			}
		case f.Type().Numeric():
			if valueIdx == -1 {
				valueIdx = i
			}
		}
	}
	if valueIdx == -1 {
		if len(frame.Fields) == 0 { // no rows: no options
			return data.Frames{variableFrame(frame.Name, nil, nil)}, nil
		}
		return nil, errors.New("variable format needs a string or number column: set variableValueSelector (and variableTextSelector)")
	}
	if textIdx == -1 {
		textIdx = valueIdx
	}
	tf, vf := frame.Fields[textIdx], frame.Fields[valueIdx]
	texts, values := variableOptions(vf.Len(), func(col, row int) (string, bool) {
		if col == 0 {
			return fieldText(tf, row)
		}
		return fieldText(vf, row)
	})
	return data.Frames{variableFrame(frame.Name, texts, values)}, nil
}

// variableFromSelectors builds the options from the text and value selectors, read as text from
// each row. A missing selector takes the other's value.
func variableFromSelectors(set *RowSet, spec Spec, lim Limits) (data.Frames, error) {
	cols, err := declaredColumns(variableColumns(spec), set, lim)
	if err != nil {
		return nil, fmt.Errorf("variable selectors: %v", err) // names columns[0] (text) or columns[1] (value)
	}
	texts, values := variableOptions(len(set.rows), func(col, row int) (string, bool) {
		if v := cols[col].values[row]; v != nil {
			return text(v), true
		}
		return "", false
	})
	return data.Frames{variableFrame(spec.Name, texts, values)}, nil
}

// variableColumns are the columns text and value that spec's variable selectors declare.
func variableColumns(spec Spec) []Column {
	textSel, valueSel := spec.VariableText, spec.VariableValue
	if textSel == "" {
		textSel = valueSel
	}
	if valueSel == "" {
		valueSel = textSel
	}
	return []Column{{Selector: textSel, Name: "text"}, {Selector: valueSel, Name: "value"}}
}

// variableOptions gathers one option per row that has a value; a row without a text shows its
// value. cell returns the text of a row's cell in column 0 (text) or 1 (value), and false for null.
func variableOptions(rows int, cell func(col, row int) (string, bool)) (texts, values []string) {
	for i := range rows {
		v, ok := cell(1, i)
		if !ok {
			continue
		}
		t, ok := cell(0, i)
		if !ok {
			t = v
		}
		texts, values = append(texts, t), append(values, v)
	}
	return texts, values
}

func variableFrame(name string, texts, values []string) *data.Frame {
	if texts == nil {
		texts, values = []string{}, []string{}
	}
	f := data.NewFrame(name, data.NewField("text", nil, texts), data.NewField("value", nil, values))
	f.Meta = &data.FrameMeta{PreferredVisualization: data.VisTypeTable}
	return f
}

// fieldText is row i of f as text (integers exact), and false when it is null.
func fieldText(f *data.Field, i int) (string, bool) {
	v, ok := f.ConcreteAt(i)
	if !ok || v == nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), true
	case json.RawMessage:
		return string(x), true
	}
	return fmt.Sprint(v), true
}

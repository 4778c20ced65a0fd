package frames

import (
	"fmt"
	"strconv"
)

// Defaults of Limits (docs/configuration.md: maxRows, maxCells, maxColumns, maxColumnNameLength).
const (
	DefaultMaxRows             = 1_000_000
	DefaultMaxCells            = 5_000_000
	DefaultMaxColumns          = 1_000
	DefaultMaxColumnNameLength = 256
)

// Limits is the output budget of one query: whoever can send a query (a Viewer) or answer one (the
// API host) decides how many rows, columns and how deep a nesting the conversion meets, so each is
// bounded before memory is spent on it. A zero field means its default.
type Limits struct {
	MaxRows             int // rows of all pages together
	MaxCells            int // rows times columns (also the wide time series frame)
	MaxColumns          int
	MaxColumnNameLength int // bytes; flattened names ("a.b.c") grow by one key per nesting level
}

// orDefaults returns l with every zero field set to its default.
func (l Limits) orDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxRows, DefaultMaxRows)
	def(&l.MaxCells, DefaultMaxCells)
	def(&l.MaxColumns, DefaultMaxColumns)
	def(&l.MaxColumnNameLength, DefaultMaxColumnNameLength)
	return l
}

// BudgetError is a bound a query went over. Key is the setting that raises it (maxRows, ...), or
// "" for the fixed nesting bound.
type BudgetError struct {
	What  string // what went over, e.g. "the result has more than 1000000 rows"
	Key   string
	Limit string // the setting's value, as configured
}

func (e *BudgetError) Error() string {
	if e.Key == "" {
		return e.What
	}
	return fmt.Sprintf("%s (bound: %s = %s)", e.What, e.Key, e.Limit)
}

func tooManyRows(l Limits) error {
	return &BudgetError{What: fmt.Sprintf("the result has more than %d rows", l.MaxRows), Key: "maxRows", Limit: strconv.Itoa(l.MaxRows)}
}

func tooManyColumns(l Limits) error {
	return &BudgetError{What: fmt.Sprintf("the result has more than %d columns", l.MaxColumns), Key: "maxColumns", Limit: strconv.Itoa(l.MaxColumns)}
}

func tooManyCells(l Limits, cols, rows int) error {
	return &BudgetError{What: fmt.Sprintf("the result has more than %d cells (%d columns x %d rows)", l.MaxCells, cols, rows),
		Key: "maxCells", Limit: strconv.Itoa(l.MaxCells)}
}

func nameTooLong(l Limits, name string) error {
	if len(name) > 60 {
		name = name[:60] + "..."
	}
	return &BudgetError{What: fmt.Sprintf("column name %q is longer than %d bytes", name, l.MaxColumnNameLength),
		Key: "maxColumnNameLength", Limit: strconv.Itoa(l.MaxColumnNameLength)}
}

// cellsOver reports whether cols columns of rows rows exceed the cell budget, without overflow.
func (l Limits) cellsOver(cols, rows int) bool {
	return rows > 0 && cols > l.MaxCells/rows
}

// addColumn returns the budget error for adding column name to cols columns of rows rows, or nil.
func (l Limits) addColumn(cols, rows int, name string) error {
	switch {
	case cols >= l.MaxColumns:
		return tooManyColumns(l)
	case l.cellsOver(cols+1, rows):
		return tooManyCells(l, cols+1, rows)
	}
	return l.checkName(name)
}

// checkName returns the error for a column name longer than the budget.
func (l Limits) checkName(name string) error {
	if len(name) > l.MaxColumnNameLength {
		return nameTooLong(l, name)
	}
	return nil
}

// nestedOver reports whether the columns under a nested object at prefix+key would have names over
// the budget: the shortest is prefix + key + "." + one byte.
func (l Limits) nestedOver(prefix, key string) bool {
	return len(prefix)+len(key)+2 > l.MaxColumnNameLength
}

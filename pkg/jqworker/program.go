package jqworker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/itchyny/gojq"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jsonscan"
)

// maxJQOutputs bounds how many values a jq program may emit (they are collected into an array).
// A variable so that tests can lower it.
var maxJQOutputs = 1_000_000

// Program is a compiled jq program (github.com/itchyny/gojq) that reshapes a decoded reply. It runs
// in the worker (serve); the plugin compiles it only to refuse a bad program at once (pkg/query).
type Program struct{ code *gojq.Code }

// Compile parses and compiles src. The program sees no environment variables ($ENV and env are
// empty), cannot read other inputs and cannot import modules.
func Compile(src string) (*Program, error) {
	q, err := gojq.Parse(src)
	if err != nil {
		return nil, describeJQError(src, err)
	}
	code, err := gojq.Compile(q, gojq.WithEnvironLoader(func() []string { return nil }))
	if err != nil {
		return nil, describeJQError(src, err)
	}
	return &Program{code: code}, nil
}

// timeoutError names the bound a jq run went over.
func timeoutError(d time.Duration) error {
	return &frames.BudgetError{What: fmt.Sprintf("jq program did not finish within %s", d), Key: "jqTimeout", Limit: d.String()}
}

func describeJQError(src string, err error) error {
	var pe *gojq.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("not a valid jq program: %v (at offset %d: %q)", err, pe.Offset, excerpt(src, pe.Offset))
	}
	return fmt.Errorf("not a valid jq program: %v", err)
}

func excerpt(s string, at int) string {
	lo, hi := max(at-15, 0), min(at+15, len(s))
	if lo > hi {
		return ""
	}
	return s[lo:hi]
}

// Run applies the program to v (a value from Decode: numbers are json.Number, which gojq reads
// without losing int64 exactness) for at most jqTimeout. The context is checked between jq steps
// only: one step (a big-integer multiply) can run longer, which is why Run is called in a worker.
// One output is returned as is; several are collected into an array, none gives null. Numbers jq
// computes come back as json.Number too, so the frames see one number type. Objects jq builds have
// no recorded key order: their keys come out sorted; objects passed through keep the reply's order.
func (j *Program) Run(ctx context.Context, v any, jqTimeout time.Duration) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, jqTimeout)
	defer cancel()
	iter := j.code.RunWithContext(ctx, v)
	var outs []any
	for {
		out, ok := iter.Next()
		if !ok {
			break
		}
		if err, ok := out.(error); ok {
			var he *gojq.HaltError
			if errors.As(err, &he) && he.Value() == nil { // `halt`: stop without an error
				break
			}
			if ctxErr := ctx.Err(); ctxErr != nil {
				if errors.Is(ctxErr, context.DeadlineExceeded) {
					return nil, timeoutError(jqTimeout)
				}
				return nil, ctxErr
			}
			return nil, fmt.Errorf("jq program failed: %v", err)
		}
		if len(outs) == maxJQOutputs {
			return nil, fmt.Errorf("jq program emitted more than %d values", maxJQOutputs)
		}
		outs = append(outs, out)
	}
	if err := ctx.Err(); err != nil { // cancelled between outputs
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, timeoutError(jqTimeout)
		}
		return nil, err
	}
	var res any
	switch len(outs) {
	case 0:
		return nil, nil
	case 1:
		res = outs[0]
	default:
		res = outs
	}
	res, ok := normalizeJQ(res, jsonscan.MaxDepth)
	if !ok {
		return nil, errTooDeep
	}
	return res, nil
}

// errTooDeep is jq output over the nesting bound every value the plugin converts is held to.
var errTooDeep = &frames.BudgetError{What: fmt.Sprintf("jq output: a value nests deeper than %d levels (the nesting bound)", jsonscan.MaxDepth)}

// normalizeJQ turns the numbers jq computes (int, float64, *big.Int) into json.Number, in place.
// NaN and infinities, which JSON cannot hold, become null. It returns false, having walked at most
// depth+1 levels, when v nests deeper than depth (Decode's bound: nothing recursive may see it).
func normalizeJQ(v any, depth int) (any, bool) {
	if depth < 0 {
		switch v.(type) {
		case []any, map[string]any:
			return nil, false
		}
	}
	switch x := v.(type) {
	case int:
		return json.Number(strconv.Itoa(x)), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, true
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64)), true
	case *big.Int:
		return json.Number(x.String()), true
	case []any:
		for i, e := range x {
			n, ok := normalizeJQ(e, depth-1)
			if !ok {
				return nil, false
			}
			x[i] = n
		}
	case map[string]any:
		for k, e := range x {
			switch e.(type) {
			case int, float64, *big.Int, []any, map[string]any:
				n, ok := normalizeJQ(e, depth-1)
				if !ok {
					return nil, false
				}
				x[k] = n
			}
		}
	}
	return v, true
}

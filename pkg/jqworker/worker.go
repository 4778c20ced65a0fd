// Package jqworker runs a query's jq program in a child process of the plugin's own binary, because
// gojq cannot be bounded inside the plugin: one step (a big-integer multiply) ignores its context,
// and what a program allocates cannot be capped per goroutine. A child can be: the parent kills it
// at jqTimeout or when the request is cancelled, and the child caps its own memory (a Go memory
// limit, and an rlimit the kernel enforces) before it reads the program. A Go fatal error (out of
// memory, stack overflow) ends the child only; the query gets an error naming the bound.
//
// The plugin's main and every test binary that runs jq call MaybeServe first: started by Run, the
// same binary then serves one program and exits instead of starting the plugin.
package jqworker

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
)

// envKey marks a worker process. Its job comes on stdin: the limits (Limits.env), the program, each
// with its length first (header), then the input until EOF.
const envKey = "OAUTH2REST_JQ_WORKER"

// Reply tags: the first byte of a worker's output.
const (
	replyOK    = 'O' // the JSON of the result follows
	replyError = 'E' // the error text follows
	replyBound = 'B' // a frames.BudgetError follows: key, limit and text, NUL-separated
)

// maxProgramBytes bounds the program read from stdin (a query's jq text).
const maxProgramBytes = 1 << 20

// MaybeServe returns at once in the plugin. In a worker (a process Run started) it serves the one
// job on stdin and exits: call it first thing in main and in TestMain.
func MaybeServe() {
	if _, ok := os.LookupEnv(envKey); !ok {
		return
	}
	os.Exit(serve(os.Stdin, os.Stdout))
}

// serve runs in the worker: limits first, then the program on the input, the result or the error
// written to out with its tag.
func serve(in io.Reader, out io.Writer) int {
	spec, err := readChunk(in, 256)
	if err != nil { // EOF: an idle worker whose plugin ended, or a pool already full
		return 0
	}
	lim, err := parseEnv(string(spec))
	if err != nil {
		fmt.Fprintln(os.Stderr, "jq worker:", err)
		return 2
	}
	// gojq evaluates on one goroutine: one P keeps a worker to one core, GC included.
	runtime.GOMAXPROCS(1)
	// The soft limit makes the collector work hard before the hard one ends the process; the stack
	// bound ends a runaway recursion (in gojq's encoder or comparisons) long before the memory does.
	debug.SetMemoryLimit(lim.MemoryBytes * 3 / 4)
	debug.SetMaxStack(int(min(lim.MemoryBytes/4, 256<<20)))
	if err := limitProcess(lim); err != nil {
		fmt.Fprintln(os.Stderr, "jq worker: setting the process limits:", err)
		return 2
	}
	w := bufio.NewWriterSize(out, 64<<10)
	res, err := run(lim, in)
	var be *frames.BudgetError
	switch {
	case errors.As(err, &be):
		w.WriteByte(replyBound)
		w.WriteString(be.Key + "\x00" + be.Limit + "\x00" + err.Error())
	case err != nil:
		w.WriteByte(replyError)
		w.WriteString(err.Error())
	default:
		w.WriteByte(replyOK)
		w.Write(res)
	}
	if err := w.Flush(); err != nil {
		return 2
	}
	return 0
}

// readChunk reads what header wrote: a length, then that many bytes (at most max).
func readChunk(in io.Reader, max uint32) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(in, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > max {
		return nil, fmt.Errorf("longer than %d bytes", max)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(in, b); err != nil {
		return nil, err
	}
	return b, nil
}

// run reads the program and the input and returns the result's JSON.
func run(lim Limits, in io.Reader) ([]byte, error) {
	prog, err := readChunk(in, maxProgramBytes)
	if err != nil {
		return nil, fmt.Errorf("reading the jq program: %v", err)
	}
	body, err := io.ReadAll(in)
	if err != nil {
		return nil, fmt.Errorf("reading the input: %v", err)
	}
	jq, err := Compile(string(prog))
	if err != nil {
		return nil, err
	}
	doc, err := frames.Decode(body)
	if err != nil {
		return nil, err
	}
	body = nil
	v, err := jq.Run(context.Background(), doc.Root, lim.Timeout)
	if err != nil {
		return nil, err
	}
	e := encoder{keys: doc.Keys, max: int(min(lim.OutputBytes, 1<<30))}
	if !e.value(v) {
		return nil, outputTooLarge(lim.OutputBytes)
	}
	return e.buf, nil
}

func outputTooLarge(n int64) error {
	return &frames.BudgetError{What: fmt.Sprintf("jq output is larger than %d bytes", n), Key: "maxResponseBytes", Limit: strconv.FormatInt(n, 10)}
}

// encoder writes jq's result as JSON. Objects from the reply keep its key order (keys gives it),
// objects jq built have none: sorted. Values are normalized already (json.Number, nesting within
// Decode's bound), so the recursion is bounded.
type encoder struct {
	buf  []byte
	max  int
	keys func(map[string]any) []string
}

// value appends v and reports false once the output is over max.
func (e *encoder) value(v any) bool {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case bool:
		e.buf = strconv.AppendBool(e.buf, x)
	case json.Number:
		e.buf = append(e.buf, x...)
	case string:
		e.buf = appendString(e.buf, x)
	case []any:
		e.buf = append(e.buf, '[')
		for i, el := range x {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if !e.value(el) {
				return false
			}
		}
		e.buf = append(e.buf, ']')
	case map[string]any:
		keys := e.keys(x)
		if keys == nil {
			keys = make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
		}
		e.buf = append(e.buf, '{')
		for i, k := range keys {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = appendString(e.buf, k)
			e.buf = append(e.buf, ':')
			if !e.value(x[k]) {
				return false
			}
		}
		e.buf = append(e.buf, '}')
	default: // not a JSON value (cannot happen after normalization): as text
		e.buf = appendString(e.buf, fmt.Sprint(x))
	}
	return len(e.buf) <= e.max
}

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD, as encoding/json does.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// Limits bound one run.
type Limits struct {
	Timeout     time.Duration // jqTimeout: the parent kills the worker then
	MemoryBytes int64         // queryMemoryMiB: the worker's memory, enforced by the kernel where it can
	OutputBytes int64         // the result's JSON (the plugin passes maxResponseBytes)
	// Decode decodes the result in the plugin (nil: frames.Decode); the plugin passes one that
	// charges the query's memory budget first. Not sent to the worker.
	Decode func([]byte) (*frames.Doc, error)
}

// env encodes l for the worker's environment.
func (l Limits) env() string {
	return fmt.Sprintf("%d %d %d", l.Timeout.Nanoseconds(), l.MemoryBytes, l.OutputBytes)
}

func parseEnv(s string) (Limits, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return Limits{}, errors.New("bad limits")
	}
	var n [3]int64
	for i, v := range f {
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil || x <= 0 {
			return Limits{}, errors.New("bad limits")
		}
		n[i] = x
	}
	return Limits{Timeout: time.Duration(n[0]), MemoryBytes: n[1], OutputBytes: n[2]}, nil
}

// header is one chunk of the job before the input: its length, then s.
func header(s string) io.Reader {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(min(len(s), math.MaxInt32)))
	return io.MultiReader(bytes.NewReader(n[:]), strings.NewReader(s))
}

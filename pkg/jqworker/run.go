package jqworker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
)

// MaxWorkers bounds the workers running at once in one plugin process, so that their memory
// budgets add up to at most MaxWorkers x queryMemoryMiB; a query waits for a slot within its
// own context (the wait does not count against jqTimeout).
const MaxWorkers = 4

// maxIdle is how many started workers wait for a program. Starting one (exec, the Go runtime and the
// binary's package initialization) takes about 20 ms of wall time, off the query's path when one
// waits; an idle worker holds about 10 MB and exits when the plugin does (its stdin closes). The
// first jq query of a process starts them: a datasource without jq never runs one.
const maxIdle = 2

// maxOutput guards against a worker gone wrong: a worker bounds its own output (Limits.OutputBytes).
const maxOutput = 1<<30 + 1

var (
	slots = make(chan struct{}, MaxWorkers)
	idle  = make(chan *worker, maxIdle)

	exeOnce sync.Once
	exe     string
	exeErr  error
)

// worker is a started worker process that waits for its job on stdin.
type worker struct {
	cmd            *exec.Cmd
	stdin          io.WriteCloser
	stdout, stderr *capped
	done           chan error // the process's end (Wait)
}

func start() (*worker, error) {
	cmd := exec.Command(exe)
	cmd.Env = []string{envKey + "=1"}
	if runtime.GOOS == "windows" { // a Windows process needs these to start
		for _, k := range []string{"SYSTEMROOT", "SYSTEMDRIVE"} {
			if v, ok := os.LookupEnv(k); ok {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
		}
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	w := &worker{cmd: cmd, stdin: stdin, stdout: &capped{max: maxOutput}, stderr: &capped{max: 4 << 10}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = w.stdout, w.stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { w.done <- cmd.Wait() }()
	return w, nil
}

// take returns an idle worker that is still alive, or a new one, and starts one for the pool.
func take() (*worker, error) {
	go refill()
	for {
		select {
		case w := <-idle:
			select {
			case <-w.done: // died while idle (killed from outside): take another
				continue
			default:
				return w, nil
			}
		default:
			return start()
		}
	}
}

// refill adds a started worker to the pool if it has room.
func refill() {
	if len(idle) == cap(idle) {
		return
	}
	w, err := start()
	if err != nil {
		return
	}
	select {
	case idle <- w:
	default:
		w.stdin.Close() // the pool filled meanwhile: the worker reads EOF and exits
		go func() { <-w.done }()
	}
}

// Run runs program on input (a reply's body) in a worker and returns the result decoded (nesting
// within Decode's bound). An error names the bound a run went over: jqTimeout, queryMemoryMiB or
// the output size; ctx's error when ctx ends first. The program and the input are the query's and
// the reply's: nothing else of the plugin (no environment, no settings) reaches the worker.
func Run(ctx context.Context, program string, input []byte, lim Limits) (*frames.Doc, error) {
	exeOnce.Do(func() { exe, exeErr = os.Executable() })
	if exeErr != nil {
		return nil, fmt.Errorf("jq: cannot find the plugin executable to run jq in: %v", exeErr)
	}
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-slots }()
	w, err := take()
	if err != nil {
		return nil, fmt.Errorf("jq: starting a worker process: %v", err)
	}

	runCtx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	start := time.Now()
	go func() { // the job; a write fails at once if the worker dies or is killed
		_, _ = io.Copy(w.stdin, io.MultiReader(header(lim.env()), header(program), bytes.NewReader(input)))
		_ = w.stdin.Close()
	}()
	killed := false // by us, at jqTimeout or when the request ended
	select {
	case err = <-w.done:
	case <-runCtx.Done():
		_ = w.cmd.Process.Kill()
		killed = true
		err = <-w.done
	}
	stdout, stderr := w.stdout, w.stderr
	switch {
	case killed && ctx.Err() != nil: // the request ended (cancelled, or its own deadline)
		return nil, ctx.Err()
	case killed:
		return nil, timeoutError(lim.Timeout)
	case err != nil:
		return nil, crashError(err, stderr.String(), lim, time.Since(start))
	case stdout.over || int64(stdout.buf.Len()) > lim.OutputBytes+1:
		return nil, outputTooLarge(lim.OutputBytes)
	}
	out := stdout.buf.Bytes()
	if len(out) == 0 {
		return nil, errors.New("jq: the worker answered nothing")
	}
	switch out[0] {
	case replyError:
		return nil, &Error{Msg: string(out[1:])}
	case replyBound:
		if f := strings.SplitN(string(out[1:]), "\x00", 3); len(f) == 3 {
			return nil, &Error{Msg: f[2], Bound: &frames.BudgetError{Key: f[0], Limit: f[1], What: f[2]}}
		}
		return nil, &Error{Msg: string(out[1:])}
	}
	decode := frames.Decode
	if lim.Decode != nil {
		decode = lim.Decode
	}
	doc, err := decode(out[1:])
	if err != nil {
		return nil, fmt.Errorf("jq output: %w", err)
	}
	return doc, nil
}

// Error is the jq program's own failure (a syntax or run-time error, or a bound the worker noticed
// itself): the user's input.
type Error struct {
	Msg   string
	Bound *frames.BudgetError // the bound the worker noticed the program go over, if that is the error
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error {
	if e.Bound == nil {
		return nil
	}
	return e.Bound
}

// crashError describes a worker that died: out of memory (the rlimit or the Go limit), out of stack,
// or out of CPU time (RLIMIT_CPU, should the kill not come first).
func crashError(err error, stderr string, lim Limits, took time.Duration) error {
	mib := strconv.FormatInt(lim.MemoryBytes>>20, 10)
	switch {
	case strings.Contains(stderr, "out of memory") || strings.Contains(stderr, "cannot allocate memory"):
		return &frames.BudgetError{What: "jq program needed more memory than its budget of " + mib + " MiB", Key: "queryMemoryMiB", Limit: mib}
	case strings.Contains(stderr, "stack overflow") || strings.Contains(stderr, "stack exceeds"):
		return &frames.BudgetError{What: "jq program recursed deeper than its stack budget (a part of queryMemoryMiB) allows", Key: "queryMemoryMiB", Limit: mib}
	case strings.Contains(err.Error(), "CPU time limit") || strings.Contains(err.Error(), "signal: killed") && took >= lim.Timeout:
		return timeoutError(lim.Timeout)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
	return fmt.Errorf("jq worker failed (%v): %s", err, first)
}

// capped keeps the first max bytes written and drops the rest (so that the writer never blocks).
type capped struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room < len(p) {
		c.over = true
		c.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.buf.Write(p)
}

func (c *capped) String() string { return c.buf.String() }

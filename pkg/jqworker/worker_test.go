package jqworker

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/frames"
)

// TestMain lets this test binary be the worker Run starts (os.Executable is the test binary).
func TestMain(m *testing.M) {
	MaybeServe()
	os.Exit(m.Run())
}

var small = Limits{Timeout: 10 * time.Second, MemoryBytes: 128 << 20, OutputBytes: 1 << 20}

func TestRunKeepsOrderAndNumbers(t *testing.T) {
	doc, err := Run(context.Background(), `.rows | map(. + {n: (.id + 1)})`, []byte(`{"rows":[{"z":9007199254740993,"id":1,"a":"é\u0001"}]}`), small)
	if err != nil {
		t.Fatal(err)
	}
	row := doc.Root.([]any)[0].(map[string]any)
	if got := strings.Join(doc.Keys(row), ","); got != "a,id,n,z" { // built by jq: sorted
		t.Errorf("keys %s", got)
	}
	if row["z"] != "9007199254740993" && row["z"].(interface{ String() string }).String() != "9007199254740993" {
		t.Errorf("z = %v", row["z"])
	}
	if row["a"] != "é\u0001" {
		t.Errorf("a = %q", row["a"])
	}
	doc, err = Run(context.Background(), `.rows`, []byte(`{"rows":[{"z":1,"a":2}]}`), small)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(doc.Keys(doc.Root.([]any)[0].(map[string]any)), ","); got != "z,a" { // passed through: the reply's order
		t.Errorf("keys %s", got)
	}
}

// budgetKey returns the setting a budget error names, or fails.
func budgetKey(t *testing.T, err error) string {
	t.Helper()
	var be *frames.BudgetError
	if !errors.As(err, &be) {
		t.Fatalf("error %v (%T) is not a budget error", err, err)
	}
	if !strings.Contains(err.Error(), be.Key) {
		t.Errorf("error %q does not name %s", err, be.Key)
	}
	return be.Key
}

func TestRunBounds(t *testing.T) {
	cases := []struct {
		name, prog string
		lim        Limits
		want       string // the bound's key; "" for the nesting bound
	}{
		{"deep output", `[{"a": reduce range(300) as $i (0; [.])}]`, small, ""},
		{"big-integer step", `reduce range(28) as $i (3; . * .)`, Limits{Timeout: time.Second, MemoryBytes: 256 << 20, OutputBytes: 1 << 20}, "jqTimeout"},
		{"endless", `[repeat(1)]`, Limits{Timeout: time.Second, MemoryBytes: 1 << 30, OutputBytes: 1 << 20}, "jqTimeout"},
		// The input is a 4-million-digit integer: squaring it and writing it as text are single
		// steps of over a minute here (jq's context is never checked): only the kill ends them.
		{"long single steps", `. * . | tostring | length`, Limits{Timeout: time.Second, MemoryBytes: 1 << 30, OutputBytes: 1 << 20}, "jqTimeout"},
		{"big strings", `[limit(1000000000; repeat("x" * 100000))]`, small, "queryMemoryMiB"},
		{"recursion", `def f: [f]; f`, small, "queryMemoryMiB"},
		{"output size", `[range(100000)]`, Limits{Timeout: 10 * time.Second, MemoryBytes: 128 << 20, OutputBytes: 1000}, "maxResponseBytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if raceEnabled && c.want == "queryMemoryMiB" {
				t.Skip("under -race the rlimit has 1 GiB more for the detector's shadow memory; `go test ./pkg/jqworker` checks this case")
			}
			start := time.Now()
			input := []byte(`null`)
			if c.name == "long single steps" {
				input = []byte(strings.Repeat("123456789", 1<<22/9))
			}
			_, err := Run(context.Background(), c.prog, input, c.lim)
			// Not a speed target: the run must end at its bound, not whenever the program does.
			if took := time.Since(start); took > c.lim.Timeout+10*time.Second {
				t.Errorf("Run returned after %s, past jqTimeout (%s) by more than 10 s", took, c.lim.Timeout)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if c.want == "" {
				if !strings.Contains(err.Error(), "deeper than 256 levels") {
					t.Errorf("error %q does not name the nesting bound", err)
				}
				return
			}
			if got := budgetKey(t, err); got != c.want {
				t.Errorf("error %q names %s, want %s", err, got, c.want)
			}
			// The largest RSS of any worker reaped so far (the kernel's ru_maxrss of the children):
			// a memory case stayed within its cap, plus the binary's own pages.
			if peak := childrenMaxRSS(); c.want == "queryMemoryMiB" && peak > c.lim.MemoryBytes+64<<20 {
				t.Errorf("a worker's peak RSS was %d MiB, over its %d MiB budget + 64 MiB", peak>>20, c.lim.MemoryBytes>>20)
			}
		})
	}
}

func TestRunErrorsAndCancel(t *testing.T) {
	_, err := Run(context.Background(), `.a | error("bad row")`, []byte(`{"a":1}`), small)
	var je *Error
	if !errors.As(err, &je) || !strings.Contains(err.Error(), "bad row") {
		t.Errorf("run error %v", err)
	}
	_, err = Run(context.Background(), `.a | {`, []byte(`{}`), small)
	if !errors.As(err, &je) || !strings.Contains(err.Error(), "not a valid jq program") {
		t.Errorf("parse error %v", err)
	}
	_, err = Run(context.Background(), `[$ENV[], env[]]`, []byte(`{}`), small)
	if err != nil {
		t.Errorf("env: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	_, err = Run(ctx, `reduce range(40) as $i (3; . * .)`, []byte(`null`), Limits{Timeout: time.Minute, MemoryBytes: 256 << 20, OutputBytes: 1 << 20})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
}

// After a run, started workers wait in the pool; one that died while idle is passed over.
func TestPoolSkipsDeadWorkers(t *testing.T) {
	if _, err := Run(context.Background(), `.`, []byte(`1`), small); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(idle) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(idle) == 0 {
		t.Fatal("no started worker waits in the pool after a run")
	}
	w := <-idle
	if err := w.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-w.done
	w.done <- nil // as if Wait had just returned: take must still see it dead
	idle <- w
	for range 3 {
		doc, err := Run(context.Background(), `. + 1`, []byte(`1`), small)
		if err != nil {
			t.Fatal(err)
		}
		if got := doc.Root; got != json.Number("2") {
			t.Fatalf("result %v", got)
		}
	}
}

// The budget is what jq may use, not what the worker has mapped before it reads the program: the
// binary's static data and the Go runtime's heap index take about 80 MiB of address space (116
// MiB in a cgo test binary, plus 8 MiB per thread), most of it never touched, and RLIMIT_DATA
// counts it all. Before, the smallest queryMemoryMiB (64) failed every jq query that allocated,
// and 128 failed a small program when a loaded machine made the runtime start a few more threads.
func TestRunSmallestBudgetRunsOrdinaryPrograms(t *testing.T) {
	lim := Limits{Timeout: 10 * time.Second, MemoryBytes: 64 << 20, OutputBytes: 1 << 20}
	for _, prog := range []string{`.`, `[range(100000)] | length`, `[range(1000000)] | length`, `[range(50000) | {a: .}] | length`} {
		doc, err := Run(context.Background(), prog, []byte(`{"a":1}`), lim)
		if err != nil {
			t.Fatalf("%s with a 64 MiB budget: %v", prog, err)
		}
		if doc.Root == nil {
			t.Fatalf("%s: no result", prog)
		}
	}
	// The budget still holds: a program that needs far more than 64 MiB is refused naming it.
	if raceEnabled {
		return // the rlimit has 1 GiB more under -race
	}
	_, err := Run(context.Background(), `[range(20000000) | {a: .}] | length`, []byte(`null`), lim)
	if got := budgetKey(t, err); got != "queryMemoryMiB" {
		t.Fatalf("a program needing gigabytes: %v", err)
	}
}

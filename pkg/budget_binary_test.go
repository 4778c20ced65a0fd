package main_test

// TestPluginBinaryQueryBudgets drives the built plugin over gRPC, as a Viewer, with the hostile jq
// programs of issue 14 and queries over the output budgets: each gets a refId error naming its bound,
// the plugin process stays the same process, its peak RSS (VmHWM) stays under 512 MiB, no jq worker
// outlives its query, and an ordinary query answers after each.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jqworker"
)

// procStatusKB reads a "VmHWM:   1234 kB" line of /proc/<pid>/status.
func procStatusKB(t *testing.T, pid int, key string) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("the plugin process %d is gone: %v", pid, err)
	}
	n, ok := jqworker.StatusKB(string(b), key)
	if !ok {
		t.Fatalf("no %s line of the form \"N kB\" in /proc/%d/status", key, pid)
	}
	return int(n)
}

// children lists the pids of the plugin process's live child processes (jq workers): each thread
// lists the children it forked.
func children(pid int) []string {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var all []string
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		all = append(all, strings.Fields(string(b))...)
	}
	return all
}

// sampleChildrenRSS samples the RSS of the plugin's children every 5 ms until stop, and returns the
// highest seen in kB (a lower bound of the true peak: a spike between samples is missed).
func sampleChildrenRSS(pid int, stop chan struct{}) int {
	peak := 0
	for {
		for _, c := range children(pid) {
			b, err := os.ReadFile("/proc/" + c + "/status")
			if err != nil {
				continue
			}
			if n, ok := jqworker.StatusKB(string(b), "VmRSS"); ok {
				peak = max(peak, int(n))
			}
		}
		select {
		case <-stop:
			return peak
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestPluginBinaryQueryBudgets(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc and relies on the Linux rlimit of the jq worker")
	}
	_, apiURL, base := customAPI(t, map[string]any{"jqTimeout": "2s"})
	plug, pid, _ := launchPlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	withKeys := func(kv ...any) map[string]any {
		jd := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			jd[kv[i].(string)] = kv[i+1]
		}
		return jd
	}
	secure := map[string]string{"clientId": clientID, "clientSecret": clientSecret}
	viewer := func(id int64, uid string, jd map[string]any) *pluginv2.PluginContext {
		pc := pluginContext(t, id, uid, uid, apiURL, jd, secure)
		pc.User = &pluginv2.User{Login: "viewer", Name: "Viewer", Role: "Viewer"}
		return pc
	}
	defaults := viewer(1, "budget-defaults", base)
	small := viewer(2, "budget-small", withKeys("maxRows", 50, "maxCells", 100, "maxColumns", 20, "maxColumnNameLength", 64))
	tiny := viewer(3, "budget-tiny", withKeys("maxRows", 3, "maxColumns", 4)) // /items has 5 rows of 7 columns

	query := func(pc *pluginv2.PluginContext, q string) *pluginv2.DataResponse {
		t.Helper()
		resp, err := plug.data.QueryData(ctx, &pluginv2.QueryDataRequest{PluginContext: pc, Queries: []*pluginv2.DataQuery{{
			RefId: "A", TimeRange: &pluginv2.TimeRange{FromEpochMS: 0, ToEpochMS: time.Now().UnixMilli()}, Json: []byte(q)}}})
		if err != nil {
			t.Fatalf("QueryData %s: %v (the plugin process died?)", q, err)
		}
		return resp.Responses["A"]
	}
	jqQuery := func(prog string) string {
		b, _ := json.Marshal(map[string]any{"refId": "A", "path": "/items", "jq": prog})
		return string(b)
	}
	ordinaryWorks := func(pc *pluginv2.PluginContext) {
		t.Helper()
		for _, q := range []string{`{"refId":"A","path":"/items"}`, jqQuery(`map({id, name})`)} {
			if r := query(pc, q); r.Error != "" || len(r.Frames) != 1 {
				t.Errorf("ordinary query %s after a hostile one: error %q, %d frames", q, r.Error, len(r.Frames))
			}
		}
	}
	ordinaryWorks(defaults)

	cases := []struct {
		name  string
		pc    *pluginv2.PluginContext
		query string
		want  []string // the error names one of these bounds
	}{
		// The nesting bound or, on a slow machine, the time or memory it takes jq to build a million levels.
		{"deep jq output (a stack overflow in encoding/json before)", defaults, jqQuery(`[{"a": reduce range(1000000) as $i (0; [.])}]`), []string{"deeper than 256 levels", "queryMemoryMiB = 256", "jqTimeout = 2s"}},
		{"jq output 300 levels deep", defaults, jqQuery(`[{"a": reduce range(300) as $i (0; [.])}]`), []string{"a value nests deeper than 256 levels (the nesting bound)"}},
		// The memory bound (about 0.2 s here) or, on a much slower machine, the time bound.
		{"big strings (5.9 GB before)", defaults, jqQuery(`[limit(1000000000; repeat("x" * 100000))]`), []string{"queryMemoryMiB = 256", "jqTimeout = 2s"}},
		{"endless recursion (4.4 GB before)", defaults, jqQuery(`def f: [f]; f`), []string{"queryMemoryMiB = 256", "jqTimeout = 2s"}},
		{"one big-integer step past jqTimeout", defaults, jqQuery(`reduce range(28) as $i (3; . * .)`), []string{"jqTimeout = 2s"}},
		{"minutes of big-integer steps", defaults, jqQuery(`reduce range(31) as $i (3; . * .)`), []string{"jqTimeout = 2s"}},
		{"rows", small, jqQuery(`[range(51)]`), []string{"more than 50 rows (bound: maxRows = 50)"}},
		{"cells", small, jqQuery(`[range(40) | {a: ., b: ., c: .}]`), []string{"(bound: maxCells = 100)"}},
		{"columns", small, jqQuery(`[reduce range(21) as $i ({}; . + {("c\($i)"): $i})]`), []string{"more than 20 columns (bound: maxColumns = 20)"}},
		{"flattened names growing per level", small, jqQuery(`[reduce range(200) as $i (1; {("key\($i)"): .})]`), []string{"(bound: maxColumnNameLength = 64)"}},
		{"rows of a reply without jq (streamed)", tiny, `{"refId":"A","path":"/items"}`, []string{"more than 3 rows (bound: maxRows = 3)"}},
		{"columns of a reply without jq (streamed)", tiny, `{"refId":"A","path":"/items","rootSelector":"$[0]"}`, []string{"more than 4 columns (bound: maxColumns = 4)"}},
		{"default column-name bound", defaults, jqQuery(`[reduce range(250) as $i (1; {("k"): .})]`), []string{"(bound: maxColumnNameLength = 256)"}},
	}
	for _, c := range cases {
		start := time.Now()
		stop := make(chan struct{})
		workerPeak := make(chan int)
		go func() { workerPeak <- sampleChildrenRSS(pid, stop) }()
		r := query(c.pc, c.query)
		took := time.Since(start)
		close(stop)
		if peak := <-workerPeak; peak > (256+64)<<10 {
			t.Errorf("%s: a jq worker's RSS reached %d MiB, over queryMemoryMiB (256) + 64 MiB for the binary", c.name, peak>>10)
		} else {
			t.Logf("%s: jq worker peak RSS sampled %d MiB", c.name, peak>>10)
		}
		ok := false
		for _, w := range c.want {
			ok = ok || strings.Contains(r.Error, w)
		}
		if !ok {
			t.Errorf("%s: refId error %q does not name the bound (%q)", c.name, r.Error, c.want)
		}
		if strings.Contains(r.Error, "internal error") {
			t.Errorf("%s: %q", c.name, r.Error)
		}
		hwm := procStatusKB(t, pid, "VmHWM")
		t.Logf("%s: %s in %s; plugin VmHWM %d MiB", c.name, r.Error, took.Round(time.Millisecond), hwm>>10)
		if hwm > 512<<10 {
			t.Errorf("%s: the plugin's peak RSS is %d MiB, over 512 MiB", c.name, hwm>>10)
		}
		if c.pc == tiny {
			ordinaryWorks(defaults)
		} else {
			ordinaryWorks(c.pc)
		}
	}
	// The workers of the hostile queries are gone once their queries are answered (killed or
	// exited, and reaped): what remains is the pool, at most 2 started workers waiting on stdin,
	// small and asleep.
	idle := func() (n int, busy string) {
		for _, c := range children(pid) {
			n++
			st, err := os.ReadFile("/proc/" + c + "/stat")
			if err != nil {
				continue
			}
			// pid (comm) state ...: the state follows the last ')'.
			f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+1:]))
			rss := 0
			if len(f) > 21 {
				pages, _ := strconv.Atoi(f[21])
				rss = pages * os.Getpagesize()
			}
			if len(f) == 0 || f[0] != "S" || rss > 64<<20 {
				busy += fmt.Sprintf(" %s (state %v, RSS %d MiB)", c, f[:1], rss>>20)
			}
		}
		return n, busy
	}
	deadline := time.Now().Add(5 * time.Second)
	for n, busy := idle(); (n > 2 || busy != "") && time.Now().Before(deadline); n, busy = idle() {
		time.Sleep(50 * time.Millisecond)
	}
	if n, busy := idle(); n > 2 || busy != "" {
		t.Errorf("%d child processes after the queries (want at most the 2 idle ones of the pool); not idle:%s", n, busy)
	}
	t.Logf("plugin peak RSS (VmHWM) after every case: %d MiB", procStatusKB(t, pid, "VmHWM")>>10)
}

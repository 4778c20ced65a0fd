package jqworker

import (
	"strconv"
	"strings"
)

// StatusKB returns the number of the first "key:   1234 kB" line of a /proc/<pid>/status text;
// false if there is none or it is not a number. The worker reads its own VmData with it (Linux);
// the plugin's binary tests read VmHWM and VmRSS.
func StatusKB(status, key string) (int64, bool) {
	for line := range strings.Lines(status) {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

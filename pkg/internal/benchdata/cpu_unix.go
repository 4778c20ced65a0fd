//go:build unix

package benchdata

import (
	"syscall"
	"time"
)

// CPU is the CPU time of the whole process (user + system), GC included. Per op it is less sensitive
// than wall time to other processes competing for the cores; with more goroutines than cores it is
// the CPU cost of one op, more than the wall ns/op.
func CPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

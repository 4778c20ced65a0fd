package benchdata

import (
	"syscall"
	"time"
)

// CPU is the CPU time of the whole process (user + kernel), as cpu_unix.go; Windows has no
// getrusage (without this file the release target windows/amd64 does not type-check).
func CPU() time.Duration {
	var creation, exit, kernel, user syscall.Filetime
	self, _ := syscall.GetCurrentProcess()
	_ = syscall.GetProcessTimes(self, &creation, &exit, &kernel, &user)
	ticks := func(f syscall.Filetime) int64 { return int64(f.HighDateTime)<<32 | int64(f.LowDateTime) }
	return time.Duration((ticks(kernel) + ticks(user)) * 100) // 100 ns units
}

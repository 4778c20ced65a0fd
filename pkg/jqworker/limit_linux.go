package jqworker

import (
	"syscall"
	"time"
)

// limitProcess caps the worker with rlimits the kernel enforces. RLIMIT_DATA, not RLIMIT_AS: the
// Go runtime reserves address space it never touches, and since Linux 4.7 RLIMIT_DATA counts the
// private writable mappings the heap and stacks live in, which is the memory a program can fill.
// RLIMIT_CPU backs up the parent's kill (which also covers wall time) should the parent hang.
func limitProcess(l Limits) error {
	mem := uint64(l.MemoryBytes) + raceMemoryExtra
	if err := syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: mem, Max: mem}); err != nil {
		return err
	}
	cpu := uint64((l.Timeout+time.Second-1)/time.Second) + 1
	return syscall.Setrlimit(syscall.RLIMIT_CPU, &syscall.Rlimit{Cur: cpu, Max: cpu + 1})
}

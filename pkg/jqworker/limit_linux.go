package jqworker

import (
	"os"
	"syscall"
	"time"
)

// limitProcess caps the worker with rlimits the kernel enforces. RLIMIT_DATA, not RLIMIT_AS: the
// Go runtime reserves address space it never touches, and since Linux 4.7 RLIMIT_DATA counts the
// private writable mappings the heap and stacks live in, which is the memory a program can fill.
// The cap is what the worker has mapped already plus the budget: before it reads the program the
// worker holds about 80 MiB of such mappings (the binary's static data, the runtime's heap index),
// mostly never touched, which would otherwise eat the budget (all of queryMemoryMiB = 64).
// RLIMIT_CPU backs up the parent's kill (which also covers wall time) should the parent hang.
func limitProcess(l Limits) error {
	mem := mappedData() + uint64(l.MemoryBytes) + raceMemoryExtra
	if err := syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: mem, Max: mem}); err != nil {
		return err
	}
	cpu := uint64((l.Timeout+time.Second-1)/time.Second) + 1
	return syscall.Setrlimit(syscall.RLIMIT_CPU, &syscall.Rlimit{Cur: cpu, Max: cpu + 1})
}

// mappedData is the process's VmData (what RLIMIT_DATA counts) in bytes; 0 if unreadable, which
// only makes the cap tighter.
func mappedData() uint64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	kb, ok := StatusKB(string(status), "VmData")
	if !ok || kb < 0 {
		return 0
	}
	return uint64(kb) << 10
}
